// Risk parameters (PROTOCOL §5.1): per-market tiers, liquidation fee and funding step bound, per-collateral
// haircut. The config owns its validation, its tier deductions and its commitment `configHash`.
import {
  DOMAIN_CONFIG,
  MAX_FUNDING_RATE_PPM_CAP,
  MAX_LIQUIDATION_FEE_PPM,
  RATE_BITS,
  RATE_SCALE,
  TIER_START_BITS,
} from "./constants.js";
import { fail } from "./errors.js";
import { checkUint } from "./field.js";
import { hashTagged } from "./poseidon.js";
import { parseDecimal, formatDecimal } from "./decimal.js";
import { RATE_DECIMALS, VALUE_DECIMALS } from "./constants.js";

export interface Tier {
  /** Notional (Value units) from which this tier's rates apply to the part above it. */
  readonly start: bigint;
  readonly imr: bigint;
  readonly mmr: bigint;
}

export interface MarketConfig {
  readonly symbol: string;
  readonly tiers: readonly Tier[];
  readonly liquidationFee: bigint;
  readonly maxFundingStep: bigint;
}

export interface CollateralConfig {
  readonly symbol: string;
  readonly haircut: bigint;
}

/** Tier start of an unused tier: above every reachable notional (< 2^120). */
export const UNUSED_TIER_START = (1n << BigInt(TIER_START_BITS)) - 1n;

export interface TierDeductions {
  readonly im: readonly bigint[];
  readonly mm: readonly bigint[];
}

export class RiskConfig {
  readonly deductions: readonly TierDeductions[];

  constructor(
    readonly markets: readonly MarketConfig[],
    readonly collaterals: readonly CollateralConfig[],
  ) {
    markets.forEach((m, i) => validateMarket(m, i));
    collaterals.forEach((c) => {
      checkUint(c.haircut, RATE_BITS, `${c.symbol} haircut`);
      if (c.haircut > RATE_SCALE) fail("BAD_CONFIG", `${c.symbol} haircut must lie in [0, 1]`);
    });
    const names = [...markets.map((m) => m.symbol), ...collaterals.map((c) => c.symbol)];
    if (new Set(names).size !== names.length)
      fail("BAD_CONFIG", "market and collateral symbols must be unique");
    this.deductions = markets.map((m) => ({
      im: deductions(m.tiers, "imr"),
      mm: deductions(m.tiers, "mmr"),
    }));
  }

  marketIndex(symbol: string): number {
    const i = this.markets.findIndex((m) => m.symbol === symbol);
    if (i < 0) fail("UNKNOWN_MARKET", `unknown market "${symbol}"`);
    return i;
  }

  collateralIndex(symbol: string): number {
    const i = this.collaterals.findIndex((c) => c.symbol === symbol);
    if (i < 0) fail("UNKNOWN_ASSET", `unknown collateral asset "${symbol}"`);
    return i;
  }

  /** The same config with every market padded to exactly `t` tiers, as a parameter set's circuits require. */
  withTierCount(t: number): RiskConfig {
    return new RiskConfig(
      this.markets.map((m) => {
        if (m.tiers.length > t)
          fail("BAD_CONFIG", `market ${m.symbol} has ${m.tiers.length} tiers, the set allows ${t}`);
        const last = m.tiers[m.tiers.length - 1]!;
        const pad = Array.from({ length: t - m.tiers.length }, () => ({ ...last, start: UNUSED_TIER_START }));
        return { ...m, tiers: [...m.tiers, ...pad] };
      }),
      this.collaterals,
    );
  }

  /** Flat field list committed by configHash, in PROTOCOL §5.1 order. */
  fields(): bigint[] {
    const out: bigint[] = [];
    for (const m of this.markets) {
      for (const t of m.tiers) out.push(t.start, t.imr, t.mmr);
      out.push(m.liquidationFee, m.maxFundingStep);
    }
    for (const c of this.collaterals) out.push(c.haircut);
    return out;
  }

  hash(): bigint {
    return hashTagged(DOMAIN_CONFIG, this.fields());
  }

  serialize(): SerializedRiskConfig {
    return {
      markets: this.markets.map((m) => ({
        symbol: m.symbol,
        tiers: m.tiers.map((t) => ({
          start: t.start.toString(),
          imr: t.imr.toString(),
          mmr: t.mmr.toString(),
        })),
        liquidationFee: m.liquidationFee.toString(),
        maxFundingStep: m.maxFundingStep.toString(),
      })),
      collaterals: this.collaterals.map((c) => ({ symbol: c.symbol, haircut: c.haircut.toString() })),
    };
  }

