// Encodings (PROTOCOL §3, §4.1, §4.2, §6, §7.1): every hash preimage rebuilt field by field with raw Poseidon (a
// reordered or missing field fails a test), signatures and their domain binding [I10], and JSON round trips of
// everything that crosses a process boundary (Account, Order, signed orders): hash and validity survive, malformed
// input is refused, never half-parsed.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Account,
  BABYJUB_SUBORDER,
  chainShape,
  depositHashStep,
  DOMAIN_ACCOUNT,
  DOMAIN_AUTH,
  DOMAIN_CONFIG,
  DOMAIN_DEPOSIT,
  DOMAIN_L1_EFFECT,
  DOMAIN_ORDER,
  DOMAIN_ORDER_SLOT,
  DOMAIN_PUBLIC,
  DOMAIN_WITHDRAW,
  FIELD_MODULUS,
  hashTagged,
  Order,
  parseSignature,
  parseSignedOrder,
  poseidon,
  type SerializedAccount,
  serializeSignature,
  serializeSignedOrder,
  verifySignature,
  withdrawalMessage,
} from "../../protocol/index.js";
import {
  codeOf,
  DOMAIN,
  key,
  KEYS,
  makeOrder,
  OTHER_CHAIN,
  OTHER_CONTRACT,
  pub,
  PUBS,
  sign,
  SIZES,
} from "./fixtures.js";

const ascii = (s: string) => BigInt("0x" + Buffer.from(s, "ascii").toString("hex"));

describe("domains and the tagged hash H (PROTOCOL §3)", () => {
  it("each domain tag is its ASCII string read big-endian", () => {
    const tags: [bigint, string][] = [
      [DOMAIN_ACCOUNT, "zkm.account.v1"],
      [DOMAIN_ORDER_SLOT, "zkm.orderslot.v1"],
      [DOMAIN_ORDER, "zkm.order.v1"],
      [DOMAIN_WITHDRAW, "zkm.withdraw.v1"],
      [DOMAIN_DEPOSIT, "zkm.deposit.v1"],
      [DOMAIN_L1_EFFECT, "zkm.l1effect.v1"],
      [DOMAIN_CONFIG, "zkm.config.v1"],
      [DOMAIN_PUBLIC, "zkm.public.v1"],
      [DOMAIN_AUTH, "zkm.auth.v1"],
    ];
    for (const [tag, s] of tags) expect(tag, s).toBe(ascii(s));
    expect(new Set(tags.map((t) => t[0])).size).toBe(tags.length);
  });

  it("H over ≤ 15 fields is one Poseidon(tag, xs); beyond, each 15-field chunk is hashed onto the running hash", () => {
    const xs = Array.from({ length: 26 }, (_, i) => BigInt(i + 1));
    expect(hashTagged(7n, xs.slice(0, 15))).toBe(poseidon([7n, ...xs.slice(0, 15)]));
    expect(hashTagged(7n, xs)).toBe(poseidon([poseidon([7n, ...xs.slice(0, 15)]), ...xs.slice(15)]));
    expect(hashTagged(7n, xs.slice(0, 16))).toBe(poseidon([poseidon([7n, ...xs.slice(0, 15)]), 16n]));
    expect(chainShape(12)).toEqual([13]);
    expect(chainShape(15)).toEqual([16]);
    expect(chainShape(16)).toEqual([16, 2]);
    expect(chainShape(26)).toEqual([16, 12]);
  });

  it("Poseidon refuses non-field inputs and widths outside 1..16", () => {
    expect(codeOf(() => poseidon([FIELD_MODULUS]))).toBe("OUT_OF_RANGE");
    expect(() => poseidon([])).toThrow(RangeError);
    expect(() => poseidon(Array<bigint>(17).fill(1n))).toThrow(RangeError);
  });
});

