// Reads what the zkey writer needs from a circom .r1cs: the header counts and
// the raw constraints section. The constraints stay as bytes for the worker
// (r1csfile would turn every coefficient into a BigInt first, which is slow
// and memory-hungry at a few hundred thousand constraints).
import { BinReader } from "./binFile.js";
import { BN254_R } from "./secrets.js";

export interface R1csHeader {
  n8: number;
  prime: bigint;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
}

export interface R1cs extends R1csHeader {
  /** Section 2 verbatim: per constraint, A, B, C as [u32 count, (u32 wire, n8-byte coef)*]. */
  constraints: Uint8Array;
}

/** Public signals snarkjs counts (outputs first, then public inputs), excluding the constant 1. */
export function nPublicOf(h: R1csHeader): number {
  return h.nOutputs + h.nPubInputs;
}

/** snarkjs zkey_new: domain of 2^cirPower rows must hold the constraints plus one row per public wire. */
export function circuitPower(h: R1csHeader): number {
  const v = h.nConstraints + nPublicOf(h);
  return (v > 0 ? 31 - Math.clz32(v) : 0) + 1;
}

export async function readR1cs(path: string): Promise<R1cs> {
  const f = await BinReader.open(path, "r1cs");
  try {
    const head = Buffer.from(await f.readSection(1));
    const n8 = head.readUInt32LE(0);
    let prime = 0n;
    for (let i = n8 - 1; i >= 0; i--) prime = (prime << 8n) | BigInt(head[4 + i] ?? 0);
    let o = 4 + n8;
    const nVars = head.readUInt32LE(o);
    const nOutputs = head.readUInt32LE(o + 4);
    const nPubInputs = head.readUInt32LE(o + 8);
    const nPrvInputs = head.readUInt32LE(o + 12);
    o += 16 + 8; // nLabels (u64) is not needed
    const nConstraints = head.readUInt32LE(o);
    if (prime !== BN254_R || n8 !== 32) throw new Error(`${path}: r1cs is not over the BN254 scalar field`);
    const constraints = await f.readSection(2);
    return { n8, prime, nVars, nOutputs, nPubInputs, nPrvInputs, nConstraints, constraints };
  } finally {
    await f.close();
  }
}
