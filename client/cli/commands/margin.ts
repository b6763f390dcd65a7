// `zkmargin margin --input FILE`: the protocol's margin figures for one account described in human decimals.
// Parsing is strict (unknown keys, JSON numbers and surplus decimals are errors) because a silently misread input
// would print a wrong "healthy": the math itself is protocol/margin.ts, never re-derived here.
// Imports name protocol files directly (not protocol/index.js) so the command skips loading EdDSA it never uses.
import { readFileSync } from "node:fs";
import {
  AMOUNT_DECIMALS,
  BALANCE_BITS,
  PRICE_BITS,
  PRICE_DECIMALS,
  QUOTE_BITS,
  SIZE_BITS,
  VALUE_DECIMALS,
} from "../../../protocol/constants.js";
import { RiskConfig, parseRate, type MarketConfig, type Tier } from "../../../protocol/config.js";
import { formatDecimal, parseDecimal } from "../../../protocol/decimal.js";
import { fail } from "../../../protocol/errors.js";
import { isInt, isUint } from "../../../protocol/field.js";
import { computeMargin } from "../../../protocol/margin.js";
import { cliFail } from "../errors.js";

export interface MarginOutput {
  readonly totalValue: string;
  readonly maintenanceRequirement: string;
  readonly initialRequirement: string;
  readonly healthy: boolean;
  readonly liquidatable: boolean;
}

type JsonObject = Record<string, unknown>;

const SYMBOL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

function describeJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number") return `the JSON number ${v}`;
  return `a ${typeof v}`;
}

function object(v: unknown, path: string): JsonObject {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    cliFail("BAD_INPUT", `${path} must be an object, got ${describeJson(v)}`);
  return v as JsonObject;
}

/** Own keys only: a symbol named "constructor" or "__proto__" must not reach Object.prototype. */
function entries(o: JsonObject, path: string): [string, unknown][] {
  return Object.keys(o).map((k) => {
    if (!SYMBOL_RE.test(k))
      cliFail("BAD_INPUT", `${path}: "${k}" is not a valid symbol (letters, digits, . _ -; at most 32)`);
    return [k, o[k]];
  });
}

function shape(
  o: JsonObject,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): void {
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) {
      cliFail(
        "BAD_INPUT",
        `unknown key "${k}" in ${path} (expected ${[...required, ...optional].join(", ")})`,
      );
    }
  }
  for (const k of required) if (!Object.hasOwn(o, k)) cliFail("BAD_INPUT", `${path}.${k} is required`);
}

/** A decimal string at `decimals` places; JSON numbers are refused because they are floats before we see them. */
function decimal(v: unknown, decimals: number, path: string): bigint {
  if (typeof v !== "string")
    fail("BAD_DECIMAL", `${path}: expected a decimal string such as "1.5", got ${describeJson(v)}`);
  return parseDecimal(v, decimals, path);
}

function rate(v: unknown, path: string): bigint {
  if (typeof v !== "string")
    fail("BAD_DECIMAL", `${path}: expected a decimal string such as "0.05", got ${describeJson(v)}`);
  return parseRate(v, path);
}

function parseMarket(symbol: string, v: unknown): MarketConfig {
  const path = `markets.${symbol}`;
  const m = object(v, path);
  shape(m, path, ["imr", "mmr"], ["tiers"]);
  const tiers: Tier[] = [{ start: 0n, imr: rate(m.imr, `${path}.imr`), mmr: rate(m.mmr, `${path}.mmr`) }];
  if (m.tiers !== undefined) {
    if (!Array.isArray(m.tiers))
      cliFail("BAD_INPUT", `${path}.tiers must be an array, got ${describeJson(m.tiers)}`);
    m.tiers.forEach((t: unknown, k: number) => {
      const tp = `${path}.tiers[${k}]`;
      const o = object(t, tp);
      shape(o, tp, ["from", "imr", "mmr"]);
      const start = decimal(o.from, VALUE_DECIMALS, `${tp}.from`);
      if (start <= 0n)
        fail("BAD_CONFIG", `${tp}.from must be above 0 (the base tier given by imr/mmr starts at 0)`);
      tiers.push({ start, imr: rate(o.imr, `${tp}.imr`), mmr: rate(o.mmr, `${tp}.mmr`) });
    });
  }
  return { symbol, tiers, liquidationFee: 0n, maxFundingStep: 0n };
}

/** Range check with the bound written in the input's own units, not in scaled integers. */
function within(
  x: bigint,
  ok: boolean,
  decimals: number,
  lo: bigint,
  hi: bigint,
  type: string,
  path: string,
): bigint {
  if (!ok) {
    fail(
      "OUT_OF_RANGE",
      `${path} must lie in [${formatDecimal(lo, decimals)}, ${formatDecimal(hi, decimals)}] (${type}), got ${formatDecimal(x, decimals)}`,
    );
  }
  return x;
}

