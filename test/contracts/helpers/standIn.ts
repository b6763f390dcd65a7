// Builds the stand-in batch circuit (test/fixtures/circuits/PublicInputBinding.circom) and its INSECURE development
// keys, and checks that the committed verifier contracts/test/generated/TestOnlyStandInVerifier.sol is exactly what
// snarkjs exports for them — the setup is deterministic from its seed, so a hand edit or a stale file fails here.
// TEST-ONLY: the stand-in proves nothing about a batch (whoever holds the dev key proves any hash); it lets the
// revert-path tests settle arbitrary hashes in a fraction of a second. deployRollup refuses it unless testOnly is
// set; the main path runs on the real batch verifier (realProofs.test.ts). Regenerate the committed verifier with
//   npx tsx test/contracts/helpers/standIn.ts --write
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { devSetup, exportDevSolidityVerifier } from "../../../prover/setup/devSetup.js";
import { withLock } from "./lock.js";

export const STAND_IN_SEED = "zkmargin stand-in batch verifier";
const CIRCUIT = "test/fixtures/circuits/PublicInputBinding.circom";
const OUT = "build/contracts-test/stand-in";
const NAME = "PublicInputBinding";
export const STAND_IN_CONTRACT = "TestOnlyStandInVerifier";
export const STAND_IN_VERIFIER_SOL = `contracts/test/generated/${STAND_IN_CONTRACT}.sol`;

export interface StandInKeys {
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly vkeyPath: string;
}

function newer(a: string, b: string): boolean {
  return !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;
}

/** What the outputs depend on: the circuit source and the seed (circom2 and the setup are pinned by the lockfile). */
function inputsStamp(): string {
  return createHash("sha256")
    .update(readFileSync(CIRCUIT))
    .update(STAND_IN_SEED)
    .update(STAND_IN_CONTRACT)
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest("hex");
}

async function build(): Promise<StandInKeys & { exported: string }> {
  mkdirSync(OUT, { recursive: true });
  const r1cs = join(OUT, `${NAME}.r1cs`);
  const wasmPath = join(OUT, `${NAME}_js`, `${NAME}.wasm`);
  const exported = join(OUT, `${STAND_IN_CONTRACT}.sol`);
  const zkeyPath = join(OUT, `${NAME}.dev-INSECURE.zkey`);
  const vkeyPath = join(OUT, `${NAME}.dev-INSECURE.vkey.json`);
  const stampPath = join(OUT, "inputs.sha256");
  // Other test workers may be proving with the zkey right now: never rewrite outputs that are already current.
  const current = [wasmPath, zkeyPath, vkeyPath, exported].every((f) => existsSync(f));
  if (current && existsSync(stampPath) && readFileSync(stampPath, "utf8") === inputsStamp()) {
    return { wasmPath, zkeyPath, vkeyPath, exported };
  }
  if (newer(CIRCUIT, r1cs) || !existsSync(wasmPath)) {
    // circom2 runs under WASI: circuit and output must lie under the cwd, the repo root.
    execFileSync(
      process.execPath,
      ["node_modules/circom2/cli.js", CIRCUIT, "--r1cs", "--wasm", "--O2", "-o", OUT],
      {
        stdio: "ignore",
      },
    );
  }
  const res = await devSetup({ r1csPath: r1cs, outDir: OUT, seed: STAND_IN_SEED, name: NAME });
  const fingerprint =
    `TEST ONLY stand-in, proves any hash: ${CIRCUIT} r1cs sha256:` +
    createHash("sha256").update(readFileSync(r1cs)).digest("hex");
  await exportDevSolidityVerifier(res.zkeyPath, exported, {
    seed: STAND_IN_SEED,
    fingerprint,
    contractName: STAND_IN_CONTRACT,
  });
  writeFileSync(stampPath, inputsStamp());
  return { wasmPath, zkeyPath: res.zkeyPath, vkeyPath: res.vkeyPath, exported };
}

/** Builds (or reuses) the stand-in keys; throws if the committed verifier differs from the exported one. */
export async function ensureStandIn(): Promise<StandInKeys> {
  return withLock("stand-in", async () => {
    const keys = await build();
    const want = readFileSync(keys.exported, "utf8");
    const have = existsSync(STAND_IN_VERIFIER_SOL) ? readFileSync(STAND_IN_VERIFIER_SOL, "utf8") : "";
    if (want !== have) {
      throw new Error(
        `${STAND_IN_VERIFIER_SOL} is stale or edited: run npx tsx test/contracts/helpers/standIn.ts --write`,
      );
    }
    return { wasmPath: keys.wasmPath, zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath };
  });
}

async function main(): Promise<void> {
  const keys = await withLock("stand-in", build);
  if (process.argv.includes("--write")) {
    mkdirSync(join(STAND_IN_VERIFIER_SOL, ".."), { recursive: true });
    copyFileSync(keys.exported, STAND_IN_VERIFIER_SOL);
    console.log(`wrote ${STAND_IN_VERIFIER_SOL}`);
  } else {
    console.log(`exported ${keys.exported}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
