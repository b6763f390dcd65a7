// Poseidon over BN254 exactly as circomlib's Poseidon template, plus the tagged chain hash H (PROTOCOL §3).
// circomlibjs builds its hasher asynchronously; a top-level await makes every hash below synchronous for callers.
import { checkField } from "./field.js";
import { circomlib, type CircomlibPoseidon } from "./crypto.js";

const poseidonImpl: CircomlibPoseidon = circomlib.poseidon;

export const MAX_POSEIDON_INPUTS = 16;
/** Fields per chunk of H: the first chunk shares a Poseidon with the tag, later ones with the running hash. */
export const CHAIN_CHUNK = 15;

export function poseidon(inputs: readonly bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > MAX_POSEIDON_INPUTS) {
    throw new RangeError(`Poseidon takes 1..16 inputs, got ${inputs.length}`);
  }
  for (const x of inputs) checkField(x, "Poseidon input");
  return poseidonImpl.F.toObject(poseidonImpl([...inputs]));
}

export function poseidon2(left: bigint, right: bigint): bigint {
  return poseidon([left, right]);
}

/** H(tag, xs) of PROTOCOL §3. */
export function hashTagged(tag: bigint, xs: readonly bigint[]): bigint {
  let h = poseidon([tag, ...xs.slice(0, CHAIN_CHUNK)]);
  for (let i = CHAIN_CHUNK; i < xs.length; i += CHAIN_CHUNK) {
    h = poseidon([h, ...xs.slice(i, i + CHAIN_CHUNK)]);
  }
  return h;
}

/** How many Poseidon calls H makes over k fields, and their widths (for circuit generation and budgets). */
export function chainShape(k: number): number[] {
  const widths = [Math.min(k, CHAIN_CHUNK) + 1];
  for (let i = CHAIN_CHUNK; i < k; i += CHAIN_CHUNK) widths.push(Math.min(CHAIN_CHUNK, k - i) + 1);
  return widths;
}
