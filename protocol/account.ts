// The account leaf (PROTOCOL §4.1) and its order-slot tree (§4.2). Nothing else hashes a leaf: the leaf hash,
// circuit inputs and serialisation are all projections owned here.
import {
  BALANCE_BITS,
  DOMAIN_ACCOUNT,
  DOMAIN_ORDER_SLOT,
  FUNDING_INDEX_BITS,
  NONCE_BITS,
  QUOTE_BITS,
  SIZE_BITS,
  AMOUNT_BITS,
  type ParamSetSizes,
} from "./constants.js";
import { checkField, checkInt, checkUint, toField } from "./field.js";
import { hashTagged } from "./poseidon.js";
import { SparseMerkleTree, type MerkleProof } from "./merkle.js";
import type { PublicKey } from "./eddsa.js";
import { fail } from "./errors.js";

export type Sizes = Pick<ParamSetSizes, "markets" | "collaterals" | "orderDepth">;

export interface OrderSlot {
  readonly nonce: bigint;
  readonly filled: bigint;
}

export const EMPTY_SLOT: OrderSlot = { nonce: 0n, filled: 0n };

export function orderSlotHash(s: OrderSlot): bigint {
  return hashTagged(DOMAIN_ORDER_SLOT, [s.nonce, s.filled]);
}

const emptyOrderTrees = new Map<number, SparseMerkleTree>();

function emptyOrderTree(depth: number): SparseMerkleTree {
  let t = emptyOrderTrees.get(depth);
  if (!t) {
    t = new SparseMerkleTree(depth, orderSlotHash(EMPTY_SLOT));
    emptyOrderTrees.set(depth, t);
  }
  return t;
}

export function emptyOrdersRoot(orderDepth: number): bigint {
  return emptyOrderTree(orderDepth).root;
}

export interface SerializedAccount {
  pubKeyX: string;
  pubKeyY: string;
  nonce: string;
  salt: string;
  quote: string;
  balances: string[];
  sizes: string[];
  fundingIndices: string[];
  slots: { slot: string; nonce: string; filled: string }[];
}

export class Account {
  pubKeyX = 0n;
  pubKeyY = 0n;
  nonce = 0n;
  salt = 0n;
  quote = 0n;
  balances: bigint[];
  sizes: bigint[];
  fundingIndices: bigint[];
  private slots = new Map<bigint, OrderSlot>();
  private orderTree: SparseMerkleTree;

  constructor(readonly dims: Sizes) {
    this.balances = Array<bigint>(dims.collaterals).fill(0n);
    this.sizes = Array<bigint>(dims.markets).fill(0n);
    this.fundingIndices = Array<bigint>(dims.markets).fill(0n);
    this.orderTree = emptyOrderTree(dims.orderDepth).clone();
  }

  static empty(dims: Sizes): Account {
    return new Account(dims);
  }

  get registered(): boolean {
    return this.pubKeyX !== 0n || this.pubKeyY !== 0n;
  }

  get pubKey(): PublicKey {
    return { x: this.pubKeyX, y: this.pubKeyY };
  }

  get ordersRoot(): bigint {
    return this.orderTree.root;
  }

  slot(k: bigint): OrderSlot {
    this.checkSlot(k);
    return this.slots.get(k) ?? EMPTY_SLOT;
  }

  slotProof(k: bigint): MerkleProof {
    this.checkSlot(k);
    return this.orderTree.proof(k);
  }

  setSlot(k: bigint, s: OrderSlot): void {
    this.checkSlot(k);
    checkUint(s.nonce, NONCE_BITS, "slot nonce");
    checkUint(s.filled, AMOUNT_BITS, "slot filled");
    if (s.nonce === 0n && s.filled === 0n) this.slots.delete(k);
    else this.slots.set(k, s);
    this.orderTree.set(k, orderSlotHash(s));
  }

