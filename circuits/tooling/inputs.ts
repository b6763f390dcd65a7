// Circuit-input encoders for protocol objects that have no toCircuitInputs() of their own (the config, prices,
// margin inputs). Signal names match the templates in circuits/lib; values are decimal field strings, with signed
// integers encoded as x mod r (PROTOCOL §1).
import { toField } from "../../protocol/field.js";
import type { RiskConfig } from "../../protocol/config.js";
import type { MarginInputs, Prices } from "../../protocol/margin.js";

/** Decimal string of the field element encoding a (possibly negative) integer. */
export function fe(x: bigint): string {
  return toField(x).toString();
}

export function fes(xs: readonly bigint[]): string[] {
  return xs.map(fe);
}

/**
 * The config as ConfigHash / ConfigCheck / AccountMargin inputs (tier arrays are [market][tier]). Takes any object
 * with the config's shape, so tests can encode configs the RiskConfig constructor would refuse.
 */
export function configInputs(cfg: Pick<RiskConfig, "markets" | "collaterals">): {
  tierStart: string[][];
  imr: string[][];
  mmr: string[][];
  liquidationFee: string[];
  maxFundingStep: string[];
  haircut: string[];
} {
  return {
    tierStart: cfg.markets.map((m) => fes(m.tiers.map((t) => t.start))),
    imr: cfg.markets.map((m) => fes(m.tiers.map((t) => t.imr))),
    mmr: cfg.markets.map((m) => fes(m.tiers.map((t) => t.mmr))),
    liquidationFee: fes(cfg.markets.map((m) => m.liquidationFee)),
    maxFundingStep: fes(cfg.markets.map((m) => m.maxFundingStep)),
    haircut: fes(cfg.collaterals.map((c) => c.haircut)),
  };
}

/** The subset of the config AccountMargin takes. */
export function marginConfigInputs(cfg: Pick<RiskConfig, "markets" | "collaterals">): {
  tierStart: string[][];
  imr: string[][];
  mmr: string[][];
  haircut: string[];
} {
  const { tierStart, imr, mmr, haircut } = configInputs(cfg);
  return { tierStart, imr, mmr, haircut };
}

export function priceInputs(p: Prices): { marketPrices: string[]; collateralPrices: string[] } {
  return { marketPrices: fes(p.markets), collateralPrices: fes(p.collaterals) };
}

/** A settled account's margin-relevant fields (AccountMargin's account inputs). */
export function marginAccountInputs(a: MarginInputs): { quote: string; balances: string[]; sizes: string[] } {
  return { quote: fe(a.quote), balances: fes(a.balances), sizes: fes(a.sizes) };
}
