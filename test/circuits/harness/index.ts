// Shared test harness for circuit tests: compile-once per template instance (cached on disk by content under
// build/circuits-test/), honest witnesses, our R1CS checker, and tampering helpers. Tests state what must be
// rejected; the checker, not the witness calculator, is the judge of a tampered witness.
import { expect } from "vitest";
import { Circuit } from "../../../circuits/tooling/circuit.js";
import type { MainSpec } from "../../../circuits/tooling/compile.js";
import { isCircuitToolError } from "../../../circuits/tooling/errors.js";
import type { CircuitInputs } from "../../../circuits/tooling/witness.js";
import { FIELD_MODULUS } from "../../../protocol/field.js";

export { Circuit };
export type { CircuitInputs };

export const TEST_OUT_ROOT = "build/circuits-test";
export const P = FIELD_MODULUS;

const compiled = new Map<string, Promise<Circuit>>();

/** Compiles (or loads from the cache) `template(params)` from circuits/lib/<file>.circom. */
export function circuit(
  file: string,
  template: string,
  params: readonly (number | bigint)[] = [],
  publics?: string[],
): Promise<Circuit> {
  const spec: MainSpec = {
    file: `circuits/lib/${file}.circom`,
    template,
    params,
    ...(publics ? { publics } : {}),
  };
  const id = JSON.stringify(spec, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  let c = compiled.get(id);
  if (!c) {
    c = Circuit.compile(spec, { outRoot: TEST_OUT_ROOT });
    compiled.set(id, c);
  }
  return c;
}

export async function expectSatisfied(c: Circuit, w: readonly bigint[]): Promise<void> {
  const bad = await c.check(w);
  expect(bad, `${c.name}: constraint ${bad} is violated`).toBeNull();
}

export async function expectViolated(c: Circuit, w: readonly bigint[]): Promise<void> {
  expect(await c.check(w), `${c.name}: the tampered witness satisfies every constraint`).not.toBeNull();
}

/** The WASM calculator must refuse these inputs (an `===` or assert fails while computing). */
export async function expectWitnessFails(c: Circuit, inputs: CircuitInputs): Promise<void> {
  let err: unknown;
  try {
    await c.witness(inputs);
  } catch (e) {
    err = e;
  }
  expect(err, `${c.name}: a witness was computed for inputs that must be rejected`).toBeDefined();
  if (!isCircuitToolError(err, "WITNESS_FAILED")) throw err;
}

/** Honest witness that also passes our own R1CS check (a witness the calculator made must satisfy it). */
export async function honest(c: Circuit, inputs: CircuitInputs): Promise<bigint[]> {
  const w = await c.witness(inputs);
  await expectSatisfied(c, w);
  return w;
}

/**
 * Every non-input wire of an honest witness is pinned, except exactly the named ones (each with a reason in the
 * test; naming a wire that is in fact pinned fails too, so the exception list cannot go stale).
 */
export async function expectAllPinned(
  c: Circuit,
  w: readonly bigint[],
  allowed: readonly string[] = [],
): Promise<void> {
  const free = await c.unpinnedWires(w);
  expect(
    free.filter((n) => !allowed.includes(n)),
    `${c.name}: wires a prover could set freely`,
  ).toEqual([]);
  expect(
    allowed.filter((n) => !free.includes(n)),
    `${c.name}: wires listed as free are pinned`,
  ).toEqual([]);
}

/** Signed value of an output (field elements above r/2 read as negative). */
export function signedOf(c: Circuit, w: readonly bigint[], name: string): bigint {
  return c.signed(w, name);
}

/**
 * Sets the bits of `value` (n of them, little-endian) into whichever of the candidate bit-array names survive
 * --O2 as wires, e.g. ["r.bits", "r.n2b.out"]. A bit substituted away is implied by the others, so skipping it
 * keeps a coherent witness coherent.
 */
export function setBits(
  c: Circuit,
  w: bigint[],
  arrays: readonly string[],
  value: bigint,
  n: number,
): bigint[] {
  if (value < 0n || value >= 1n << BigInt(n)) throw new RangeError(`${value} does not fit ${n} bits`);
  for (let i = 0; i < n; i++) {
    const bit = (value >> BigInt(i)) & 1n;
    for (const a of arrays) {
      const name = `${a}[${i}]`;
      if (c.signals.isWire(name)) w[c.signalIndex(name)] = bit;
    }
  }
  return w;
}

export function mod(x: bigint): bigint {
  const m = x % P;
  return m < 0n ? m + P : m;
}
