// FORCED_WITHDRAW (opcode 7, PROTOCOL §7.8): the registered owner's withdrawal filed on L1. It is served in queue
// order whatever its outcome: executed when the account can afford it, otherwise provably rejected, so the operator
// can neither ignore it nor turn an unaffordable request into a reason to stall.
import { ADDRESS_BITS, AMOUNT_BITS, ForcedKind, L1Effect } from "../constants.js";
import type { ProtocolErrorCode } from "../errors.js";
import { checkUint } from "../field.js";
import { checkAccountIndex, checkAsset, marginOf, QUOTE_PER_AMOUNT, settleFunding } from "./common.js";
import { forcedHashStep, forcedKeyMatches, requireForcedKind } from "./forced.js";
import type { ForcedWithdrawOp, OpEnv, OpOutcome } from "./types.js";

export type ForcedWithdrawErrorCode = Extract<
  ProtocolErrorCode,
  "OUT_OF_RANGE" | "ACCOUNT_INDEX_OUT_OF_RANGE" | "UNKNOWN_ASSET" | "FORCED_MISMATCH"
>;

export function applyForcedWithdraw(env: OpEnv, op: ForcedWithdrawOp): OpOutcome {
  const r = op.request;
  requireForcedKind(r, ForcedKind.WITHDRAWAL);
  checkAccountIndex(env, r.accountIndex, "forced withdrawal account");
  checkAsset(env, r.asset);
  checkUint(r.amount, AMOUNT_BITS, "forced withdrawal amount");
  checkUint(r.l1Address, ADDRESS_BITS, "forced withdrawal owner");
  const forcedHash = forcedHashStep(env.forcedHash, r);
  const rejected = (note: string): OpOutcome => ({
    writes: [],
    l1Effect: null,
    depositHash: env.depositHash,
    forcedHash,
    note,
  });

  const a = env.account(r.accountIndex);
  if (!forcedKeyMatches(a, r)) return rejected("rejected: key does not match the account");
  if (r.amount === 0n) return rejected("rejected: zero amount");
  settleFunding(a, env.fundingIndices);
  if (r.asset === 0) {
    a.quote -= r.amount * QUOTE_PER_AMOUNT;
    if (a.quote < 0n) return rejected("rejected: insufficient quote");
  } else {
    const b = a.balances[r.asset - 1]! - r.amount;
    if (b < 0n) return rejected("rejected: insufficient balance");
    a.balances[r.asset - 1] = b;
  }
  const m = marginOf(env, a);
  if (m.tvS < m.imS) return rejected("rejected: would leave total value below the initial requirement");
  return {
    writes: [{ index: r.accountIndex, account: a }],
    l1Effect: { kind: L1Effect.WITHDRAWAL, l1Address: r.l1Address, asset: r.asset, amount: r.amount },
    depositHash: env.depositHash,
    forcedHash,
    note: "executed",
  };
}
