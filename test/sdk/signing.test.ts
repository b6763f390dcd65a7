// What the SDK signs verifies under the protocol model (and the sequencer's authenticator), binds the deployment
// [I10], and carries every order field as given; slot/nonce bookkeeping never reuses a nonce [I9] and never picks a
// slot holding an open order; human units are exact.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DOMAIN_AUTH,
  FLAG_IOC,
  FLAG_POST_ONLY,
  FLAG_REDUCE_ONLY,
  Order,
  hashTagged,
  makeDomain,
  parseSignature,
  verifySignature,
  withdrawalMessage,
} from "../../protocol/index.js";
import { Authenticator } from "../../sequencer/api/auth.js";
import {
  AUTH_HEADERS,
  FileSlotStore,
  OrderSlots,
  TraderKey,
  authHeaders,
  formatUsd,
  orderFlags,
  parseAmount,
  parseExpiry,
  parsePrice,
  signOrder,
  signWithdrawal,
  slotStoreId,
  type OrderIntent,
} from "../../client/sdk/index.js";

const D = makeDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const OTHER = makeDomain(1n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const key = TraderKey.fromSeed("07".repeat(32));
const stranger = TraderKey.fromSeed("08".repeat(32));

const intent: OrderIntent = {
  accountIndex: 5n,
  market: 1,
  isBuy: false,
  size: 12_345_678n,
  limitPrice: 300_012_345_678n,
  slot: 3n,
  nonce: 9n,
  expiry: 1_900_000_000n,
  maxFee: 750n,
  reduceOnly: true,
  postOnly: true,
};

describe("order signatures", () => {
  it("[I10] carry every field as given and verify with the protocol model under this deployment only", () => {
    const body = signOrder(key, D, intent, "cid-1");
    expect(body.clientOrderId).toBe("cid-1");
    expect(body.order).toEqual({
      accountIndex: "5",
      slot: "3",
      nonce: "9",
      market: 1,
      isBuy: false,
      size: "12345678",
      limitPrice: "300012345678",
      expiry: "1900000000",
      flags: FLAG_REDUCE_ONLY | FLAG_POST_ONLY,
      maxFee: "750",
    });
    const order = Order.parse(body.order);
    const sig = parseSignature(body.signature);
    expect(order.verify(key.publicKey, sig, D)).toBe(true);
    expect(order.verify(key.publicKey, sig, OTHER)).toBe(false);
    expect(order.verify(stranger.publicKey, sig, D)).toBe(false);
    // Any field changed after signing breaks the signature.
    for (const change of [
      { size: "12345679" },
      { nonce: "10" },
      { flags: FLAG_POST_ONLY },
      { maxFee: "751" },
    ]) {
      expect(Order.parse({ ...body.order, ...change }).verify(key.publicKey, sig, D)).toBe(false);
    }
  });

  it("encodes each flag in its bit and refuses post-only with IOC", () => {
    expect(orderFlags({})).toBe(0);
    expect(orderFlags({ reduceOnly: true })).toBe(FLAG_REDUCE_ONLY);
    expect(orderFlags({ postOnly: true })).toBe(FLAG_POST_ONLY);
    expect(orderFlags({ ioc: true, reduceOnly: true })).toBe(FLAG_IOC | FLAG_REDUCE_ONLY);
    expect(() => orderFlags({ postOnly: true, ioc: true })).toThrowError(
      expect.objectContaining({ code: "BAD_FLAGS" }),
    );
  });

  it("refuses out-of-range fields through the protocol model", () => {
    expect(() => signOrder(key, D, { ...intent, nonce: 0n })).toThrowError(
      expect.objectContaining({ code: "OUT_OF_RANGE" }),
    );
    expect(() => signOrder(key, D, { ...intent, maxFee: 1_000_001n })).toThrowError(
      expect.objectContaining({ code: "OUT_OF_RANGE" }),
    );
  });
});

describe("API read authentication", () => {
  it("[I10] signs H(DOMAIN_AUTH, chainId, contract, account, ms) and the sequencer's authenticator accepts it", () => {
    const ts = 1_700_000_123_456;
    const h = authHeaders(key, D, 5n, ts);
    expect(h[AUTH_HEADERS.account]).toBe("5");
    expect(h[AUTH_HEADERS.timestamp]).toBe(String(ts));
    const [R8x, R8y, S] = h[AUTH_HEADERS.signature]!.split(",").map(BigInt) as [bigint, bigint, bigint];
    const m = hashTagged(DOMAIN_AUTH, [D.chainId, D.contract, 5n, BigInt(ts)]);
    expect(verifySignature(key.publicKey, m, { R8x, R8y, S })).toBe(true);
    const auth = (keyOf: TraderKey) =>
      new Authenticator(
        D,
        (i) => (i === 5n ? keyOf.publicKey : null),
        30_000,
        () => ts + 1_000,
      );
    const input = {
      account: h[AUTH_HEADERS.account],
      timestamp: h[AUTH_HEADERS.timestamp],
      signature: h[AUTH_HEADERS.signature],
    };
    expect(auth(key).verify(input)).toBe(5n);
    expect(() => auth(stranger).verify(input)).toThrowError(
      expect.objectContaining({ code: "AUTH_INVALID" }),
    );
  });
});

describe("withdrawal signatures", () => {
  it("[I10] verify over withdrawalMessage with the recipient as a 160-bit address", () => {
    const to = "0x00000000000000000000000000000000000000aB";
    const body = signWithdrawal(key, D, {
      accountIndex: 5n,
      asset: 2,
      amount: 250_000_000n,
      l1Address: to,
      nonce: 3n,
    });
    expect(body).toMatchObject({
      accountIndex: "5",
      asset: 2,
      amount: "250000000",
      l1Address: "0x00000000000000000000000000000000000000ab",
      nonce: "3",
    });
    const req = { accountIndex: 5n, asset: 2, amount: 250_000_000n, l1Address: 0xabn, nonce: 3n };
    const sig = parseSignature(body.signature);
    expect(verifySignature(key.publicKey, withdrawalMessage(D, req), sig)).toBe(true);
    expect(verifySignature(key.publicKey, withdrawalMessage(OTHER, req), sig)).toBe(false);
    expect(verifySignature(key.publicKey, withdrawalMessage(D, { ...req, nonce: 4n }), sig)).toBe(false);
  });

  it("refuses the zero address and malformed addresses", () => {
    const w = { accountIndex: 5n, asset: 0, amount: 1n, nonce: 0n };
    expect(() => signWithdrawal(key, D, { ...w, l1Address: "0x" + "0".repeat(40) })).toThrowError(
      expect.objectContaining({ code: "BAD_INPUT" }),
    );
    expect(() => signWithdrawal(key, D, { ...w, l1Address: "0x1234" })).toThrowError(
      expect.objectContaining({ code: "BAD_INPUT" }),
    );
  });
});

describe("order slots and nonces", () => {
  it("[I9] picks the lowest slot without an open order and always a nonce above every known one", () => {
    const s = new OrderSlots(2);
    expect(s.capacity).toBe(4n);
    const a = s.choose([]);
    expect([a, s.reserve(a, "a")]).toEqual([0n, 1n]);
    // "a" is open: slot 0 is taken.
    const b = s.choose(["a"]);
    expect([b, s.reserve(b, "b")]).toEqual([1n, 1n]);
    // "a" finished: slot 0 is free again, with the next nonce.
    expect(s.choose(["b"])).toBe(0n);
    expect(s.reserve(0n, "c")).toBe(2n);
    // The settled leaf knows a higher nonce (e.g. from another install): the floor rises; a lower one is ignored.
    s.observeSettled([
      { slot: "2", nonce: "41" },
      { slot: "0", nonce: "1" },
    ]);
    expect(s.floor(2n)).toBe(41n);
    expect(s.floor(0n)).toBe(2n);
    expect(s.choose(["b", "c"])).toBe(2n);
    expect(s.reserve(2n, "d")).toBe(42n);
  });

  it("refuses to guess when every slot is open or an open order's slot is unknown, but honours an explicit slot", () => {
    const s = new OrderSlots(1);
    s.reserve(0n, "a");
    s.reserve(1n, "b");
    expect(() => s.choose(["a", "b"])).toThrowError(expect.objectContaining({ code: "NO_FREE_SLOT" }));
    expect(() => s.choose(["zz"])).toThrowError(expect.objectContaining({ code: "UNKNOWN_OPEN_ORDERS" }));
    expect(s.choose(["a", "b"], 1n)).toBe(1n);
    expect(s.reserve(1n, "c")).toBe(2n);
    expect(() => s.choose([], 2n)).toThrowError(expect.objectContaining({ code: "BAD_INPUT" }));
  });

  it("persists per deployment and account in a file", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "zkm-slots-")), "slots.json");
    const store = new FileSlotStore(path);
    const id = slotStoreId(D, 5n);
    const s = await store.load(id, 2);
    s.reserve(s.choose([]), "x");
    await store.save(id, s);
    const again = await new FileSlotStore(path).load(id, 2);
    expect(again.floor(0n)).toBe(1n);
    expect(again.record(0n)?.clientOrderId).toBe("x");
    expect((await store.load(slotStoreId(OTHER, 5n), 2)).floor(0n)).toBe(0n);
    await expect(store.load(id, 4)).rejects.toMatchObject({ code: "SLOT_STORE_INVALID" });
  });
});

describe("units", () => {
  it("parses exactly and refuses extra decimals rather than rounding", () => {
    expect(parseAmount("0.00000001")).toBe(1n);
    expect(parsePrice("60000.5")).toBe(6_000_050_000_000n);
    expect(() => parseAmount("0.000000001")).toThrowError(expect.objectContaining({ code: "BAD_DECIMAL" }));
    expect(() => parseAmount("0")).toThrowError(expect.objectContaining({ code: "BAD_INPUT" }));
    expect(formatUsd(-12_500_000_000_000_000n)).toBe("-1.25");
  });

  it("reads an expiry as a duration or an absolute time in the future", () => {
    expect(parseExpiry("90s", 1_000n)).toBe(1_090n);
    expect(parseExpiry("7d", 1_000n)).toBe(1_000n + 7n * 86_400n);
    expect(parseExpiry("5000", 1_000n)).toBe(5_000n);
    expect(() => parseExpiry("500", 1_000n)).toThrowError(expect.objectContaining({ code: "BAD_INPUT" }));
    expect(() => parseExpiry("soon", 1_000n)).toThrowError(expect.objectContaining({ code: "BAD_INPUT" }));
  });
});
