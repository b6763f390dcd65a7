// Circuits and keys the prover tests share: the stand-in batch circuit (test/fixtures/circuits/PublicInputBinding.circom, a hand-written main) and
// the account-margin main of the `test` set (circuits/mains.ts), both with development keys from prover/keys in a
// test-only cache. Builds are content-addressed and renamed into place, so parallel test files reuse one another's.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  ensureDevKeys,
  ensureDevKeysForR1cs,
  type DevKeys,
  type MainKeys,
} from "../../prover/keys/devKeys.js";
import type { WasmCircuitFiles } from "../../prover/witness/wasm.js";

export const ROOT = "build/prover-test";
export const KEY_ROOT = join(ROOT, "keys");
export const STAND_IN = "test/fixtures/circuits/PublicInputBinding.circom";

export interface StandIn extends DevKeys {
  readonly wasm: WasmCircuitFiles;
}

/** circom2 (WASI) needs the circuit and the output folder under the cwd, the repository root. */
function compileStandIn(): string {
  const tag = createHash("sha256").update(readFileSync(STAND_IN)).digest("hex").slice(0, 16);
  const dir = join(ROOT, "stand-in", tag);
  if (existsSync(join(dir, "PublicInputBinding.r1cs"))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(tmp, { recursive: true });
  execFileSync(
    process.execPath,
    ["node_modules/circom2/cli.js", STAND_IN, "--O2", "--r1cs", "--wasm", "-o", tmp],
    { stdio: "ignore" },
  );
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another test file won the race with identical output
  }
  return dir;
}

export async function standIn(): Promise<StandIn> {
  const dir = compileStandIn();
  const r1csPath = join(dir, "PublicInputBinding.r1cs");
  const keys = await ensureDevKeysForR1cs(
    { set: "test", name: "stand_in", r1csPath },
    { cacheRoot: KEY_ROOT },
  );
  return {
    ...keys,
    wasm: {
      r1csPath,
      wasmPath: join(dir, "PublicInputBinding_js", "PublicInputBinding.wasm"),
      witnessCalculatorPath: join(dir, "PublicInputBinding_js", "witness_calculator.js"),
    },
  };
}

export async function marginKeys(): Promise<MainKeys & { readonly wasm: WasmCircuitFiles }> {
  const keys = await ensureDevKeys("account_margin", "test", { cacheRoot: KEY_ROOT, log: () => {} });
  const { wasmPath, witnessCalculatorPath, r1csPath } = keys.artifacts;
  if (!wasmPath || !witnessCalculatorPath) throw new Error("account_margin was compiled without --wasm");
  return { ...keys, wasm: { wasmPath, witnessCalculatorPath, r1csPath } };
}

/**
 * Stock snarkjs calls made by a test outside any backend (groth16.verify) build snarkjs's shared multi-threaded
 * curve and never stop it; a test file that makes them stops it at the end.
 */
export async function terminateStrayCurve(): Promise<void> {
  const shared = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
  await shared?.terminate();
}
