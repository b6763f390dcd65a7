// Field and integer-range helpers. Every value that a circuit range-checks is checked here with the same bound,
// so the model rejects exactly what the circuit cannot prove (docs/PROTOCOL.md §1–2).
import { fail } from "./errors.js";

export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Canonical field element of a (possibly negative) integer. */
export function toField(x: bigint): bigint {
  const m = x % FIELD_MODULUS;
  return m < 0n ? m + FIELD_MODULUS : m;
}

/** Reads a field element back as a signed integer of at most `bits` bits (inverse of toField on IntN). */
export function fromFieldSigned(x: bigint, bits: number): bigint {
  checkField(x, "signed field element");
  const half = 1n << BigInt(bits - 1);
  if (x < half) return x;
  const neg = x - FIELD_MODULUS;
  if (neg < -half) fail("OUT_OF_RANGE", `field element is not an Int${bits}`);
  return neg;
}

export function isUint(x: bigint, bits: number): boolean {
  return x >= 0n && x < 1n << BigInt(bits);
}

export function isInt(x: bigint, bits: number): boolean {
  const half = 1n << BigInt(bits - 1);
  return x >= -half && x < half;
}

export function checkUint(x: bigint, bits: number, what: string): bigint {
  if (!isUint(x, bits)) fail("OUT_OF_RANGE", `${what} must be a Uint${bits}, got ${x}`);
  return x;
}

export function checkInt(x: bigint, bits: number, what: string): bigint {
  if (!isInt(x, bits)) fail("OUT_OF_RANGE", `${what} must be an Int${bits}, got ${x}`);
  return x;
}

export function checkPositive(x: bigint, bits: number, what: string): bigint {
  checkUint(x, bits, what);
  if (x === 0n) fail("OUT_OF_RANGE", `${what} must be positive`);
  return x;
}

export function checkField(x: bigint, what: string): bigint {
  if (x < 0n || x >= FIELD_MODULUS) fail("OUT_OF_RANGE", `${what} must be a field element`);
  return x;
}

export function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

export function sign(x: bigint): bigint {
  return x > 0n ? 1n : x < 0n ? -1n : 0n;
}

export function floorDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new RangeError("floorDiv needs a positive divisor");
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
