// Typed failures of the production ceremony tooling. Operators and scripts switch on `code` (the CLI prints it as
// `error: <CODE>: ...`): a hash mismatch or a broken chain means someone tampered with, or mixed up, ceremony files,
// and must never be confused with a usage mistake.
export const CeremonyErrorCode = [
  "BAD_ARGUMENT",
  "FILE_NOT_FOUND",
  "BAD_HASH",
  "PTAU_HASH_MISMATCH",
  "PTAU_INVALID",
  "PTAU_NOT_PREPARED",
  "PTAU_TOO_SMALL",
  "PTAU_INSECURE",
  "R1CS_INVALID",
  "R1CS_MISMATCH",
  "CEREMONY_EXISTS",
  "CEREMONY_NOT_FOUND",
  "CEREMONY_BUSY",
  "CEREMONY_FINALIZED",
  "CEREMONY_NOT_FINALIZED",
  "CIRCUIT_EXISTS",
  "NO_CIRCUIT",
  "TRANSCRIPT_INVALID",
  "ZKEY_MISSING",
  "ZKEY_HASH_MISMATCH",
  "ZKEY_INVALID",
  "CHAIN_BROKEN",
  "CONTRIBUTION_MISMATCH",
  "ZKEY_VERIFY_FAILED",
  "SNARKJS_FAILED",
  "VERIFY_FAILED",
] as const;
export type CeremonyErrorCode = (typeof CeremonyErrorCode)[number];

export class CeremonyError extends Error {
  override readonly name = "CeremonyError";
  constructor(
    readonly code: CeremonyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isCeremonyError(e: unknown, code?: CeremonyErrorCode): e is CeremonyError {
  return e instanceof CeremonyError && (code === undefined || e.code === code);
}
