// The job prover adapter: a cut batch becomes one proof job of the prover queue (the batch circuit's input from the
// model, the batch's public input hash as the only statement a proof may make), served to prover daemons from the
// sequencer's own port behind the bearer token, reused rather than duplicated when the pipeline asks again, and
// failed over to the pipeline when the provers give up. The last test runs it for real: a local prover process
// proves a batch of a running sequencer with the batch@test development keys, the proof verifies with snarkjs, and
// the rollup settles it on Hardhat's network through the real batch verifier of those keys.
import { readFile } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { batchVerifier } from "../../contracts/deploy/deploy.js";
import { Opcode, RollupState, publicKeyOf, type BatchResult } from "../../protocol/index.js";
import type { VerificationKey } from "../../prover/jobs/groth16.js";
import { ensureDevKeys, type MainKeys } from "../../prover/keys/devKeys.js";
import { JobProver, JobProverError, qualifiedInputs } from "../../sequencer/adapters/jobProver.js";
import { startSequencer, type RunningSequencer } from "../../sequencer/main.js";
import type { ProofJob } from "../../sequencer/ports.js";
import {
  FUND_SALT,
  deployChain,
  depositOnL1,
  l1Options,
  modelBatch,
  stopSnarkjs,
  type Chain,
} from "./l1Chain.js";
import { FUND_KEY, PARAMS, Trader, baseOptions, call, onboard, testKey, tmpDb, type Body } from "./setup.js";

let keys: MainKeys;
let vkey: VerificationKey;
const runs: RunningSequencer[] = [];
const provers: JobProver[] = [];

beforeAll(async () => {
  // Compiles batch@test and runs its development setup on first use (minutes), then a cache hit.
  keys = await ensureDevKeys("batch", "test");
  vkey = JSON.parse(await readFile(keys.vkeyPath, "utf8")) as VerificationKey;
}, 900_000);

afterEach(async () => {
  for (const r of runs.splice(0)) await r.close();
  for (const p of provers.splice(0)) await p.close();
});

afterAll(async () => {
  await stopSnarkjs();
});

function jobOf(r: BatchResult, base: RollupState): ProofJob {
  return {
    batchNumber: r.publicInputs.batchNumber,
    publicInputHash: r.publicInputHash,
    publicInputs: r.publicInputs,
    header: {
      batchTime: r.publicInputs.batchTime,
      prices: r.publicInputs.prices,
      fundingIndices: r.publicInputs.fundingNew,
    },
    ops: r.slots.map((s) => s.op),
    witness: r,
    base,
  };
}

function depositJob(): ProofJob {
  const base = RollupState.genesis(PARAMS, FUND_KEY, FUND_SALT);
  const k = publicKeyOf(testKey(1));
  const r = modelBatch(
    base,
    [
      {
        opcode: Opcode.DEPOSIT,
        l1Address: 0xabcn,
        accountIndex: 1n,
        pubKeyX: k.x,
        pubKeyY: k.y,
        asset: 0,
        amount: 10n ** 11n,
        salt: 99n,
      },
    ],
    1_700_000_100n,
  );
  return jobOf(r, base);
}

