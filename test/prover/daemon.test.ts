// The proof job queue (prover/jobs), its HTTP API and the prover daemon (prover/daemon) on a tiny circuit with real
// Groth16 proofs: the queue's lease rules under a fake clock (expiry and re-lease, late and duplicate completions,
// rejected proofs, attempts), the API's auth and error shapes, and the end-to-end case the daemon exists for: two
// daemon processes on a real fastify server, one SIGKILLed while it holds a job, and every job still proven exactly
// once, by verified proofs.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import fastify, { type FastifyInstance } from "fastify";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS_FORMAT, ArtifactManifest, loadVerificationKeys } from "../../prover/jobs/artifacts.js";
import { JobQueueError, type JobErrorCode } from "../../prover/jobs/errors.js";
import type { VerificationKey } from "../../prover/jobs/groth16.js";
import { registerProverApi } from "../../prover/jobs/http.js";
import { JobQueue } from "../../prover/jobs/queue.js";
import { MemoryJobStore } from "../../prover/jobs/store.js";
import type { JobRecord, ProofOutput } from "../../prover/jobs/types.js";
import { devSetup } from "../../prover/setup/devSetup.js";

const OUT = join("build", "test-fixtures", "daemon");
const R1CS = join(OUT, "ceremonyFixture.r1cs");
const WASM = join(OUT, "ceremonyFixture_js", "ceremonyFixture.wasm");
const MANIFEST = join(OUT, "artifacts.json");
const RUNNER = join(OUT, "prover-cli.mjs");
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const CIRCUIT = { set: "test", main: "fixture" };
const KEY = "test/fixture";
const TOKEN = "s3cret-prover-token";

/** The fixture's public signals by hand: out = x·y·k^31 mod r (31 multiplications by k), then k. */
function expectedSignals(x: bigint, y: bigint, k: bigint): string[] {
  return [((x * y * k ** 31n) % R).toString(), k.toString()];
}

let vkeys: Map<string, VerificationKey>;
let vkey: VerificationKey;
let zkeyPath: string;
/** A real proof of (3, 5, 7) and one of (2, 3, 4). */
let proof357: ProofOutput;
let proof234: ProofOutput;

async function refused(p: Promise<unknown>, code: JobErrorCode): Promise<void> {
  const e: unknown = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(JobQueueError);
  expect((e as JobQueueError).code).toBe(code);
}

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  execFileSync(
    process.execPath,
    [
      "node_modules/circom2/cli.js",
      "test/fixtures/circuits/ceremonyFixture.circom",
      "--r1cs",
      "--wasm",
      "--O2",
      "-o",
      OUT,
    ],
    { stdio: "ignore" },
  );
  const dev = await devSetup({
    r1csPath: R1CS,
    outDir: join(OUT, "keys"),
    seed: "daemon-test",
    name: "fixture",
  });
  zkeyPath = dev.zkeyPath;
  writeFileSync(
    MANIFEST,
    JSON.stringify({
      format: ARTIFACTS_FORMAT,
      circuits: {
        [KEY]: {
          wasm: "ceremonyFixture_js/ceremonyFixture.wasm",
          zkey: "keys/fixture.dev-INSECURE.zkey",
          vkey: "keys/fixture.dev-INSECURE.vkey.json",
        },
      },
    }),
  );
  vkeys = await loadVerificationKeys(await ArtifactManifest.load(MANIFEST));
  vkey = vkeys.get(KEY)!;
  const p1 = await snarkjs.groth16.fullProve({ x: "3", y: "5", k: "7" }, WASM, zkeyPath);
  const p2 = await snarkjs.groth16.fullProve({ x: "2", y: "3", k: "4" }, WASM, zkeyPath);
  proof357 = { proof: p1.proof, publicSignals: p1.publicSignals };
  proof234 = { proof: p2.proof, publicSignals: p2.publicSignals };
  expect(proof357.publicSignals).toEqual(expectedSignals(3n, 5n, 7n));

  // The daemon CLI as main.ts would run it (program.ts wiring is the lead's): a file, run by node through tsx.
  const url = (p: string): string => pathToFileURL(resolve(p)).href;
  writeFileSync(
    RUNNER,
    'import { Command } from "commander";\n' +
      `import { registerProverCommand } from "${url("client/cli/commands/prover.ts")}";\n` +
      `import { errorLine } from "${url("client/cli/errors.ts")}";\n` +
      'const p = new Command("zkmargin").exitOverride();\n' +
      "registerProverCommand(p);\n" +
      'try { await p.parseAsync(process.argv.slice(2), { from: "user" }); }\n' +
      'catch (e) { process.stderr.write(errorLine(e) + "\\n"); process.exitCode = 1; }\n',
  );
});

