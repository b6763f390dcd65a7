// TRADE (opcode 3, PROTOCOL §7.3): a fill between two signed limit orders; fees accrue to the insurance fund.
import type { Account } from "../account.js";
import { fail, type ProtocolErrorCode } from "../errors.js";
import {
  applyFill,
  checkAccountIndex,
  checkCharge,
  checkFillAndPrice,
  checkMarket,
  fillOrder,
  requireFillMargin,
  requireReduceOnly,
  requireRegistered,
  settleFunding,
} from "./common.js";
import type { OpEnv, OpOutcome, TradeOp } from "./types.js";

export type TradeErrorCode = Extract<
  ProtocolErrorCode,
  | "OUT_OF_RANGE"
  | "ACCOUNT_INDEX_OUT_OF_RANGE"
  | "ACCOUNT_NOT_REGISTERED"
  | "UNKNOWN_MARKET"
  | "SAME_ACCOUNT"
  | "MARKET_MISMATCH"
  | "SAME_SIDE"
  | "BAD_SIGNATURE"
  | "ORDER_EXPIRED"
  | "ORDER_REPLAYED"
  | "OVERFILL"
  | "PRICE_OUTSIDE_LIMIT"
  | "FEE_TOO_HIGH"
  | "REDUCE_ONLY_VIOLATED"
  | "UNDER_MARGINED"
>;

export function applyTrade(env: OpEnv, op: TradeOp): OpOutcome {
  const mo = op.maker.order;
  const to = op.taker.order;
  checkAccountIndex(env, mo.accountIndex, "maker account");
  checkAccountIndex(env, to.accountIndex, "taker account");
  if (mo.accountIndex === to.accountIndex) fail("SAME_ACCOUNT", "an account cannot trade with itself");
  const m = checkMarket(env, mo.market);
  if (to.market !== m) fail("MARKET_MISMATCH", "maker and taker orders are for different markets");
  if (mo.isBuy === to.isBuy) fail("SAME_SIDE", "maker and taker orders are on the same side");
  checkFillAndPrice(op.fill, op.price);
  checkCharge(op.makerFee, "maker fee");
  checkCharge(op.takerFee, "taker fee");

  const parties = [
    { so: op.maker, fee: op.makerFee, who: "maker" },
    { so: op.taker, fee: op.takerFee, who: "taker" },
  ].map((p) => {
    const before = env.account(p.so.order.accountIndex);
    requireRegistered(before, p.so.order.accountIndex);
    settleFunding(before, env.fundingIndices);
    return { ...p, index: p.so.order.accountIndex, before, after: before.clone() };
  });

  for (const p of parties) {
    const isBuy = p.so.order.isBuy;
    fillOrder(env, p.after, p.so, { market: m, isBuy, fill: op.fill, price: op.price, fee: p.fee }, p.who);
    applyFill(p.after, m, isBuy ? op.fill : -op.fill, op.price);
    p.after.quote -= p.fee;
  }

  // Fees go to account 0; when the fund is itself a party, its fee income lands on that same copy.
  let fund: Account;
  const fundParty = parties.find((p) => p.index === 0n);
  if (fundParty) fund = fundParty.after;
  else fund = env.account(0n);
  fund.quote += op.makerFee + op.takerFee;

  for (const p of parties) {
    if (p.so.order.reduceOnly) requireReduceOnly(p.before.sizes[m]!, p.after.sizes[m]!, p.who);
    p.after.checkBounds();
    requireFillMargin(env, p.before, p.after, m, p.who);
  }
  fund.checkBounds();

  const writes = parties.map((p) => ({ index: p.index, account: p.after }));
  if (!fundParty) writes.push({ index: 0n, account: fund });
  return { writes, l1Effect: null, depositHash: env.depositHash, forcedHash: env.forcedHash };
}
