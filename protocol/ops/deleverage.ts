// DELEVERAGE (opcode 5, PROTOCOL §7.5): close a bankrupt account against an opposite position when the fund
// cannot cover, at no worse than the proportional bankruptcy price for the counterparty.
import { RATE_SCALE } from "../constants.js";
import { fail, type ProtocolErrorCode } from "../errors.js";
import { abs, minBig } from "../field.js";
import {
  applyFill,
  checkAccountIndex,
  checkFillAndPrice,
  checkMarket,
  marginOf,
  requireFillMargin,
  requireRegistered,
  settleFunding,
} from "./common.js";
import type { DeleverageOp, OpEnv, OpOutcome } from "./types.js";

export type DeleverageErrorCode = Extract<
  ProtocolErrorCode,
  | "OUT_OF_RANGE"
  | "ACCOUNT_INDEX_OUT_OF_RANGE"
  | "ACCOUNT_NOT_REGISTERED"
  | "INSURANCE_FUND_FORBIDDEN"
  | "UNKNOWN_MARKET"
  | "SAME_ACCOUNT"
  | "NOT_BANKRUPT"
  | "FUND_CAN_COVER"
  | "NOT_OPPOSITE"
  | "NOT_REDUCING"
  | "DEFICIT_GROWN"
  | "PRICE_BEYOND_BANKRUPTCY"
  | "UNDER_MARGINED"
>;

export function applyDeleverage(env: OpEnv, op: DeleverageOp): OpOutcome {
  const ai = checkAccountIndex(env, op.accountIndex, "bankrupt account");
  const bi = checkAccountIndex(env, op.counterparty, "counterparty account");
  if (ai === 0n || bi === 0n)
    fail("INSURANCE_FUND_FORBIDDEN", "the insurance fund takes no part in a deleverage");
  if (ai === bi) fail("SAME_ACCOUNT", "an account cannot deleverage against itself");
  const m = checkMarket(env, op.market);
  checkFillAndPrice(op.fill, op.price);

  const A = env.account(ai);
  const B = env.account(bi);
  requireRegistered(A, ai);
  requireRegistered(B, bi);
  settleFunding(A, env.fundingIndices);
  settleFunding(B, env.fundingIndices);

  const mA = marginOf(env, A);
  if (!mA.bankrupt) fail("NOT_BANKRUPT", `account ${ai} is not bankrupt`);
  const fund = env.account(0n);
  if (fund.quote * RATE_SCALE + mA.tvS >= 0n)
    fail("FUND_CAN_COVER", "the insurance fund can cover this deficit");
  const sA = A.sizes[m]!;
  const sB = B.sizes[m]!;
  if (sA === 0n || sB === 0n || sA > 0n === sB > 0n)
    fail("NOT_OPPOSITE", "positions must be non-zero and opposite");
  if (op.fill > minBig(abs(sA), abs(sB))) fail("NOT_REDUCING", "a deleverage may only reduce both positions");

  const deltaA = sA > 0n ? -op.fill : op.fill;
  const A2 = A.clone();
  const B2 = B.clone();
  applyFill(A2, m, deltaA, op.price);
  applyFill(B2, m, -deltaA, op.price);
  A2.checkBounds();
  B2.checkBounds();

  const mA2 = marginOf(env, A2);
  if (mA2.tvS < mA.tvS) fail("DEFICIT_GROWN", "the bankrupt account's deficit would grow");
  if (mA2.tvS * abs(sA) > mA.tvS * (abs(sA) - op.fill)) {
    fail("PRICE_BEYOND_BANKRUPTCY", "price is better for the bankrupt account than its bankruptcy price");
  }
  requireFillMargin(env, B, B2, m, "counterparty");
  return {
    writes: [
      { index: ai, account: A2 },
      { index: bi, account: B2 },
    ],
    l1Effect: null,
    depositHash: env.depositHash,
    forcedHash: env.forcedHash,
  };
}
