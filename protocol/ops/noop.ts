// NOOP (opcode 0, PROTOCOL §7.0): pads a batch; touches nothing.
import type { NoopOp, OpEnv, OpOutcome } from "./types.js";

export type NoopErrorCode = never;

export function applyNoop(env: OpEnv, _op: NoopOp): OpOutcome {
  return { writes: [], l1Effect: null, depositHash: env.depositHash, forcedHash: env.forcedHash };
}
