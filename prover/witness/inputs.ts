// One canonical form for circuit inputs before any witness generator sees them: every leaf a decimal string of a
// field element in [0, r). The two generators read raw inputs differently — circom's C++ main parses JSON numbers
// as doubles (silently rounding anything above 2^53) and rejects "-5", the WASM calculator reduces bigints itself —
// so without this the same inputs could give different witnesses, or a wrong one.
import { FIELD_MODULUS, toField } from "../../protocol/field.js";
import { ProverError } from "../backend/errors.js";
import type { CircuitInput, CircuitInputs } from "../backend/types.js";

export type CanonicalInput = string | CanonicalInput[] | { [k: string]: CanonicalInput };
export type CanonicalInputs = { [signal: string]: CanonicalInput };

const INT_RE = /^-?[0-9]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;

function leaf(v: string | bigint | number, path: string): string {
  let x: bigint;
  if (typeof v === "bigint") x = v;
  else if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) {
      throw new ProverError(
        "WITNESS_FAILED",
        `input ${path}: ${v} is not a safe integer (pass a string or bigint)`,
      );
    }
    x = BigInt(v);
  } else if (INT_RE.test(v) || HEX_RE.test(v)) x = BigInt(v);
  else throw new ProverError("WITNESS_FAILED", `input ${path}: "${v}" is not an integer`);
  return (x >= 0n && x < FIELD_MODULUS ? x : toField(x)).toString();
}

function canon(v: CircuitInput, path: string): CanonicalInput {
  if (typeof v === "string" || typeof v === "bigint" || typeof v === "number") return leaf(v, path);
  if (Array.isArray(v)) return (v as readonly CircuitInput[]).map((x, i) => canon(x, `${path}[${i}]`));
  if (typeof v === "object" && v !== null) {
    const out: { [k: string]: CanonicalInput } = {};
    for (const k of Object.keys(v))
      out[k] = canon((v as { readonly [k: string]: CircuitInput })[k]!, `${path}.${k}`);
    return out;
  }
  throw new ProverError("WITNESS_FAILED", `input ${path}: unsupported value ${String(v)}`);
}

export function canonicalInputs(inputs: CircuitInputs): CanonicalInputs {
  const out: CanonicalInputs = {};
  for (const k of Object.keys(inputs)) out[k] = canon(inputs[k]!, k);
  return out;
}
