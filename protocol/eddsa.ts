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

/** Mirrors circomlib's EdDSAPoseidonVerifier, including its `S < subgroup order` check. */
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
  if (!eddsa.babyJub.inCurve(A) || !eddsa.babyJub.inCurve(R8)) return false;
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
