// The proof job queue between whoever needs proofs (the sequencer's batch pipeline) and a fleet of stateless
// provers. Provers lease a job for a limited time and keep the lease alive with heartbeats; a prover that dies simply
// stops heartbeating, its lease expires and the job goes to the next prover that asks. A result is accepted at most
// once per job, only from the lease currently holding it, and only after it verifies against the circuit's
// verification key (and, when the enqueuer knows them, matches the expected public signals): a late result from an
// expired lease, a second result, or a proof of something else never counts. State lives in a JobStore; every
// transition is a compare-and-set, so the rules hold with any number of concurrent requests.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { JobQueueError } from "./errors.js";
import { Groth16Verifier, isGroth16ProofShape, isPublicSignals, type VerificationKey } from "./groth16.js";
import { MemoryJobStore, type JobStore } from "./store.js";
import {
  CIRCUIT_PART,
  circuitKey,
  type CircuitId,
  type JobRecord,
  type Lease,
  type PayloadKind,
  type ProofOutput,
} from "./types.js";

export interface JobQueueOptions {
  store?: JobStore;
  /** Verification key per circuit key ("<set>/<main>"); jobs for a circuit without one are refused. */
  vkeys: ReadonlyMap<string, VerificationKey>;
  now?: () => number;
  /** Lease length when the prover asks for none. */
  defaultLeaseMs?: number;
  minLeaseMs?: number;
  maxLeaseMs?: number;
  /** Leases (and rejected results) a job may use up before it is marked failed. */
  maxAttempts?: number;
  /** Replaces groth16 verification (tests of the queue's own rules only). */
  verify?: (vkey: VerificationKey, out: ProofOutput) => Promise<boolean>;
}

export interface EnqueueRequest {
  /** Caller's id (e.g. "batch-42"); generated when absent. */
  id?: string;
  circuit: CircuitId;
  /** Circuit input signals (bigints are sent as decimal strings)... */
  input?: Readonly<Record<string, unknown>>;
  /** ...or a ready witness (.wtns bytes). */
  wtns?: Uint8Array;
  expectedPublicSignals?: readonly (string | bigint)[];
}

export interface LeaseGrant {
  readonly job: JobRecord;
  readonly lease: Lease;
  readonly ttlMs: number;
}

export interface CompleteOutcome {
  readonly job: JobRecord;
  /** The same lease had already completed the job (a retried request); nothing new was accepted. */
  readonly duplicate: boolean;
}

export interface FailReport {
  readonly message: string;
  /** False when another prover would fail the same way (the input does not satisfy the circuit). */
  readonly retryable: boolean;
}

export interface QueueEvents {
  enqueued: [job: JobRecord];
  leased: [job: JobRecord, expired: Lease | undefined];
  heartbeat: [job: JobRecord];
  payload: [job: JobRecord, workerId: string];
  completed: [job: JobRecord];
  rejected: [job: JobRecord, code: string, workerId: string];
  released: [job: JobRecord];
  failed: [job: JobRecord];
}

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CAS_RETRIES = 50;

function jsonWithBigints(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
}

export class JobQueue {
  readonly store: JobStore;
  private readonly vkeys: ReadonlyMap<string, VerificationKey>;
  private readonly now: () => number;
  private readonly defaultLeaseMs: number;
  private readonly minLeaseMs: number;
  private readonly maxLeaseMs: number;
  private readonly maxAttempts: number;
  private readonly verifyFn: (vkey: VerificationKey, out: ProofOutput) => Promise<boolean>;
  private readonly events = new EventEmitter();
  private readonly verifier = new Groth16Verifier();
  /** Results accepted by this queue instance (each job at most once). */
  acceptedCompletions = 0;
  rejectedCompletions = 0;