describe("account leaf (PROTOCOL §4.1) and order slots (§4.2)", () => {
  it("hashes (pubKeyX, pubKeyY, nonce, salt, ordersRoot, quote, balance[c]…, (size[m], fundingIndex[m])…) with signed values mod r", () => {
    const a = Account.empty(SIZES);
    a.pubKeyX = 11n;
    a.pubKeyY = 12n;
    a.nonce = 13n;
    a.salt = 14n;
    a.quote = -15n;
    a.balances = [16n, 17n];
    a.sizes = [-18n, 19n];
    a.fundingIndices = [20n, -21n];
    a.setSlot(2n, { nonce: 3n, filled: 4n });
    const r = FIELD_MODULUS;
    const fields = [11n, 12n, 13n, 14n, a.ordersRoot, r - 15n, 16n, 17n, r - 18n, 20n, 19n, r - 21n];
    expect(a.fields()).toEqual(fields);
    expect(a.hash()).toBe(poseidon([DOMAIN_ACCOUNT, ...fields]));
    // ordersRoot: depth-2 tree of slot leaves H(DOMAIN_ORDER_SLOT, nonce, filled), slot 2 set.
    const e = poseidon([DOMAIN_ORDER_SLOT, 0n, 0n]);
    const s2 = poseidon([DOMAIN_ORDER_SLOT, 3n, 4n]);
    expect(a.ordersRoot).toBe(poseidon([poseidon([e, e]), poseidon([s2, e])]));
  });

  it("registered ⇔ key ≠ (0, 0); salt changes the leaf hash (blinding)", () => {
    const a = Account.empty(SIZES);
    expect(a.registered).toBe(false);
    a.pubKeyY = 1n;
    expect(a.registered).toBe(true);
    const b = a.clone();
    b.salt = 99n;
    expect(b.hash()).not.toBe(a.hash());
  });

  it("checkBounds refuses every field outside its §2 type [I11]", () => {
    const cases: [string, (a: Account) => void][] = [
      ["pubKeyX ≥ r", (a) => (a.pubKeyX = FIELD_MODULUS)],
      ["salt < 0", (a) => (a.salt = -1n)],
      ["nonce ≥ 2^32", (a) => (a.nonce = 1n << 32n)],
      ["quote ≥ 2^95", (a) => (a.quote = 1n << 95n)],
      ["quote < −2^95", (a) => (a.quote = -(1n << 95n) - 1n)],
      ["balance ≥ 2^64", (a) => (a.balances[1] = 1n << 64n)],
      ["balance < 0", (a) => (a.balances[0] = -1n)],
      ["size ≥ 2^63", (a) => (a.sizes[0] = 1n << 63n)],
      ["size < −2^63", (a) => (a.sizes[1] = -(1n << 63n) - 1n)],
      ["funding index ≥ 2^63", (a) => (a.fundingIndices[0] = 1n << 63n)],
    ];
    for (const [what, mutate] of cases) {
      const a = Account.empty(SIZES);
      mutate(a);
      expect(
        codeOf(() => a.checkBounds()),
        what,
      ).toBe("OUT_OF_RANGE");
    }
    const edge = Account.empty(SIZES);
    edge.quote = -(1n << 95n);
    edge.balances = [(1n << 64n) - 1n, 0n];
    edge.sizes = [-(1n << 63n), (1n << 63n) - 1n];
    edge.nonce = (1n << 32n) - 1n;
    expect(codeOf(() => edge.checkBounds())).toBe("NO_ERROR");
  });

  it("order slots: index within 2^orderDepth, nonce Uint32, filled Uint63", () => {
    const a = Account.empty(SIZES);
    expect(codeOf(() => a.slot(4n))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => a.setSlot(-1n, { nonce: 1n, filled: 0n }))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => a.setSlot(0n, { nonce: 1n << 32n, filled: 0n }))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => a.setSlot(0n, { nonce: 1n, filled: 1n << 63n }))).toBe("OUT_OF_RANGE");
    // Writing the empty slot back forgets the slot and restores the empty order root.
    const root = a.ordersRoot;
    a.setSlot(1n, { nonce: 2n, filled: 5n });
    expect(a.usedSlots()).toEqual([1n]);
    a.setSlot(1n, { nonce: 0n, filled: 0n });
    expect(a.usedSlots()).toEqual([]);
    expect(a.ordersRoot).toBe(root);
  });

  it("the slot rule: same nonce continues, a newer nonce restarts at 0, an older one is ORDER_REPLAYED [I9]", () => {
    const o = makeOrder({ account: 1, isBuy: true, size: 10n, limit: 1n, nonce: 5n });
    expect(o.filledBefore({ nonce: 5n, filled: 7n })).toBe(7n);
    expect(o.filledBefore({ nonce: 4n, filled: 7n })).toBe(0n);
    expect(o.filledBefore({ nonce: 0n, filled: 0n })).toBe(0n);
    expect(codeOf(() => o.filledBefore({ nonce: 6n, filled: 0n }))).toBe("ORDER_REPLAYED");
  });
});

