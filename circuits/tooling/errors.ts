// Typed failures of the circuit tooling. Tests and scripts switch on `code`: a witness that cannot be computed
// (WITNESS_FAILED) is an expected outcome of a rejection test, while a compile error or a missing signal is a bug.
export const CircuitToolErrorCode = [
  "COMPILE_FAILED",
  "INCLUDE_NOT_FOUND",
  "BAD_R1CS",
  "BAD_WITNESS",
  "WITNESS_FAILED",
  "SIGNAL_NOT_FOUND",
  "SIGNAL_ELIMINATED",
] as const;
export type CircuitToolErrorCode = (typeof CircuitToolErrorCode)[number];

export class CircuitToolError<C extends CircuitToolErrorCode = CircuitToolErrorCode> extends Error {
  override readonly name = "CircuitToolError";
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
  }
}

export function isCircuitToolError(e: unknown, code?: CircuitToolErrorCode): e is CircuitToolError {
  return e instanceof CircuitToolError && (code === undefined || e.code === code);
}
