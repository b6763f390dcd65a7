// The prover pool: jobs spread over worker processes all come back proved and self-checked; a proof that fails its
// self-check is an error, never a result (shown with a backend that tampers with its proofs); a worker that dies
// fails only its own job and is replaced; closing fails what is queued. Also the self-check itself.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARAM_SETS } from "../../protocol/constants.js";
import { isProverError } from "../../prover/backend/errors.js";
import { SnarkjsWasmBackend } from "../../prover/backend/snarkjsWasm.js";
import type { ProofResult } from "../../prover/backend/types.js";
import { ProverPool } from "../../prover/pool/pool.js";
import { readVerificationKey, selfCheck, Verifier } from "../../prover/pool/selfCheck.js";
import { WasmWitnessGenerator } from "../../prover/witness/wasm.js";
import { marginKeys, ROOT, standIn, terminateStrayCurve, type StandIn } from "./fixtures.js";
import { marginCase, marginInputs, marginPublicSignals } from "./helpers.js";

type Keys = Awaited<ReturnType<typeof marginKeys>>;

const PLUGIN = "test/prover/fixtures/testBackends.ts";

let margin: Keys;
let stand: StandIn;
let marginGen: WasmWitnessGenerator;

beforeAll(async () => {
  [margin, stand] = await Promise.all([marginKeys(), standIn()]);
  marginGen = await WasmWitnessGenerator.load(margin.wasm);
});

afterAll(terminateStrayCurve);

async function marginJob(variant: number) {
  const c = marginCase(PARAM_SETS.test, variant);
  return {
    job: {
      zkeyPath: margin.zkeyPath,
      vkeyPath: margin.vkeyPath,
      witness: await marginGen.generate(marginInputs(c)),
    },
    expected: marginPublicSignals(c),
  };
}

function vkeyJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("prover pool", () => {
  let pool: ProverPool;

  beforeAll(async () => {
    pool = await ProverPool.start({ workers: 2, threadsPerWorker: 1 });
  });

  afterAll(async () => {
    await pool.close();
  });

  it("proves N jobs across its workers; every proof passes stock snarkjs verify with the model's signals", async () => {
    const jobs = await Promise.all([0, 1, 2, 3].map(marginJob));
    const standWitness = await (
      await WasmWitnessGenerator.load(stand.wasm)
    ).generate({ publicInputHash: 99n });
    const [rs, standProof] = await Promise.all([
      Promise.all(jobs.map((j) => pool.prove(j.job))),
      pool.prove({ zkeyPath: stand.zkeyPath, vkeyPath: stand.vkeyPath, witness: standWitness }),
    ]);
    for (const [i, r] of rs.entries()) {
      expect(r.publicSignals).toEqual(jobs[i]!.expected);
      expect(await snarkjs.groth16.verify(vkeyJson(margin.vkeyPath), r.publicSignals, r.proof)).toBe(true);
      expect(r.proveMs).toBeGreaterThan(0);
      expect(r.workerMaxRssKiB).toBeGreaterThan(0);
    }
    expect(new Set(rs.map((r) => r.worker)).size).toBe(2); // both workers took jobs
    expect(standProof.publicSignals).toEqual(["99"]);
    expect(
      await snarkjs.groth16.verify(vkeyJson(stand.vkeyPath), standProof.publicSignals, standProof.proof),
    ).toBe(true);
  });

  it("a job whose witness does not fit its key fails alone, with the backend's code", async () => {
    const good = await marginJob(4);
    const wrong = await (await WasmWitnessGenerator.load(stand.wasm)).generate({ publicInputHash: 1n });
    const [bad, ok] = await Promise.allSettled([
      pool.prove({ ...good.job, witness: wrong }),
      pool.prove(good.job),
    ]);
    expect(bad.status === "rejected" && isProverError(bad.reason, "BAD_WITNESS")).toBe(true);
    expect(ok.status === "fulfilled" && ok.value.publicSignals).toEqual(good.expected);
  });

  it("a job whose vkey belongs to another circuit fails its self-check", async () => {
    const j = await marginJob(0);
    await expect(pool.prove({ ...j.job, vkeyPath: stand.vkeyPath })).rejects.toSatisfy((e) =>
      isProverError(e, "SELF_CHECK_FAILED"),
    );
  });
});