describe("signed messages (PROTOCOL §6, §7.1)", () => {
  const o = makeOrder({
    account: 3,
    market: 1,
    isBuy: true,
    size: 5n,
    limit: 77n,
    slot: 2n,
    nonce: 9n,
    expiry: 1234n,
    flags: 5,
    maxFee: 300n,
  });

  it("order M = H(DOMAIN_ORDER, chainId, contract, accountIndex, slot, nonce, market, isBuy, size, limit, expiry, flags, maxFee)", () => {
    const d = DOMAIN;
    expect(o.message(d)).toBe(
      poseidon([DOMAIN_ORDER, d.chainId, d.contract, 3n, 2n, 9n, 1n, 1n, 5n, 77n, 1234n, 5n, 300n]),
    );
    expect(o.reduceOnly).toBe(true);
  });

  it("withdrawal M = H(DOMAIN_WITHDRAW, chainId, contract, accountIndex, asset, amount, l1Address, nonce)", () => {
    const w = { accountIndex: 3n, asset: 2, amount: 5n, l1Address: 0xabcn, nonce: 7n };
    const d = DOMAIN;
    expect(withdrawalMessage(d, w)).toBe(
      poseidon([DOMAIN_WITHDRAW, d.chainId, d.contract, 3n, 2n, 5n, 0xabcn, 7n]),
    );
  });

  it("deposit rolling hash = H(DOMAIN_DEPOSIT, prev, l1Address, accountIndex, pubKeyX, pubKeyY, asset, amount)", () => {
    const d = { l1Address: 1n, accountIndex: 5n, pubKeyX: 6n, pubKeyY: 7n, asset: 0, amount: 100000000000n };
    expect(depositHashStep(0n, d)).toBe(poseidon([DOMAIN_DEPOSIT, 0n, 1n, 5n, 6n, 7n, 0n, 100000000000n]));
  });

  it("signatures bind chain id, contract and message type [I10]", () => {
    const sig = sign(key(3), o.message(DOMAIN));
    expect(o.verify(pub(3), sig, DOMAIN)).toBe(true);
    expect(o.verify(pub(3), sig, OTHER_CHAIN)).toBe(false);
    expect(o.verify(pub(3), sig, OTHER_CONTRACT)).toBe(false);
    expect(o.verify(pub(4), sig, DOMAIN)).toBe(false);
    // Same numbers under the withdrawal tag are a different message.
    const fields = [DOMAIN.chainId, DOMAIN.contract, 3n, 2n, 9n, 1n, 1n, 5n, 77n, 1234n, 5n, 300n];
    expect(hashTagged(DOMAIN_WITHDRAW, fields)).not.toBe(o.message(DOMAIN));
    expect(verifySignature(pub(3), hashTagged(DOMAIN_WITHDRAW, fields), sig)).toBe(false);
  });

  it("verifySignature mirrors the circuit: S below the subgroup order, points on the curve, inputs in the field", () => {
    const m = o.message(DOMAIN);
    const sig = sign(key(3), m);
    expect(verifySignature(pub(3), m, sig)).toBe(true);
    expect(verifySignature(pub(3), m + 1n, sig)).toBe(false);
    expect(verifySignature(pub(3), m, { ...sig, S: sig.S + BABYJUB_SUBORDER })).toBe(false);
    expect(verifySignature(pub(3), m, { ...sig, S: -1n })).toBe(false);
    expect(verifySignature(pub(3), m, { ...sig, R8x: sig.R8x + 1n })).toBe(false);
    expect(verifySignature({ x: 0n, y: 0n }, m, sig)).toBe(false);
    expect(verifySignature(pub(3), FIELD_MODULUS + m, sig)).toBe(false);
  });

  it("Order fields are range-checked at construction", () => {
    const base = { account: 1, isBuy: true, size: 1n, limit: 1n };
    const bad: [string, () => unknown][] = [
      ["nonce 0 (nonces start at 1)", () => makeOrder({ ...base, nonce: 0n })],
      ["nonce ≥ 2^32", () => makeOrder({ ...base, nonce: 1n << 32n })],
      ["size 0", () => makeOrder({ ...base, size: 0n })],
      ["size ≥ 2^63", () => makeOrder({ ...base, size: 1n << 63n })],
      ["limit 0", () => makeOrder({ ...base, limit: 0n })],
      ["limit ≥ 2^56", () => makeOrder({ ...base, limit: 1n << 56n })],
      ["expiry ≥ 2^40", () => makeOrder({ ...base, expiry: 1n << 40n })],
      ["flags ≥ 8", () => makeOrder({ ...base, flags: 8 })],
      ["maxFee above 1", () => makeOrder({ ...base, maxFee: 1_000_001n })],
      ["market ≥ 256", () => makeOrder({ ...base, market: 256 })],
      ["negative account", () => makeOrder({ ...base, account: -1n })],
    ];
    for (const [what, f] of bad) expect(codeOf(f), what).toBe("OUT_OF_RANGE");
    expect(new Order(makeOrder(base)).message(DOMAIN)).toBe(makeOrder(base).message(DOMAIN));
  });
});

const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const int = (bits: number) =>
  fc.bigInt({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n });
const field = fc.bigInt({ min: 0n, max: FIELD_MODULUS - 1n });

