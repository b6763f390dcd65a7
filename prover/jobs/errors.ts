// Typed rejections of the proof job queue, each with the HTTP status the prover API answers it with. Provers switch
// on `code`: LEASE_EXPIRED / LEASE_NOT_HELD mean "stop working on this job, someone else has it", PROOF_REJECTED means
// the proof did not verify against the circuit's key (a wrong key or a broken prover, never retried as-is).
export const JOB_ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  UNKNOWN_CIRCUIT: 422,
  DUPLICATE_JOB: 409,
  LEASE_NOT_HELD: 409,
  LEASE_EXPIRED: 409,
  ALREADY_COMPLETED: 409,
  COMPLETION_IN_PROGRESS: 409,
  JOB_FAILED: 409,
  PROOF_REJECTED: 422,
  PUBLIC_SIGNALS_MISMATCH: 422,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
} as const;

export type JobErrorCode = keyof typeof JOB_ERROR_STATUS;

export class JobQueueError extends Error {
  override readonly name = "JobQueueError";
  readonly status: number;
  constructor(
    readonly code: JobErrorCode,
    message: string,
  ) {
    super(message);
    this.status = JOB_ERROR_STATUS[code];
  }
}

export function isJobQueueError(e: unknown, code?: JobErrorCode): e is JobQueueError {
  return e instanceof JobQueueError && (code === undefined || e.code === code);
}