  usedSlots(): bigint[] {
    return [...this.slots.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private checkSlot(k: bigint): void {
    if (k < 0n || k >= 1n << BigInt(this.dims.orderDepth)) {
      fail("OUT_OF_RANGE", `order slot ${k} outside 0..${(1 << this.dims.orderDepth) - 1}`);
    }
  }

  /** Throws OUT_OF_RANGE unless every stored field is within its PROTOCOL §2 type [I11]. */
  checkBounds(): void {
    checkField(this.pubKeyX, "pubKeyX");
    checkField(this.pubKeyY, "pubKeyY");
    checkField(this.salt, "salt");
    checkUint(this.nonce, NONCE_BITS, "account nonce");
    checkInt(this.quote, QUOTE_BITS, "quote balance");
    this.balances.forEach((b, c) => checkUint(b, BALANCE_BITS, `balance[${c}]`));
    this.sizes.forEach((s, m) => checkInt(s, SIZE_BITS, `size[${m}]`));
    this.fundingIndices.forEach((f, m) => checkInt(f, FUNDING_INDEX_BITS, `fundingIndex[${m}]`));
  }

  /** Leaf fields in hash order, as field elements (PROTOCOL §4.1). */
  fields(): bigint[] {
    const out = [this.pubKeyX, this.pubKeyY, this.nonce, this.salt, this.ordersRoot, toField(this.quote)];
    for (const b of this.balances) out.push(b);
    for (let m = 0; m < this.dims.markets; m++)
      out.push(toField(this.sizes[m]!), toField(this.fundingIndices[m]!));
    return out;
  }

  hash(): bigint {
    return hashTagged(DOMAIN_ACCOUNT, this.fields());
  }

  /** Signal values for the circuits' Account bus, as decimal field strings. */
  toCircuitInputs(): Record<string, string | string[]> {
    return {
      pubKeyX: this.pubKeyX.toString(),
      pubKeyY: this.pubKeyY.toString(),
      nonce: this.nonce.toString(),
      salt: this.salt.toString(),
      ordersRoot: this.ordersRoot.toString(),
      quote: toField(this.quote).toString(),
      balances: this.balances.map(String),
      sizes: this.sizes.map((s) => toField(s).toString()),
      fundingIndices: this.fundingIndices.map((f) => toField(f).toString()),
    };
  }

  clone(): Account {
    const a = new Account(this.dims);
    a.pubKeyX = this.pubKeyX;
    a.pubKeyY = this.pubKeyY;
    a.nonce = this.nonce;
    a.salt = this.salt;
    a.quote = this.quote;
    a.balances = [...this.balances];
    a.sizes = [...this.sizes];
    a.fundingIndices = [...this.fundingIndices];
    a.slots = new Map(this.slots);
    a.orderTree = this.orderTree.clone();
    return a;
  }

  serialize(): SerializedAccount {
    return {
      pubKeyX: this.pubKeyX.toString(),
      pubKeyY: this.pubKeyY.toString(),
      nonce: this.nonce.toString(),
      salt: this.salt.toString(),
      quote: this.quote.toString(),
      balances: this.balances.map(String),
      sizes: this.sizes.map(String),
      fundingIndices: this.fundingIndices.map(String),
      slots: this.usedSlots().map((k) => {
        const s = this.slots.get(k)!;
        return { slot: k.toString(), nonce: s.nonce.toString(), filled: s.filled.toString() };
      }),
    };
  }

  static parse(s: SerializedAccount, dims: Sizes): Account {
    const a = new Account(dims);
    if (
      s.balances.length !== dims.collaterals ||
      s.sizes.length !== dims.markets ||
      s.fundingIndices.length !== dims.markets
    ) {
      fail("OUT_OF_RANGE", "serialized account does not match the parameter set's dimensions");
    }
    a.pubKeyX = BigInt(s.pubKeyX);
    a.pubKeyY = BigInt(s.pubKeyY);
    a.nonce = BigInt(s.nonce);
    a.salt = BigInt(s.salt);
    a.quote = BigInt(s.quote);
    a.balances = s.balances.map((x) => BigInt(x));
    a.sizes = s.sizes.map((x) => BigInt(x));
    a.fundingIndices = s.fundingIndices.map((x) => BigInt(x));
    for (const sl of s.slots)
      a.setSlot(BigInt(sl.slot), { nonce: BigInt(sl.nonce), filled: BigInt(sl.filled) });
    a.checkBounds();
    return a;
  }

  equals(o: Account): boolean {
    return this.hash() === o.hash();
  }
}
