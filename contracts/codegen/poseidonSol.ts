// Generates Solidity for circomlib's Poseidon_n at widths where circomlibjs's own EVM generator cannot go or costs
// more: its stack-only bytecode (poseidonContract.createCode) stops at 6 inputs (DUP16 limit), while the protocol's
// tagged hash needs 8, 9, 11, 12 and 16; and from 5 inputs on it is the dearer one (it mixes with the full matrix in
// every round: Poseidon_6 134k gas against 98k here, docs/GAS.md). The state lives in memory, and the round constants
// (circomlibjs's optimized set: C, M, P and the sparse S matrices, as in circomlibjs/src/poseidon_opt.js) are too
// large for one contract under EIP-170, so they ship in data-only contracts whose code hashes the hasher pins in
// its constructor. Output is deterministic; the tests compare every width against circomlibjs's JavaScript.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { keccak_256 } from "@noble/hashes/sha3";

export const FIELD_Q = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const N_ROUNDS_F = 8;
const N_ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
/** Widths deployed from circomlibjs's stack-based bytecode (cheaper up to 4 inputs: Poseidon_2 29k gas against
 *  39k here, Poseidon_3 45k against 50k); wider ones from this generator. */
export const CIRCOMLIBJS_MAX_INPUTS = 4;
/** Data words per chunk contract: 1 STOP byte + 767·32 bytes stays under EIP-170's 24,576-byte limit. */
const WORDS_PER_CHUNK = 767;

interface OptConstants {
  C: string[][];
  S: string[][];
  M: string[][][];
  P: string[][][];
}

let cached: OptConstants | undefined;

/** circomlibjs's optimized constants (its package `exports` hides src/, so the file is imported by path). */
export async function optConstants(): Promise<OptConstants> {
  if (cached) return cached;
  const main = createRequire(import.meta.url).resolve("circomlibjs");
  const file = join(dirname(main), "..", "src", "poseidon_constants_opt.js");
  const mod = (await import(pathToFileURL(file).href)) as { default: OptConstants };
  cached = mod.default;
  return cached;
}

export interface PoseidonLayout {
  readonly nInputs: number;
  readonly t: number;
  readonly nRoundsP: number;
  /** Word offsets of each table inside the concatenated constants. */
  readonly offC: number;
  readonly offM: number;
  readonly offP: number;
  readonly offS: number;
  readonly words: readonly bigint[];
  readonly chunks: readonly Uint8Array[];
}

export async function layout(nInputs: number): Promise<PoseidonLayout> {
  if (!Number.isInteger(nInputs) || nInputs < 1 || nInputs > 16)
    throw new RangeError("Poseidon takes 1..16 inputs");
  const k = await optConstants();
  const t = nInputs + 1;
  const nRoundsP = N_ROUNDS_P[t - 2]!;
  const C = k.C[t - 2]!.map(BigInt);
  const M = k.M[t - 2]!.flatMap((row) => row.map(BigInt));
  const P = k.P[t - 2]!.flatMap((row) => row.map(BigInt));
  const S = k.S[t - 2]!.map(BigInt);
  if (C.length !== t * N_ROUNDS_F + nRoundsP || S.length !== (2 * t - 1) * nRoundsP || M.length !== t * t) {
    throw new Error(`unexpected circomlibjs constant shapes for t=${t}`);
  }
  const words = [...C, ...M, ...P, ...S];
  for (const w of words) if (w < 0n || w >= FIELD_Q) throw new Error("constant outside the field");
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_CHUNK) {
    const part = words.slice(i, i + WORDS_PER_CHUNK);
    const bytes = new Uint8Array(1 + 32 * part.length); // byte 0 = STOP: calling a chunk executes nothing
    part.forEach((w, j) => bytes.set(word(w), 1 + 32 * j));
    chunks.push(bytes);
  }
  return {
    nInputs,
    t,
    nRoundsP,
    offC: 0,
    offM: C.length,
    offP: C.length + M.length,
    offS: C.length + 2 * M.length,
    words,
    chunks,
  };
}

function word(x: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(x.toString(16).padStart(64, "0"), "hex"));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const h = (n: number): string => "0x" + n.toString(16);

export function contractName(nInputs: number): string {
  return `Poseidon${nInputs}`;
}

export function chunkContractName(nInputs: number, i: number): string {
  return `Poseidon${nInputs}Data${i}`;
}