function balance(v: unknown, path: string): bigint {
  const x = decimal(v, AMOUNT_DECIMALS, path);
  return within(
    x,
    isUint(x, BALANCE_BITS),
    AMOUNT_DECIMALS,
    0n,
    (1n << BigInt(BALANCE_BITS)) - 1n,
    `Uint${BALANCE_BITS}`,
    path,
  );
}

function signed(v: unknown, decimals: number, bits: number, path: string): bigint {
  const x = decimal(v, decimals, path);
  const half = 1n << BigInt(bits - 1);
  return within(x, isInt(x, bits), decimals, -half, half - 1n, `Int${bits}`, path);
}

function parsePrice(v: unknown, symbol: string): bigint {
  const p = decimal(v, PRICE_DECIMALS, `prices.${symbol}`);
  if (p <= 0n) fail("BAD_PRICE", `prices.${symbol} must be positive, got "${String(v)}"`);
  if (p >= 1n << BigInt(PRICE_BITS))
    fail("BAD_PRICE", `prices.${symbol} must be below 2^56 units (about 720,575,940 USD)`);
  return p;
}

export function evaluateMargin(input: unknown): MarginOutput {
  const top = object(input, "input");
  shape(top, "input", ["markets", "prices", "account"], ["collateral"]);

  const markets = entries(object(top.markets, "markets"), "markets").map(([s, v]) => parseMarket(s, v));
  const collaterals = entries(object(top.collateral ?? {}, "collateral"), "collateral").map(([symbol, v]) => {
    const c = object(v, `collateral.${symbol}`);
    shape(c, `collateral.${symbol}`, ["haircut"]);
    return { symbol, haircut: rate(c.haircut, `collateral.${symbol}.haircut`) };
  });
  const cfg = new RiskConfig(markets, collaterals);

  const priceTable = new Map(entries(object(top.prices, "prices"), "prices"));
  for (const s of priceTable.keys()) {
    if (!markets.some((m) => m.symbol === s) && !collaterals.some((c) => c.symbol === s)) {
      cliFail(
        "UNKNOWN_SYMBOL",
        `prices.${s}: "${s}" is neither a listed market nor a listed collateral asset`,
      );
    }
  }
  const priceOf = (s: string): bigint => {
    if (!priceTable.has(s)) fail("BAD_PRICE", `missing price for "${s}" in prices`);
    return parsePrice(priceTable.get(s), s);
  };
  const prices = {
    markets: markets.map((m) => priceOf(m.symbol)),
    collaterals: collaterals.map((c) => priceOf(c.symbol)),
  };

  const acct = object(top.account, "account");
  shape(acct, "account", [], ["collateral", "quote", "positions"]);
  const balances = collaterals.map(() => 0n);
  for (const [s, v] of entries(object(acct.collateral ?? {}, "account.collateral"), "account.collateral")) {
    const i = collaterals.findIndex((c) => c.symbol === s);
    if (i < 0) fail("UNKNOWN_ASSET", `account.collateral.${s}: "${s}" is not listed in collateral`);
    balances[i] = balance(v, `account.collateral.${s}`);
  }
  const sizes = markets.map(() => 0n);
  for (const [s, v] of entries(object(acct.positions ?? {}, "account.positions"), "account.positions")) {
    const i = markets.findIndex((m) => m.symbol === s);
    if (i < 0) fail("UNKNOWN_MARKET", `account.positions.${s}: "${s}" is not listed in markets`);
    sizes[i] = signed(v, AMOUNT_DECIMALS, SIZE_BITS, `account.positions.${s}`);
  }
  const quote = signed(acct.quote ?? "0", VALUE_DECIMALS, QUOTE_BITS, "account.quote");

  const m = computeMargin({ quote, balances, sizes, fundingIndices: sizes.map(() => 0n) }, cfg, prices);
  return {
    totalValue: formatDecimal(m.tv, VALUE_DECIMALS),
    maintenanceRequirement: formatDecimal(m.mm, VALUE_DECIMALS),
    initialRequirement: formatDecimal(m.im, VALUE_DECIMALS),
    healthy: m.healthy,
    liquidatable: m.liquidatable,
  };
}

export function readInput(file: string): string {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") cliFail("INPUT_NOT_FOUND", `cannot read ${file}: no such file`);
    cliFail(
      "INPUT_UNREADABLE",
      `cannot read ${file === "-" ? "stdin" : file}: ${code ?? (e as Error).message}`,
    );
  }
  return text;
}

export function parseJson(text: string, source: string): unknown {
  if (text.trim() === "") cliFail("BAD_JSON", `${source} is empty`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    return cliFail("BAD_JSON", `${source} is not valid JSON: ${(e as Error).message}`);
  }
}

/** One line, in the key order and spacing of the documented example. */
export function formatMarginOutput(o: MarginOutput): string {
  return `{${Object.entries(o)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(", ")}}`;
}

export function runMargin(opts: { input: string }): void {
  const source = opts.input === "-" ? "stdin" : opts.input;
  const out = evaluateMargin(parseJson(readInput(opts.input), source));
  process.stdout.write(`${formatMarginOutput(out)}\n`);
}
