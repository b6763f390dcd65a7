// Deterministic keys, salts and L1 addresses from fixed seed strings. The simulation and the test vectors must be
// byte-for-byte reproducible, so nothing here may touch a random source; these keys are public and INSECURE.
import { sha256 } from "@noble/hashes/sha2";
import { FIELD_MODULUS, publicKeyOf, type PublicKey } from "../../protocol/index.js";

export interface SeededKey {
  readonly seed: string;
  readonly privateKey: Uint8Array;
  readonly publicKey: PublicKey;
}

const encoder = new TextEncoder();

function digest(label: string, seed: string): Uint8Array {
  // The label separates the uses of one seed, so a salt never equals a key or an address.
  return sha256(encoder.encode(`zkmargin.sim.${label}:${seed}`));
}

function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function seededKey(seed: string): SeededKey {
  const privateKey = digest("key", seed);
  return { seed, privateKey, publicKey: publicKeyOf(privateKey) };
}

/** A leaf salt (PROTOCOL §4.1): a field element the operator would draw at random. */
export function seededSalt(seed: string): bigint {
  return toBigInt(digest("salt", seed)) % FIELD_MODULUS;
}

/** A 160-bit L1 address. */
export function seededAddress(seed: string): bigint {
  return toBigInt(digest("address", seed).subarray(0, 20));
}

export function addressHex(a: bigint): string {
  return `0x${a.toString(16).padStart(40, "0")}`;
}