/** The Solidity source of Poseidon_n (hasher and its data contracts), for n > CIRCOMLIBJS_MAX_INPUTS. */
export async function poseidonSource(nInputs: number, generator: string): Promise<string> {
  const L = await layout(nInputs);
  const t = L.t;
  const name = contractName(nInputs);
  // Memory map of one call: two state buffers (mix reads one, writes the other), then the constants.
  const ST_A = 0x80;
  const ST_B = ST_A + 32 * t;
  const CB = ST_B + 32 * t;
  const cAt = (w: number): string => h(CB + 32 * w);
  const chunkBytes = L.chunks.map((c) => c.length - 1);

  const body: string[] = [];
  const emit = (s: string): void => void body.push(s);
  // Copy the constants from the chunk contracts.
  let dst = CB;
  L.chunks.forEach((_, i) => {
    emit(`extcodecopy(d${i}, ${h(dst)}, 1, ${h(chunkBytes[i]!)})`);
    dst += chunkBytes[i]!;
  });
  // state = [0, inputs...] + C[0..t-1]
  for (let i = 0; i < t; i++) {
    const v = i === 0 ? "0" : `calldataload(${h(4 + 32 * (i - 1))})`;
    emit(`mstore(${h(ST_A + 32 * i)}, addmod(${v}, mload(${cAt(L.offC + i)}), q))`);
  }
  let cur = ST_A;
  let other = ST_B;
  const fullRound = (cOff: number | null, mOff: number): void => {
    emit(cOff === null ? `sbox(${h(cur)})` : `sboxArk(${h(cur)}, ${cAt(cOff)})`);
    emit(`mix(${h(cur)}, ${h(other)}, ${cAt(mOff)})`);
    [cur, other] = [other, cur];
  };
  const half = N_ROUNDS_F / 2;
  for (let r = 0; r < half - 1; r++) fullRound(L.offC + (r + 1) * t, L.offM);
  fullRound(L.offC + half * t, L.offP);
  emit(`partialRounds(${h(cur)}, ${cAt(L.offC + (half + 1) * t)}, ${cAt(L.offS)})`);
  for (let r = 0; r < half - 1; r++) fullRound(L.offC + (half + 1) * t + L.nRoundsP + r * t, L.offM);
  emit(`sbox(${h(cur)})`);
  // Last mix: only the first output is returned, so only column 0 is computed.
  const col0 = Array.from(
    { length: t },
    (_, j) => `mulmod(mload(${cAt(L.offM + j * t)}), mload(${h(cur + 32 * j)}), q)`,
  );
  emit(`let out := ${col0[0]}`);
  for (let j = 1; j < t; j++) emit(`out := addmod(out, ${col0[j]}, q)`);
  emit("mstore(0, out)");
  emit("return(0, 0x20)");

  const fns: string[] = [];
  // x^5 then + C[i], in place, for every state word.
  fns.push("function pow5(x, q) -> y {");
  fns.push("    let x2 := mulmod(x, x, q)");
  fns.push("    y := mulmod(mulmod(x2, x2, q), x, q)");
  fns.push("}");
  fns.push("function sboxArk(s, c) {");
  fns.push(`    let q := ${FIELD_Q}`);
  for (let i = 0; i < t; i++) {
    fns.push(
      `    mstore(add(s, ${h(32 * i)}), addmod(pow5(mload(add(s, ${h(32 * i)})), q), mload(add(c, ${h(32 * i)})), q))`,
    );
  }
  fns.push("}");
  fns.push("function sbox(s) {");
  fns.push(`    let q := ${FIELD_Q}`);
  for (let i = 0; i < t; i++)
    fns.push(`    mstore(add(s, ${h(32 * i)}), pow5(mload(add(s, ${h(32 * i)})), q))`);
  fns.push("}");
  // dst[i] = Σ_j m[j][i]·src[j]  (circomlibjs: state.reduce((acc, a, j) => acc + M[j][i]·a))
  fns.push("function mix(src, dst, m) {");
  fns.push(`    let q := ${FIELD_Q}`);
  // State words are re-read per column: t live variables would not fit the 16-slot stack window.
  for (let i = 0; i < t; i++) {
    fns.push(`    {`);
    fns.push(`        let acc := mulmod(mload(add(m, ${h(32 * i)})), mload(src), q)`);
    for (let j = 1; j < t; j++) {
      fns.push(
        `        acc := addmod(acc, mulmod(mload(add(m, ${h(32 * (j * t + i))})), mload(add(src, ${h(32 * j)})), q), q)`,
      );
    }
    fns.push(`        mstore(add(dst, ${h(32 * i)}), acc)`);
    fns.push(`    }`);
  }
  fns.push("}");
  // Partial rounds with the sparse matrices (poseidon_opt.js): only state[0] goes through the S-box.
  fns.push("function partialRounds(s, c, sp) {");
  fns.push(`    let q := ${FIELD_Q}`);
  fns.push(`    for { let r := 0 } lt(r, ${L.nRoundsP}) { r := add(r, 1) } {`);
  fns.push(`        let row := add(sp, mul(r, ${h(32 * (2 * t - 1))}))`);
  fns.push(`        let s0 := addmod(pow5(mload(s), q), mload(add(c, mul(r, 0x20))), q)`);
  fns.push(`        let acc := mulmod(mload(row), s0, q)`);
  for (let j = 1; j < t; j++) {
    fns.push(
      `        acc := addmod(acc, mulmod(mload(add(row, ${h(32 * j)})), mload(add(s, ${h(32 * j)})), q), q)`,
    );
  }
  for (let k = 1; k < t; k++) {
    fns.push(
      `        mstore(add(s, ${h(32 * k)}), addmod(mload(add(s, ${h(32 * k)})), mulmod(s0, mload(add(row, ${h(32 * (t + k - 1))})), q), q))`,
    );
  }
  fns.push("        mstore(s, acc)");
  fns.push("    }");
  fns.push("}");

  const chunkParams = L.chunks.map((_, i) => `address chunk${i}`).join(", ");
  const out: string[] = [];
  out.push("// SPDX-License-Identifier: GPL-3.0");
  out.push(
    `// GENERATED by ${generator} from circomlibjs 0.1.7's optimized Poseidon constants (t = ${t}). Do not edit.`,
  );
  out.push(
    `// Poseidon_${nInputs} over BN254 exactly as circomlib's Poseidon(${nInputs}); constants in ${L.chunks.length} data contract(s).`,
  );
  out.push("pragma solidity 0.8.28;");
  out.push("");
  out.push('import {IPoseidonDataErrors} from "../../interfaces/IPoseidonData.sol";');
  out.push("");
  out.push(`contract ${name} is IPoseidonDataErrors {`);
  L.chunks.forEach((c, i) => {
    out.push(`    bytes32 private constant CHUNK${i}_CODEHASH = 0x${hex(keccak_256(c))};`);
  });
  L.chunks.forEach((_, i) => out.push(`    address private immutable CHUNK${i};`));
  out.push("");
  out.push(`    constructor(${chunkParams}) {`);
  L.chunks.forEach((_, i) => {
    out.push(
      `        if (chunk${i}.codehash != CHUNK${i}_CODEHASH) revert PoseidonBadChunk(${i}, chunk${i});`,
    );
    out.push(`        CHUNK${i} = chunk${i};`);
  });
  out.push("    }");
  out.push("");
  out.push(`    /// Inputs are taken modulo the field, as circomlibjs's generated hashers do.`);
  out.push(`    function poseidon(uint256[${nInputs}] calldata) external view returns (uint256) {`);
  L.chunks.forEach((_, i) => out.push(`        address d${i} = CHUNK${i};`));
  out.push("        assembly {");
  for (const f of fns) out.push("            " + f);
  out.push(`            let q := ${FIELD_Q}`);
  for (const s of body) out.push("            " + s);
  out.push("        }");
  out.push("    }");
  out.push("}");
  L.chunks.forEach((c, i) => {
    out.push("");
    out.push(`/// Constants words ${i * WORDS_PER_CHUNK}.. of ${name}; runtime code = 0x00 ++ words.`);
    out.push(`contract ${chunkContractName(nInputs, i)} {`);
    out.push("    constructor() {");
    out.push(`        bytes memory code = hex"${hex(c)}";`);
    out.push("        assembly {");
    out.push("            return(add(code, 0x20), mload(code))");
    out.push("        }");
    out.push("    }");
    out.push("}");
  });
  out.push("");
  return out.join("\n");
}

/** How many data contracts Poseidon_n's constants occupy. */
export async function chunkCount(nInputs: number): Promise<number> {
  return (await layout(nInputs)).chunks.length;
}
