// The operator's prover daemon: a stateless worker that leases proof jobs from the sequencer's prover API, fetches
// each job's payload, computes the witness, proves with the circuit's wasm and zkey (found by the job's circuit id in
// an artifacts manifest), heartbeats while it works and posts the proof. It keeps nothing on disk, so any number of
// them can run anywhere and any of them can die: a dead daemon's lease runs out and the job goes to another one, and
// the queue accepts one verified result per job whatever a late or duplicate daemon posts. On stop (SIGINT/SIGTERM
// in the CLI) it takes no new job, hands its in-flight jobs back at once (or finishes them with `drain`) and exits.
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { PTAU_CONTRIBUTION_LABEL } from "../setup/ptauWriter.js";
import { readZkeyMpc } from "../ceremony/zkeyInfo.js";
import type { ArtifactManifest, CircuitArtifacts, SetupKind } from "../jobs/artifacts.js";
import type { LeasedJob } from "../jobs/http.js";
import type { ProofOutput } from "../jobs/types.js";
import { LEASE_GONE, ProverApiClient, ProverApiError } from "./client.js";
import { InputRejected, backendSlotProver, type SlotProver } from "./prover.js";

export class DaemonError extends Error {
  override readonly name = "DaemonError";
  constructor(
    readonly code: "NO_CIRCUITS" | "ARTIFACT_MISSING" | "INSECURE_KEY" | "BAD_USAGE",
    message: string,
  ) {
    super(message);
  }
}

export interface DaemonOptions {
  /** The sequencer's base URL; the prover API is under /prover/v1. */
  sequencerUrl: string;
  token?: string;
  /** Jobs in flight at once (one backend each). */
  concurrency?: number;
  workerId?: string;
  /** Circuit id → wasm + zkey. Only jobs for these circuits are leased. */
  manifest: ArtifactManifest;
  /** prover/backend registry name (default snarkjs-wasm). */
  backend?: string;
  /** Lease length asked for; heartbeats go every quarter of it. */
  leaseTtlMs?: number;
  /** Long-poll wait per lease request. */
  waitMs?: number;
  /** On stop, finish in-flight jobs instead of handing them back. */
  drain?: boolean;
  /** Refuse to start with a key that no ceremony made. */
  requireProduction?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Replaces the backend-based slot prover (e.g. a pool); one per slot. */
  makeProver?: () => Promise<SlotProver>;
}

export interface DaemonStats {
  proven: number;
  /** The server refused the proof (wrong key, broken backend). */
  rejected: number;
  /** Reported as failed to the server. */
  failed: number;
  /** Dropped because the lease was gone (expired, re-leased, or the job finished elsewhere). */
  lost: number;
  /** Handed back at shutdown. */
  released: number;
}

/** Which setup made a zkey: the development setup names its contribution, a ceremony's key says PRODUCTION. */
export async function zkeySetupKind(zkeyPath: string): Promise<SetupKind> {
  const mpc = await readZkeyMpc(zkeyPath);
  if (
    mpc.contributions.some(
      (c) => c.name?.startsWith(PTAU_CONTRIBUTION_LABEL) || /INSECURE/.test(c.name ?? ""),
    )
  ) {
    return "insecure-dev";
  }
  if (/INSECURE/.test(zkeyPath)) return "insecure-dev";
  if (/PRODUCTION/.test(zkeyPath) && mpc.contributions.length > 0) return "production";
  return "unlabelled";
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** `p`, or a rejection as soon as `signal` aborts (p keeps running; its outcome is ignored). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  p.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

const message = (e: unknown): string =>
  e instanceof ProverApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);

