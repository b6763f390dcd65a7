// Typed failures of the prover (backends, witness generators, pool, key cache). Callers switch on `code`: the
// sequencer retries a WORKER_CRASHED job but must never retry SELF_CHECK_FAILED on the same inputs (the keys or the
// backend are wrong), and the CLI prints the code in its one-line error form.
export const ProverErrorCode = [
  "UNKNOWN_BACKEND",
  "BACKEND_UNAVAILABLE",
  "BACKEND_CLOSED",
  "FILE_NOT_FOUND",
  "BAD_ZKEY",
  "BAD_WITNESS",
  "WITNESS_FAILED",
  "NATIVE_BUILD_FAILED",
  "PROVE_FAILED",
  "SELF_CHECK_FAILED",
  "WORKER_CRASHED",
  "POOL_CLOSED",
  "KEY_SETUP_FAILED",
  "UNKNOWN_MAIN",
] as const;
export type ProverErrorCode = (typeof ProverErrorCode)[number];

export class ProverError extends Error {
  override readonly name = "ProverError";
  constructor(
    readonly code: ProverErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isProverError(e: unknown, code?: ProverErrorCode): e is ProverError {
  return e instanceof ProverError && (code === undefined || e.code === code);
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
