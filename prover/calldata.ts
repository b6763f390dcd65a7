// A Groth16 proof in the two shapes it travels in: snarkjs JSON (what provers write and `snarkjs groth16 verify`
// reads) and the `(a, b, c)` tuple snarkjs's Solidity verifier takes (IZkMarginRollup's Groth16Proof). The one
// non-obvious step is G2: snarkjs stores an Fp2 element as [c0, c1], the EVM pairing precompile (EIP-197) wants
// [c1, c0], so every coordinate pair of pi_b is swapped. Kept here, in one place, because the sequencer (submitting),
// the tests and `zkmargin verify-batch` (reading a proof back from calldata) must all agree on it.
import type { Groth16Proof } from "./backend/types.js";

export interface Groth16Calldata {
  readonly a: readonly [bigint, bigint];
  readonly b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  readonly c: readonly [bigint, bigint];
}

function int(s: string | undefined, what: string): bigint {
  if (s === undefined || !/^[0-9]+$/.test(s)) throw new RangeError(`proof ${what} is not a decimal integer`);
  return BigInt(s);
}

/** snarkjs JSON → the verifier's calldata tuple. Refuses a proof whose points are not in affine form (z ≠ 1). */
export function toCalldata(p: Pick<Groth16Proof, "pi_a" | "pi_b" | "pi_c">): Groth16Calldata {
  if (p.pi_a[2] !== "1" || p.pi_c[2] !== "1" || p.pi_b[2]?.[0] !== "1" || p.pi_b[2]?.[1] !== "0") {
    throw new RangeError("proof points are not affine (snarkjs writes z = 1)");
  }
  return {
    a: [int(p.pi_a[0], "a.x"), int(p.pi_a[1], "a.y")],
    b: [
      [int(p.pi_b[0]?.[1], "b.x.c1"), int(p.pi_b[0]?.[0], "b.x.c0")],
      [int(p.pi_b[1]?.[1], "b.y.c1"), int(p.pi_b[1]?.[0], "b.y.c0")],
    ],
    c: [int(p.pi_c[0], "c.x"), int(p.pi_c[1], "c.y")],
  };
}

/** The verifier's calldata tuple → snarkjs JSON (the exact inverse of toCalldata). */
export function fromCalldata(c: Groth16Calldata): Groth16Proof {
  const s = (x: bigint): string => x.toString();
  return {
    pi_a: [s(c.a[0]), s(c.a[1]), "1"],
    pi_b: [
      [s(c.b[0][1]), s(c.b[0][0])],
      [s(c.b[1][1]), s(c.b[1][0])],
      ["1", "0"],
    ],
    pi_c: [s(c.c[0]), s(c.c[1]), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}
