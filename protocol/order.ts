// Signed limit orders (PROTOCOL §6) and the order-slot fill rule (§4.2).
import {
  AMOUNT_BITS,
  DOMAIN_ORDER,
  FLAG_BITS,
  FLAG_REDUCE_ONLY,
  MARKET_BITS,
  NONCE_BITS,
  PRICE_BITS,
  RATE_BITS,
  RATE_SCALE,
  TIME_BITS,
} from "./constants.js";
import { checkPositive, checkUint } from "./field.js";
import { fail } from "./errors.js";
import { hashTagged } from "./poseidon.js";
import type { Domain } from "./params.js";
import {
  signMessage,
  verifySignature,
  serializeSignature,
  parseSignature,
  type PublicKey,
  type Signature,
} from "./eddsa.js";
import type { OrderSlot } from "./account.js";

export interface OrderFields {
  readonly accountIndex: bigint;
  readonly slot: bigint;
  readonly nonce: bigint;
  readonly market: number;
  readonly isBuy: boolean;
  readonly size: bigint;
  readonly limitPrice: bigint;
  readonly expiry: bigint;
  readonly flags: number;
  readonly maxFee: bigint;
}

export interface SerializedOrder {
  accountIndex: string;
  slot: string;
  nonce: string;
  market: number;
  isBuy: boolean;
  size: string;
  limitPrice: string;
  expiry: string;
  flags: number;
  maxFee: string;
}

export class Order implements OrderFields {
  readonly accountIndex: bigint;
  readonly slot: bigint;
  readonly nonce: bigint;
  readonly market: number;
  readonly isBuy: boolean;
  readonly size: bigint;
  readonly limitPrice: bigint;
  readonly expiry: bigint;
  readonly flags: number;
  readonly maxFee: bigint;

  constructor(f: OrderFields) {
    this.accountIndex = checkUint(f.accountIndex, 64, "order accountIndex");
    this.slot = checkUint(f.slot, 32, "order slot");
    this.nonce = checkPositive(f.nonce, NONCE_BITS, "order nonce");
    this.market = Number(checkUint(BigInt(f.market), MARKET_BITS, "order market"));
    if (typeof f.isBuy !== "boolean") fail("OUT_OF_RANGE", "order isBuy must be a boolean");
    this.isBuy = f.isBuy;
    this.size = checkPositive(f.size, AMOUNT_BITS, "order size");
    this.limitPrice = checkPositive(f.limitPrice, PRICE_BITS, "limit price");
    this.expiry = checkUint(f.expiry, TIME_BITS, "order expiry");
    this.flags = Number(checkUint(BigInt(f.flags), FLAG_BITS, "order flags"));
    this.maxFee = checkUint(f.maxFee, RATE_BITS, "order maxFee");
    if (this.maxFee > RATE_SCALE) fail("OUT_OF_RANGE", "order maxFee must not exceed 1");
  }

  get reduceOnly(): boolean {
    return (this.flags & FLAG_REDUCE_ONLY) !== 0;
  }

  /** The signed message M (PROTOCOL §6). */
  message(d: Domain): bigint {
    return hashTagged(DOMAIN_ORDER, [
      d.chainId,
      d.contract,
      this.accountIndex,
      this.slot,
      this.nonce,
      BigInt(this.market),
      this.isBuy ? 1n : 0n,
      this.size,
      this.limitPrice,
      this.expiry,
      BigInt(this.flags),
      this.maxFee,
    ]);
  }

  hash(d: Domain): bigint {
    return this.message(d);
  }

  sign(privateKey: Uint8Array, d: Domain): SignedOrder {
    return { order: this, signature: signMessage(privateKey, this.message(d)) };
  }

  verify(pub: PublicKey, sig: Signature, d: Domain): boolean {
    return verifySignature(pub, this.message(d), sig);
  }

  /** Where a fill of this order starts from, given its slot's current content (PROTOCOL §4.2). */
  filledBefore(slot: OrderSlot): bigint {
    if (this.nonce === slot.nonce) return slot.filled;
    if (this.nonce > slot.nonce) return 0n;
    return fail(
      "ORDER_REPLAYED",
      `order nonce ${this.nonce} is older than slot ${this.slot}'s nonce ${slot.nonce}`,
    );
  }

  toCircuitInputs(): Record<string, string> {
    return {
      accountIndex: this.accountIndex.toString(),
      slot: this.slot.toString(),
      nonce: this.nonce.toString(),
      market: this.market.toString(),
      isBuy: this.isBuy ? "1" : "0",
      size: this.size.toString(),
      limitPrice: this.limitPrice.toString(),
      expiry: this.expiry.toString(),
      flags: this.flags.toString(),
      maxFee: this.maxFee.toString(),
    };
  }

  serialize(): SerializedOrder {
    return {
      accountIndex: this.accountIndex.toString(),
      slot: this.slot.toString(),
      nonce: this.nonce.toString(),
      market: this.market,
      isBuy: this.isBuy,
      size: this.size.toString(),
      limitPrice: this.limitPrice.toString(),
      expiry: this.expiry.toString(),
      flags: this.flags,
      maxFee: this.maxFee.toString(),
    };
  }

  static parse(s: SerializedOrder): Order {
    return new Order({
      accountIndex: BigInt(s.accountIndex),
      slot: BigInt(s.slot),
      nonce: BigInt(s.nonce),
      market: s.market,
      isBuy: s.isBuy,
      size: BigInt(s.size),
      limitPrice: BigInt(s.limitPrice),
      expiry: BigInt(s.expiry),
      flags: s.flags,
      maxFee: BigInt(s.maxFee),
    });
  }
}

export interface SignedOrder {
  readonly order: Order;
  readonly signature: Signature;
}

export function serializeSignedOrder(o: SignedOrder): {
  order: SerializedOrder;
  signature: ReturnType<typeof serializeSignature>;
} {
  return { order: o.order.serialize(), signature: serializeSignature(o.signature) };
}

export function parseSignedOrder(s: {
  order: SerializedOrder;
  signature: { R8x: string; R8y: string; S: string };
}): SignedOrder {
  return { order: Order.parse(s.order), signature: parseSignature(s.signature) };
}