const arbAccount = fc
  .record({
    pubKeyX: field,
    pubKeyY: field,
    nonce: uint(32),
    salt: field,
    quote: int(96),
    balances: fc.array(uint(64), { minLength: 2, maxLength: 2 }),
    sizes: fc.array(int(64), { minLength: 2, maxLength: 2 }),
    fundingIndices: fc.array(int(64), { minLength: 2, maxLength: 2 }),
    slots: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), uint(32), uint(63)), { maxLength: 4 }),
  })
  .map((r) => {
    const a = Account.empty(SIZES);
    a.pubKeyX = r.pubKeyX;
    a.pubKeyY = r.pubKeyY;
    a.nonce = r.nonce;
    a.salt = r.salt;
    a.quote = r.quote;
    a.balances = r.balances;
    a.sizes = r.sizes;
    a.fundingIndices = r.fundingIndices;
    for (const [k, nonce, filled] of r.slots) a.setSlot(BigInt(k), { nonce, filled });
    return a;
  });

const arbOrder = fc
  .record({
    accountIndex: uint(6),
    slot: uint(2),
    nonce: fc.bigInt({ min: 1n, max: (1n << 32n) - 1n }),
    market: fc.integer({ min: 0, max: 1 }),
    isBuy: fc.boolean(),
    size: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }),
    limitPrice: fc.bigInt({ min: 1n, max: (1n << 56n) - 1n }),
    expiry: uint(40),
    flags: fc.integer({ min: 0, max: 7 }),
    maxFee: fc.bigInt({ min: 0n, max: 1_000_000n }),
  })
  .map((f) => new Order(f));

const viaJson = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("round trips", () => {
  it("Account: serialize → JSON → parse keeps every field, the order slots and the leaf hash", () => {
    fc.assert(
      fc.property(arbAccount, (a) => {
        const b = Account.parse(viaJson(a.serialize()), SIZES);
        expect(b.hash()).toBe(a.hash());
        expect(b.fields()).toEqual(a.fields());
        expect(b.usedSlots()).toEqual(a.usedSlots());
        for (const k of a.usedSlots()) expect(b.slot(k)).toEqual(a.slot(k));
        expect(b.equals(a)).toBe(true);
        expect(a.clone().hash()).toBe(a.hash());
      }),
      { numRuns: 60 },
    );
  });

  it("Order: serialize → JSON → parse keeps the signed message", () => {
    fc.assert(
      fc.property(arbOrder, (o) => {
        const p = Order.parse(viaJson(o.serialize()));
        expect(p.message(DOMAIN)).toBe(o.message(DOMAIN));
        expect(p.serialize()).toEqual(o.serialize());
      }),
      { numRuns: 100 },
    );
  });

  it("signed orders and signatures survive JSON and still verify (few runs: signing costs ms)", () => {
    fc.assert(
      fc.property(arbOrder, fc.integer({ min: 1, max: KEYS.length - 1 }), (o, k) => {
        const so = o.sign(KEYS[k]!, DOMAIN);
        const back = parseSignedOrder(viaJson(serializeSignedOrder(so)));
        expect(back.signature).toEqual(so.signature);
        expect(back.order.verify(PUBS[k]!, back.signature, DOMAIN)).toBe(true);
        expect(parseSignature(viaJson(serializeSignature(so.signature)))).toEqual(so.signature);
      }),
      { numRuns: 5 },
    );
  });
});

describe("malformed input", () => {
  const good = (): SerializedAccount => Account.empty(SIZES).serialize();

  it("Account.parse refuses wrong dimensions and out-of-range fields [I11]", () => {
    expect(codeOf(() => Account.parse({ ...good(), balances: ["0"] }, SIZES))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => Account.parse({ ...good(), sizes: ["0", "0", "0"] }, SIZES))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => Account.parse({ ...good(), quote: (1n << 95n).toString() }, SIZES))).toBe(
      "OUT_OF_RANGE",
    );
    expect(codeOf(() => Account.parse({ ...good(), balances: ["-1", "0"] }, SIZES))).toBe("OUT_OF_RANGE");
    expect(
      codeOf(() => Account.parse({ ...good(), slots: [{ slot: "4", nonce: "1", filled: "0" }] }, SIZES)),
    ).toBe("OUT_OF_RANGE");
  });

  it("Order.parse refuses out-of-range fields", () => {
    const o = new Order({
      accountIndex: 1n,
      slot: 0n,
      nonce: 1n,
      market: 0,
      isBuy: true,
      size: 1n,
      limitPrice: 1n,
      expiry: 1n,
      flags: 0,
      maxFee: 0n,
    }).serialize();
    expect(codeOf(() => Order.parse({ ...o, size: "0" }))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => Order.parse({ ...o, nonce: "0" }))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => Order.parse({ ...o, maxFee: "1000001" }))).toBe("OUT_OF_RANGE");
    expect(() => Order.parse({ ...o, size: "1.5" })).toThrow(SyntaxError);
  });
});