describe("self-check through the pool", () => {
  it("a backend that tampers with its proofs never gets one through: SELF_CHECK_FAILED", async () => {
    const pool = await ProverPool.start({ workers: 1, backend: "test-tampering", plugins: [PLUGIN] });
    try {
      const jobs = await Promise.all([0, 1].map(marginJob));
      const out = await Promise.allSettled(jobs.map((j) => pool.prove(j.job)));
      for (const o of out) {
        expect(o.status).toBe("rejected");
        expect(isProverError((o as PromiseRejectedResult).reason, "SELF_CHECK_FAILED")).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });

  it("a worker that dies fails its job with WORKER_CRASHED and is replaced for the next one", async () => {
    const marker = join(ROOT, `crash-marker-${process.pid}`);
    process.env.ZKM_TEST_CRASH_MARKER = marker;
    const pool = await ProverPool.start({ workers: 1, backend: "test-crash-once", plugins: [PLUGIN] });
    try {
      writeFileSync(marker, "");
      const first = await marginJob(0);
      await expect(pool.prove(first.job)).rejects.toSatisfy((e) => isProverError(e, "WORKER_CRASHED"));
      const second = await marginJob(1);
      const r = await pool.prove(second.job);
      expect(r.publicSignals).toEqual(second.expected);
    } finally {
      await pool.close();
      delete process.env.ZKM_TEST_CRASH_MARKER;
    }
  });

  it("refuses jobs after close and fails the queued ones", async () => {
    const pool = await ProverPool.start({ workers: 1 });
    const jobs = await Promise.all([0, 1, 2].map(marginJob));
    const running = jobs.map((j) => pool.prove(j.job));
    const closing = pool.close();
    const out = await Promise.allSettled(running);
    await closing;
    // The first was already with the worker and finishes; the queued ones are failed, not silently dropped.
    expect(out[0]!.status).toBe("fulfilled");
    for (const o of out.slice(1)) {
      expect(o.status === "rejected" && isProverError(o.reason, "POOL_CLOSED")).toBe(true);
    }
    await expect(pool.prove(jobs[0]!.job)).rejects.toSatisfy((e) => isProverError(e, "POOL_CLOSED"));
  });

  it("an unknown backend fails the start", async () => {
    await expect(ProverPool.start({ workers: 1, backend: "no-such-backend" })).rejects.toSatisfy((e) =>
      isProverError(e, "UNKNOWN_BACKEND"),
    );
  });
});

describe("selfCheck", () => {
  let honest: ProofResult;

  beforeAll(async () => {
    const backend = await new SnarkjsWasmBackend().open();
    try {
      honest = await backend.prove(margin.zkeyPath, (await marginJob(0)).job.witness);
    } finally {
      await backend.close();
    }
  });

  it("passes an honest proof and rejects a tampered one with SELF_CHECK_FAILED", async () => {
    const vkey = await readVerificationKey(margin.vkeyPath);
    await selfCheck(vkey, honest);
    const v = await Verifier.open();
    try {
      expect(await v.verify(vkey, honest)).toBe(true);
      // A different valid curve point in pi_a: −pi_a (negated y).
      const p = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
      const negA = [honest.proof.pi_a[0]!, (p - BigInt(honest.proof.pi_a[1]!)).toString(), "1"];
      const tampered: ProofResult = { ...honest, proof: { ...honest.proof, pi_a: negA } };
      expect(await v.verify(vkey, tampered)).toBe(false);
      await expect(v.check(vkey, tampered)).rejects.toSatisfy((e) => isProverError(e, "SELF_CHECK_FAILED"));
      const swapped = { ...honest, publicSignals: [...honest.publicSignals].reverse() };
      await expect(v.check(vkey, swapped)).rejects.toSatisfy((e) => isProverError(e, "SELF_CHECK_FAILED"));
      const short = { ...honest, publicSignals: honest.publicSignals.slice(1) };
      await expect(v.check(vkey, short)).rejects.toSatisfy(
        (e) => isProverError(e, "SELF_CHECK_FAILED") && /public signals/.test((e as Error).message),
      );
      const notOnCurve = { ...honest, proof: { ...honest.proof, pi_c: ["1", "3", "1"] } };
      await expect(v.check(vkey, notOnCurve)).rejects.toSatisfy((e) => isProverError(e, "SELF_CHECK_FAILED"));
    } finally {
      await v.close();
    }
  });

  it("refuses a file that is not a Groth16 verification key", async () => {
    await expect(readVerificationKey("no/such/vkey.json")).rejects.toSatisfy((e) =>
      isProverError(e, "FILE_NOT_FOUND"),
    );
    await expect(readVerificationKey(margin.zkeyPath)).rejects.toSatisfy((e) => isProverError(e, "BAD_ZKEY"));
    const notVkey = join(ROOT, "not-a-vkey.json");
    writeFileSync(notVkey, JSON.stringify({ protocol: "plonk", curve: "bn128", nPublic: 1 }));
    await expect(readVerificationKey(notVkey)).rejects.toSatisfy((e) => isProverError(e, "BAD_ZKEY"));
  });
});