afterAll(async () => {
  const shared = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
  await shared?.terminate();
});

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("job queue leases", () => {
  const make = (o: { maxAttempts?: number } = {}) => {
    const clock = fakeClock();
    const queue = new JobQueue({ vkeys, now: clock.now, defaultLeaseMs: 10_000, maxAttempts: o.maxAttempts });
    return { clock, queue };
  };

  it("leases oldest first, each job to one worker, and only for the circuits asked for", async () => {
    const { queue } = make();
    expect(await queue.lease("w1")).toBeNull();
    const a = await queue.enqueue({ circuit: CIRCUIT, input: { x: 3n, y: 5n, k: 7n } });
    const b = await queue.enqueue({ circuit: CIRCUIT, input: { x: 2n, y: 3n, k: 4n } });
    expect(await queue.lease("w1", { circuits: ["dev/other"] })).toBeNull();
    const g1 = await queue.lease("w1", { circuits: [KEY] });
    const g2 = await queue.lease("w2");
    expect([g1?.job.id, g2?.job.id]).toEqual([a.id, b.id]);
    expect(await queue.lease("w3")).toBeNull();
    const payload = await queue.payload(a.id, g1!.lease.id);
    // bigints travel as decimal strings, which circom's witness calculator reads as field elements
    expect(JSON.parse(Buffer.from(payload.data).toString())).toEqual({ x: "3", y: "5", k: "7" });
    await queue.close();
  });

  it("re-leases a job whose lease expired, and refuses the old lease everything", async () => {
    const { clock, queue } = make();
    const job = await queue.enqueue({ circuit: CIRCUIT, input: { x: 3, y: 5, k: 7 } });
    const first = (await queue.lease("dead", { ttlMs: 5_000 }))!;
    clock.advance(4_000);
    await queue.heartbeat(job.id, first.lease.id, 5_000); // now expires at +9 s
    clock.advance(4_000);
    expect(await queue.lease("other")).toBeNull(); // still held thanks to the heartbeat
    clock.advance(1_000);
    await refused(queue.heartbeat(job.id, first.lease.id), "LEASE_EXPIRED");
    // Expired but not yet taken: a late result is still refused.
    await refused(queue.complete(job.id, first.lease.id, proof357), "LEASE_EXPIRED");
    const second = (await queue.lease("live"))!;
    expect(second.job.id).toBe(job.id);
    expect(second.job.attempts).toBe(2);
    await refused(queue.complete(job.id, first.lease.id, proof357), "LEASE_NOT_HELD");
    await refused(queue.payload(job.id, first.lease.id), "LEASE_NOT_HELD");
    const done = await queue.complete(job.id, second.lease.id, proof357);
    expect(done.job.status).toBe("done");
    expect(done.job.result?.workerId).toBe("live");
    expect(queue.acceptedCompletions).toBe(1);
    await queue.close();
  });

  it("accepts one completion per job: a retried one is recognised, a racing one refused, nothing counted twice", async () => {
    const { queue } = make();
    const job = await queue.enqueue({ circuit: CIRCUIT, input: { x: 3, y: 5, k: 7 } });
    const g = (await queue.lease("w"))!;
    const racing = await Promise.allSettled([
      queue.complete(job.id, g.lease.id, proof357),
      queue.complete(job.id, g.lease.id, proof357),
    ]);
    const ok = racing.filter((r) => r.status === "fulfilled");
    const no = racing.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(no.map((r) => (r.reason as JobQueueError).code)).toEqual(["COMPLETION_IN_PROGRESS"]);
    const again = await queue.complete(job.id, g.lease.id, proof357);
    expect(again.duplicate).toBe(true);
    expect(queue.acceptedCompletions).toBe(1);
    // Any other lease id, live or not, gets the job's final word.
    await refused(queue.complete(job.id, randomUUID(), proof357), "ALREADY_COMPLETED");
    expect(await queue.lease("w3")).toBeNull();
    await queue.close();
  });

  it("verifies every result: a tampered proof, a proof of other signals, a dropped signal are refused and the job goes back", async () => {
    const { queue } = make();
    const job = await queue.enqueue({
      circuit: CIRCUIT,
      input: { x: 3, y: 5, k: 7 },
      expectedPublicSignals: expectedSignals(3n, 5n, 7n),
    });
    let g = (await queue.lease("w"))!;
    // A valid proof, but of another statement than the job's.
    await refused(queue.complete(job.id, g.lease.id, proof234), "PUBLIC_SIGNALS_MISMATCH");
    expect((await queue.get(job.id)).status).toBe("queued");
    g = (await queue.lease("w"))!;
    const pi_a = [...proof357.proof.pi_a];
    pi_a[0] = ((BigInt(pi_a[0]!) + 1n) % R).toString();
    await refused(
      queue.complete(job.id, g.lease.id, { ...proof357, proof: { ...proof357.proof, pi_a } }),
      "PROOF_REJECTED",
    );
    expect(queue.rejectedCompletions).toBe(2);
    expect(queue.acceptedCompletions).toBe(0);
    g = (await queue.lease("w"))!;
    await queue.complete(job.id, g.lease.id, proof357);
    expect(queue.acceptedCompletions).toBe(1);

    // Without expected signals the key alone decides; snarkjs would verify a shorter list as if padded with zeros,
    // so the count is checked against the key. Here k = 0 makes the output 0: both signals are zero.
    const p00 = await snarkjs.groth16.fullProve({ x: "3", y: "5", k: "0" }, WASM, zkeyPath);
    expect(p00.publicSignals).toEqual(["0", "0"]);
    const free = await queue.enqueue({ circuit: CIRCUIT, input: { x: 3, y: 5, k: 0 } });
    g = (await queue.lease("w"))!;
    expect(await snarkjs.groth16.verify(vkey, ["0"], p00.proof)).toBe(true); // the snarkjs behaviour guarded against
    await refused(
      queue.complete(free.id, g.lease.id, { proof: p00.proof, publicSignals: ["0"] }),
      "PROOF_REJECTED",
    );
    g = (await queue.lease("w"))!;
    await queue.complete(free.id, g.lease.id, { proof: p00.proof, publicSignals: p00.publicSignals });
    expect(queue.acceptedCompletions).toBe(2);
    await queue.close();
  });

  it("fails a job after maxAttempts leases without a result, or at once on a non-retryable failure", async () => {
    const { clock, queue } = make({ maxAttempts: 2 });
    const a = await queue.enqueue({ circuit: CIRCUIT, input: { x: 1, y: 1, k: 1 } });
    const ended = queue.waitFor(a.id);
    for (let i = 0; i < 2; i++) {
      expect((await queue.lease(`w${i}`, { ttlMs: 1_000 }))?.job.id).toBe(a.id);
      clock.advance(1_000);
    }
    expect(await queue.lease("w9")).toBeNull();
    const failed = await ended;
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toMatch(/no accepted result after 2 lease/);

    const b = await queue.enqueue({ circuit: CIRCUIT, input: { x: 1, y: 1, k: 1 } });
    let g = (await queue.lease("w"))!;
    expect((await queue.release(b.id, g.lease.id)).attempts).toBe(0); // a hand-back costs no attempt
    g = (await queue.lease("w"))!;
    expect((await queue.fail(b.id, g.lease.id, { message: "Assert Failed", retryable: false })).status).toBe(
      "failed",
    );
    await refused(queue.complete(b.id, g.lease.id, proof357), "JOB_FAILED");
    await queue.close();
  });

  it("after a restart on the same store, a job caught mid-verification is queued again", async () => {
    const store = new MemoryJobStore();
    // A verifier that never answers stands for a process that died while checking a result.
    const dying = new JobQueue({ vkeys, store, verify: () => new Promise<boolean>(() => {}) });
    const job = await dying.enqueue({ circuit: CIRCUIT, input: { x: 3, y: 5, k: 7 } });
    const g = (await dying.lease("w"))!;
    void dying.complete(job.id, g.lease.id, proof357);
    await new Promise((r) => setTimeout(r, 20)); // let the completion reach "verifying"
    expect((await store.get(job.id))?.status).toBe("verifying");
    const restarted = new JobQueue({ vkeys, store });
    expect(await restarted.lease("w2")).toBeNull(); // not leasable while "verifying"
    expect(await restarted.recover()).toBe(1);
    const again = (await restarted.lease("w2"))!;
    expect(again.job.id).toBe(job.id);
    await restarted.complete(job.id, again.lease.id, proof357);
    expect((await store.get(job.id))?.status).toBe("done");
    await restarted.close();
  });

  it("refuses jobs it could not verify", async () => {
    const { queue } = make();
    await refused(queue.enqueue({ circuit: { set: "test", main: "nope" }, input: {} }), "UNKNOWN_CIRCUIT");
    await refused(
      queue.enqueue({ circuit: CIRCUIT, input: {}, expectedPublicSignals: ["1"] }),
      "BAD_REQUEST",
    );
    await refused(queue.enqueue({ circuit: CIRCUIT }), "BAD_REQUEST");
    await refused(queue.enqueue({ circuit: CIRCUIT, input: {}, id: "../x" }), "BAD_REQUEST");
    await queue.enqueue({ circuit: CIRCUIT, input: {}, id: "batch-1" });
    await refused(queue.enqueue({ circuit: CIRCUIT, input: {}, id: "batch-1" }), "DUPLICATE_JOB");
    await queue.close();
  });
});