  static parse(s: SerializedRiskConfig): RiskConfig {
    return new RiskConfig(
      s.markets.map((m) => ({
        symbol: m.symbol,
        tiers: m.tiers.map((t) => ({ start: BigInt(t.start), imr: BigInt(t.imr), mmr: BigInt(t.mmr) })),
        liquidationFee: BigInt(m.liquidationFee),
        maxFundingStep: BigInt(m.maxFundingStep),
      })),
      s.collaterals.map((c) => ({ symbol: c.symbol, haircut: BigInt(c.haircut) })),
    );
  }

  /** Human form: rates as decimal fractions, tier starts in USD. */
  describe(): unknown {
    return {
      markets: this.markets.map((m) => ({
        symbol: m.symbol,
        tiers: m.tiers
          .filter((t) => t.start !== UNUSED_TIER_START)
          .map((t) => ({
            from: formatDecimal(t.start, VALUE_DECIMALS),
            imr: formatDecimal(t.imr, RATE_DECIMALS),
            mmr: formatDecimal(t.mmr, RATE_DECIMALS),
          })),
        liquidationFee: formatDecimal(m.liquidationFee, RATE_DECIMALS),
        maxFundingStep: formatDecimal(m.maxFundingStep, RATE_DECIMALS),
      })),
      collaterals: this.collaterals.map((c) => ({
        symbol: c.symbol,
        haircut: formatDecimal(c.haircut, RATE_DECIMALS),
      })),
    };
  }
}

export interface SerializedRiskConfig {
  markets: {
    symbol: string;
    tiers: { start: string; imr: string; mmr: string }[];
    liquidationFee: string;
    maxFundingStep: string;
  }[];
  collaterals: { symbol: string; haircut: string }[];
}

function validateMarket(m: MarketConfig, i: number): void {
  const what = `market ${m.symbol || i}`;
  if (m.tiers.length < 1) fail("BAD_CONFIG", `${what} needs at least one tier`);
  m.tiers.forEach((t, k) => {
    checkUint(t.start, TIER_START_BITS, `${what} tier ${k} start`);
    checkUint(t.imr, RATE_BITS, `${what} tier ${k} imr`);
    checkUint(t.mmr, RATE_BITS, `${what} tier ${k} mmr`);
    if (t.mmr === 0n) fail("BAD_CONFIG", `${what} tier ${k}: mmr must be positive`);
    if (t.mmr > t.imr) fail("BAD_CONFIG", `${what} tier ${k}: mmr must not exceed imr`);
    if (t.imr > RATE_SCALE) fail("BAD_CONFIG", `${what} tier ${k}: imr must not exceed 1`);
    if (k === 0 && t.start !== 0n) fail("BAD_CONFIG", `${what}: the first tier must start at 0`);
    if (k > 0) {
      const prev = m.tiers[k - 1]!;
      const unused = t.start === UNUSED_TIER_START;
      if (!unused && t.start <= prev.start) fail("BAD_CONFIG", `${what}: tier starts must increase`);
      if (!unused && prev.start === UNUSED_TIER_START)
        fail("BAD_CONFIG", `${what}: a used tier follows an unused one`);
      if (t.imr < prev.imr || t.mmr < prev.mmr) fail("BAD_CONFIG", `${what}: tier rates must not decrease`);
    }
  });
  checkUint(m.liquidationFee, RATE_BITS, `${what} liquidation fee`);
  if (m.liquidationFee > MAX_LIQUIDATION_FEE_PPM) fail("BAD_CONFIG", `${what}: liquidation fee above cap`);
  checkUint(m.maxFundingStep, RATE_BITS, `${what} funding step`);
  if (m.maxFundingStep > MAX_FUNDING_RATE_PPM_CAP) fail("BAD_CONFIG", `${what}: funding step above cap`);
}

/** ded[0] = 0, ded[k] = ded[k-1] + start[k]·(rate[k] − rate[k-1]) — keeps requirements continuous (PROTOCOL §5.2). */
function deductions(tiers: readonly Tier[], key: "imr" | "mmr"): bigint[] {
  const out = [0n];
  for (let k = 1; k < tiers.length; k++) {
    const t = tiers[k]!;
    const rateStep = t[key] - tiers[k - 1]![key];
    // An unused tier is never selected; give it the deduction it would have so the sequence stays monotone.
    out.push(out[k - 1]! + t.start * rateStep);
  }
  return out;
}

/** Parses a rate written as a decimal fraction ("0.05") into ppm. */
export function parseRate(s: string, what: string): bigint {
  const v = parseDecimal(s, RATE_DECIMALS, what);
  if (v < 0n || v > RATE_SCALE) fail("OUT_OF_RANGE", `${what} must lie in [0, 1]`);
  return v;
}
