// EdDSA-Poseidon on Baby Jubjub (PROTOCOL §6), wrapping circomlibjs so the rest of the code sees bigints only.
import { FIELD_MODULUS } from "./field.js";
import { circomlib, type CircomlibEddsa } from "./crypto.js";

const eddsa: CircomlibEddsa = circomlib;
const F = eddsa.F;

export interface PublicKey {
  readonly x: bigint;
  readonly y: bigint;
}

export interface Signature {
  readonly R8x: bigint;
  readonly R8y: bigint;
  readonly S: bigint;
}

export const BABYJUB_SUBORDER: bigint = eddsa.babyJub.subOrder;

// Baby Jubjub in twisted Edwards form a·x² + y² = 1 + d·x²·y² over the BN254 scalar field (EIP-2494).
export const BABYJUB_A = 168700n;
export const BABYJUB_D = 168696n;

const mod = (v: bigint): bigint => ((v % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;

export function isOnCurve(x: bigint, y: bigint): boolean {
  if (x < 0n || x >= FIELD_MODULUS || y < 0n || y >= FIELD_MODULUS) return false;
  const x2 = mod(x * x);
  const y2 = mod(y * y);
  return mod(BABYJUB_A * x2 + y2) === mod(1n + BABYJUB_D * mod(x2 * y2));
}

/**
 * True when 8·P is the identity, i.e. P lies in the cofactor-8 torsion subgroup. Such a key breaks EdDSA: the
 * verification equation S·B8 = R8 + 8·h·A loses its A term, so anybody can forge a signature for it. circomlib's
 * EdDSAPoseidonVerifier rejects these keys (its "8·A ≠ 0" check), so the model must too (PROTOCOL I20): otherwise the
 * sequencer would accept a forgery the circuit cannot prove and the batch could never settle.
 * Three projective doublings (no inversion; the same formulas ZkMarginRollup._checkKey runs): 8·P = (X : Y : Z) is
 * the identity iff X = 0 and Y = Z.
 */
export function isLowOrder(x: bigint, y: bigint): boolean {
  let X = x;
  let Y = y;
  let Z = 1n;
  for (let i = 0; i < 3; i++) {
    const B = mod((X + Y) * (X + Y));
    const C = mod(X * X);
    const D = mod(Y * Y);
    const E = mod(BABYJUB_A * C);
    const F = mod(E + D);
    const H = mod(Z * Z);
    const J = mod(F - 2n * H);
    X = mod((B - C - D) * J);
    Y = mod(F * (E - D));
    Z = mod(F * J);
  }
  return X === 0n && Y === Z && Z !== 0n;
}

/** A key an account may register (PROTOCOL §6, I20): on the curve and not of small order ((0, 0) is neither). */
export function isValidPublicKey(pub: PublicKey): boolean {
  return isOnCurve(pub.x, pub.y) && !isLowOrder(pub.x, pub.y);
}

export function publicKeyOf(privateKey: Uint8Array): PublicKey {
  if (privateKey.length !== 32) throw new RangeError("a private key is 32 bytes");
  const [x, y] = eddsa.prv2pub(privateKey);
  return { x: F.toObject(x), y: F.toObject(y) };
}

export function signMessage(privateKey: Uint8Array, message: bigint): Signature {
  const sig = eddsa.signPoseidon(privateKey, F.e(message));
  return { R8x: F.toObject(sig.R8[0]), R8y: F.toObject(sig.R8[1]), S: sig.S };
}

// Verification is a pure function of its inputs and costs tens of milliseconds in circomlibjs, while the same
// signature is checked at placement, at every partial fill, on replay and when a batch is rebuilt: memoise it.
const VERIFY_CACHE_LIMIT = 1 << 16;
const verifyCache = new Map<string, boolean>();

/** Mirrors circomlib's EdDSAPoseidonVerifier, including its `S < subgroup order` and `8·A ≠ identity` checks. */
export function verifySignature(pub: PublicKey, message: bigint, sig: Signature): boolean {
  const key = `${pub.x}:${pub.y}:${message}:${sig.R8x}:${sig.R8y}:${sig.S}`;
  const hit = verifyCache.get(key);
  if (hit !== undefined) return hit;
  const ok = verifyUncached(pub, message, sig);
  if (verifyCache.size >= VERIFY_CACHE_LIMIT) verifyCache.delete(verifyCache.keys().next().value!);
  verifyCache.set(key, ok);
  return ok;
}

function verifyUncached(pub: PublicKey, message: bigint, sig: Signature): boolean {
  for (const v of [pub.x, pub.y, sig.R8x, sig.R8y, message]) if (v < 0n || v >= FIELD_MODULUS) return false;
  if (sig.S < 0n || sig.S >= BABYJUB_SUBORDER) return false;
  const A: [Uint8Array, Uint8Array] = [F.e(pub.x), F.e(pub.y)];
  const R8: [Uint8Array, Uint8Array] = [F.e(sig.R8x), F.e(sig.R8y)];
  if (!isValidPublicKey(pub) || !isOnCurve(sig.R8x, sig.R8y)) return false;
  try {
    return eddsa.verifyPoseidon(F.e(message), { R8, S: sig.S }, A);
  } catch {
    return false;
  }
}

export function serializeSignature(s: Signature): { R8x: string; R8y: string; S: string } {
  return { R8x: s.R8x.toString(), R8y: s.R8y.toString(), S: s.S.toString() };
}

export function parseSignature(s: { R8x: string; R8y: string; S: string }): Signature {
  return { R8x: BigInt(s.R8x), R8y: BigInt(s.R8y), S: BigInt(s.S) };
}