describe("prover API", () => {
  let app: FastifyInstance;
  let queue: JobQueue;
  let base: string;
  const post = (path: string, body: unknown, token: string | null = TOKEN) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    queue = new JobQueue({ vkeys });
    // undici (fetch) may open a spare connection after an aborted request; a server close must not wait on it.
    app = fastify({ forceCloseConnections: true });
    await registerProverApi(app, { queue, token: TOKEN });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/prover/v1`;
  });
  afterAll(async () => {
    await app.close();
    await queue.close();
  });

  it("wants the bearer token", async () => {
    for (const token of [null, "wrong", `${TOKEN}x`]) {
      const r = await post("/lease", { workerId: "w" }, token);
      expect(r.status).toBe(401);
      expect(await r.json()).toEqual({
        code: "UNAUTHORIZED",
        message: "a valid prover bearer token is required",
      });
    }
  });

  it("answers bad requests with {code, message}", async () => {
    const cases: [string, unknown, number, string][] = [
      ["/lease", { workerId: "w", extra: 1 }, 400, "VALIDATION_FAILED"],
      ["/lease", "{not json", 400, "INVALID_JSON"],
      ["/jobs/nope/heartbeat", { leaseId: "00000000-0000-0000-0000-000000000000" }, 404, "JOB_NOT_FOUND"],
      [
        "/jobs/x/result",
        { leaseId: "00000000-0000-0000-0000-000000000000", proof: {}, publicSignals: [] },
        400,
        "VALIDATION_FAILED",
      ],
      ["/nowhere", {}, 404, "NOT_FOUND"],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await post(path, body);
      expect(r.status, path).toBe(status);
      const j = (await r.json()) as { code: string; message: string };
      expect(j.code, path).toBe(code);
      expect(typeof j.message).toBe("string");
    }
  });

  it("leases, serves the payload to the lease holder only, heartbeats and accepts one verified result", async () => {
    const job = await queue.enqueue({
      circuit: CIRCUIT,
      input: { x: 3n, y: 5n, k: 7n },
      expectedPublicSignals: expectedSignals(3n, 5n, 7n),
    });
    const lr = await post("/lease", { workerId: "w", ttlMs: 30_000, circuits: [KEY] });
    const { job: leased } = (await lr.json()) as {
      job: { id: string; leaseId: string; payloadPath: string; ttlMs: number };
    };
    expect(leased.id).toBe(job.id);
    expect(leased.ttlMs).toBe(30_000);
    const noLease = await fetch(`${base}/${leased.payloadPath}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(noLease.status).toBe(400);
    const other = await fetch(`${base}/${leased.payloadPath}`, {
      headers: { authorization: `Bearer ${TOKEN}`, "x-zkm-lease": "00000000-0000-0000-0000-000000000000" },
    });
    expect(((await other.json()) as { code: string }).code).toBe("LEASE_NOT_HELD");
    const pay = await fetch(`${base}/${leased.payloadPath}`, {
      headers: { authorization: `Bearer ${TOKEN}`, "x-zkm-lease": leased.leaseId },
    });
    expect(await pay.json()).toEqual({ x: "3", y: "5", k: "7" });
    expect((await post(`/jobs/${job.id}/heartbeat`, { leaseId: leased.leaseId })).status).toBe(200);
    // A valid proof of another statement: refused, and the job is back in the queue for a new lease.
    const bad = await post(`/jobs/${job.id}/result`, { leaseId: leased.leaseId, ...proof234 });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { code: string }).code).toBe("PUBLIC_SIGNALS_MISMATCH");
    const again = (await (await post("/lease", { workerId: "w2" })).json()) as { job: { leaseId: string } };
    const good = await post(`/jobs/${job.id}/result`, { leaseId: again.job.leaseId, ...proof357 });
    expect(await good.json()).toEqual({ id: job.id, status: "done", duplicate: false });
    const repeat = await post(`/jobs/${job.id}/result`, { leaseId: again.job.leaseId, ...proof357 });
    expect(await repeat.json()).toEqual({ id: job.id, status: "done", duplicate: true });
    const late = await post(`/jobs/${job.id}/result`, { leaseId: leased.leaseId, ...proof357 });
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe("ALREADY_COMPLETED");
    expect(queue.acceptedCompletions).toBe(1);
  });

  it("a lease request waits (long poll) and is answered as soon as a job arrives", async () => {
    const pending = post("/lease", { workerId: "w", waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const job = await queue.enqueue({ circuit: CIRCUIT, input: { x: 1, y: 1, k: 1 } });
    const r = (await (await pending).json()) as { job: { id: string } | null };
    expect(r.job?.id).toBe(job.id);
    const empty = (await (await post("/lease", { workerId: "w", waitMs: 100 })).json()) as { job: null };
    expect(empty.job).toBeNull();
  });

  it("does not hand a job to a lease request whose prover hung up", async () => {
    const ac = new AbortController();
    const pending = fetch(`${base}/lease`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ workerId: "gone", waitMs: 10_000 }),
      signal: ac.signal,
    }).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    await pending;
    await new Promise((r) => setTimeout(r, 100));
    const job = await queue.enqueue({ circuit: CIRCUIT, input: { x: 1, y: 1, k: 1 } });
    await new Promise((r) => setTimeout(r, 500)); // more than the long poll's 200 ms re-check
    expect((await queue.get(job.id)).status).toBe("queued");
  });
});

