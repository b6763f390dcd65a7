// Scalar-field vectors behind every point of the development setup: powers of
// tau and the Lagrange-basis values that `snarkjs powersoftau prepare phase2`
// would produce by inverse FFTs over curve points. Doing the inverse FFT over
// Fr instead and multiplying the generator afterwards gives the same points,
// because the group FFT is linear in the scalars.
import type { Bn128, FrElem } from "./curve.js";
import { FR_BYTES } from "./wasmPool.js";

/** [first, first*inc, first*inc^2, ...] (n elements, Montgomery form). */
export async function geometric(curve: Bn128, first: FrElem, inc: FrElem, n: number): Promise<Uint8Array> {
  const ones = new Uint8Array(n * FR_BYTES);
  for (let i = 0; i < n; i++) ones.set(curve.Fr.one, i * FR_BYTES);
  return curve.Fr.batchApplyKey(ones, first, inc);
}

/**
 * Lagrange values of level p (domain 2^p) from the tau powers, exactly as
 * preparePhase2 builds them: the inverse FFT of the first 2^p powers. For the
 * top G1 level (p = power+1) the ptau holds only 2^(p)-1 powers, and snarkjs
 * fills the missing last one with the point at infinity; zero-padding the
 * scalar vector reproduces that quirk.
 */
export async function lagrangeLevel(curve: Bn128, tauPowers: Uint8Array, p: number): Promise<Uint8Array> {
  const m = 2 ** p;
  const v = new Uint8Array(m * FR_BYTES);
  v.set(tauPowers.subarray(0, Math.min(tauPowers.byteLength, m * FR_BYTES)));
  if (m === 1) return v; // a one-point inverse FFT is the identity
  return curve.Fr.ifft(v);
}

/** Multiplies every element by k (Montgomery in and out). */
export async function scale(curve: Bn128, v: Uint8Array, k: FrElem): Promise<Uint8Array> {
  return curve.Fr.batchApplyKey(v, k, curve.Fr.one);
}

/** Montgomery to the normal little-endian form the fixed-base workers read. */
export async function normal(curve: Bn128, v: Uint8Array): Promise<Uint8Array> {
  if (v.byteLength === 0) return new Uint8Array(0);
  return curve.Fr.batchFromMontgomery(v);
}
