// One error type for everything the SDK can refuse or meet: the sequencer's stable codes pass through unchanged
// (with the HTTP status), and the SDK adds its own for what only a client can get wrong (key files, the network,
// the chain, the mirror). Callers and the CLI switch on `code`, never on message text.
import type { SequencerErrorCode } from "../../sequencer/errors.js";

/**
 * Codes the SDK itself raises; a contract's custom error comes as `CONTRACT_<ERROR_NAME>` (e.g.
 * `CONTRACT_PUBLIC_KEY_MISMATCH`). No code has a digit: the CLI's error line only passes on codes of A–Z and _.
 */
export const SdkOnlyCode = [
  "NETWORK",
  "TIMEOUT",
  "BAD_RESPONSE",
  "HTTP_ERROR",
  "BAD_INPUT",
  "BAD_SEED",
  "WEAK_PASSPHRASE",
  "WEAK_PASSWORD",
  "PASSWORD_REQUIRED",
  "WRONG_PASSWORD",
  "KEY_FILE_NOT_FOUND",
  "KEY_FILE_EXISTS",
  "KEY_FILE_INVALID",
  "KEY_FILE_VERSION",
  "NO_ACCOUNT",
  "NOT_AUTHENTICATED",
  "NO_FREE_SLOT",
  "UNKNOWN_OPEN_ORDERS",
  "SLOT_STORE_INVALID",
  "INSUFFICIENT_TOKEN_BALANCE",
  "AMOUNT_NOT_EXACT",
  "CHAIN_REVERTED",
  "CHAIN_ERROR",
  "MIRROR_MISMATCH",
  "MIRROR_UNVERIFIABLE",
  "WS_CLOSED",
] as const;
export type SdkOnlyCode = (typeof SdkOnlyCode)[number];

/** A known code, or one a newer sequencer or contract may send that this SDK does not list yet. */
export type SdkErrorCode = SdkOnlyCode | SequencerErrorCode | `CONTRACT_${string}` | (string & {});

export class SdkError extends Error {
  override readonly name = "SdkError";
  constructor(
    readonly code: SdkErrorCode,
    message: string,
    /** HTTP status when the sequencer answered the request. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function sdkFail(code: SdkErrorCode, message: string, status?: number): never {
  throw new SdkError(code, message, status);
}

export function isSdkError(e: unknown, code?: SdkErrorCode): e is SdkError {
  return e instanceof SdkError && (code === undefined || e.code === code);
}
