// Stable error codes (docs/PROTOCOL.md §11). Callers switch on `code`, never on message text, so messages can
// improve without breaking the API, CLI or sequencer that surface them.
export const ProtocolErrorCode = [
  "OUT_OF_RANGE",
  "BAD_DECIMAL",
  "UNKNOWN_MARKET",
  "UNKNOWN_ASSET",
  "ACCOUNT_INDEX_OUT_OF_RANGE",
  "ACCOUNT_NOT_REGISTERED",
  "INSURANCE_FUND_FORBIDDEN",
  "BAD_SIGNATURE",
  "BAD_PUBLIC_KEY",
  "BAD_NONCE",
  "ORDER_EXPIRED",
  "ORDER_REPLAYED",
  "OVERFILL",
  "PRICE_OUTSIDE_LIMIT",
  "MARKET_MISMATCH",
  "SAME_SIDE",
  "SAME_ACCOUNT",
  "FEE_TOO_HIGH",
  "REDUCE_ONLY_VIOLATED",
  "INSUFFICIENT_BALANCE",
  "UNDER_MARGINED",
  "NOT_LIQUIDATABLE",
  "NOT_REDUCING",
  "HEALTH_WORSENED",
  "PENALTY_TOO_HIGH",
  "NOT_BANKRUPT",
  "FUND_CAN_COVER",
  "NOT_OPPOSITE",
  "DEFICIT_GROWN",
  "PRICE_BEYOND_BANKRUPTCY",
  "FUNDING_STEP_TOO_LARGE",
  "BAD_PRICE",
  "BAD_CONFIG",
  "TOO_MANY_OPS",
  "BAD_PROOF",
  "FORCED_MISMATCH",
  "LIQUIDATABLE",
] as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[number];

export class ProtocolError<C extends ProtocolErrorCode = ProtocolErrorCode> extends Error {
  override readonly name = "ProtocolError";
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
  }
}

export function fail<C extends ProtocolErrorCode>(code: C, message: string): never {
  throw new ProtocolError(code, message);
}

export function isProtocolError(e: unknown): e is ProtocolError {
  return e instanceof ProtocolError;
}
