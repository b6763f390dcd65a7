// Our own reader of circom's .r1cs (iden3 binary format: "r1cs", u32 version, u32 section count, then [u32 type,
// u64 size, bytes] per section) and an R1CS satisfaction checker. The checker is what makes witness-tampering tests
// possible: circom's witness calculator asserts while it computes, so a tampered witness can only be judged by
// evaluating A·w ∘ B·w = C·w ourselves, constraint by constraint.
import { open, readFile } from "node:fs/promises";
import { FIELD_MODULUS } from "../../protocol/field.js";
import { CircuitToolError } from "./errors.js";

const HEADER_SECTION = 1;
const CONSTRAINTS_SECTION = 2;

export interface R1csHeader {
  /** Bytes per field element (32 for BN254). */
  readonly n8: number;
  readonly prime: bigint;
  /** Wires, including the constant 1 at index 0. */
  readonly nWires: number;
  readonly nOutputs: number;
  readonly nPubInputs: number;
  readonly nPrvInputs: number;
  readonly nLabels: bigint;
  readonly nConstraints: number;
}

/** A sparse linear combination Σ coefs[i]·w[wires[i]]. */
export interface LinearCombination {
  readonly wires: Uint32Array;
  readonly coefs: readonly bigint[];
}

export interface Constraint {
  readonly a: LinearCombination;
  readonly b: LinearCombination;
  readonly c: LinearCombination;
}

export interface R1cs extends R1csHeader {
  readonly constraints: readonly Constraint[];
}

interface SectionIndex {
  readonly buf: Buffer;
  readonly sections: Map<number, { start: number; size: number }>;
}

function indexSections(buf: Buffer, path: string): SectionIndex {
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "r1cs") {
    throw new CircuitToolError("BAD_R1CS", `${path}: not an r1cs file`);
  }
  const nSections = buf.readUInt32LE(8);
  const sections = new Map<number, { start: number; size: number }>();
  let pos = 12;
  for (let i = 0; i < nSections; i++) {
    if (pos + 12 > buf.length) throw new CircuitToolError("BAD_R1CS", `${path}: truncated section table`);
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (pos + size > buf.length)
      throw new CircuitToolError("BAD_R1CS", `${path}: section ${type} runs past the end`);
    if (sections.has(type)) throw new CircuitToolError("BAD_R1CS", `${path}: section ${type} appears twice`);
    sections.set(type, { start: pos, size });
    pos += size;
  }
  return { buf, sections };
}

function readLE(buf: Buffer, pos: number, n8: number): bigint {
  let x = 0n;
  for (let i = n8 - 8; i >= 0; i -= 8) x = (x << 64n) | buf.readBigUInt64LE(pos + i);
  return x;
}

function parseHeader(ix: SectionIndex, path: string): R1csHeader {
  const s = ix.sections.get(HEADER_SECTION);
  if (!s) throw new CircuitToolError("BAD_R1CS", `${path}: no header section`);
  const b = ix.buf;
  const n8 = b.readUInt32LE(s.start);
  if (n8 !== 32)
    throw new CircuitToolError("BAD_R1CS", `${path}: field elements of ${n8} bytes, expected 32`);
  const prime = readLE(b, s.start + 4, n8);
  if (prime !== FIELD_MODULUS)
    throw new CircuitToolError("BAD_R1CS", `${path}: r1cs is not over the BN254 scalar field`);
  let o = s.start + 4 + n8;
  const nWires = b.readUInt32LE(o);
  const nOutputs = b.readUInt32LE(o + 4);
  const nPubInputs = b.readUInt32LE(o + 8);
  const nPrvInputs = b.readUInt32LE(o + 12);
  const nLabels = b.readBigUInt64LE(o + 16);
  o += 24;
  const nConstraints = b.readUInt32LE(o);
  return { n8, prime, nWires, nOutputs, nPubInputs, nPrvInputs, nLabels, nConstraints };
}

/** Header only: enough for constraint budgets without decoding every coefficient. */
export async function readR1csHeader(path: string): Promise<R1csHeader> {
  // The header is the first section circom writes; 4 KiB holds the file header and it with room to spare.
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    try {
      return parseHeader(indexSectionsPrefix(head.subarray(0, bytesRead), path), path);
    } catch {
      return parseHeader(indexSections(await readFile(path), path), path);
    }
  } finally {
    await fh.close();
  }
}

