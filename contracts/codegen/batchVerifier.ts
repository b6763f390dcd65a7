// Generates the committed batch verifier of the `test` set, contracts/verifiers/generated/
// BatchTestInsecureDevVerifier.sol: snarkjs's Groth16 verifier for the INSECURE development keys of batch@test
// (prover/keys ensureDevKeys: circuits/batch/batch.circom compiled at the test sizes, dev setup from the set's seed).
// The setup is deterministic from the R1CS and the seed, so the file is a pure function of the circuit: the contract
// tests regenerate it and fail when the committed copy differs (a changed circuit or a hand edit). Its contract name
// and header say INSECURE development keys; it must never verify anything of value.
//   npx tsx contracts/codegen/batchVerifier.ts           check (exit 1 when stale)
//   npx tsx contracts/codegen/batchVerifier.ts --write   rewrite the committed file
// The first run compiles the circuit (~1 min) and runs the dev setup (~2–5 min on 2 cores); both are cached.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDevKeys, type DevKeyOptions, type MainKeys } from "../../prover/keys/devKeys.js";
import { exportDevSolidityVerifier } from "../../prover/setup/devSetup.js";
import { batchVerifierContract, batchVerifierPath, type CommittedVerifierSet } from "../deploy/verifiers.js";

export interface BatchVerifierExport {
  readonly set: CommittedVerifierSet;
  readonly keys: MainKeys;
  readonly contract: string;
  /** Where the committed copy lives (repository-relative). */
  readonly committedPath: string;
  /** What the keys export now. */
  readonly source: string;
  /** Whether the committed file equals `source`. */
  readonly fresh: boolean;
}

/** The header's fingerprint line: which circuit, at which set, and its exact R1CS. */
export function fingerprintLine(set: string, r1csSha256: string): string {
  return `batch@${set} (circuits/batch/batch.circom BatchMain) r1cs sha256:${r1csSha256}`;
}

/** Exports the verifier for the set's current keys (building them if needed) and compares it with the committed one. */
export async function exportBatchVerifier(
  set: CommittedVerifierSet = "test",
  opts: DevKeyOptions & { readonly log?: (line: string) => void } = {},
): Promise<BatchVerifierExport> {
  const keys = await ensureDevKeys("batch", set, opts);
  const contract = batchVerifierContract(set);
  // A private file per call: parallel test workers export at the same time.
  const tmp = join(keys.dir, `.export-${process.pid}-${randomBytes(4).toString("hex")}.sol`);
  let source: string;
  try {
    await exportDevSolidityVerifier(keys.zkeyPath, tmp, {
      seed: keys.seed,
      fingerprint: fingerprintLine(set, keys.r1csSha256),
      contractName: contract,
    });
    source = readFileSync(tmp, "utf8");
  } finally {
    rmSync(tmp, { force: true });
  }
  const committedPath = batchVerifierPath(set);
  const committed = existsSync(committedPath) ? readFileSync(committedPath, "utf8") : undefined;
  return { set, keys, contract, committedPath, source, fresh: committed === source };
}

/** Writes the committed file through a rename, so a concurrent reader never sees half of it. */
export function writeBatchVerifier(e: BatchVerifierExport): void {
  mkdirSync(dirname(e.committedPath), { recursive: true });
  const tmp = `${e.committedPath}.tmp-${process.pid}`;
  writeFileSync(tmp, e.source);
  renameSync(tmp, e.committedPath);
}

export function staleMessage(e: BatchVerifierExport): string {
  return (
    `${e.committedPath} is stale or edited (the batch circuit changed, r1cs ${e.keys.r1csSha256.slice(0, 16)}…): ` +
    `run npx tsx contracts/codegen/batchVerifier.ts --write`
  );
}

async function main(): Promise<void> {
  const write = process.argv.includes("--write");
  const e = await exportBatchVerifier("test", {
    log: (l) => console.log(l),
    onProgress: (stage, done, total) => {
      if (done === total) console.log(`setup: ${stage} done`);
    },
  });
  if (e.fresh) {
    console.log(`${e.committedPath} is up to date (${e.contract}, r1cs ${e.keys.r1csSha256.slice(0, 16)}…)`);
  } else if (write) {
    writeBatchVerifier(e);
    console.log(`wrote ${e.committedPath} (${e.contract}, r1cs ${e.keys.r1csSha256.slice(0, 16)}…)`);
  } else {
    console.error(staleMessage(e));
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
