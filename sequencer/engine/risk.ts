// Margin simulations the sequencer runs before it builds an op: the pre-trade check of a resting order, the
// attribution of a failing fill to maker or taker, and the searches for liquidation size, price and penalty.
// Every figure comes from the protocol model's own functions (settleFunding, applyFill, computeMargin,
// fillMarginRule, healthRatioNonDecreasing); the searches only pick numbers, and the op built from them is still
// validated by the BatchBuilder, which has the last word.
import {
  PRICE_BITS,
  RATE_SCALE,
  abs,
  computeMargin,
  fillMarginRule,
  healthRatioNonDecreasing,
  isProtocolError,
  isRiskIncreasing,
  type Account,
  type Margin,
  type Prices,
  type RiskConfig,
} from "../../protocol/index.js";
import { applyFill, settleFunding } from "../../protocol/ops/common.js";

export interface RiskCtx {
  readonly cfg: RiskConfig;
  readonly prices: Prices;
  /** The open batch's funding indices: every op settles against them. */
  readonly indices: readonly bigint[];
}

export const MAX_PRICE = (1n << BigInt(PRICE_BITS)) - 1n;

export function settledCopy(a: Account, ctx: RiskCtx): Account {
  const c = a.clone();
  settleFunding(c, ctx.indices);
  return c;
}

export function marginOf(a: Account, ctx: RiskCtx): Margin {
  return computeMargin(a, ctx.cfg, ctx.prices, ctx.indices);
}

export interface SimFill {
  readonly market: number;
  /** Signed size change: buy > 0. */
  readonly delta: bigint;
  readonly price: bigint;
  /** Value units charged to the account. */
  readonly fee: bigint;
}

/**
 * R(acct) of PROTOCOL §7 for `fills` applied together, judged on market `m` (the one whose risk the new order
 * changes). Returns the reason for refusal or null. A result outside the model's bounds is a refusal too.
 */
export function fillRule(a: Account, ctx: RiskCtx, fills: readonly SimFill[], m: number): string | null {
  try {
    const before = settledCopy(a, ctx);
    const after = before.clone();
    for (const f of fills) {
      applyFill(after, f.market, f.delta, f.price);
      after.quote -= f.fee;
    }
    after.checkBounds();
    return fillMarginRule(
      marginOf(before, ctx),
      marginOf(after, ctx),
      isRiskIncreasing(before.sizes[m]!, after.sizes[m]!),
    );
  } catch (e) {
    if (isProtocolError(e)) return e.message;
    throw e;
  }
}

/** Largest fill of side `isBuy` that moves `size` toward 0 without crossing it (reduce-only, PROTOCOL §7.3). */
export function reduceOnlyCap(size: bigint, isBuy: boolean): bigint {
  if (isBuy) return size < 0n ? -size : 0n;
  return size > 0n ? size : 0n;
}

/** Fee in Value units for a fill at a ppm rate, rounded down (never above what the signed maxFee allows). */
export function feeFor(fill: bigint, price: bigint, ppm: bigint): bigint {
  return (fill * price * ppm) / RATE_SCALE;
}

// ---------------------------------------------------------------- monotone searches over integers

