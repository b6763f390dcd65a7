// Human decimal strings ⇄ scaled integers, without floating point. Inputs with more decimals than the scale are
// refused rather than rounded: a trader's "0.123456789 BTC" must not silently become another amount.
import { fail } from "./errors.js";

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

export function parseDecimal(s: string, decimals: number, what: string): bigint {
  if (typeof s !== "string") fail("BAD_DECIMAL", `${what}: expected a decimal string`);
  const m = DECIMAL_RE.exec(s.trim());
  if (!m) fail("BAD_DECIMAL", `${what}: "${s}" is not a decimal number`);
  const [, signPart, intPart, fracPart = ""] = m;
  if (fracPart.length > decimals) {
    fail("BAD_DECIMAL", `${what}: "${s}" has more than ${decimals} decimal places`);
  }
  const v = BigInt(intPart! + fracPart.padEnd(decimals, "0"));
  return signPart === "-" ? -v : v;
}

/** Exact decimal rendering of `v / 10^decimals`, trailing zeros trimmed ("1500", "-0.25"). */
export function formatDecimal(v: bigint, decimals: number): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const scale = 10n ** BigInt(decimals);
  const int = a / scale;
  let frac = (a % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  if (decimals === 0) frac = "";
  const body = frac ? `${int}.${frac}` : `${int}`;
  return neg && a !== 0n ? `-${body}` : body;
}
