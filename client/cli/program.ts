// The `zkmargin` command tree. Commands are imported lazily so `--help` stays instant and `margin` does not pay for
// loading what `start` needs; commander's own usage errors are reshaped into the one-line error form (errors.ts).
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { registerCeremonyCommands } from "./commands/ceremony.js";
import { registerProveCommand } from "./commands/prove.js";
import { registerProverCommand } from "./commands/prover.js";
import { registerTraderCommands } from "./commands/trader.js";
import { registerVerifyBatchCommand } from "./commands/verifyBatch.js";
import { CliError, errorLine } from "./errors.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

function usageLine(str: string): string {
  const msg = str
    .replace(/^error:\s*/i, "")
    .replace(/\s*\n\s*/g, " ")
    .trim();
  return `${errorLine(new CliError("BAD_USAGE", msg))}\n`;
}

export function buildProgram(): Command {
  const program = new Command("zkmargin");
  program
    .description("zkmargin: a private cross-margin perpetuals exchange run as a ZK validity rollup")
    .version(pkg.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .configureOutput({ outputError: (str, write) => write(usageLine(str)) })
    .exitOverride()
    .showSuggestionAfterError(false);

  program
    .command("margin")
    .summary("margin figures of one account (TV, MM, IM, healthy, liquidatable)")
    .description(
      "Total value, maintenance and initial requirement of one account, exactly as the protocol computes them.\n" +
        "Input JSON (all numbers as decimal strings):\n" +
        '  {"markets": {"BTC": {"imr": "0.1", "mmr": "0.05", "tiers": [{"from": "1000000", "imr": "0.2", "mmr": "0.1"}]}},\n' +
        '   "collateral": {"USDC": {"haircut": "1"}, "ETH": {"haircut": "0.8"}},\n' +
        '   "prices": {"BTC": "60000", "ETH": "3000", "USDC": "1"},\n' +
        '   "account": {"collateral": {"USDC": "1000", "ETH": "1.5"}, "quote": "-30000", "positions": {"BTC": "0.5"}}}\n' +
        "Decimals allowed: amounts and sizes 8, prices 8, quote and tier starts (USD) 16, rates 6.\n" +
        "Output: one JSON line {totalValue, maintenanceRequirement, initialRequirement, healthy, liquidatable}, USD\n" +
        "at 1e-16 precision, value rounded down and requirements up. Errors: one line `error: <CODE>: <message>`.",
    )
    .requiredOption("-i, --input <file>", "input JSON file, or - for stdin")
    .action(async (opts: { input: string }) => {
      const { runMargin } = await import("./commands/margin.js");
      runMargin(opts);
    });

  program
    .command("start")
    .summary("run locally (for now: the model-only market simulation)")
    .description(
      "Run zkmargin locally. The chain, prover and sequencer are not built yet: for now this replays a scripted\n" +
        "market (deposits, trades, price moves, funding, liquidations, withdrawals) on the protocol model in-process\n" +
        "and checks collateral conservation at the end.",
    )
    .addOption(new Option("-p, --param-set <name>", "parameter set").choices(["test", "dev"]).default("dev"))
    .action(async (opts: { paramSet: "test" | "dev" }) => {
      const { runStart } = await import("./commands/start.js");
      runStart(opts);
    });

  // Prover-side commands: their modules import only commander types at load; the work is imported on run.
  registerProveCommand(program);
  registerProverCommand(program);
  registerCeremonyCommands(program);
  registerVerifyBatchCommand(program);
  registerTraderCommands(program);

  return program;
}
