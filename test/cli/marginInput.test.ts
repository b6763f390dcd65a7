// The parts of `zkmargin margin` that need no process: exact figures at full precision, rounding, and the finer
// bad-input variants (each must raise its stable code before anything is printed). The real binary is spawned
// for the contract's main classes in margin.test.ts.
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import {
  evaluateMargin,
  formatMarginOutput,
  parseJson,
  readInput,
} from "../../client/cli/commands/margin.js";
import { CliError, errorLine } from "../../client/cli/errors.js";
import { ProtocolError } from "../../protocol/errors.js";
import { decimalOf, example, TWO_POW, withChange, type MarginInput } from "./inputs.js";

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CliError || e instanceof ProtocolError) return e.code;
    return `unexpected ${String(e)}`;
  }
  return "no error";
}

describe("margin input evaluation", () => {
  it("exact at full precision: 0.12345678 BTC at 60000.5", () => {
    const input = withChange((x) => {
      x.prices.BTC = "60000.5";
      x.account = { quote: "-7000", positions: { BTC: "0.12345678" } };
    });
    // Notional = 0.12345678·60000 + 0.12345678·0.5 = 7407.4068 + 0.06172839 = 7407.46852839.
    // TV = 7407.46852839 − 7000; MM = 5% of the notional; IM = 10%.
    expect(evaluateMargin(input)).toEqual({
      totalValue: "407.46852839",
      maintenanceRequirement: "370.3734264195",
      initialRequirement: "740.746852839",
      healthy: true,
      liquidatable: false,
    });
  });

  it("rounding: value rounds down, requirements round up, decisions use the exact figures", () => {
    const tiny = {
      markets: { X: { imr: "0.000002", mmr: "0.000001" } },
      collateral: { E: { haircut: "0.999999" } },
      prices: { X: "0.00000001", E: "0.00000001" },
      account: {
        collateral: { E: "0.00000001" },
        quote: "-0.0000000000000001",
        positions: { X: "0.00000001" },
      },
    };
    // In 1e-22 USD: TV = −1e6 (quote) + 1·1·999999 (collateral) + 1·1·1e6 (position) = 999999 → shown floor 0;
    // MM = 1 (notional 1 · 1 ppm) → shown ceil 1e-16; IM = 2 → 1e-16. Healthy because 999999 ≥ 1.
    expect(evaluateMargin(tiny)).toEqual({
      totalValue: "0",
      maintenanceRequirement: "0.0000000000000001",
      initialRequirement: "0.0000000000000001",
      healthy: true,
      liquidatable: false,
    });
    // Without the position: TV = −1e6 + 999999 = −1 → floor −1e-16.
    const out = evaluateMargin({ ...tiny, account: { ...tiny.account, positions: {} } });
    expect(out.totalValue).toBe("-0.0000000000000001");
    expect(out.maintenanceRequirement).toBe("0");
  });

  it("an account with no collateral, quote or positions is worth 0 and healthy", () => {
    expect(evaluateMargin({ ...example(), account: {} })).toEqual({
      totalValue: "0",
      maintenanceRequirement: "0",
      initialRequirement: "0",
      healthy: true,
      liquidatable: false,
    });
  });

  it("prints one line in the documented key order and spacing", () => {
    expect(formatMarginOutput(evaluateMargin(example()))).toBe(
      '{"totalValue": "4600", "maintenanceRequirement": "1500", "initialRequirement": "3000", "healthy": true, "liquidatable": false}',
    );
  });
});

