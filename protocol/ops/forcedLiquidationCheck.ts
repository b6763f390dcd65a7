// FORCED_LIQUIDATION_CHECK (opcode 8, PROTOCOL §7.8): serves a forced-liquidation request by proving the account
// healthy at the batch prices. An unhealthy account cannot be served this way: only a LIQUIDATE that consumes the
// request can, so an operator cannot shield its own losing account.
import { ForcedKind } from "../constants.js";
import { fail, type ProtocolErrorCode } from "../errors.js";
import { checkAccountIndex, marginOf, settleFunding } from "./common.js";
import { forcedHashStep, requireForcedKind } from "./forced.js";
import type { ForcedLiquidationCheckOp, OpEnv, OpOutcome } from "./types.js";

export type ForcedLiquidationCheckErrorCode = Extract<
  ProtocolErrorCode,
  "ACCOUNT_INDEX_OUT_OF_RANGE" | "FORCED_MISMATCH" | "LIQUIDATABLE"
>;

export function applyForcedLiquidationCheck(env: OpEnv, op: ForcedLiquidationCheckOp): OpOutcome {
  const r = op.request;
  requireForcedKind(r, ForcedKind.LIQUIDATION);
  checkAccountIndex(env, r.accountIndex, "forced liquidation account");
  const a = env.account(r.accountIndex);
  settleFunding(a, env.fundingIndices);
  // An account with no open position has nothing to liquidate, even when bankrupt (MM = 0 > TV after a deleverage):
  // refusing it would leave the request unservable and let anyone freeze the rollup with it.
  const hasPosition = a.sizes.some((s) => s !== 0n);
  if (hasPosition && marginOf(env, a).liquidatable) {
    fail("LIQUIDATABLE", `account ${r.accountIndex} is liquidatable: serve it by liquidation`);
  }
  return {
    writes: [],
    l1Effect: null,
    depositHash: env.depositHash,
    forcedHash: forcedHashStep(env.forcedHash, r),
    note: "healthy",
  };
}
