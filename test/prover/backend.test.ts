// The snarkjs WASM backend on real circuits (the stand-in batch circuit and the account-margin main of the `test`
// set) with keys from prover/keys: its proofs verify with stock snarkjs groth16.verify, carry exactly the public
// signals the protocol model computes, and stop verifying when any single public signal changes. Also the backend's
// contract: typed errors for wrong inputs, the shared curve given back on close, the registry by name.
import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARAM_SETS } from "../../protocol/constants.js";
import { FIELD_MODULUS } from "../../protocol/field.js";
import { isProverError } from "../../prover/backend/errors.js";
import {
  backendNames,
  createBackend,
  DEFAULT_BACKEND,
  probeBackends,
  registerBackend,
} from "../../prover/backend/registry.js";
import { sharedCurveExists, sharedCurveLeases } from "../../prover/backend/sharedCurve.js";
import { SnarkjsWasmBackend } from "../../prover/backend/snarkjsWasm.js";
import type { ProofResult } from "../../prover/backend/types.js";
import { WasmWitnessGenerator } from "../../prover/witness/wasm.js";
import { marginKeys, standIn, type StandIn } from "./fixtures.js";
import { marginCase, marginInputs, marginPublicSignals } from "./helpers.js";

type Keys = Awaited<ReturnType<typeof marginKeys>>;

let margin: Keys;
let stand: StandIn;
let backend: SnarkjsWasmBackend;

