// Inputs for the circuits the prover tests and scripts/bench-prover.ts prove, and the public signals the protocol
// model expects for them (derived independently of the circuit: protocol/margin.ts computeMargin). No vitest here,
// so the benchmark can use it too.
import { RiskConfig, type MarketConfig } from "../../protocol/config.js";
import { BatchBuilder, RollupState } from "../../protocol/index.js";
import { Opcode, type ParamSetName, type ParamSetSizes } from "../../protocol/constants.js";
import { toField } from "../../protocol/field.js";
import { computeMargin, type MarginInputs, type Prices } from "../../protocol/margin.js";
import { marginAccountInputs, marginConfigInputs, priceInputs } from "../../circuits/tooling/inputs.js";
import type { CircuitInputs } from "../../circuits/tooling/witness.js";
import { batchWitness } from "../../circuits/tooling/batchWitness.js";
import { seededAddress, seededKey, seededSalt } from "../../client/sim/keys.js";
import { simParams, simPrices } from "../../client/sim/markets.js";
import { GENESIS_TIME } from "../../client/sim/scenario.js";

const USD = 10n ** 16n; // Value units per USD
const PRICE_USD = 10n ** 8n; // Price units per USD
const LOT = 10n ** 8n; // Amount units per whole contract

export interface MarginCase {
  readonly account: MarginInputs;
  readonly cfg: RiskConfig;
  readonly prices: Prices;
}

/**
 * A realistic account for AccountMargin(M, C, T): every market open (alternating long/short), every collateral
 * held, a debt in quote, two tiers per market where the set has room. `variant` shifts sizes and prices so that
 * different variants give different public signals.
 */
export function marginCase(
  sizes: Pick<ParamSetSizes, "markets" | "collaterals" | "tiers">,
  variant = 0,
): MarginCase {
  const { markets: M, collaterals: C, tiers: T } = sizes;
  const v = BigInt(variant);
  const markets: MarketConfig[] = Array.from({ length: M }, (_, m) => ({
    symbol: `MKT${m}`,
    tiers:
      T >= 2
        ? [
            { start: 0n, imr: 100_000n, mmr: 50_000n },
            { start: 1_000_000n * USD, imr: 200_000n, mmr: 100_000n },
          ]
        : [{ start: 0n, imr: 100_000n, mmr: 50_000n }],
    liquidationFee: 10_000n,
    maxFundingStep: 1_000n,
  }));
  const collaterals = Array.from({ length: C }, (_, c) => ({
    symbol: `COL${c}`,
    haircut: c === 0 ? 1_000_000n : 800_000n,
  }));
  const cfg = new RiskConfig(markets, collaterals).withTierCount(T);
  const prices: Prices = {
    markets: Array.from({ length: M }, (_, m) => (1_000n + 37n * BigInt(m) + v) * PRICE_USD),
    collaterals: Array.from({ length: C }, (_, c) => (c === 0 ? 1n : 2_000n + BigInt(c) + v) * PRICE_USD),
  };
  const account: MarginInputs = {
    quote: -(5_000n + v) * USD,
    balances: Array.from({ length: C }, (_, c) => (c === 0 ? 20_000n : 3n + BigInt(c)) * LOT),
    sizes: Array.from({ length: M }, (_, m) => (m % 2 === 0 ? 1n : -1n) * (2n + BigInt(m) + v) * LOT),
    fundingIndices: Array.from({ length: M }, () => 0n),
  };
  return { account, cfg, prices };
}

export function marginInputs(c: MarginCase): CircuitInputs {
  return { ...marginAccountInputs(c.account), ...priceInputs(c.prices), ...marginConfigInputs(c.cfg) };
}

/**
 * The verifier's public signals of AccountMargin for this case: the outputs in declaration order (tvS, mmS, imS,
 * tv, mm, im, tier[M], healthy, liquidatable, bankrupt), then the public inputs marketPrices, collateralPrices.
 */
export function marginPublicSignals(c: MarginCase): string[] {
  const m = computeMargin(c.account, c.cfg, c.prices);
  const b = (x: boolean): bigint => (x ? 1n : 0n);
  return [
    m.tvS,
    m.mmS,
    m.imS,
    m.tv,
    m.mm,
    m.im,
    ...m.perMarket.map((p) => BigInt(p.tier)),
    b(m.healthy),
    b(m.liquidatable),
    b(m.bankrupt),
    ...c.prices.markets,
    ...c.prices.collaterals,
  ].map((x) => toField(x).toString());
}

/**
 * A full batch for BatchMain at `set`: one deposit per op slot, each registering a new account (a Merkle write per
 * slot, the common case of a busy batch). `variant` changes the amounts. Returns the circuit inputs and the public
 * signal the model computes for it (publicInputHash).
 */
export function depositBatch(
  set: ParamSetName,
  variant = 0,
): { inputs: CircuitInputs; publicSignals: string[] } {
  const params = simParams(set);
  const fund = `bench:${set}:0`;
  const state = RollupState.genesis(params, seededKey(fund).publicKey, seededSalt(fund));
  const b = new BatchBuilder(state, {
    batchTime: GENESIS_TIME + 60n,
    prices: simPrices(params),
    fundingIndices: [...state.fundingIndices],
  });
  for (let i = 1; i <= params.sizes.opSlots; i++) {
    const who = `bench:${set}:${i}`;
    const k = seededKey(who).publicKey;
    b.apply({
      opcode: Opcode.DEPOSIT,
      l1Address: seededAddress(who),
      accountIndex: BigInt(i),
      pubKeyX: k.x,
      pubKeyY: k.y,
      asset: 0,
      amount: (1_000n + BigInt(i) + BigInt(variant)) * LOT,
      salt: seededSalt(who),
    });
  }
  const result = b.finish();
  return { inputs: batchWitness(result).inputs, publicSignals: [toField(result.publicInputHash).toString()] };
}
