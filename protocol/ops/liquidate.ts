// LIQUIDATE (opcode 4, PROTOCOL §7.4): reduce a liquidatable account against the fund or a signed order, at a
// price that cannot lower its health ratio (the zero-price bound), with a capped penalty paid to the liquidator.
import { RATE_SCALE } from "../constants.js";
import { fail, type ProtocolErrorCode } from "../errors.js";
import { abs } from "../field.js";
import { healthRatioNonDecreasing } from "../margin.js";
import {
  applyFill,
  checkAccountIndex,
  checkCharge,
  checkFillAndPrice,
  checkMarket,
  fillOrder,
  marginOf,
  requireFillMargin,
  requireReduceOnly,
  requireRegistered,
  settleFunding,
} from "./common.js";
import type { LiquidateOp, OpEnv, OpOutcome } from "./types.js";
import { forcedHashStep, requireForcedKind } from "./forced.js";
import { ForcedKind } from "../constants.js";

export type LiquidateErrorCode = Extract<
  ProtocolErrorCode,
  | "OUT_OF_RANGE"
  | "ACCOUNT_INDEX_OUT_OF_RANGE"
  | "ACCOUNT_NOT_REGISTERED"
  | "INSURANCE_FUND_FORBIDDEN"
  | "UNKNOWN_MARKET"
  | "SAME_ACCOUNT"
  | "NOT_LIQUIDATABLE"
  | "NOT_REDUCING"
  | "PENALTY_TOO_HIGH"
  | "HEALTH_WORSENED"
  | "UNDER_MARGINED"
  | "MARKET_MISMATCH"
  | "SAME_SIDE"
  | "BAD_SIGNATURE"
  | "ORDER_EXPIRED"
  | "ORDER_REPLAYED"
  | "OVERFILL"
  | "PRICE_OUTSIDE_LIMIT"
  | "FORCED_MISMATCH"
  | "REDUCE_ONLY_VIOLATED"
>;

export function applyLiquidate(env: OpEnv, op: LiquidateOp): OpOutcome {
  const li = checkAccountIndex(env, op.accountIndex, "liquidated account");
  if (li === 0n) fail("INSURANCE_FUND_FORBIDDEN", "the insurance fund cannot be liquidated");
  const ki = op.liquidator
    ? checkAccountIndex(env, op.liquidator.order.accountIndex, "liquidator account")
    : 0n;
  if (ki === li) fail("SAME_ACCOUNT", "an account cannot liquidate itself");
  const m = checkMarket(env, op.market);
  checkFillAndPrice(op.fill, op.price);
  checkCharge(op.penalty, "liquidation penalty");
  if (op.servesForced) requireForcedKind(op.servesForced, ForcedKind.LIQUIDATION, li);

  const L = env.account(li);
  requireRegistered(L, li);
  const K = env.account(ki);
  requireRegistered(K, ki);
  settleFunding(L, env.fundingIndices);
  settleFunding(K, env.fundingIndices);

  const mL = marginOf(env, L);
  if (!mL.liquidatable) fail("NOT_LIQUIDATABLE", `account ${li} is above maintenance margin`);
  const s = L.sizes[m]!;
  if (s === 0n || op.fill > abs(s))
    fail("NOT_REDUCING", "a liquidation may only reduce the position it closes");
  const deltaL = s > 0n ? -op.fill : op.fill;

  const L2 = L.clone();
  const K2 = K.clone();
  if (op.liquidator) {
    fillOrder(
      env,
      K2,
      op.liquidator,
      { market: m, isBuy: deltaL < 0n, fill: op.fill, price: op.price, fee: 0n },
      "liquidator",
    );
  }
  const mark = env.prices.markets[m]!;
  if (op.penalty * RATE_SCALE > op.fill * mark * env.params.config.markets[m]!.liquidationFee) {
    fail("PENALTY_TOO_HIGH", "penalty exceeds the market's liquidation fee on the closed notional");
  }
  applyFill(L2, m, deltaL, op.price);
  L2.quote -= op.penalty;
  applyFill(K2, m, -deltaL, op.price);
  K2.quote += op.penalty;
  L2.checkBounds();
  K2.checkBounds();

  if (!healthRatioNonDecreasing(mL, marginOf(env, L2))) {
    fail(
      "HEALTH_WORSENED",
      "liquidation price or penalty would lower the account's health ratio (beyond the zero price)",
    );
  }
  if (op.liquidator?.order.reduceOnly) requireReduceOnly(K.sizes[m]!, K2.sizes[m]!, "liquidator");
  requireFillMargin(env, K, K2, m, "liquidator");
  return {
    writes: [
      { index: li, account: L2 },
      { index: ki, account: K2 },
    ],
    l1Effect: null,
    depositHash: env.depositHash,
    forcedHash: op.servesForced ? forcedHashStep(env.forcedHash, op.servesForced) : env.forcedHash,
  };
}
