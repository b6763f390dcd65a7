// Human decimal strings at the SDK's edge ⇄ the protocol's scaled integers (PROTOCOL §1–2). Inputs with more
// decimals than the scale are refused, never rounded (a trader's "0.123456789" must not become another amount), and
// shown values are exact: nothing here uses floating point.
import {
  AMOUNT_DECIMALS,
  PRICE_DECIMALS,
  VALUE_DECIMALS,
  formatDecimal,
  parseDecimal,
  parseRate,
} from "../../protocol/index.js";
import { sdkFail } from "./errors.js";

/** A positive Amount (order size, withdrawal amount): 1e-8 of a contract unit or of an asset. */
export function parseAmount(s: string, what = "amount"): bigint {
  const v = parseDecimal(s, AMOUNT_DECIMALS, what);
  if (v <= 0n) sdkFail("BAD_INPUT", `${what} must be positive`);
  return v;
}

/** A positive Price: 1e-8 USD per whole unit. */
export function parsePrice(s: string, what = "price"): bigint {
  const v = parseDecimal(s, PRICE_DECIMALS, what);
  if (v <= 0n) sdkFail("BAD_INPUT", `${what} must be positive`);
  return v;
}

/** A rate written as a fraction ("0.0005" = 5 bp) into ppm. */
export function parseFeeRate(s: string, what = "max fee"): bigint {
  return parseRate(s, what);
}

export const formatAmount = (v: bigint): string => formatDecimal(v, AMOUNT_DECIMALS);
export const formatPrice = (v: bigint): string => formatDecimal(v, PRICE_DECIMALS);
/** Value units (1e-16 USD): quote balances, margin figures, fees. */
export const formatUsd = (v: bigint): string => formatDecimal(v, VALUE_DECIMALS);
export const formatRate = (ppm: bigint): string => formatDecimal(ppm, 6);

const DURATION = /^([0-9]{1,9})([smhd])$/;
const UNIT_SECONDS: Record<string, bigint> = { s: 1n, m: 60n, h: 3_600n, d: 86_400n };

/**
 * An order expiry in unix seconds: a duration from now ("90s", "30m", "12h", "7d") or an absolute unix time.
 * The order stays valid while the batch time is below it (PROTOCOL §6).
 */
export function parseExpiry(s: string, nowSeconds: bigint): bigint {
  const t = s.trim();
  const m = DURATION.exec(t);
  if (m) return nowSeconds + BigInt(m[1]!) * UNIT_SECONDS[m[2]!]!;
  if (/^[0-9]{1,13}$/.test(t)) {
    const v = BigInt(t);
    if (v <= nowSeconds) sdkFail("BAD_INPUT", `expiry ${t} is in the past`);
    return v;
  }
  return sdkFail("BAD_INPUT", `expiry "${s}" is neither a duration (30m, 12h, 7d) nor unix seconds`);
}
