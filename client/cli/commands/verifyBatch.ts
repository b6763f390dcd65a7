// `zkmargin verify-batch N`: the verifier's command. It needs nothing from the operator but the chain and the
// published verifying key: the public inputs are rebuilt from chain data (client/verify/verifyBatch.ts) and the proof
// is checked with snarkjs. Exit 0 only when the proof verifies, the recomputed hash equals the one the contract
// emitted, and the key is the one inlined in the verifier the rollup calls.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError, cliFail } from "../errors.js";

interface VerifyBatchCliOptions {
  readonly rpc: string;
  readonly rollup?: string;
  readonly vkey?: string;
  readonly deployment?: string;
  readonly json?: boolean;
}

/** The subset of the local stack's deployment file (`zkmargin start` writes it) that verification needs. */
interface DeploymentFile {
  readonly rollup?: string;
  readonly vkeyPath?: string;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    cliFail("INPUT_NOT_FOUND", `${what} ${path} cannot be read`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    cliFail("BAD_JSON", `${what} ${path} is not JSON`);
  }
}

export async function runVerifyBatch(n: string, o: VerifyBatchCliOptions): Promise<boolean> {
  if (!/^[1-9][0-9]*$/.test(n)) cliFail("BAD_USAGE", `batch number must be a positive integer, got "${n}"`);
  const dep = o.deployment ? (readJson(o.deployment, "deployment file") as DeploymentFile) : {};
  const rollup = o.rollup ?? dep.rollup;
  const vkeyPath = o.vkey ?? dep.vkeyPath;
  if (!rollup || !/^0x[0-9a-fA-F]{40}$/.test(rollup)) {
    cliFail("BAD_USAGE", "give the rollup address (--rollup 0x…) or a deployment file naming it");
  }
  if (!vkeyPath) cliFail("BAD_USAGE", "give the verifying key (--vkey FILE) or a deployment file naming it");
  const { verifyBatch, VerifyBatchError } = await import("../../verify/verifyBatch.js");
  const vkey = readJson(vkeyPath, "verifying key") as Parameters<typeof verifyBatch>[0]["vkey"];
  let r;
  try {
    r = await verifyBatch({ provider: o.rpc, rollup, batchNumber: BigInt(n), vkey });
  } catch (e) {
    if (e instanceof VerifyBatchError) throw new CliError("BAD_INPUT", `${e.code}: ${e.message}`);
    throw e;
  }
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`,
    );
  } else {
    const yes = (b: boolean): string => (b ? "yes" : "NO");
    const lines = [
      `batch ${r.batchNumber}  tx ${r.txHash}  block ${r.blockNumber}`,
      `  old root           ${r.publicInputs.oldRoot}`,
      `  new root           ${r.publicInputs.newRoot}`,
      `  public input hash  ${r.publicInputHash} (rebuilt from chain data)`,
      `  equals the contract's event hash   ${yes(r.matchesEvent)}`,
      `  key matches the on-chain verifier  ${yes(r.vkeyMatchesChain)}`,
      `  config hash read at                ${r.configHashAt}`,
      `  Groth16 proof verifies (snarkjs)   ${yes(r.proofValid)}`,
      r.ok ? "OK" : "FAILED",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return r.ok;
}

export function registerVerifyBatchCommand(program: Command): void {
  program
    .command("verify-batch")
    .summary(
      "verify one settled batch from chain data alone (public inputs rebuilt, proof checked with snarkjs)",
    )
    .description(
      [
        "Fetches batch N's settlement transaction, rebuilds its public inputs (PROTOCOL §9) from chain data alone,",
        "recomputes the public input hash with the protocol model and verifies the Groth16 proof with snarkjs",
        "against the verifying key you give — which must also be the key inlined in the verifier the rollup calls.",
        "Exit status 0 when all three hold, 1 otherwise.",
      ].join("\n"),
    )
    .argument("<N>", "batch number (1 = the first batch after genesis)")
    .requiredOption("--rpc <url>", "JSON-RPC endpoint of the chain")
    .option("--rollup <address>", "rollup contract address")
    .option("--vkey <file>", "verifying key JSON (snarkjs format)")
    .option("--deployment <file>", "deployment file written by `zkmargin start` (rollup and key paths)")
    .option("--json", "one JSON line instead of the summary")
    .action(async (n: string, o: VerifyBatchCliOptions) => {
      const ok = await runVerifyBatch(n, o);
      if (!ok) process.exitCode = 1;
    });
}
