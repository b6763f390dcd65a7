// WITHDRAW (opcode 2, PROTOCOL §7.2): signed by the account key; never borrows quote; leaves TV ≥ IM.
import { ADDRESS_BITS, AMOUNT_BITS, DOMAIN_WITHDRAW, L1Effect, NONCE_BITS } from "../constants.js";
import { fail, type ProtocolErrorCode } from "../errors.js";
import { verifySignature, signMessage, type Signature } from "../eddsa.js";
import { checkPositive, checkUint } from "../field.js";
import { hashTagged } from "../poseidon.js";
import type { Domain } from "../params.js";
import {
  checkAccountIndex,
  checkAsset,
  marginOf,
  QUOTE_PER_AMOUNT,
  requireRegistered,
  settleFunding,
} from "./common.js";
import type { OpEnv, OpOutcome, WithdrawOp } from "./types.js";

export type WithdrawErrorCode = Extract<
  ProtocolErrorCode,
  | "OUT_OF_RANGE"
  | "ACCOUNT_INDEX_OUT_OF_RANGE"
  | "UNKNOWN_ASSET"
  | "ACCOUNT_NOT_REGISTERED"
  | "BAD_SIGNATURE"
  | "BAD_NONCE"
  | "INSUFFICIENT_BALANCE"
  | "UNDER_MARGINED"
>;

export interface WithdrawalRequest {
  readonly accountIndex: bigint;
  readonly asset: number;
  readonly amount: bigint;
  readonly l1Address: bigint;
  readonly nonce: bigint;
}

export function withdrawalMessage(d: Domain, w: WithdrawalRequest): bigint {
  return hashTagged(DOMAIN_WITHDRAW, [
    d.chainId,
    d.contract,
    w.accountIndex,
    BigInt(w.asset),
    w.amount,
    w.l1Address,
    w.nonce,
  ]);
}

export function signWithdrawal(privateKey: Uint8Array, d: Domain, w: WithdrawalRequest): Signature {
  return signMessage(privateKey, withdrawalMessage(d, w));
}

export function applyWithdraw(env: OpEnv, op: WithdrawOp): OpOutcome {
  checkAccountIndex(env, op.accountIndex, "withdrawal account");
  checkAsset(env, op.asset);
  checkPositive(op.amount, AMOUNT_BITS, "withdrawal amount");
  checkUint(op.l1Address, ADDRESS_BITS, "recipient address");
  // The contract would credit address(0), from which nothing can ever be pulled.
  if (op.l1Address === 0n) fail("OUT_OF_RANGE", "withdrawal recipient must not be the zero address");
  checkUint(op.nonce, NONCE_BITS, "withdrawal nonce");
  const a = env.account(op.accountIndex);
  requireRegistered(a, op.accountIndex);
  if (!verifySignature(a.pubKey, withdrawalMessage(env.params.domain, op), op.signature)) {
    fail("BAD_SIGNATURE", "invalid withdrawal signature");
  }
  if (op.nonce !== a.nonce) fail("BAD_NONCE", `withdrawal nonce ${op.nonce}, account expects ${a.nonce}`);
  settleFunding(a, env.fundingIndices);
  if (op.asset === 0) {
    a.quote -= op.amount * QUOTE_PER_AMOUNT;
    if (a.quote < 0n)
      fail("INSUFFICIENT_BALANCE", "quote withdrawals may not take the quote balance below 0");
  } else {
    const b = a.balances[op.asset - 1]! - op.amount;
    if (b < 0n) fail("INSUFFICIENT_BALANCE", `collateral balance too small for this withdrawal`);
    a.balances[op.asset - 1] = b;
  }
  a.nonce += 1n;
  a.checkBounds();
  const m = marginOf(env, a);
  if (m.tvS < m.imS)
    fail("UNDER_MARGINED", "withdrawal would leave total value below the initial requirement");
  return {
    writes: [{ index: op.accountIndex, account: a }],
    l1Effect: { kind: L1Effect.WITHDRAWAL, l1Address: op.l1Address, asset: op.asset, amount: op.amount },
    depositHash: env.depositHash,
    forcedHash: env.forcedHash,
  };
}