interface Worker {
  id: string;
  child: ChildProcess;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(id: string, port: number, viaEnv: boolean): Worker {
  const args = [
    "--import",
    "tsx",
    RUNNER,
    "prover",
    "--sequencer",
    `http://127.0.0.1:${port}`,
    "--artifacts",
    MANIFEST,
    "--lease-ttl",
    "3000",
    "--worker-id",
    id,
    ...(viaEnv ? [] : ["--token", TOKEN]),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...(viaEnv ? { ZKMARGIN_PROVER_TOKEN: TOKEN } : {}) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const w: Worker = {
    id,
    child,
    stderr: "",
    exit: new Promise((res) => child.on("exit", (code, signal) => res({ code, signal }))),
  };
  child.stderr!.on("data", (d: Buffer) => (w.stderr += d.toString()));
  return w;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("prover daemons", () => {
  it("prove every job exactly once when one of two daemon processes is SIGKILLed holding a job", async () => {
    const queue = new JobQueue({ vkeys, minLeaseMs: 500 });
    const app = fastify({ forceCloseConnections: true });
    await registerProverApi(app, { queue, token: TOKEN });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const workers = [startWorker("w1", port, false), startWorker("w2", port, true)];
    const byId = (wid: string): Worker => workers.find((w) => wid.startsWith(`${w.id}/`))!;

    const completed: JobRecord[] = [];
    const expired: { job: string; lease: string; worker: string }[] = [];
    let killed: { worker: Worker; job: string; lease: string } | undefined;
    queue.on("completed", (j) => completed.push(j));
    queue.on("leased", (j, old) => {
      if (old) expired.push({ job: j.id, lease: old.id, worker: old.workerId });
    });
    queue.on("payload", (j, workerId) => {
      // The first daemon to start on a job dies on the spot, lease in hand and nothing posted.
      if (killed) return;
      const w = byId(workerId);
      killed = { worker: w, job: j.id, lease: j.lease!.id };
      w.child.kill("SIGKILL");
    });

    try {
      await until(
        () => workers.every((w) => w.stderr.includes("leasing from")),
        60_000,
        "both daemons to start",
      );
      const N = 6;
      const inputs = Array.from({ length: N }, (_, i) => ({
        x: BigInt(i + 2),
        y: BigInt(i + 3),
        k: BigInt(i + 5),
      }));
      const jobs = await Promise.all(
        inputs.map((inp, i) =>
          queue.enqueue({
            id: `job-${i}`,
            circuit: CIRCUIT,
            input: inp,
            expectedPublicSignals: expectedSignals(inp.x, inp.y, inp.k),
          }),
        ),
      );
      const ends = await Promise.race([
        Promise.all(jobs.map((j) => queue.waitFor(j.id))),
        new Promise<never>((_, rej) =>
          setTimeout(() => rej(new Error("jobs not all proven in 90 s")), 90_000),
        ),
      ]);

      expect(killed).toBeDefined();
      const k = killed!;
      expect(await k.worker.exit).toEqual({ code: null, signal: "SIGKILL" });
      const survivor = workers.find((w) => w !== k.worker)!;

      // Every job proven, one accepted result each, and each result is a proof of that job's own statement.
      expect(ends.map((j) => j.status)).toEqual(Array(N).fill("done"));
      expect(queue.acceptedCompletions).toBe(N);
      expect(queue.rejectedCompletions).toBe(0);
      expect(completed.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
      for (const [i, j] of ends.entries()) {
        const inp = inputs[i]!;
        expect(j.result!.publicSignals).toEqual(expectedSignals(inp.x, inp.y, inp.k));
        expect(await snarkjs.groth16.verify(vkey, [...j.result!.publicSignals], j.result!.proof)).toBe(true);
      }

      // The killed daemon's job waited out its lease and went to the survivor.
      expect(expired).toEqual([{ job: k.job, lease: k.lease, worker: `${k.worker.id}/0` }]);
      const re = ends.find((j) => j.id === k.job)!;
      expect(re.attempts).toBe(2);
      expect(re.result!.workerId).toBe(`${survivor.id}/0`);
      // A completion arriving now from the dead daemon's lease counts for nothing.
      await refused(queue.complete(k.job, k.lease, re.result!), "ALREADY_COMPLETED");
      expect(queue.acceptedCompletions).toBe(N);

      // The survivor stops cleanly on SIGTERM.
      survivor.child.kill("SIGTERM");
      expect(await survivor.exit).toEqual({ code: 0, signal: null });
      expect(survivor.stderr).toMatch(/stopped: \d+ proven, 0 handed back, 0 lost, 0 failed, 0 rejected/);
      expect(survivor.stderr).toContain("INSECURE development key");
    } finally {
      for (const w of workers)
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
      await app.close();
      await queue.close();
    }
  });

  it("a daemon that is stopped mid-job hands the job back at once", async () => {
    const queue = new JobQueue({ vkeys, minLeaseMs: 500 });
    const app = fastify({ forceCloseConnections: true });
    await registerProverApi(app, { queue, token: TOKEN });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const w = startWorker("w3", port, false);
    const released: string[] = [];
    queue.on("released", (j) => released.push(j.id));
    // SIGTERM as soon as it asks for the payload, before it can prove.
    queue.on("payload", () => w.child.kill("SIGTERM"));
    try {
      await until(() => w.stderr.includes("leasing from"), 60_000, "the daemon to start");
      const job = await queue.enqueue({ circuit: CIRCUIT, input: { x: 3n, y: 5n, k: 7n } });
      expect(await w.exit).toEqual({ code: 0, signal: null });
      expect(released).toEqual([job.id]);
      const j = await queue.get(job.id);
      expect(j.status).toBe("queued");
      expect(j.attempts).toBe(0);
      expect(w.stderr).toMatch(/stopped: 0 proven, 1 handed back/);
    } finally {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
      await app.close();
      await queue.close();
    }
  });
});
