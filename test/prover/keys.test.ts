// The development key cache (prover/keys): keys live under the circuit's R1CS fingerprint, so the same circuit is a
// cache hit that rebuilds nothing, a changed circuit gets new keys (and its proofs do not verify under the old
// ones), and a folder whose metadata does not match is never trusted. Setup determinism itself is covered by
// devSetup.test.ts.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileMain, type CircuitArtifacts, type MainSpec } from "../../circuits/tooling/compile.js";
import { isProverError } from "../../prover/backend/errors.js";
import { SnarkjsWasmBackend } from "../../prover/backend/snarkjsWasm.js";
import {
  ensureDevKeys,
  ensureDevKeysForR1cs,
  keyDir,
  devSeed,
  type DevKeys,
} from "../../prover/keys/devKeys.js";
import { sha256File } from "../../prover/witness/fingerprint.js";
import { WasmWitnessGenerator } from "../../prover/witness/wasm.js";
import { KEY_ROOT, ROOT } from "./fixtures.js";

const SRC_DIR = join(ROOT, "keys-src");
const SRC = join(SRC_DIR, "key_fixture.circom");
const CACHE = join(ROOT, "keys-cache");
const BUILD = `${ROOT}/keys-circuits`;

/** A template whose body the test edits: `extra` adds constraints, so the R1CS (and its fingerprint) changes. */
function writeTemplate(extra: number): void {
  mkdirSync(SRC_DIR, { recursive: true });
  const lines = [
    "pragma circom 2.1.0;",
    "template KeyFixture() {",
    "    signal input x;",
    "    signal output y;",
    `    signal t[${extra + 2}];`,
    "    t[0] <== x * x;",
    `    for (var i = 1; i < ${extra + 2}; i++) t[i] <== t[i - 1] * x;`,
    `    y <== t[${extra + 1}];`,
    "}",
    "",
  ];
  writeFileSync(SRC, lines.join("\n"));
}

const SPEC: MainSpec = { file: SRC, template: "KeyFixture", publics: ["x"] };

async function compileFixture(extra: number): Promise<CircuitArtifacts> {
  writeTemplate(extra);
  return compileMain(SPEC, { outRoot: BUILD, log: () => {} });
}

async function keysFor(a: CircuitArtifacts, onStage?: (s: string) => void): Promise<DevKeys> {
  return ensureDevKeysForR1cs(
    { set: "test", name: "key_fixture", r1csPath: a.r1csPath },
    { cacheRoot: CACHE, ...(onStage ? { onProgress: (s) => onStage(s) } : {}) },
  );
}

function mtime(p: string): number {
  return statSync(p).mtimeMs;
}

let v1: CircuitArtifacts;
let v2: CircuitArtifacts;
let k1: DevKeys;
let backend: SnarkjsWasmBackend;

beforeAll(async () => {
  rmSync(CACHE, { recursive: true, force: true });
  v1 = await compileFixture(1);
  k1 = await keysFor(v1);
  v2 = await compileFixture(2);
  backend = await new SnarkjsWasmBackend().open();
});

afterAll(async () => {
  await backend.close();
});

async function proveWith(a: CircuitArtifacts, keys: DevKeys, x: bigint) {
  const gen = await WasmWitnessGenerator.load({
    wasmPath: a.wasmPath!,
    witnessCalculatorPath: a.witnessCalculatorPath!,
    r1csPath: a.r1csPath,
  });
  return backend.prove(keys.zkeyPath, await gen.generate({ x }));
}

