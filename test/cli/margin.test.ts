// `zkmargin margin` through the real binary: figures derived by hand from PROTOCOL §5.2 for valid inputs, and for
// every class of bad input the contract "non-zero exit, nothing on stdout, exactly one `error: CODE: …` line".
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decimalOf, example, TWO_POW, withChange, type MarginInput } from "./inputs.js";
import { REPO, runCli } from "./run.js";

async function margin(input: unknown): Promise<Record<string, unknown>> {
  const r = await runCli(["margin", "--input", "-"], JSON.stringify(input));
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const lines = r.stdout.split("\n").filter(Boolean);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe.concurrent("zkmargin margin: valid input", () => {
  it("the documented example from a file: TV = 1000 + 1.5·3000·0.8 − 30000 + 0.5·60000 = 4600", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkm-cli-"));
    const file = join(dir, "account.json");
    writeFileSync(file, JSON.stringify(example()));
    const r = await runCli(["margin", "--input", file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    // MM = 0.5·60000·0.05 = 1500, IM = 0.5·60000·0.1 = 3000 (30,000 notional is below the 1,000,000 tier).
    expect(r.stdout).toBe(
      '{"totalValue": "4600", "maintenanceRequirement": "1500", "initialRequirement": "3000", "healthy": true, "liquidatable": false}\n',
    );
  });

  it("the same example on stdin (--input -)", async () => {
    expect(await margin(example())).toEqual({
      totalValue: "4600",
      maintenanceRequirement: "1500",
      initialRequirement: "3000",
      healthy: true,
      liquidatable: false,
    });
  });

  it("tiers: 20 BTC (1,200,000 notional) pays tier rates only above 1,000,000", async () => {
    const out = await margin(withChange((x) => (x.account.positions = { BTC: "20" })));
    // TV = 1000 + 3600 − 30000 + 20·60000 = 1,174,600
    // MM = 1,000,000·0.05 + 200,000·0.1 = 70,000;  IM = 1,000,000·0.1 + 200,000·0.2 = 140,000
    expect(out).toEqual({
      totalValue: "1174600",
      maintenanceRequirement: "70000",
      initialRequirement: "140000",
      healthy: true,
      liquidatable: false,
    });
  });

  it("tiers: three brackets on a short position", async () => {
    const input = withChange((x) => {
      x.markets.BTC!.tiers = [
        { from: "1000000", imr: "0.2", mmr: "0.1" },
        { from: "2000000", imr: "0.5", mmr: "0.25" },
      ];
      x.account = { quote: "3500000", positions: { BTC: "-50" } };
    });
    // Notional 50·60000 = 3,000,000. TV = 3,500,000 − 3,000,000 = 500,000.
    // MM = 1M·0.05 + 1M·0.1 + 1M·0.25 = 400,000;  IM = 1M·0.1 + 1M·0.2 + 1M·0.5 = 800,000.
    expect(await margin(input)).toEqual({
      totalValue: "500000",
      maintenanceRequirement: "400000",
      initialRequirement: "800000",
      healthy: true,
      liquidatable: false,
    });
  });

  it("unhealthy: the example after BTC falls to 52,000 is liquidatable", async () => {
    const out = await margin(withChange((x) => (x.prices.BTC = "52000")));
    // TV = 1000 + 3600 − 30000 + 0.5·52000 = 600 < MM = 0.5·52000·0.05 = 1300; IM = 2600.
    expect(out).toEqual({
      totalValue: "600",
      maintenanceRequirement: "1300",
      initialRequirement: "2600",
      healthy: false,
      liquidatable: true,
    });
  });
});

// One spawn per input class the CLI contract names; finer variants of each are checked in-process (marginInput.test.ts).
const BAD: [string, string | MarginInput, string][] = [
  [
    "position in an unlisted market",
    withChange((x) => (x.account.positions = { SOL: "1" })),
    "UNKNOWN_MARKET",
  ],
  ["collateral not listed", withChange((x) => (x.account.collateral = { WBTC: "1" })), "UNKNOWN_ASSET"],
  ["missing market price", withChange((x) => delete x.prices.BTC), "BAD_PRICE"],
  ["zero price", withChange((x) => (x.prices.BTC = "0")), "BAD_PRICE"],
  ["price of 2^56 units", withChange((x) => (x.prices.BTC = decimalOf(TWO_POW(56), 8))), "BAD_PRICE"],
  ["haircut above 1", withChange((x) => (x.collateral.ETH = { haircut: "1.2" })), "OUT_OF_RANGE"],
  ["mmr above imr", withChange((x) => (x.markets.BTC!.mmr = "0.2")), "BAD_CONFIG"],
  ["exponent notation", withChange((x) => (x.account.quote = "1e5")), "BAD_DECIMAL"],
  ["not a number", withChange((x) => (x.account.positions = { BTC: "abc" })), "BAD_DECIMAL"],
  [
    "a JSON number instead of a string",
    withChange((x) => (x.account.positions = { BTC: 1.5 })),
    "BAD_DECIMAL",
  ],
  ["size with 9 decimals", withChange((x) => (x.account.positions = { BTC: "0.123456789" })), "BAD_DECIMAL"],
  [
    "size beyond Int64",
    withChange((x) => (x.account.positions = { BTC: decimalOf(TWO_POW(63), 8) })),
    "OUT_OF_RANGE",
  ],
  [
    "balance beyond Uint64",
    withChange((x) => (x.account.collateral = { ETH: decimalOf(TWO_POW(64), 8) })),
    "OUT_OF_RANGE",
  ],
  ["quote beyond Int96", withChange((x) => (x.account.quote = decimalOf(TWO_POW(95), 16))), "OUT_OF_RANGE"],
  ["unknown top-level key", withChange((x) => (x.leverage = "10")), "BAD_INPUT"],
  ["malformed JSON", '{"markets": {', "BAD_JSON"],
];

function expectOneErrorLine(r: { code: number | null; stdout: string; stderr: string }, code: string): void {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n");
  expect(lines.at(-1)).toBe(""); // newline-terminated
  expect(lines.slice(0, -1)).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error: ${code}: \\S`));
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe.concurrent("zkmargin margin: bad input exits non-zero with one error line and no stdout", () => {
  it.each(BAD)("%s", async (_label, input, code) => {
    const r = await runCli(
      ["margin", "--input", "-"],
      typeof input === "string" ? input : JSON.stringify(input),
    );
    expectOneErrorLine(r, code);
  });

  it("missing file", async () => {
    expectOneErrorLine(
      await runCli(["margin", "--input", join(tmpdir(), "zkm-no-such-file.json")]),
      "INPUT_NOT_FOUND",
    );
  });

  it("no --input at all", async () => {
    expectOneErrorLine(await runCli(["margin"]), "BAD_USAGE");
  });

  it("an unknown subcommand", async () => {
    expectOneErrorLine(await runCli(["frobnicate"]), "BAD_USAGE");
  });
});

describe.concurrent("zkmargin help and version", () => {
  it.each([[["--help"]], [["margin", "--help"]], [["start", "--help"]]])(
    "%j prints usage and exits 0",
    async (args) => {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: zkmargin/);
      expect(r.stderr).toBe("");
    },
  );

  it("--version prints package.json's version", async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
