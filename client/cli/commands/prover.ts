// `zkmargin prover --sequencer URL`: runs the operator's stateless prover daemon (prover/daemon/daemon.ts) until
// SIGINT or SIGTERM. The first signal stops leasing and hands in-flight jobs back (or, with --drain, finishes them);
// a second one exits at once. The shared token may come from ZKMARGIN_PROVER_TOKEN so it stays out of `ps`.
import type { Command } from "commander";
import { CliError } from "../errors.js";

export const PROVER_TOKEN_ENV = "ZKMARGIN_PROVER_TOKEN";

interface ProverOpts {
  sequencer: string;
  artifacts: string;
  token?: string;
  concurrency: string;
  backend?: string;
  leaseTtl: string;
  workerId?: string;
  drain?: boolean;
  requireProduction?: boolean;
}

function positiveInt(v: string, name: string, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) {
    throw new CliError("BAD_USAGE", `${name} must be a whole number in 1..${max}`);
  }
  return Number(v);
}

export function registerProverCommand(program: Command): void {
  program
    .command("prover")
    .summary("run a prover daemon: lease proof jobs from a sequencer, prove, post the proofs")
    .description(
      "A stateless prover worker. It leases jobs for the circuits named in the artifacts manifest\n" +
        '({"format": "zkmargin-prover-artifacts-v1", "circuits": {"<set>/<main>": {"wasm": ..., "zkey": ...}}},\n' +
        "paths relative to the manifest), computes each witness, proves, heartbeats while proving and posts the\n" +
        "proof; the sequencer verifies it before accepting. Run as many as you like, anywhere; a killed one's jobs\n" +
        `go to the others when its leases expire. Token: --token or $${PROVER_TOKEN_ENV}. See docs/PROVER.md.`,
    )
    .requiredOption("--sequencer <url>", "sequencer base URL (the API is under /prover/v1)")
    .requiredOption("--artifacts <file>", "artifacts manifest naming each circuit's wasm and zkey")
    .option("--token <token>", `shared bearer token (default $${PROVER_TOKEN_ENV})`)
    .option("--concurrency <n>", "jobs in flight at once", "1")
    .option("--backend <name>", "proving backend (prover/backend registry; default snarkjs-wasm)")
    .option("--lease-ttl <ms>", "lease length to ask for; heartbeats every quarter of it", "120000")
    .option("--worker-id <id>", "name in the server's records (default host-pid)")
    .option("--drain", "on SIGINT/SIGTERM finish in-flight jobs instead of handing them back")
    .option("--require-production", "refuse keys that no ceremony made (INSECURE development keys)")
    .action(async (o: ProverOpts) => {
      const { ArtifactManifest } = await import("../../../prover/jobs/artifacts.js");
      const { runProverDaemon } = await import("../../../prover/daemon/daemon.js");
      const concurrency = positiveInt(o.concurrency, "--concurrency", 64);
      const leaseTtlMs = positiveInt(o.leaseTtl, "--lease-ttl", 3_600_000);
      if (o.workerId !== undefined && !/^[\x21-\x7e]{1,100}$/.test(o.workerId)) {
        throw new CliError("BAD_USAGE", "--worker-id must be 1-100 printable characters without spaces");
      }
      const manifest = await ArtifactManifest.load(o.artifacts);
      const stop = new AbortController();
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals): void => {
        signals++;
        if (signals > 1) process.exit(130);
        process.stderr.write(`${sig}: stopping (again to exit at once)\n`);
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        await runProverDaemon({
          sequencerUrl: o.sequencer,
          token: o.token ?? process.env[PROVER_TOKEN_ENV],
          concurrency,
          backend: o.backend,
          leaseTtlMs,
          workerId: o.workerId,
          drain: o.drain,
          requireProduction: o.requireProduction,
          manifest,
          signal: stop.signal,
          log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      // Leases are handed back and backends closed; a proof abandoned mid-way must not keep the process up.
      setTimeout(() => process.exit(process.exitCode ?? 0), 3_000).unref();
    });
}
