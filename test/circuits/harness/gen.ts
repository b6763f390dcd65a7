// Random protocol objects for circuit tests: valid risk configs, prices and accounts, biased toward the bounds of
// their PROTOCOL §2 types and toward tier boundaries, since that is where circuits and the model could disagree.
// A seeded generator (driven by a fast-check integer) keeps every case reproducible from fast-check's seed.
import fc from "fast-check";
import { Account, type Sizes } from "../../../protocol/account.js";
import { RiskConfig, UNUSED_TIER_START, type MarketConfig, type Tier } from "../../../protocol/config.js";
import {
  MAX_FUNDING_RATE_PPM_CAP,
  MAX_LIQUIDATION_FEE_PPM,
  RATE_SCALE,
} from "../../../protocol/constants.js";
import type { Prices } from "../../../protocol/margin.js";
import { FIELD_MODULUS } from "../../../protocol/field.js";

/** splitmix64 over bigints: small, fast, and good enough to spread test cases. */
export class Rng {
  private s: bigint;
  constructor(seed: number) {
    this.s = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 0x1234567n);
  }

  private next64(): bigint {
    this.s = BigInt.asUintN(64, this.s + 0x9e3779b97f4a7c15n);
    let z = this.s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }

  /** Uniform in [lo, hi]. */
  uniform(lo: bigint, hi: bigint): bigint {
    if (hi < lo) throw new RangeError(`empty range [${lo}, ${hi}]`);
    const span = hi - lo + 1n;
    let x = 0n;
    for (let bits = 0n; 1n << bits < span * 1024n; bits += 64n) x = (x << 64n) | this.next64();
    return lo + (x % span);
  }

  /** In [lo, hi], a quarter of the time one of the ends (or next to one), else log-uniform in magnitude. */
  pick(lo: bigint, hi: bigint): bigint {
    const r = this.int(8);
    if (r === 0) return lo;
    if (r === 1) return hi;
    if (r === 2 && lo < hi) return lo + 1n;
    if (r === 3) return this.uniform(lo, hi);
    // Log-uniform: choose a bit length, then a value of about that size, clamped into range.
    const span = hi - lo;
    const bits = this.int(span.toString(2).length + 1);
    const v = lo + (bits === 0 ? 0n : this.uniform(0n, (1n << BigInt(bits)) - 1n));
    return v > hi ? hi : v;
  }

  int(n: number): number {
    return Number(this.next64() % BigInt(n));
  }

  bool(): boolean {
    return this.int(2) === 1;
  }

  field(): bigint {
    return this.uniform(0n, FIELD_MODULUS - 1n);
  }
}

export const seeds = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 0x7fffffff });

export const pow2 = (n: number): bigint => 1n << BigInt(n);

/**
 * A valid market with `T` tiers (some maybe unused). `near` lists notionals the tier starts should crowd around
 * (exactly at, just below, just above), so tests land on tier boundaries.
 */
export function randomMarket(
  rng: Rng,
  symbol: string,
  T: number,
  near: readonly bigint[] = [],
): MarketConfig {
  const used = 1 + rng.int(T);
  const candidates: bigint[] = [];
  for (const n of near) candidates.push(n, n + 1n, n > 1n ? n - 1n : 1n, n / 2n + 1n, n * 2n + 1n);
  const starts: bigint[] = [0n];
  while (starts.length < used) {
    const prev = starts[starts.length - 1]!;
    const above = candidates.filter((x) => x > prev && x < UNUSED_TIER_START);
    const next =
      above.length > 0 && rng.int(3) > 0 ? above[rng.int(above.length)]! : prev + rng.pick(1n, pow2(100));
    if (next >= UNUSED_TIER_START) break;
    starts.push(next);
  }
  const tiers: Tier[] = [];
  let mmr = rng.pick(1n, RATE_SCALE);
  let imr = rng.pick(mmr, RATE_SCALE);
  for (const start of starts) {
    tiers.push({ start, imr, mmr });
    mmr = rng.pick(mmr, RATE_SCALE);
    imr = rng.pick(imr > mmr ? imr : mmr, RATE_SCALE);
  }
  return {
    symbol,
    tiers,
    liquidationFee: rng.pick(0n, MAX_LIQUIDATION_FEE_PPM),
    maxFundingStep: rng.pick(0n, MAX_FUNDING_RATE_PPM_CAP),
  };
}

export function randomConfig(
  rng: Rng,
  M: number,
  C: number,
  T: number,
  near: readonly (readonly bigint[])[] = [],
): RiskConfig {
  const markets = Array.from({ length: M }, (_, m) => randomMarket(rng, `MKT${m}`, T, near[m] ?? []));
  const collaterals = Array.from({ length: C }, (_, c) => ({
    symbol: `COL${c}`,
    haircut: rng.pick(0n, RATE_SCALE),
  }));
  return new RiskConfig(markets, collaterals).withTierCount(T);
}

/** Prices in (0, 2^56); `realistic` keeps them in 1e-8..1e6 USD so margin figures stay far from their bounds. */
export function randomPrices(rng: Rng, M: number, C: number, realistic: boolean): Prices {
  const hi = realistic ? 10n ** 14n : pow2(56) - 1n;
  return {
    markets: Array.from({ length: M }, () => rng.pick(1n, hi)),
    collaterals: Array.from({ length: C }, () => rng.pick(1n, hi)),
  };
}

/** An account with every field inside its §2 type; `realistic` keeps balances and sizes moderate. */
export function randomAccount(rng: Rng, dims: Sizes, realistic: boolean, allOpen = false): Account {
  const a = new Account(dims);
  const amt = realistic ? pow2(40) : pow2(63);
  a.pubKeyX = rng.field();
  a.pubKeyY = rng.field();
  a.nonce = rng.pick(0n, pow2(32) - 1n);
  a.salt = rng.field();
  a.quote = realistic ? rng.pick(-pow2(80), pow2(80)) : rng.pick(-pow2(95), pow2(95) - 1n);
  a.balances = a.balances.map(() => rng.pick(0n, realistic ? pow2(40) : pow2(64) - 1n));
  a.sizes = a.sizes.map(() => {
    const s = rng.pick(-amt, amt - 1n);
    return allOpen && s === 0n ? 1n : s;
  });
  a.fundingIndices = a.fundingIndices.map(() => rng.pick(-pow2(63), pow2(63) - 1n));
  const slots = rng.int(3);
  for (let i = 0; i < slots; i++) {
    a.setSlot(BigInt(rng.int(1 << dims.orderDepth)), {
      nonce: rng.pick(1n, pow2(32) - 1n),
      filled: rng.pick(0n, pow2(63) - 1n),
    });
  }
  a.checkBounds();
  return a;
}