const BAD: [string, string | MarginInput, string][] = [
  ["negative price", withChange((x) => (x.prices.ETH = "-3000")), "BAD_PRICE"],
  ["imr above 1", withChange((x) => (x.markets.BTC!.imr = "1.5")), "OUT_OF_RANGE"],
  ["price with 9 decimals", withChange((x) => (x.prices.BTC = "60000.000000001")), "BAD_DECIMAL"],
  ["quote with 17 decimals", withChange((x) => (x.account.quote = "1.00000000000000001")), "BAD_DECIMAL"],
  ["rate with 7 decimals", withChange((x) => (x.markets.BTC!.mmr = "0.0500001")), "BAD_DECIMAL"],
  ["price for an unknown symbol", withChange((x) => (x.prices.DOGE = "0.1")), "UNKNOWN_SYMBOL"],
  ["missing collateral price", withChange((x) => delete x.prices.USDC), "BAD_PRICE"],
  ["negative haircut", withChange((x) => (x.collateral.ETH = { haircut: "-0.1" })), "OUT_OF_RANGE"],
  ["zero mmr", withChange((x) => (x.markets.BTC!.mmr = "0")), "BAD_CONFIG"],
  [
    "tier starts not increasing",
    withChange((x) => x.markets.BTC!.tiers!.push({ from: "500000", imr: "0.3", mmr: "0.2" })),
    "BAD_CONFIG",
  ],
  [
    "tier rates decreasing",
    withChange((x) => (x.markets.BTC!.tiers = [{ from: "1000000", imr: "0.05", mmr: "0.01" }])),
    "BAD_CONFIG",
  ],
  [
    "collateral amount with 9 decimals",
    withChange((x) => (x.account.collateral = { ETH: "1.000000001" })),
    "BAD_DECIMAL",
  ],
  [
    "size below Int64",
    withChange((x) => (x.account.positions = { BTC: decimalOf(-TWO_POW(63) - 1n, 8) })),
    "OUT_OF_RANGE",
  ],
  ["negative balance", withChange((x) => (x.account.collateral = { ETH: "-1" })), "OUT_OF_RANGE"],
  ["unknown key inside a market", withChange((x) => (x.markets.BTC!.fee = "0.01")), "BAD_INPUT"],
  ["missing account", withChange((x) => delete (x as Partial<MarginInput>).account), "BAD_INPUT"],
  ["top level is an array", "[1, 2]", "BAD_INPUT"],
  ["empty input", "", "BAD_JSON"],
  ["symbol that is not a plain name", withChange((x) => (x.prices["__proto__ "] = "1")), "BAD_INPUT"],
  [
    "market named like an Object.prototype member",
    withChange((x) => (x.account.positions = { constructor: "1" })),
    "UNKNOWN_MARKET",
  ],
  [
    "same symbol as market and collateral",
    withChange((x) => (x.collateral.BTC = { haircut: "0.5" })),
    "BAD_CONFIG",
  ],
  [
    "tiers not an array",
    withChange((x) => (x.markets.BTC!.tiers = { from: "1" } as unknown as unknown[])),
    "BAD_INPUT",
  ],
  [
    "tier starting at 0",
    withChange((x) => (x.markets.BTC!.tiers = [{ from: "0", imr: "0.2", mmr: "0.1" }])),
    "BAD_CONFIG",
  ],
  ["rate given as a JSON number", withChange((x) => (x.markets.BTC!.imr = 0.1)), "BAD_DECIMAL"],
  ["price given as null", withChange((x) => (x.prices.BTC = null)), "BAD_DECIMAL"],
];

describe("margin input evaluation: the largest in-bounds values", () => {
  it("max collateral at max price is exact, not an error: PROTOCOL §5.2 bounds every in-type account", () => {
    const input = withChange((x) => {
      x.prices.ETH = decimalOf(TWO_POW(56) - 1n, 8);
      x.account.collateral = { ETH: decimalOf(TWO_POW(64) - 1n, 8) };
    });
    // TV = quote + Σ size·P + balance·Q·0.8, written out at Value scale (1e-16 USD): −30,000 + 0.5·60,000 + ….
    const collateral = ((TWO_POW(64) - 1n) * (TWO_POW(56) - 1n) * 8n) / 10n;
    const expected = -30000n * 10n ** 16n + 30000n * 10n ** 16n + collateral;
    expect(evaluateMargin(input).totalValue).toBe(decimalOf(expected, 16).replace(/\.?0+$/, ""));
  });
});

describe("margin input evaluation: bad input raises its code", () => {
  it.each(BAD)("%s", (_label, input, code) => {
    expect(codeOf(() => evaluateMargin(typeof input === "string" ? parseJson(input, "stdin") : input))).toBe(
      code,
    );
  });

  it("a directory cannot be read as input", () => {
    expect(codeOf(() => readInput(tmpdir()))).toBe("INPUT_UNREADABLE");
  });

  it("error lines are single-line even when the message is not", () => {
    expect(errorLine(new CliError("BAD_JSON", "first\n  second"))).toBe("error: BAD_JSON: first second");
    expect(errorLine(new Error("boom"))).toBe("error: INTERNAL: boom");
  });
});
