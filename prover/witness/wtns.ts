// Reader of circom's .wtns (iden3 binary: "wtns", u32 version 2, u32 sections; section 1 = n8, prime, nWitness;
// section 2 = nWitness little-endian n8-byte field elements). Used to check a witness against the circuit it
// claims to belong to before it reaches a prover, and by tests that compare witnesses value by value.
import { FIELD_MODULUS } from "../../protocol/field.js";
import { ProverError } from "../backend/errors.js";

export interface WtnsHeader {
  readonly n8: number;
  readonly prime: bigint;
  readonly nWitness: number;
}

function readLE(buf: Buffer, pos: number, n: number): bigint {
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(buf[pos + i]!);
  return x;
}

function sections(bytes: Uint8Array): Map<number, { start: number; size: number }> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "wtns") {
    throw new ProverError("BAD_WITNESS", "not a .wtns file");
  }
  const n = buf.readUInt32LE(8);
  const out = new Map<number, { start: number; size: number }>();
  let pos = 12;
  for (let i = 0; i < n; i++) {
    if (pos + 12 > buf.length) throw new ProverError("BAD_WITNESS", ".wtns section table is truncated");
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (pos + size > buf.length)
      throw new ProverError("BAD_WITNESS", `.wtns section ${type} runs past the end`);
    out.set(type, { start: pos, size });
    pos += size;
  }
  return out;
}

export function readWtnsHeader(bytes: Uint8Array): WtnsHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const s1 = sections(bytes).get(1);
  if (!s1) throw new ProverError("BAD_WITNESS", ".wtns has no header section");
  const n8 = buf.readUInt32LE(s1.start);
  const prime = readLE(buf, s1.start + 4, n8);
  const nWitness = buf.readUInt32LE(s1.start + 4 + n8);
  if (prime !== FIELD_MODULUS)
    throw new ProverError("BAD_WITNESS", ".wtns is not over the BN254 scalar field");
  return { n8, prime, nWitness };
}

/** Every witness value (wire order of the .r1cs, wire 0 = 1). */
export function readWtns(bytes: Uint8Array): bigint[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { n8, nWitness } = readWtnsHeader(bytes);
  const s2 = sections(bytes).get(2);
  if (!s2 || s2.size !== n8 * nWitness)
    throw new ProverError("BAD_WITNESS", ".wtns values section has the wrong size");
  const out: bigint[] = new Array<bigint>(nWitness);
  for (let i = 0; i < nWitness; i++) out[i] = readLE(buf, s2.start + i * n8, n8);
  return out;
}
