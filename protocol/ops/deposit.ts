// DEPOSIT (opcode 1, PROTOCOL §7.1): consumes the next L1 deposit; credits, registers, or refunds — never blocks.
import { ADDRESS_BITS, AMOUNT_BITS, DOMAIN_DEPOSIT, L1Effect } from "../constants.js";
import { isValidPublicKey } from "../eddsa.js";
import { fail, type ProtocolErrorCode } from "../errors.js";
import { checkField, checkPositive, checkUint } from "../field.js";
import { hashTagged } from "../poseidon.js";
import { checkAccountIndex, checkAsset, QUOTE_PER_AMOUNT, settleFunding } from "./common.js";
import type { DepositOp, OpEnv, OpOutcome } from "./types.js";

export type DepositErrorCode = Extract<
  ProtocolErrorCode,
  "OUT_OF_RANGE" | "ACCOUNT_INDEX_OUT_OF_RANGE" | "UNKNOWN_ASSET" | "BAD_PUBLIC_KEY"
>;

export function depositHashStep(prev: bigint, op: Omit<DepositOp, "opcode" | "salt">): bigint {
  return hashTagged(DOMAIN_DEPOSIT, [
    prev,
    op.l1Address,
    op.accountIndex,
    op.pubKeyX,
    op.pubKeyY,
    BigInt(op.asset),
    op.amount,
  ]);
}

export function applyDeposit(env: OpEnv, op: DepositOp): OpOutcome {
  // The contract admits only deposits passing these checks, so a failure here means a forged op, not a refund.
  checkUint(op.l1Address, ADDRESS_BITS, "depositor address");
  checkAccountIndex(env, op.accountIndex, "deposit account");
  checkAsset(env, op.asset);
  checkPositive(op.amount, AMOUNT_BITS, "deposit amount");
  checkField(op.pubKeyX, "deposit pubKeyX");
  checkField(op.pubKeyY, "deposit pubKeyY");
  checkField(op.salt, "salt");
  const keyIsZero = op.pubKeyX === 0n && op.pubKeyY === 0n;
  // ZkMarginRollup._checkKey refuses an off-curve or small-order key at deposit time (I20); one reaching the model is
  // a forged op. (0, 0) keeps its refund path below: the circuit's backstop for the "unregistered" marker.
  if (!keyIsZero && !isValidPublicKey({ x: op.pubKeyX, y: op.pubKeyY }))
    fail("BAD_PUBLIC_KEY", "deposit key is off the curve or of small order");
  const depositHash = depositHashStep(env.depositHash, op);
  const refund = (note: string): OpOutcome => ({
    writes: [],
    l1Effect: { kind: L1Effect.DEPOSIT_REFUND, l1Address: op.l1Address, asset: op.asset, amount: op.amount },
    depositHash,
    forcedHash: env.forcedHash,
    note,
  });

  const a = env.account(op.accountIndex);
  if (a.registered) {
    if (a.pubKeyX !== op.pubKeyX || a.pubKeyY !== op.pubKeyY) return refund("refund: key mismatch");
  } else {
    if (keyIsZero) return refund("refund: zero key cannot register");
    a.pubKeyX = op.pubKeyX;
    a.pubKeyY = op.pubKeyY;
    a.salt = op.salt;
  }
  settleFunding(a, env.fundingIndices);
  if (op.asset === 0) a.quote += op.amount * QUOTE_PER_AMOUNT;
  else a.balances[op.asset - 1] = a.balances[op.asset - 1]! + op.amount;
  try {
    a.checkBounds();
  } catch {
    return refund("refund: credit would overflow the balance");
  }
  return {
    writes: [{ index: op.accountIndex, account: a }],
    l1Effect: null,
    depositHash,
    forcedHash: env.forcedHash,
    note: "credited",
  };
}
