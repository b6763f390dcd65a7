// Entry point of the `zkmargin` CLI (bin/zkmargin.mjs loads it through tsx). Whatever goes wrong leaves as one
// stderr line `error: <CODE>: <message>` and a non-zero exit code — never a stack trace.
import { CommanderError } from "commander";
import { errorLine, exitCodeOf } from "./errors.js";
import { buildProgram } from "./program.js";

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // already printed (help, version, or a usage line)
    process.stderr.write(`${errorLine(e)}\n`);
    return exitCodeOf(e);
  }
}

function die(e: unknown): never {
  process.stderr.write(`${errorLine(e)}\n`);
  process.exit(exitCodeOf(e));
}

// A closed pipe (`zkmargin start | head`) is the reader's choice, not an error worth a trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" ? process.exit(0) : die(e)));
process.on("uncaughtException", die);
process.on("unhandledRejection", die);

process.exitCode = await main(process.argv.slice(2));
