// Every rejection the sequencer gives has a stable string code and an HTTP status, so the API, the WebSocket
// stream and the CLI switch on codes, never on message text. Protocol codes (PROTOCOL §11) pass through unchanged.
import { ProtocolErrorCode, isProtocolError } from "../protocol/index.js";

/** Codes the sequencer adds to the protocol's, with their HTTP status. */
const SEQUENCER_CODES = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  BAD_FLAGS: 400,
  BAD_REQUEST: 400,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  AUTH_EXPIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  BATCH_NOT_FOUND: 404,
  IDEMPOTENCY_CONFLICT: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ACCOUNT_NOT_ACTIVE: 422,
  POST_ONLY_WOULD_CROSS: 422,
  REGISTRY_FULL: 422,
  ORACLE_UNKNOWN_SIGNER: 422,
  ORACLE_BAD_SIGNATURE: 422,
  ORACLE_STALE: 422,
  ORACLE_FUTURE: 422,
  ORACLE_NOT_NEWER: 422,
  ORACLE_BAD_REPORT: 422,
  ORACLE_DISABLED: 422,
  L1_OUT_OF_ORDER: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  QUEUE_FULL: 503,
  BACKPRESSURE: 503,
  HALTED: 503,
} as const;

export type SequencerOnlyCode = keyof typeof SEQUENCER_CODES;
export type SequencerErrorCode = SequencerOnlyCode | ProtocolErrorCode;

export class SequencerError extends Error {
  override readonly name = "SequencerError";
  readonly status: number;
  constructor(
    readonly code: SequencerErrorCode,
    message: string,
    status?: number,
  ) {
    super(message);
    this.status = status ?? statusOf(code);
  }
}

/** Protocol rejections are well-formed requests the state refuses: 422. */
export function statusOf(code: string): number {
  if (code in SEQUENCER_CODES) return SEQUENCER_CODES[code as SequencerOnlyCode];
  if ((ProtocolErrorCode as readonly string[]).includes(code)) return 422;
  return 500;
}

export function reject(code: SequencerErrorCode, message: string): never {
  throw new SequencerError(code, message);
}

/** Normalises anything thrown by the protocol model into a SequencerError; anything else is a bug and rethrown. */
export function asSequencerError(e: unknown): SequencerError {
  if (e instanceof SequencerError) return e;
  if (isProtocolError(e)) return new SequencerError(e.code, e.message);
  throw e;
}

export const ALL_SEQUENCER_CODES: readonly string[] = [...Object.keys(SEQUENCER_CODES), ...ProtocolErrorCode];