describe("dev key cache", () => {
  it("builds keys under <set>/<main>/<r1cs sha256 prefix>/ with INSECURE names and a labelled verifier", async () => {
    const sha = await sha256File(v1.r1csPath);
    expect(k1.cached).toBe(false);
    expect(k1.r1csSha256).toBe(sha);
    expect(k1.dir).toBe(join(CACHE, "test", "key_fixture", sha.slice(0, 16)));
    expect(k1.dir).toBe(keyDir(CACHE, "test", "key_fixture", sha, devSeed("test")));
    expect(k1.zkeyPath).toMatch(/key_fixture\.dev-INSECURE\.zkey$/);
    const sol = readFileSync(k1.verifierPath, "utf8");
    expect(sol.split("\n")[0]).toMatch(/^\/\/ INSECURE DEVELOPMENT SETUP/);
    expect(sol).toContain(`r1cs sha256:${sha}`);
    expect(sol).toContain(`contract ${k1.verifierContract} {`);
    const vkey = JSON.parse(readFileSync(k1.vkeyPath, "utf8")) as { zkmarginSetup: string; nPublic: number };
    expect(vkey.zkmarginSetup).toMatch(/^INSECURE-DEV/);
    expect(vkey.nPublic).toBe(2); // y, x
  });

  it("same circuit: a cache hit that rewrites nothing", async () => {
    const before = [k1.zkeyPath, k1.vkeyPath, k1.verifierPath].map(mtime);
    const stages: string[] = [];
    const again = await keysFor(await compileFixture(1), (s) => stages.push(s));
    expect(again.cached).toBe(true);
    expect(again.dir).toBe(k1.dir);
    expect(stages).toEqual([]); // devSetup never ran
    expect([again.zkeyPath, again.vkeyPath, again.verifierPath].map(mtime)).toEqual(before);
  });

  it("changed circuit: new fingerprint, new keys; the old keys are untouched and reject the new circuit's proofs", async () => {
    const stages: string[] = [];
    const k2 = await keysFor(v2, (s) => stages.push(s));
    expect(k2.cached).toBe(false);
    expect(k2.r1csSha256).not.toBe(k1.r1csSha256);
    expect(k2.dir).not.toBe(k1.dir);
    expect(existsSync(k1.zkeyPath)).toBe(true);
    // Same seed and ptau power: the shared ptau was reused rather than recomputed.
    expect(stages).toContain("ptau cached");
    const r = await proveWith(v2, k2, 3n);
    // t[0] = x², t[i] = x^(i+2), y = t[extra + 1] = x^(extra + 3); public signals: y, then x.
    expect(r.publicSignals).toEqual([(3n ** 5n).toString(), "3"]);
    const vk1 = JSON.parse(readFileSync(k1.vkeyPath, "utf8")) as unknown;
    const vk2 = JSON.parse(readFileSync(k2.vkeyPath, "utf8")) as unknown;
    expect(await snarkjs.groth16.verify(vk2, r.publicSignals, r.proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vk1, r.publicSignals, r.proof)).toBe(false);
    // The old circuit still proves with its own keys.
    const r1 = await proveWith(v1, k1, 3n);
    expect(r1.publicSignals).toEqual([(3n ** 4n).toString(), "3"]);
    expect(await snarkjs.groth16.verify(vk1, r1.publicSignals, r1.proof)).toBe(true);
  });

  it("a witness of the changed circuit is refused by the old key", async () => {
    const gen = await WasmWitnessGenerator.load({
      wasmPath: v2.wasmPath!,
      witnessCalculatorPath: v2.witnessCalculatorPath!,
      r1csPath: v2.r1csPath,
    });
    await expect(backend.prove(k1.zkeyPath, await gen.generate({ x: 2n }))).rejects.toSatisfy((e) =>
      isProverError(e, "BAD_WITNESS"),
    );
  });

  it("never trusts a folder whose metadata names another circuit: it rebuilds", async () => {
    const meta = join(k1.dir, "meta.json");
    const m = JSON.parse(readFileSync(meta, "utf8")) as Record<string, unknown>;
    writeFileSync(meta, JSON.stringify({ ...m, r1csSha256: "0".repeat(64) }));
    const rebuilt = await keysFor(v1);
    expect(rebuilt.cached).toBe(false);
    expect(JSON.parse(readFileSync(meta, "utf8")).r1csSha256).toBe(k1.r1csSha256);
  });

  it("a folder missing its zkey is rebuilt", async () => {
    rmSync(k1.zkeyPath);
    const rebuilt = await keysFor(v1);
    expect(rebuilt.cached).toBe(false);
    expect(existsSync(rebuilt.zkeyPath)).toBe(true);
  });

  it("another seed gets its own folder", async () => {
    const other = await ensureDevKeysForR1cs(
      { set: "test", name: "key_fixture", r1csPath: v1.r1csPath },
      { cacheRoot: CACHE, seed: "another seed" },
    );
    expect(other.dir).not.toBe(k1.dir);
    expect(other.dir.startsWith(`${k1.dir}.seed-`)).toBe(true);
    expect(readFileSync(other.zkeyPath).equals(readFileSync(k1.zkeyPath))).toBe(false);
  });

  it("concurrent requests for the same keys run one setup and agree", async () => {
    rmSync(join(CACHE, "test", "key_fixture"), { recursive: true, force: true });
    const [a, b] = await Promise.all([keysFor(v1), keysFor(v1)]);
    expect([a.cached, b.cached].sort()).toEqual([false, true]);
    expect(readFileSync(a.zkeyPath).equals(readFileSync(b.zkeyPath))).toBe(true);
  });

  it("refuses bad names and missing circuits", async () => {
    await expect(
      ensureDevKeysForR1cs({ set: "test", name: "../escape", r1csPath: v1.r1csPath }, { cacheRoot: CACHE }),
    ).rejects.toSatisfy((e) => isProverError(e, "KEY_SETUP_FAILED"));
    await expect(
      ensureDevKeysForR1cs({ set: "test", name: "x", r1csPath: "no/such.r1cs" }, { cacheRoot: CACHE }),
    ).rejects.toSatisfy((e) => isProverError(e, "FILE_NOT_FOUND"));
    await expect(ensureDevKeys("no_such_main", "test", { cacheRoot: CACHE })).rejects.toSatisfy((e) =>
      isProverError(e, "UNKNOWN_MAIN"),
    );
  });
});

describe("ensureDevKeys on a registered main", () => {
  it("compiles account_margin@test into build/circuits/test/account_margin and keys it by its fingerprint", async () => {
    const k = await ensureDevKeys("account_margin", "test", { cacheRoot: KEY_ROOT, log: () => {} });
    expect(k.artifacts.dir).toContain(join("build", "circuits", "test", "account_margin"));
    expect(k.r1csSha256).toBe(await sha256File(k.artifacts.r1csPath));
    expect(k.dir).toBe(join(KEY_ROOT, "test", "account_margin", k.r1csSha256.slice(0, 16)));
    const again = await ensureDevKeys("account_margin", "test", { cacheRoot: KEY_ROOT, log: () => {} });
    expect(again.cached).toBe(true);
  });
});
