// Everything a trader signs (PROTOCOL §6), built on the protocol model's own message functions so the SDK cannot
// drift from what the sequencer and the circuit verify: orders (Order.message), withdrawals (withdrawalMessage) and
// the API read/cancel authentication (the sequencer's authMessage, H(DOMAIN_AUTH, chainId, contract, account, ms)).
// Outputs are the exact request bodies and headers of the API.
import { randomBytes } from "node:crypto";
import {
  FLAG_IOC,
  FLAG_POST_ONLY,
  FLAG_REDUCE_ONLY,
  Order,
  serializeSignature,
  withdrawalMessage,
  type Domain,
  type Signature,
  type WithdrawalRequest,
} from "../../protocol/index.js";
import { AUTH_HEADERS, authMessage } from "../../sequencer/api/auth.js";
import { sdkFail } from "./errors.js";
import type { TraderKey } from "./keys.js";
import type { PlaceOrderBody, WithdrawBody } from "./types.js";

export { AUTH_HEADERS };

export interface OrderFlags {
  /** Bit 0, enforced by the circuit: the fill may only move the position toward zero. */
  readonly reduceOnly?: boolean;
  /** Bit 1, enforced by the sequencer: rest on the book or be refused, never take. */
  readonly postOnly?: boolean;
  /** Bit 2, enforced by the sequencer: fill what crosses now and cancel the rest. */
  readonly ioc?: boolean;
}

/** The signed flag bits; post-only and IOC contradict each other and are refused as the sequencer would. */
export function orderFlags(f: OrderFlags): number {
  if (f.postOnly && f.ioc) sdkFail("BAD_FLAGS", "an order cannot be both post-only and immediate-or-cancel");
  return (f.reduceOnly ? FLAG_REDUCE_ONLY : 0) | (f.postOnly ? FLAG_POST_ONLY : 0) | (f.ioc ? FLAG_IOC : 0);
}

/** An order in protocol units (Amount 1e-8, Price 1e-8 USD, Rate ppm, unix seconds). */
export interface OrderIntent extends OrderFlags {
  readonly accountIndex: bigint;
  readonly market: number;
  readonly isBuy: boolean;
  readonly size: bigint;
  readonly limitPrice: bigint;
  readonly slot: bigint;
  readonly nonce: bigint;
  /** Valid while the batch time is below it. */
  readonly expiry: bigint;
  /** Highest fee accepted, ppm of the fill's notional. */
  readonly maxFee: bigint;
}

export function toOrder(i: OrderIntent): Order {
  return new Order({
    accountIndex: i.accountIndex,
    slot: i.slot,
    nonce: i.nonce,
    market: i.market,
    isBuy: i.isBuy,
    size: i.size,
    limitPrice: i.limitPrice,
    expiry: i.expiry,
    flags: orderFlags(i),
    maxFee: i.maxFee,
  });
}

/** A random idempotency key: retrying a request with it can never place the order twice. */
export function newClientOrderId(prefix = "sdk"): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
}

/** The POST /v1/orders body: the order exactly as signed, its signature and an idempotency key. */
export function signOrder(
  key: TraderKey,
  domain: Domain,
  intent: OrderIntent,
  clientOrderId: string = newClientOrderId(),
): PlaceOrderBody {
  const order = toOrder(intent);
  return {
    clientOrderId,
    order: order.serialize(),
    signature: serializeSignature(key.sign(order.message(domain))),
  };
}

export function signAuth(
  key: TraderKey,
  domain: Domain,
  accountIndex: bigint,
  timestampMs: bigint,
): Signature {
  return key.sign(authMessage(domain, accountIndex, timestampMs));
}

/** The three read/cancel authentication headers; valid for the server's freshness window around `timestampMs`. */
export function authHeaders(
  key: TraderKey,
  domain: Domain,
  accountIndex: bigint,
  timestampMs: number = Date.now(),
): Record<string, string> {
  const s = signAuth(key, domain, accountIndex, BigInt(timestampMs));
  return {
    [AUTH_HEADERS.account]: accountIndex.toString(),
    [AUTH_HEADERS.timestamp]: String(timestampMs),
    [AUTH_HEADERS.signature]: `${s.R8x},${s.R8y},${s.S}`,
  };
}

export function addressToHex(a: bigint): string {
  return `0x${a.toString(16).padStart(40, "0")}`;
}

export function parseAddress(a: string | bigint): bigint {
  if (typeof a === "bigint") {
    if (a <= 0n || a >= 1n << 160n) sdkFail("BAD_INPUT", "an L1 address is a non-zero 160-bit value");
    return a;
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(a))
    sdkFail("BAD_INPUT", `"${a}" is not an L1 address (0x and 40 hex digits)`);
  const v = BigInt(a);
  // The contract would credit address(0), from which nothing can ever be pulled (PROTOCOL §7.2).
  if (v === 0n) sdkFail("BAD_INPUT", "the withdrawal recipient must not be the zero address");
  return v;
}

export interface WithdrawalIntent {
  readonly accountIndex: bigint;
  /** 0 = quote, c + 1 = collateral c. */
  readonly asset: number;
  /** Amount, 1e-8 of the asset. */
  readonly amount: bigint;
  /** The L1 recipient credited once the batch settles. */
  readonly l1Address: string | bigint;
  /** The account's current withdrawal nonce (AccountView.nonce). */
  readonly nonce: bigint;
}

/** The POST /v1/withdrawals body, signed over withdrawalMessage (PROTOCOL §6, §7.2). */
export function signWithdrawal(key: TraderKey, domain: Domain, w: WithdrawalIntent): WithdrawBody {
  const req: WithdrawalRequest = {
    accountIndex: w.accountIndex,
    asset: w.asset,
    amount: w.amount,
    l1Address: parseAddress(w.l1Address),
    nonce: w.nonce,
  };
  return {
    accountIndex: req.accountIndex.toString(),
    asset: req.asset,
    amount: req.amount.toString(),
    l1Address: addressToHex(req.l1Address),
    nonce: req.nonce.toString(),
    signature: serializeSignature(key.sign(withdrawalMessage(domain, req))),
  };
}
