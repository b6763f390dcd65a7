// Key validity (PROTOCOL §6, [I20]): the model refuses exactly the keys circomlib's EdDSAPoseidonVerifier refuses,
// so a signature the sequencer accepts is one the circuit can prove. The attack: under a small-order key A,
// 8·A is the identity and S·B8 = R8 + 8·h·A holds for R8 = S·B8 whatever the message — a forgery circomlibjs accepts.
import { buildBabyjub } from "circomlibjs";
import { describe, expect, it } from "vitest";
import {
  BatchBuilder,
  FIELD_MODULUS,
  isLowOrder,
  isOnCurve,
  isValidPublicKey,
  Opcode,
  verifySignature,
  type DepositOp,
  type PublicKey,
} from "../../protocol/index.js";
import { circomlib } from "../../protocol/crypto.js";
import { ADDR, header, makeState, pub, sign, key, USDC } from "./fixtures.js";

interface BabyJub {
  F: { toObject(x: Uint8Array): bigint; e(x: bigint): Uint8Array };
  Generator: [Uint8Array, Uint8Array];
  Base8: [Uint8Array, Uint8Array];
  subOrder: bigint;
  mulPointEscalar(p: [Uint8Array, Uint8Array], e: bigint): [Uint8Array, Uint8Array];
  addPoint(a: [Uint8Array, Uint8Array], b: [Uint8Array, Uint8Array]): [Uint8Array, Uint8Array];
}
const bj = (await buildBabyjub()) as unknown as BabyJub;
const toPub = (p: [Uint8Array, Uint8Array]): PublicKey => ({
  x: bj.F.toObject(p[0]),
  y: bj.F.toObject(p[1]),
});
const toPoint = (k: PublicKey): [Uint8Array, Uint8Array] => [bj.F.e(k.x), bj.F.e(k.y)];

// The whole curve group has order 8·l; l·Generator has order 8 and its multiples are the 8 small-order points.
const T8 = bj.mulPointEscalar(bj.Generator, bj.subOrder);
const TORSION: PublicKey[] = Array.from({ length: 8 }, (_, k) => toPub(bj.mulPointEscalar(T8, BigInt(k))));

describe("key validity [I20]", () => {
  it("finds 8 distinct small-order points, including (0, 1) and (0, −1)", () => {
    expect(new Set(TORSION.map((t) => `${t.x},${t.y}`)).size).toBe(8);
    expect(TORSION).toContainEqual({ x: 0n, y: 1n });
    expect(TORSION).toContainEqual({ x: 0n, y: FIELD_MODULUS - 1n });
  });

  it("refuses every small-order key (on the curve, yet invalid)", () => {
    for (const t of TORSION) {
      expect(isOnCurve(t.x, t.y)).toBe(true);
      expect(isLowOrder(t.x, t.y)).toBe(true);
      expect(isValidPublicKey(t)).toBe(false);
    }
  });

  it("accepts real keys, and a real key shifted by a torsion point (8·A still ≠ identity, as in circomlib)", () => {
    for (let i = 1; i <= 5; i++) {
      expect(isValidPublicKey(pub(i))).toBe(true);
      const shifted = toPub(bj.addPoint(toPoint(pub(i)), toPoint(TORSION[3]!)));
      expect(isValidPublicKey(shifted)).toBe(true);
    }
  });

  it("refuses off-curve points and out-of-field coordinates", () => {
    const p = pub(1);
    expect(isValidPublicKey({ x: p.x, y: p.y + 1n })).toBe(false);
    expect(isValidPublicKey({ x: 0n, y: 0n })).toBe(false);
    expect(isValidPublicKey({ x: 1n, y: 1n })).toBe(false);
    expect(isValidPublicKey({ x: p.x + FIELD_MODULUS, y: p.y })).toBe(false);
    expect(isValidPublicKey({ x: -1n, y: 1n })).toBe(false);
  });

  it("rejects the forgery under a small-order key that circomlibjs itself accepts", () => {
    const S = 123456789n;
    const R8 = bj.mulPointEscalar(bj.Base8, S);
    const message = 42n;
    for (const t of TORSION) {
      // The attack works against the bare library (documents why the model must not rely on it) ...
      expect(circomlib.verifyPoseidon(circomlib.F.e(message), { R8, S }, toPoint(t))).toBe(true);
      // ... and not against the model.
      expect(verifySignature(t, message, { R8x: bj.F.toObject(R8[0]), R8y: bj.F.toObject(R8[1]), S })).toBe(
        false,
      );
    }
  });

  it("still accepts honest signatures", () => {
    const sig = sign(key(2), 77n);
    expect(verifySignature(pub(2), 77n, sig)).toBe(true);
    expect(verifySignature(pub(2), 78n, sig)).toBe(false);
  });

  it("fails a deposit op carrying a small-order or off-curve key with BAD_PUBLIC_KEY and changes nothing", () => {
    const state = makeState();
    const b = new BatchBuilder(state, header(state));
    const root = b.root;
    for (const k of [TORSION[5]!, { x: 1n, y: 1n }]) {
      const op: DepositOp = {
        opcode: Opcode.DEPOSIT,
        l1Address: ADDR,
        accountIndex: 9n,
        pubKeyX: k.x,
        pubKeyY: k.y,
        asset: USDC,
        amount: 100n,
        salt: 1n,
      };
      expect(() => b.apply(op)).toThrowError(expect.objectContaining({ code: "BAD_PUBLIC_KEY" }));
      expect(b.root).toBe(root);
    }
  });
});