  constructor(o: JobQueueOptions) {
    this.store = o.store ?? new MemoryJobStore();
    this.vkeys = o.vkeys;
    this.now = o.now ?? Date.now;
    this.minLeaseMs = o.minLeaseMs ?? 1_000;
    this.maxLeaseMs = o.maxLeaseMs ?? 10 * 60_000;
    this.defaultLeaseMs = o.defaultLeaseMs ?? 60_000;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.verifyFn = o.verify ?? ((vkey, out) => this.verifier.verify(vkey, out));
    if (!(
      this.minLeaseMs > 0 &&
      this.minLeaseMs <= this.defaultLeaseMs &&
      this.defaultLeaseMs <= this.maxLeaseMs
    )) {
      throw new RangeError("lease bounds must satisfy 0 < min <= default <= max");
    }
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1)
      throw new RangeError("maxAttempts must be >= 1");
    this.events.setMaxListeners(0);
  }

  on<E extends keyof QueueEvents>(event: E, fn: (...args: QueueEvents[E]) => void): () => void {
    const listener = fn as (...args: unknown[]) => void;
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<E extends keyof QueueEvents>(event: E, ...args: QueueEvents[E]): void {
    this.events.emit(event, ...args);
  }

  circuits(): string[] {
    return [...this.vkeys.keys()].sort();
  }

  async enqueue(req: EnqueueRequest): Promise<JobRecord> {
    const { circuit } = req;
    if (!CIRCUIT_PART.test(circuit.main) || !CIRCUIT_PART.test(circuit.set)) {
      throw new JobQueueError("BAD_REQUEST", "circuit main and set must be short identifiers");
    }
    const key = circuitKey(circuit);
    const vkey = this.vkeys.get(key);
    if (!vkey) throw new JobQueueError("UNKNOWN_CIRCUIT", `no verification key for circuit ${key}`);
    if ((req.input === undefined) === (req.wtns === undefined)) {
      throw new JobQueueError("BAD_REQUEST", "give exactly one of input and wtns");
    }
    let expected: string[] | undefined;
    if (req.expectedPublicSignals !== undefined) {
      expected = req.expectedPublicSignals.map((x) => x.toString());
      if (!isPublicSignals(expected) || expected.length !== vkey.nPublic) {
        throw new JobQueueError(
          "BAD_REQUEST",
          `expected public signals must be ${vkey.nPublic} field elements`,
        );
      }
    }
    let payloadKind: PayloadKind;
    let data: Uint8Array;
    if (req.input !== undefined) {
      if (typeof req.input !== "object" || req.input === null || Array.isArray(req.input)) {
        throw new JobQueueError("BAD_REQUEST", "input must be an object of signal values");
      }
      payloadKind = "input";
      data = Buffer.from(jsonWithBigints(req.input), "utf8");
    } else {
      payloadKind = "wtns";
      data = req.wtns!;
    }
    const seq = await this.store.nextSeq();
    const id = req.id ?? `job-${seq}-${randomUUID().slice(0, 8)}`;
    if (!JOB_ID.test(id)) throw new JobQueueError("BAD_REQUEST", `invalid job id ${JSON.stringify(id)}`);
    const payloadRef = `${id}/${randomUUID()}`;
    const job: JobRecord = {
      id,
      seq,
      circuit: { main: circuit.main, set: circuit.set },
      payloadKind,
      payloadRef,
      ...(expected ? { expectedPublicSignals: expected } : {}),
      status: "queued",
      createdAt: this.now(),
      attempts: 0,
      version: 0,
    };
    await this.store.putPayload(payloadRef, data);
    if (!(await this.store.insert(job))) {
      await this.store.deletePayload(payloadRef);
      throw new JobQueueError("DUPLICATE_JOB", `job ${id} exists`);
    }
    this.emit("enqueued", job);
    return job;
  }

  async get(id: string): Promise<JobRecord> {
    const j = await this.store.get(id);
    if (!j) throw new JobQueueError("JOB_NOT_FOUND", `no job ${id}`);
    return j;
  }

  private clampTtl(ttlMs: number | undefined): number {
    const t = ttlMs ?? this.defaultLeaseMs;
    if (!Number.isFinite(t)) return this.defaultLeaseMs;
    return Math.min(this.maxLeaseMs, Math.max(this.minLeaseMs, Math.floor(t)));
  }

  /** The oldest job this worker may take (only among `circuits` when given), or null when there is none. */
  async lease(
    workerId: string,
    opts: { ttlMs?: number; circuits?: readonly string[] } = {},
  ): Promise<LeaseGrant | null> {
    const ttlMs = this.clampTtl(opts.ttlMs);
    for (let i = 0; i < CAS_RETRIES; i++) {
      const now = this.now();
      const rec = await this.store.nextLeasable(now, opts.circuits);
      if (!rec) return null;
      if (rec.attempts >= this.maxAttempts) {
        // Every earlier lease ended without an accepted result (crashes, rejected proofs): stop burning provers.
        const failed: JobRecord = {
          ...rec,
          status: "failed",
          lease: undefined,
          lastError: `no accepted result after ${rec.attempts} lease(s)${rec.lastError ? `; last error: ${rec.lastError}` : ""}`,
          version: rec.version + 1,
        };
        if (await this.store.replace(failed, rec.version)) {
          await this.store.deletePayload(rec.payloadRef);
          this.emit("failed", failed);
        }
        continue;
      }
      const lease: Lease = { id: randomUUID(), workerId, grantedAt: now, expiresAt: now + ttlMs };
      const next: JobRecord = {
        ...rec,
        status: "leased",
        attempts: rec.attempts + 1,
        lease,
        version: rec.version + 1,
      };
      if (await this.store.replace(next, rec.version)) {
        this.emit("leased", next, rec.status === "leased" ? rec.lease : undefined);
        return { job: next, lease, ttlMs };
      }
    }
    throw new JobQueueError("INTERNAL", "lease kept losing races; try again");
  }

  /** Throws unless `leaseId` is the job's live lease. */
  private held(rec: JobRecord, leaseId: string, now: number): Lease {
    if (rec.status === "done")
      throw new JobQueueError("ALREADY_COMPLETED", `job ${rec.id} is already proven`);
    if (rec.status === "failed")
      throw new JobQueueError("JOB_FAILED", `job ${rec.id} failed: ${rec.lastError ?? ""}`);
    if (!rec.lease || rec.lease.id !== leaseId || rec.status === "queued") {
      throw new JobQueueError("LEASE_NOT_HELD", `job ${rec.id} is not held by lease ${leaseId}`);
    }
    if (rec.status === "verifying") {
      throw new JobQueueError("COMPLETION_IN_PROGRESS", `a result for job ${rec.id} is being verified`);
    }
    if (rec.lease.expiresAt <= now) {
      throw new JobQueueError(
        "LEASE_EXPIRED",
        `lease ${leaseId} on job ${rec.id} expired; the job goes to another prover`,
      );
    }
    return rec.lease;
  }

  /** Compare-and-set loop: `change` sees the current record and returns the next one (or throws to refuse). */
  private async transition(
    id: string,
    change: (rec: JobRecord, now: number) => JobRecord,
  ): Promise<JobRecord> {
    for (let i = 0; i < CAS_RETRIES; i++) {
      const rec = await this.get(id);
      const next = change(rec, this.now());
      if (await this.store.replace(next, rec.version)) return next;
    }
    throw new JobQueueError("INTERNAL", `job ${id} kept changing; try again`);
  }

  /** Extends the lease by `ttlMs` from now; refused once the lease has expired (the prover must drop the job). */
  async heartbeat(jobId: string, leaseId: string, ttlMs?: number): Promise<{ lease: Lease; ttlMs: number }> {
    const ttl = this.clampTtl(ttlMs);
    const next = await this.transition(jobId, (rec, now) => {
      const lease = this.held(rec, leaseId, now);
      return { ...rec, lease: { ...lease, expiresAt: now + ttl }, version: rec.version + 1 };
    });
    this.emit("heartbeat", next);
    return { lease: next.lease!, ttlMs: ttl };
  }

  /** The job's input (JSON bytes) or witness, for the lease holder only: it is the batch's private data. */
  async payload(jobId: string, leaseId: string): Promise<{ kind: PayloadKind; data: Uint8Array }> {
    const rec = await this.get(jobId);
    const lease = this.held(rec, leaseId, this.now());
    const data = await this.store.getPayload(rec.payloadRef);
    if (!data) throw new JobQueueError("INTERNAL", `payload of job ${jobId} is missing`);
    this.emit("payload", rec, lease.workerId);
    return { kind: rec.payloadKind, data };
  }

  /**
   * Accepts the lease holder's proof if it verifies. Exactly one result is ever accepted per job: the job is moved
   * to "verifying" (compare-and-set) before the proof is checked, so a concurrent completion or lease cannot slip in.
   */
  async complete(jobId: string, leaseId: string, out: ProofOutput): Promise<CompleteOutcome> {
    let v: JobRecord | undefined;
    for (let i = 0; i < CAS_RETRIES && !v; i++) {
      const rec = await this.get(jobId);
      if (rec.status === "done" && rec.result?.leaseId === leaseId) return { job: rec, duplicate: true };
      this.held(rec, leaseId, this.now());
      const next: JobRecord = { ...rec, status: "verifying", version: rec.version + 1 };
      if (await this.store.replace(next, rec.version)) v = next;
    }
    if (!v) throw new JobQueueError("INTERNAL", `job ${jobId} kept changing; try again`);
    const workerId = v.lease!.workerId;

    let reason: { code: "PROOF_REJECTED" | "PUBLIC_SIGNALS_MISMATCH"; message: string } | undefined;
    try {
      const vkey = this.vkeys.get(circuitKey(v.circuit));
      if (!vkey)
        throw new JobQueueError("INTERNAL", `verification key of ${circuitKey(v.circuit)} disappeared`);
      if (!isGroth16ProofShape(out.proof) || !isPublicSignals(out.publicSignals)) {
        reason = { code: "PROOF_REJECTED", message: "malformed proof or public signals" };
      } else if (
        v.expectedPublicSignals &&
        (v.expectedPublicSignals.length !== out.publicSignals.length ||
          v.expectedPublicSignals.some((s, i) => s !== out.publicSignals[i]))
      ) {
        reason = {
          code: "PUBLIC_SIGNALS_MISMATCH",
          message: "the proof is for other public signals than the job's",
        };
      } else if (!(await this.verifyFn(vkey, out))) {
        reason = {
          code: "PROOF_REJECTED",
          message: `the proof does not verify against ${circuitKey(v.circuit)}'s key`,
        };
      }
    } catch (e) {
      // Not the prover's fault: hand the job back to its lease as it was.
      await this.store.replace({ ...v, status: "leased", version: v.version + 1 }, v.version);
      throw e;
    }

    if (reason) {
      const giveUp = v.attempts >= this.maxAttempts;
      const next: JobRecord = {
        ...v,
        status: giveUp ? "failed" : "queued",
        lease: undefined,
        lastError: `${reason.code}: ${reason.message} (from ${workerId})`,
        version: v.version + 1,
      };
      await this.store.replace(next, v.version);
      this.rejectedCompletions++;
      this.emit("rejected", next, reason.code, workerId);
      if (giveUp) {
        await this.store.deletePayload(v.payloadRef);
        this.emit("failed", next);
      }
      throw new JobQueueError(reason.code, reason.message);
    }

    const done: JobRecord = {
      ...v,
      status: "done",
      result: {
        proof: out.proof,
        publicSignals: [...out.publicSignals],
        workerId,
        leaseId,
        completedAt: this.now(),
      },
      version: v.version + 1,
    };
    if (!(await this.store.replace(done, v.version))) {
      throw new JobQueueError("INTERNAL", `job ${jobId} changed while its result was verified`);
    }
    this.acceptedCompletions++;
    await this.store.deletePayload(v.payloadRef);
    this.emit("completed", done);
    return { job: done, duplicate: false };
  }

  /** The prover could not prove the job. A non-retryable failure (bad input) fails the job for everyone. */
  async fail(jobId: string, leaseId: string, report: FailReport): Promise<JobRecord> {
    const message = report.message.slice(0, 2000);
    const next = await this.transition(jobId, (rec, now) => {
      const lease = this.held(rec, leaseId, now);
      const giveUp = !report.retryable || rec.attempts >= this.maxAttempts;
      return {
        ...rec,
        status: giveUp ? "failed" : "queued",
        lease: undefined,
        lastError: `${lease.workerId}: ${message}`,
        version: rec.version + 1,
      };
    });
    if (next.status === "failed") {
      await this.store.deletePayload(next.payloadRef);
      this.emit("failed", next);
    } else {
      this.emit("released", next);
    }
    return next;
  }

  /** A prover shutting down hands its job back at once instead of letting the lease run out; no attempt is spent. */
  async release(jobId: string, leaseId: string): Promise<JobRecord> {
    const next = await this.transition(jobId, (rec, now) => {
      this.held(rec, leaseId, now);
      return {
        ...rec,
        status: "queued",
        lease: undefined,
        attempts: rec.attempts - 1,
        version: rec.version + 1,
      };
    });
    this.emit("released", next);
    return next;
  }

  /**
   * After a restart on a durable store: a job caught mid-verification lost its verifier with the process; put it back
   * in the queue (its prover's result is gone with the request that carried it).
   */
  async recover(): Promise<number> {
    let n = 0;
    for (const rec of await this.store.list(["verifying"])) {
      const next: JobRecord = { ...rec, status: "queued", lease: undefined, version: rec.version + 1 };
      if (await this.store.replace(next, rec.version)) n++;
    }
    return n;
  }

  /** Gives back the verifier's curve (its worker threads keep a process alive). The store is the caller's. */
  async close(): Promise<void> {
    await this.verifier.close();
  }

  /** Resolves when the job is done or failed (the sequencer's ProverPort.result awaits this). */
  async waitFor(jobId: string, signal?: AbortSignal): Promise<JobRecord> {
    return new Promise<JobRecord>((resolve, reject) => {
      const off: (() => void)[] = [];
      const finish = (f: () => void): void => {
        for (const o of off) o();
        f();
      };
      const onEnd = (j: JobRecord): void => {
        if (j.id === jobId) finish(() => resolve(j));
      };
      off.push(this.on("completed", onEnd), this.on("failed", onEnd));
      if (signal) {
        const abort = (): void => finish(() => reject(signal.reason ?? new Error("aborted")));
        if (signal.aborted) return abort();
        signal.addEventListener("abort", abort, { once: true });
        off.push(() => signal.removeEventListener("abort", abort));
      }
      // Subscribed first, then read: an end between the two cannot be missed.
      this.get(jobId).then(
        (j) => {
          if (j.status === "done" || j.status === "failed") finish(() => resolve(j));
        },
        (e: unknown) => finish(() => reject(e)),
      );
    });
  }
}