export async function runProverDaemon(o: DaemonOptions): Promise<DaemonStats> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const concurrency = o.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new DaemonError("BAD_USAGE", "concurrency must be 1..64");
  }
  const ttlMs = o.leaseTtlMs ?? 120_000;
  const waitMs = o.waitMs ?? 20_000;
  const workerId = o.workerId ?? `${hostname()}-${process.pid}`;
  const client = new ProverApiClient({ baseUrl: o.sequencerUrl, token: o.token });

  // Check every key before leasing anything, and say which setup made it.
  const circuits: string[] = [];
  for (const key of o.manifest.keys()) {
    const a = o.manifest.get(key)!;
    if (!a.zkey) continue;
    for (const p of [a.zkey, a.wasm]) {
      if (p !== undefined && !existsSync(p))
        throw new DaemonError("ARTIFACT_MISSING", `${key}: ${p} not found`);
    }
    const kind = await zkeySetupKind(a.zkey);
    if (o.requireProduction && kind !== "production") {
      throw new DaemonError(
        "INSECURE_KEY",
        `${key}: ${a.zkey} is ${kind === "insecure-dev" ? "an INSECURE development" : "an unlabelled"} key; PRODUCTION keys are required`,
      );
    }
    log(`circuit ${key}: ${a.zkey} (${kind === "insecure-dev" ? "INSECURE development key" : kind})`);
    circuits.push(key);
  }
  if (circuits.length === 0)
    throw new DaemonError("NO_CIRCUITS", "the artifacts manifest names no circuit with a zkey");

  const stop = new AbortController();
  const onStop = (): void => stop.abort(new Error("stopping"));
  if (o.signal?.aborted) onStop();
  o.signal?.addEventListener("abort", onStop, { once: true });
  const stats: DaemonStats = { proven: 0, rejected: 0, failed: 0, lost: 0, released: 0 };
  const provers = await Promise.all(
    Array.from({ length: concurrency }, () => (o.makeProver ?? (() => backendSlotProver(o.backend)))()),
  );
  log(`prover ${workerId}: ${concurrency} slot(s), leasing from ${o.sequencerUrl}`);

  const postResult = async (job: LeasedJob, out: ProofOutput): Promise<{ duplicate: boolean }> => {
    // A lost answer is retried with the same lease; the queue recognises the repeat and accepts nothing twice.
    for (let i = 0; ; i++) {
      try {
        return await client.result(job, out);
      } catch (e) {
        const transient =
          e instanceof ProverApiError &&
          (e.code === "UNREACHABLE" || e.status === undefined || e.status >= 500);
        if (!transient || i >= 4) throw e;
        await sleep(250 * 2 ** i);
      }
    }
  };

  const runJob = async (job: LeasedJob, art: CircuitArtifacts, prover: SlotProver): Promise<void> => {
    const key = `${job.circuit.set}/${job.circuit.main}`;
    log(`job ${job.id} (${key}) leased, attempt ${job.attempt}`);
    const lost = new AbortController();
    const beat = setInterval(
      () => {
        client.heartbeat(job, ttlMs).catch((e: unknown) => {
          if (e instanceof ProverApiError && LEASE_GONE.has(e.code)) lost.abort(e);
          else log(`job ${job.id}: heartbeat failed (${message(e)}); will retry`);
        });
      },
      Math.max(100, Math.floor(job.ttlMs / 4)),
    );
    const cancel = o.drain ? lost.signal : AbortSignal.any([lost.signal, stop.signal]);
    const t0 = performance.now();
    try {
      const payload = await unlessAborted(client.payload(job), cancel);
      const out = await unlessAborted(prover.prove(art, job.payloadKind, payload), cancel);
      if (lost.signal.aborted) throw lost.signal.reason;
      const r = await postResult(job, out);
      stats.proven++;
      log(
        `job ${job.id} proven in ${((performance.now() - t0) / 1000).toFixed(2)} s${r.duplicate ? " (already accepted)" : ""}`,
      );
    } catch (e) {
      if (lost.signal.aborted || (e instanceof ProverApiError && LEASE_GONE.has(e.code))) {
        stats.lost++;
        log(
          `job ${job.id}: no longer ours (${message(lost.signal.aborted ? lost.signal.reason : e)}); dropped`,
        );
      } else if (stop.signal.aborted && !o.drain) {
        await client.release(job).then(
          () => {
            stats.released++;
            log(`job ${job.id}: handed back (stopping)`);
          },
          (err: unknown) =>
            log(`job ${job.id}: could not hand back (${message(err)}); its lease will expire`),
        );
      } else if (
        e instanceof ProverApiError &&
        (e.code === "PROOF_REJECTED" || e.code === "PUBLIC_SIGNALS_MISMATCH")
      ) {
        stats.rejected++;
        log(
          `job ${job.id}: the server REJECTED the proof (${message(e)}): is ${art.zkey} the key the server verifies with?`,
        );
      } else {
        const retryable = !(e instanceof InputRejected);
        stats.failed++;
        log(`job ${job.id}: failed (${message(e)})${retryable ? "" : ", input rejected"}`);
        await client
          .fail(job, message(e), retryable)
          .catch((err: unknown) => log(`job ${job.id}: fail report lost (${message(err)})`));
      }
    } finally {
      clearInterval(beat);
    }
  };

  const runSlot = async (slot: number): Promise<void> => {
    const prover = provers[slot]!;
    let backoff = 500;
    while (!stop.signal.aborted) {
      let job: LeasedJob | null;
      try {
        job = await client.lease({ workerId: `${workerId}/${slot}`, ttlMs, circuits, waitMs }, stop.signal);
        backoff = 500;
      } catch (e) {
        if (stop.signal.aborted) break;
        log(`lease failed (${message(e)}); retrying in ${backoff} ms`);
        await sleep(backoff, stop.signal);
        backoff = Math.min(backoff * 2, 10_000);
        continue;
      }
      if (!job) continue;
      const art = o.manifest.get(`${job.circuit.set}/${job.circuit.main}`);
      if (!art) {
        // Only our circuits were asked for; a server ignoring the filter gets the job straight back.
        await client.release(job).catch(() => {});
        continue;
      }
      await runJob(job, art, prover);
    }
  };

  try {
    await Promise.all(provers.map((_, i) => runSlot(i)));
  } finally {
    o.signal?.removeEventListener("abort", onStop);
    // Without drain a proof may still be running in a backend; don't wait long for it, its job is already back.
    const closing = Promise.all(provers.map((p) => p.close().catch(() => {})));
    await (o.drain ? closing : Promise.race([closing, sleep(2_000)]));
  }
  log(
    `prover ${workerId} stopped: ${stats.proven} proven, ${stats.released} handed back, ${stats.lost} lost, ` +
      `${stats.failed} failed, ${stats.rejected} rejected`,
  );
  return stats;
}