/** Like indexSections, but tolerates sections that run past the end of a prefix of the file. */
function indexSectionsPrefix(buf: Buffer, path: string): SectionIndex {
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "r1cs") {
    throw new CircuitToolError("BAD_R1CS", `${path}: not an r1cs file`);
  }
  const sections = new Map<number, { start: number; size: number }>();
  const type = buf.readUInt32LE(12);
  const size = Number(buf.readBigUInt64LE(16));
  if (type !== HEADER_SECTION || 24 + size > buf.length) throw new Error("header is not the first section");
  sections.set(type, { start: 24, size });
  return { buf, sections };
}

export async function readR1cs(path: string): Promise<R1cs> {
  const ix = indexSections(await readFile(path), path);
  const header = parseHeader(ix, path);
  const s = ix.sections.get(CONSTRAINTS_SECTION);
  if (!s) throw new CircuitToolError("BAD_R1CS", `${path}: no constraints section`);
  const b = ix.buf;
  const end = s.start + s.size;
  let pos = s.start;
  const readLc = (): LinearCombination => {
    const n = b.readUInt32LE(pos);
    pos += 4;
    const wires = new Uint32Array(n);
    const coefs: bigint[] = new Array<bigint>(n);
    for (let i = 0; i < n; i++) {
      wires[i] = b.readUInt32LE(pos);
      coefs[i] = readLE(b, pos + 4, header.n8);
      pos += 4 + header.n8;
    }
    return { wires, coefs };
  };
  const constraints: Constraint[] = [];
  for (let i = 0; i < header.nConstraints; i++) {
    const a = readLc();
    const bb = readLc();
    const c = readLc();
    constraints.push({ a, b: bb, c });
    if (pos > end) throw new CircuitToolError("BAD_R1CS", `${path}: constraint ${i} runs past its section`);
  }
  if (pos !== end)
    throw new CircuitToolError("BAD_R1CS", `${path}: ${end - pos} stray bytes after the constraints`);
  return { ...header, constraints };
}

function evalLc(lc: LinearCombination, w: readonly bigint[]): bigint {
  let acc = 0n;
  for (let i = 0; i < lc.wires.length; i++) acc += lc.coefs[i]! * w[lc.wires[i]!]!;
  return acc % FIELD_MODULUS;
}

function checkWitnessShape(r1cs: R1cs, w: readonly bigint[]): void {
  if (w.length !== r1cs.nWires) {
    throw new CircuitToolError(
      "BAD_WITNESS",
      `witness has ${w.length} values, the circuit has ${r1cs.nWires} wires`,
    );
  }
  if (w[0] !== 1n) throw new CircuitToolError("BAD_WITNESS", "witness[0] must be the constant 1");
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    if (x < 0n || x >= FIELD_MODULUS)
      throw new CircuitToolError("BAD_WITNESS", `witness[${i}] = ${x} is not a field element`);
  }
}

export function constraintHolds(c: Constraint, w: readonly bigint[]): boolean {
  return (evalLc(c.a, w) * evalLc(c.b, w) - evalLc(c.c, w)) % FIELD_MODULUS === 0n;
}

/** Index of the first constraint the witness violates, or null when it satisfies them all. */
export function firstViolation(r1cs: R1cs, w: readonly bigint[]): number | null {
  checkWitnessShape(r1cs, w);
  for (let i = 0; i < r1cs.constraints.length; i++) if (!constraintHolds(r1cs.constraints[i]!, w)) return i;
  return null;
}

/** Every violated constraint's index, ascending. */
export function violations(r1cs: R1cs, w: readonly bigint[]): number[] {
  checkWitnessShape(r1cs, w);
  const out: number[] = [];
  r1cs.constraints.forEach((c, i) => {
    if (!constraintHolds(c, w)) out.push(i);
  });
  return out;
}

/** For each wire, the indices of the constraints it appears in (any of A, B, C), ascending. */
export function constraintsByWire(r1cs: R1cs): readonly (readonly number[])[] {
  const by: number[][] = Array.from({ length: r1cs.nWires }, () => []);
  r1cs.constraints.forEach((c, i) => {
    const seen = new Set<number>();
    for (const lc of [c.a, c.b, c.c]) {
      for (const wire of lc.wires) {
        if (!seen.has(wire)) {
          seen.add(wire);
          by[wire]!.push(i);
        }
      }
    }
  });
  return by;
}
