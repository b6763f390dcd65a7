// `zkmargin prove --zkey FILE --wtns FILE --proof OUT --public OUT [--vkey FILE] [--backend NAME]`: a Groth16 proof of
// any standard snarkjs zkey and circom witness, written as the same JSON `snarkjs groth16 prove` writes, so every
// snarkjs-compatible tool (and the exported Solidity verifier's calldata helpers) reads it. Progress and timings go
// to stderr. With --vkey the proof is verified first and a failing proof writes nothing. The heavy modules (snarkjs)
// load inside the action, so `zkmargin --help` stays instant.
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Command } from "commander";
import { CliError } from "../errors.js";

export interface ProveCliOptions {
  readonly zkey: string;
  readonly wtns: string;
  readonly proof: string;
  readonly public: string;
  readonly vkey?: string;
  readonly backend?: string;
  readonly quiet?: boolean;
}

export interface ProveSummary {
  readonly backend: string;
  readonly witnesses: number;
  readonly publicSignals: number;
  readonly proveSeconds: number;
  readonly verified: boolean;
}

const DEFAULT_BACKEND_NAME = "snarkjs-wasm";

/** Writes through a temporary name, so a reader never sees half a file and a failure leaves the old one. */
async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function runProve(
  opts: ProveCliOptions,
  stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Promise<ProveSummary> {
  for (const [flag, path] of [
    ["--zkey", opts.zkey],
    ["--wtns", opts.wtns],
    ...(opts.vkey !== undefined ? [["--vkey", opts.vkey] as const] : []),
  ] as const) {
    if (!existsSync(path)) throw new CliError("INPUT_NOT_FOUND", `${flag} ${path}: no such file`);
  }
  if (opts.proof === opts.public)
    throw new CliError("BAD_USAGE", "--proof and --public must be different files");

  const [{ createBackend }, { createProgress }, { readWtnsHeader }, { Verifier, readVerificationKey }] =
    await Promise.all([
      import("../../../prover/backend/registry.js"),
      import("../../../prover/progress.js"),
      import("../../../prover/witness/wtns.js"),
      import("../../../prover/pool/selfCheck.js"),
    ]);
  const quiet = opts.quiet === true;
  const say = (line: string): void => {
    if (!quiet) stderr.write(`${line}\n`);
  };

  const witness = new Uint8Array(await readFile(opts.wtns));
  const { nWitness } = readWtnsHeader(witness);
  const vkey = opts.vkey !== undefined ? await readVerificationKey(opts.vkey) : undefined;
  const backend = await createBackend(opts.backend ?? DEFAULT_BACKEND_NAME);
  let verified = false;
  let proveSeconds: number;
  let result: Awaited<ReturnType<typeof backend.prove>>;
  try {
    say(
      `prove: ${backend.name}, zkey ${opts.zkey}, witness ${opts.wtns} (${nWitness.toLocaleString("en-US")} wires)`,
    );
    const progress = createProgress("prove", { stream: stderr, quiet });
    try {
      result = await backend.prove(opts.zkey, witness, { onProgress: progress.callback });
    } catch (e) {
      progress.fail();
      throw e;
    }
    proveSeconds = progress.finish(`${result.publicSignals.length} public signals`);
    if (vkey) {
      const t0 = performance.now();
      const v = await Verifier.open();
      try {
        await v.check(vkey, result, "the proof");
      } finally {
        await v.close();
      }
      verified = true;
      say(`verify: ok against ${opts.vkey} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
    }
  } finally {
    await backend.close();
  }
  await writeAtomic(opts.proof, `${JSON.stringify(result.proof, null, 1)}\n`);
  await writeAtomic(opts.public, `${JSON.stringify(result.publicSignals, null, 1)}\n`);
  say(`wrote ${opts.proof} and ${opts.public}`);
  return {
    backend: backend.name,
    witnesses: nWitness,
    publicSignals: result.publicSignals.length,
    proveSeconds,
    verified,
  };
}

export function registerProveCommand(program: Command): Command {
  return program
    .command("prove")
    .summary("Groth16 proof of a circom witness against a snarkjs zkey (snarkjs JSON out)")
    .description(
      [
        "Proves any standard snarkjs Groth16 zkey with a circom witness (.wtns) and",
        "writes the proof and the public signals as `snarkjs groth16 prove` does.",
        "Progress and timings go to stderr. With --vkey the proof is verified",
        "against that key first, and nothing is written unless it verifies.",
        "Backends: snarkjs-wasm (default); others register in prover/backend.",
      ].join("\n"),
    )
    .requiredOption("--zkey <file>", "proving key (.zkey)")
    .requiredOption("--wtns <file>", "witness (.wtns)")
    .requiredOption("--proof <out>", "where to write the proof JSON")
    .requiredOption("--public <out>", "where to write the public signals JSON")
    .option("--vkey <file>", "verification key JSON: self-check the proof before writing it")
    .option("--backend <name>", "prover backend", DEFAULT_BACKEND_NAME)
    .option("-q, --quiet", "no progress or timing lines")
    .action(async (o: ProveCliOptions) => {
      await runProve(o);
    });
}