/** Smallest x in [lo, hi] with pred(x), for pred false…false true…true; null if none. */
export function searchMin(lo: bigint, hi: bigint, pred: (x: bigint) => boolean): bigint | null {
  if (lo > hi || !pred(hi)) return null;
  while (lo < hi) {
    const mid = lo + (hi - lo) / 2n;
    if (pred(mid)) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

/** Largest x in [lo, hi] with pred(x), for pred true…true false…false; null if none. */
export function searchMax(lo: bigint, hi: bigint, pred: (x: bigint) => boolean): bigint | null {
  if (lo > hi || !pred(lo)) return null;
  while (lo < hi) {
    const mid = hi - (hi - lo) / 2n;
    if (pred(mid)) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

// ---------------------------------------------------------------- liquidation

/** L (already settled) closing `fill` of market m at `price` and paying `penalty`: its margin before and after. */
export function closeSim(
  L: Account,
  ctx: RiskCtx,
  m: number,
  fill: bigint,
  price: bigint,
  penalty: bigint,
): { before: Margin; after: Margin } | null {
  try {
    const s = L.sizes[m]!;
    const after = L.clone();
    applyFill(after, m, s > 0n ? -fill : fill, price);
    after.quote -= penalty;
    after.checkBounds();
    return { before: marginOf(L, ctx), after: marginOf(after, ctx) };
  } catch (e) {
    if (isProtocolError(e)) return null;
    throw e;
  }
}

/** The LIQUIDATE ratio rule (PROTOCOL §7.4): TV'·MM ≥ TV·MM' on the shown figures. */
export function ratioHolds(
  L: Account,
  ctx: RiskCtx,
  m: number,
  fill: bigint,
  price: bigint,
  penalty: bigint,
): boolean {
  const r = closeSim(L, ctx, m, fill, price, penalty);
  return r !== null && healthRatioNonDecreasing(r.before, r.after);
}

/** The market's penalty cap on `fill` at mark: penalty·1e6 ≤ fill·P·liquidationFee. */
export function penaltyCap(ctx: RiskCtx, m: number, fill: bigint): bigint {
  return (fill * ctx.prices.markets[m]! * ctx.cfg.markets[m]!.liquidationFee) / RATE_SCALE;
}

/**
 * The penalty the fund charges: half of the largest penalty the ratio rule allows, capped by the market's fee.
 * Taking only half keeps the liquidated account's health ratio strictly improving, so partial liquidation converges.
 * null when the rule fails even without a penalty (the price is beyond the zero price).
 */
export function fundPenalty(L: Account, ctx: RiskCtx, m: number, fill: bigint, price: bigint): bigint | null {
  const cap = penaltyCap(ctx, m, fill);
  const allowed = searchMax(0n, cap * 2n + 1n, (pen) => ratioHolds(L, ctx, m, fill, price, pen));
  if (allowed === null) return null;
  const half = allowed / 2n;
  return half < cap ? half : cap;
}

/**
 * The price at which the fund takes `fill` of L's position: the mark price when the ratio rule holds there, else the
 * best price for the fund that still satisfies the rule — the zero price, which for a bankrupt account lies on the
 * far side of the mark (the fund absorbs the deficit). null if no representable price satisfies it.
 */
export function fundPrice(L: Account, ctx: RiskCtx, m: number, fill: bigint): bigint | null {
  const P = ctx.prices.markets[m]!;
  if (ratioHolds(L, ctx, m, fill, P, 0n)) return P;
  const long = L.sizes[m]! > 0n;
  // A long L sells to the fund: a higher price helps L, so the fund's best price is the lowest that passes.
  return long
    ? searchMin(P, MAX_PRICE, (p) => ratioHolds(L, ctx, m, fill, p, 0n))
    : searchMax(1n, P, (p) => ratioHolds(L, ctx, m, fill, p, 0n));
}

/**
 * How much of market m to close so that L is healthy afterwards when it closes at the mark paying the full fee cap
 * (a conservative stand-in for the penalty actually charged); the whole position if no partial close suffices.
 */
export function liquidationSize(L: Account, ctx: RiskCtx, m: number): bigint {
  const s = abs(L.sizes[m]!);
  if (s === 0n) return 0n;
  const P = ctx.prices.markets[m]!;
  const healthyAfter = (fill: bigint): boolean => {
    const r = closeSim(L, ctx, m, fill, P, penaltyCap(ctx, m, fill));
    return r !== null && r.after.tvS >= r.after.mmS;
  };
  return searchMin(1n, s, healthyAfter) ?? s;
}

/**
 * Deleverage price for bankrupt A closing `fill` of market m (PROTOCOL §7.5): the price most favourable to A such
 * that A's deficit does not shrink faster than its position (TVs'·|s| ≤ TVs·(|s|−fill)) — the bankruptcy price —
 * provided the deficit does not grow (TVs' ≥ TVs). null when no price satisfies both.
 */
export function bankruptcyPrice(A: Account, ctx: RiskCtx, m: number, fill: bigint): bigint | null {
  const s = A.sizes[m]!;
  const abss = abs(s);
  const base = marginOf(A, ctx).tvS;
  const tvAfter = (p: bigint): bigint | null => {
    const r = closeSim(A, ctx, m, fill, p, 0n);
    return r ? r.after.tvS : null;
  };
  const proportional = (p: bigint): boolean => {
    const tv = tvAfter(p);
    return tv !== null && tv * abss <= base * (abss - fill);
  };
  // A long sells: TV' rises with the price, so the proportional bound caps it from above; a short mirrors that.
  const p = s > 0n ? searchMax(1n, MAX_PRICE, proportional) : searchMin(1n, MAX_PRICE, proportional);
  if (p === null) return null;
  const tv = tvAfter(p);
  return tv !== null && tv >= base ? p : null;
}