function vkeyOf(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Stock snarkjs, outside the backend (the backend's own curve lease keeps the threads alive meanwhile). */
async function stockVerify(
  vkeyPath: string,
  r: { proof: unknown; publicSignals: readonly string[] },
): Promise<boolean> {
  return (await snarkjs.groth16.verify(vkeyOf(vkeyPath), [...r.publicSignals], r.proof)) === true;
}

async function expectEverySignalBound(vkeyPath: string, r: ProofResult): Promise<void> {
  for (let i = 0; i < r.publicSignals.length; i++) {
    const changed = [...r.publicSignals];
    changed[i] = ((BigInt(changed[i]!) + 1n) % FIELD_MODULUS).toString();
    expect(
      await stockVerify(vkeyPath, { proof: r.proof, publicSignals: changed }),
      `public signal ${i}`,
    ).toBe(false);
  }
}

beforeAll(async () => {
  [margin, stand] = await Promise.all([marginKeys(), standIn()]);
  backend = await new SnarkjsWasmBackend().open();
});

afterAll(async () => {
  await backend.close();
});

describe("snarkjs-wasm backend on the stand-in batch circuit", () => {
  it("proves a publicInputHash that stock snarkjs accepts, and binds it", async () => {
    const gen = await WasmWitnessGenerator.load(stand.wasm);
    const hash = 0x1234_5678_9abc_def0_1234_5678_9abc_def0n;
    const r = await backend.prove(stand.zkeyPath, await gen.generate({ publicInputHash: hash }));
    expect(r.publicSignals).toEqual([hash.toString()]);
    expect(r.proof.protocol).toBe("groth16");
    expect(await stockVerify(stand.vkeyPath, r)).toBe(true);
    await expectEverySignalBound(stand.vkeyPath, r);
  });

  it("proves from a .wtns file path as well as from bytes", async () => {
    const wtns = `${stand.dir}/../stand-in-test.wtns`;
    await snarkjs.wtns.calculate({ publicInputHash: "7" }, stand.wasm.wasmPath, wtns);
    const r = await backend.prove(stand.zkeyPath, wtns);
    expect(r.publicSignals).toEqual(["7"]);
    expect(await stockVerify(stand.vkeyPath, r)).toBe(true);
  });
});

describe(`snarkjs-wasm backend on account_margin@test (AccountMargin(${PARAM_SETS.test.markets}, ...))`, () => {
  it("proves the model's margin figures: public signals equal computeMargin's, and each one is bound", async () => {
    const gen = await WasmWitnessGenerator.load(margin.wasm);
    const c = marginCase(PARAM_SETS.test, 3);
    const r = await backend.prove(margin.zkeyPath, await gen.generate(marginInputs(c)));
    expect(r.publicSignals).toEqual(marginPublicSignals(c));
    expect(await stockVerify(margin.vkeyPath, r)).toBe(true);
    await expectEverySignalBound(margin.vkeyPath, r);
  });

  it("a proof does not verify under another circuit's key", async () => {
    const gen = await WasmWitnessGenerator.load(margin.wasm);
    const r = await backend.prove(
      margin.zkeyPath,
      await gen.generate(marginInputs(marginCase(PARAM_SETS.test))),
    );
    const standVkey = vkeyOf(stand.vkeyPath) as { nPublic: number };
    const signals = r.publicSignals.slice(0, standVkey.nPublic);
    expect(await snarkjs.groth16.verify(standVkey, signals, r.proof)).toBe(false);
  });

  it("refuses a witness of another circuit with BAD_WITNESS, and the backend keeps working", async () => {
    const standGen = await WasmWitnessGenerator.load(stand.wasm);
    const wrong = await standGen.generate({ publicInputHash: "5" });
    await expect(backend.prove(margin.zkeyPath, wrong)).rejects.toSatisfy((e) =>
      isProverError(e, "BAD_WITNESS"),
    );
    const r = await backend.prove(stand.zkeyPath, wrong);
    expect(await stockVerify(stand.vkeyPath, r)).toBe(true);
  });

  it("refuses missing files and non-witness bytes", async () => {
    await expect(backend.prove("no/such.zkey", new Uint8Array(64))).rejects.toSatisfy((e) =>
      isProverError(e, "FILE_NOT_FOUND"),
    );
    await expect(backend.prove(margin.zkeyPath, "no/such.wtns")).rejects.toSatisfy((e) =>
      isProverError(e, "FILE_NOT_FOUND"),
    );
    await expect(
      backend.prove(margin.zkeyPath, new TextEncoder().encode("not a witness file")),
    ).rejects.toSatisfy((e) => isProverError(e, "BAD_WITNESS"));
  });

  it("queues concurrent proofs and proves each one", async () => {
    const gen = await WasmWitnessGenerator.load(margin.wasm);
    const cases = [0, 1, 2].map((v) => marginCase(PARAM_SETS.test, v));
    const ws = [];
    for (const c of cases) ws.push(await gen.generate(marginInputs(c)));
    const rs = await Promise.all(ws.map((w) => backend.prove(margin.zkeyPath, w)));
    rs.forEach((r, i) => expect(r.publicSignals).toEqual(marginPublicSignals(cases[i]!)));
  });

  it("reports the prover's stages in order, ending done", async () => {
    const gen = await WasmWitnessGenerator.load(margin.wasm);
    const seen: [string, number, number][] = [];
    await backend.prove(margin.zkeyPath, await gen.generate(marginInputs(marginCase(PARAM_SETS.test))), {
      onProgress: (s, d, t) => seen.push([s, d, t]),
    });
    expect(seen[0]).toEqual(["read witness", 0, 9]);
    expect(seen.at(-1)).toEqual(["done", 9, 9]);
    const dones = seen.map(([, d]) => d);
    expect([...dones].sort((a, b) => a - b)).toEqual(dones);
    expect(seen.map(([s]) => s)).toContain("multiexp H");
  });
});

describe("backend lifecycle and registry", () => {
  it("gives the shared curve back on close and refuses to prove afterwards", async () => {
    const before = sharedCurveLeases();
    const b = await createBackend(DEFAULT_BACKEND);
    expect(sharedCurveLeases()).toBe(before + 1);
    await b.close();
    await b.close();
    expect(sharedCurveLeases()).toBe(before);
    await expect(b.prove(stand.zkeyPath, "x")).rejects.toSatisfy((e) => isProverError(e, "BACKEND_CLOSED"));
  });

  it("the last close terminates the curve it built (nothing keeps node alive)", async () => {
    // Run in a fresh process: this file's own backend holds the curve here.
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `const { createBackend } = await import("./prover/backend/registry.ts");
         const { sharedCurveExists } = await import("./prover/backend/sharedCurve.ts");
         const b = await createBackend("snarkjs-wasm");
         const during = sharedCurveExists();
         await b.close();
         console.log(JSON.stringify({ during, after: sharedCurveExists() }));`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    // The process exited by itself (execFileSync returned): no worker thread was left running.
    expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual({ during: true, after: false });
  });

  it("names backends, probes them, and refuses unknown or clashing names", async () => {
    expect(backendNames()).toContain("snarkjs-wasm");
    const probes = await probeBackends();
    expect(probes.find((p) => p.name === "snarkjs-wasm")?.capabilities.available).toBe(true);
    await expect(createBackend("rapidsnark-not-registered")).rejects.toSatisfy((e) =>
      isProverError(e, "UNKNOWN_BACKEND"),
    );
    const unavailable = {
      name: "test-unavailable",
      description: "a backend this machine cannot run",
      probe: async () => ({ available: false, note: "needs a GPU", threads: 0 }),
      create: async () => {
        throw new Error("must not be created");
      },
    };
    registerBackend(unavailable);
    await expect(createBackend("test-unavailable")).rejects.toSatisfy(
      (e) => isProverError(e, "BACKEND_UNAVAILABLE") && /needs a GPU/.test((e as Error).message),
    );
    expect(() => registerBackend({ ...unavailable })).toThrow(/already registered/);
    expect(sharedCurveExists()).toBe(true); // this file's backend still holds it
  });
});

describe("public signals are field elements", () => {
  it("a negative figure (the account's debt makes TV negative here) is encoded as r − |x|", async () => {
    const gen = await WasmWitnessGenerator.load(margin.wasm);
    const base = marginCase(PARAM_SETS.test);
    // −10^28 Value units = −10^12 USD: inside Int96, far beyond what the collateral is worth.
    const c = { ...base, account: { ...base.account, quote: -(10n ** 28n) } };
    const r = await backend.prove(margin.zkeyPath, await gen.generate(marginInputs(c)));
    expect(r.publicSignals).toEqual(marginPublicSignals(c));
    const tv = BigInt(r.publicSignals[3]!);
    expect(tv > FIELD_MODULUS / 2n).toBe(true);
    expect(FIELD_MODULUS - tv).toBeGreaterThan(10n ** 28n - 10n ** 26n);
    expect(await stockVerify(margin.vkeyPath, r)).toBe(true);
  });
});
