// The CLI's error contract: every failure is ONE stderr line `error: <CODE>: <message>` and a non-zero exit, never a
// stack trace, so scripts can switch on the code. Protocol errors keep their protocol code (PROTOCOL §11); the
// codes below cover what only the CLI can get wrong (files, JSON, input shape, usage).
import { isProtocolError } from "../../protocol/errors.js";

export const CliErrorCode = [
  "BAD_USAGE",
  "INPUT_NOT_FOUND",
  "INPUT_UNREADABLE",
  "BAD_JSON",
  "BAD_INPUT",
  "UNKNOWN_SYMBOL",
  "INTERNAL",
] as const;
export type CliErrorCode = (typeof CliErrorCode)[number];

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function cliFail(code: CliErrorCode, message: string): never {
  throw new CliError(code, message);
}

function codeOf(e: Error): string | undefined {
  const c = (e as unknown as { code?: unknown }).code;
  return typeof c === "string" ? c : undefined;
}

/** The single stderr line for any thrown value. */
export function errorLine(e: unknown): string {
  let code: string;
  let message: string;
  if (e instanceof CliError || isProtocolError(e)) {
    code = e.code;
    message = e.message;
  } else if (e instanceof Error && typeof codeOf(e) === "string" && /^[A-Z][A-Z0-9_]*$/.test(codeOf(e)!)) {
    // Typed errors from other layers (e.g. the scenario's SCENARIO_DIVERGED) keep their own code.
    code = codeOf(e)!;
    message = e.message;
  } else {
    code = "INTERNAL";
    message = e instanceof Error ? e.message : String(e);
  }
  return `error: ${code}: ${message.replace(/\s*\n\s*/g, " ").trim()}`;
}

export function exitCodeOf(e: unknown): number {
  return e instanceof CliError ? e.exitCode : 1;
}
