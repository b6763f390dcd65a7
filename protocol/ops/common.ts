// Steps shared by several op handlers, each exactly one PROTOCOL rule so handlers read like the spec.
import { AMOUNT_BITS, PRICE_BITS, QUOTE_BITS, RATE_SCALE, AMOUNT_SCALE } from "../constants.js";
import type { Account } from "../account.js";
import { fail } from "../errors.js";
import { checkPositive, checkUint } from "../field.js";
import { computeMargin, fillMarginRule, isRiskIncreasing, type Margin } from "../margin.js";
import type { SignedOrder } from "../order.js";
import type { OpEnv } from "./types.js";

export const QUOTE_PER_AMOUNT = AMOUNT_SCALE; // a quote-asset Amount of 1e-8 USD is 1e8 Value units

export function checkAccountIndex(env: OpEnv, i: bigint, what: string): bigint {
  if (i < 0n || i >= 1n << BigInt(env.params.sizes.accountDepth)) {
    fail("ACCOUNT_INDEX_OUT_OF_RANGE", `${what} ${i} outside a depth-${env.params.sizes.accountDepth} tree`);
  }
  return i;
}

export function checkMarket(env: OpEnv, m: number): number {
  if (!Number.isInteger(m) || m < 0 || m >= env.params.sizes.markets)
    fail("UNKNOWN_MARKET", `market ${m} does not exist`);
  return m;
}

export function checkAsset(env: OpEnv, a: number): number {
  if (!Number.isInteger(a) || a < 0 || a > env.params.sizes.collaterals)
    fail("UNKNOWN_ASSET", `asset ${a} does not exist`);
  return a;
}

export function checkFillAndPrice(fill: bigint, price: bigint): void {
  checkPositive(fill, AMOUNT_BITS, "fill size");
  checkPositive(price, PRICE_BITS, "price");
}

/** Non-negative Value amount that must fit the quote balance type (fees, penalties). */
export function checkCharge(x: bigint, what: string): bigint {
  return checkUint(x, QUOTE_BITS - 1, what);
}

export function requireRegistered(a: Account, i: bigint): void {
  if (!a.registered) fail("ACCOUNT_NOT_REGISTERED", `account ${i} is not registered`);
}

/** PROTOCOL §7: quote −= Σ size·(I − lastIndex); lastIndex = I. */
export function settleFunding(a: Account, indices: readonly bigint[]): void {
  for (let m = 0; m < a.sizes.length; m++) {
    a.quote -= a.sizes[m]! * (indices[m]! - a.fundingIndices[m]!);
    a.fundingIndices[m] = indices[m]!;
  }
}

/** Moves `delta` (signed, buy > 0) of market m into the account at `price`. */
export function applyFill(a: Account, m: number, delta: bigint, price: bigint): void {
  a.sizes[m] = a.sizes[m]! + delta;
  a.quote -= delta * price;
}

export function marginOf(env: OpEnv, a: Account): Margin {
  return computeMargin(a, env.params.config, env.prices, env.fundingIndices);
}

/** R(acct) of PROTOCOL §7 for a fill in market m. */
export function requireFillMargin(env: OpEnv, before: Account, after: Account, m: number, who: string): void {
  const reason = fillMarginRule(
    marginOf(env, before),
    marginOf(env, after),
    isRiskIncreasing(before.sizes[m]!, after.sizes[m]!),
  );
  if (reason) fail("UNDER_MARGINED", `${who}: ${reason}`);
}

/**
 * Every order-side check of PROTOCOL §7.3 except margin: signature, market, side, expiry, slot rule, limit, fee.
 * Records the fill in the order's slot.
 */
export function fillOrder(
  env: OpEnv,
  acct: Account,
  so: SignedOrder,
  o: { market: number; isBuy: boolean; fill: bigint; price: bigint; fee: bigint },
  who: string,
): void {
  const ord = so.order;
  if (!ord.verify(acct.pubKey, so.signature, env.params.domain))
    fail("BAD_SIGNATURE", `${who}: invalid order signature`);
  if (ord.market !== o.market)
    fail("MARKET_MISMATCH", `${who}: order is for market ${ord.market}, not ${o.market}`);
  if (ord.isBuy !== o.isBuy) fail("SAME_SIDE", `${who}: order side does not match its role in the fill`);
  if (!(env.batchTime < ord.expiry)) fail("ORDER_EXPIRED", `${who}: order expired at ${ord.expiry}`);
  const slot = acct.slot(ord.slot);
  const filled = ord.filledBefore(slot) + o.fill;
  if (filled > ord.size) fail("OVERFILL", `${who}: fill would take the order to ${filled} of ${ord.size}`);
  if (ord.isBuy ? o.price > ord.limitPrice : o.price < ord.limitPrice) {
    fail("PRICE_OUTSIDE_LIMIT", `${who}: price ${o.price} is beyond the limit ${ord.limitPrice}`);
  }
  if (o.fee * RATE_SCALE > o.fill * o.price * ord.maxFee)
    fail("FEE_TOO_HIGH", `${who}: fee exceeds the signed maxFee`);
  acct.setSlot(ord.slot, { nonce: ord.nonce, filled });
}

/** Reduce-only (PROTOCOL §7.3, invariant 17): the size moved toward 0 without crossing it. */
export function requireReduceOnly(before: bigint, after: bigint, who: string): void {
  const ok = before >= 0n ? after >= 0n && after <= before : after <= 0n && after >= before;
  if (!ok) fail("REDUCE_ONLY_VIOLATED", `${who}: a reduce-only order may not increase or flip the position`);
}