describe("JobProver: jobs", () => {
  it("flattens bus inputs the way circom's calculator does", () => {
    expect(
      qualifiedInputs({
        x: "1",
        v: ["1", "2"],
        m: [
          ["1", "2"],
          ["3", "4"],
        ],
        acct: { a: "5", b: ["6", "7"] },
        slots: [{ before: [{ q: "8" }, { q: "9" }], op: "10" }],
      }),
    ).toEqual({
      x: "1",
      v: ["1", "2"],
      m: [
        ["1", "2"],
        ["3", "4"],
      ],
      "acct.a": "5",
      "acct.b": ["6", "7"],
      "slots[0].before[0].q": "8",
      "slots[0].before[1].q": "9",
      "slots[0].op": "10",
    });
  });

  it("queues a batch once, stating its public input hash, and hands the pipeline the provers' failure", async () => {
    const p = new JobProver({ params: PARAMS, vkey });
    provers.push(p);
    const job = depositJob();
    const id = await p.enqueue(job);
    const rec = await p.queue.get(id);
    expect(rec.circuit).toEqual({ main: "batch", set: "test" });
    expect(rec.expectedPublicSignals).toEqual([job.publicInputHash.toString()]);
    // The pipeline asking again (after an error, or a restart on a durable queue) gets the same job.
    expect(await p.enqueue(job)).toBe(id);
    const grant = (await p.queue.lease("prover-1"))!;
    expect(grant.job.id).toBe(id);
    const payload = JSON.parse(
      Buffer.from((await p.queue.payload(id, grant.lease.id)).data).toString("utf8"),
    );
    expect(payload.publicInputHash).toBe(job.publicInputHash.toString());
    expect(payload["fundBefore.pubKeyX"]).toBe(FUND_KEY.x.toString());
    await p.queue.fail(id, grant.lease.id, { message: "Assert Failed in template X", retryable: false });
    const e = await p.result(id).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(JobProverError);
    expect((e as JobProverError).code).toBe("PROOF_FAILED");
    // A failed job is not reused: asking again queues a new one.
    expect(await p.enqueue(job)).not.toBe(id);
  });

  it("serves the prover API on the sequencer's port behind the bearer token", async () => {
    const r = await startSequencer(
      baseOptions(tmpDb("jobs-api"), {
        proving: { kind: "jobs", token: "t0ken" },
        engine: { batchMaxAgeMs: 100, reopenEmptyAfterMs: 600_000 },
      }),
    );
    runs.push(r);
    expect(r.prover.name).toMatch(/^job-queue test\/batch \(INSECURE development key\)/);
    const body = { workerId: "remote-1", waitMs: 0 };
    const anon = await call<Body>(r.url, "POST", "/prover/v1/lease", body);
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe("UNAUTHORIZED");
    const auth = { authorization: "Bearer t0ken" };
    expect((await call<Body>(r.url, "POST", "/prover/v1/lease", body, auth)).body).toEqual({ job: null });
    // A deposit makes a batch; its job is what a remote prover leases.
    await onboard(r, new Trader(testKey(1), r.url, "a"), "1000");
    const leased = await call<Body>(r.url, "POST", "/prover/v1/lease", { ...body, waitMs: 20_000 }, auth);
    expect(leased.status).toBe(200);
    expect(leased.body.job.id).toMatch(/^batch-1-/);
    expect(leased.body.job.circuit).toEqual({ main: "batch", set: "test" });
    const payload = await call<Body>(r.url, "GET", `/prover/v1/${leased.body.job.payloadPath}`, undefined, {
      ...auth,
      "x-zkm-lease": leased.body.job.leaseId,
    });
    expect(payload.status).toBe(200);
    const settled = r.sequencer.engine.unsettledBatches().find((b) => b.number === 1n)!;
    expect(payload.body.publicInputHash).toBe(settled.result.publicInputHash.toString());
    // The trader API is untouched by the mount.
    expect((await call<Body>(r.url, "GET", "/health")).status).toBe(200);
  });
});

describe("JobProver: a real proof", () => {
  it("a local prover proves a sequencer's batch@test, snarkjs verifies it and the rollup settles it through the real verifier", async () => {
    const c: Chain = await deployChain(
      batchVerifier("test", { path: keys.verifierPath, contract: keys.verifierContract }),
    );
    const r = await startSequencer(
      baseOptions(tmpDb("real-proof"), {
        params: c.params,
        chain: { kind: "ethers", ...l1Options(c) },
        proving: { kind: "jobs", localWorkers: 1 },
        // One batch: the deposit. No empty batches meanwhile, each would be another ~16 s proof.
        engine: { batchMaxAgeMs: 200, reopenEmptyAfterMs: 3_600_000 },
      }),
    );
    runs.push(r);
    const k = publicKeyOf(testKey(1));
    await depositOnL1(c, c.users[0]!, { index: 1n, key: k, asset: 0, tokenAmount: 1_000_000_000n });
    const end = Date.now() + 540_000;
    while ((await c.rollup.getFunction("batchNumber")()) < 1n) {
      if (Date.now() > end) throw new Error(`no settlement; pipeline: ${r.pipeline.lastError}`);
      await new Promise((x) => setTimeout(x, 250));
    }
    const row = r.sequencer.journal.getBatch(1n)!;
    const { proof } = JSON.parse(row.proof!) as { proof: unknown };
    expect(await snarkjs.groth16.verify(vkey, [row.publicInputHash], proof)).toBe(true);
    // The same proof states nothing else.
    expect(await snarkjs.groth16.verify(vkey, [(BigInt(row.publicInputHash) + 1n).toString()], proof)).toBe(
      false,
    );
    expect(await c.rollup.getFunction("stateRoot")()).not.toBe(c.genesisRoot);
    expect(await c.rollup.getFunction("consumedDeposits")()).toBe(1n);
    while (r.sequencer.engine.unsettledBatches().length > 0) await new Promise((x) => setTimeout(x, 50));
    expect(await c.rollup.getFunction("stateRoot")()).toBe(r.sequencer.engine.lastSettled.state.root);
    expect(r.sequencer.halted).toBeNull();
  }, 600_000);
});
