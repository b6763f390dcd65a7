// FUNDING_SETTLE (opcode 6, PROTOCOL §7.6): realise an untouched account's funding; TV is unchanged by it.
import type { ProtocolErrorCode } from "../errors.js";
import { checkAccountIndex, requireRegistered, settleFunding } from "./common.js";
import type { FundingSettleOp, OpEnv, OpOutcome } from "./types.js";

export type FundingSettleErrorCode = Extract<
  ProtocolErrorCode,
  "ACCOUNT_INDEX_OUT_OF_RANGE" | "ACCOUNT_NOT_REGISTERED" | "OUT_OF_RANGE"
>;

export function applyFundingSettle(env: OpEnv, op: FundingSettleOp): OpOutcome {
  checkAccountIndex(env, op.accountIndex, "account");
  const a = env.account(op.accountIndex);
  requireRegistered(a, op.accountIndex);
  settleFunding(a, env.fundingIndices);
  a.checkBounds();
  return {
    writes: [{ index: op.accountIndex, account: a }],
    l1Effect: null,
    depositHash: env.depositHash,
    forcedHash: env.forcedHash,
  };
}
