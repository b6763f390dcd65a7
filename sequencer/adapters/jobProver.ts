// The real prover behind the sequencer's ProverPort: each cut batch becomes a job of the prover job queue
// (prover/jobs) holding the batch circuit's input signals (circuits/tooling/batchWitness.ts from the protocol
// model's record of the batch) and the one public signal the proof must have, the batch's publicInputHash. Provers
// pull jobs over the queue's HTTP API, which the sequencer serves on its own port (`zkmargin prover --sequencer
// URL`), or — for a single machine such as `zkmargin start` — local prover processes this adapter runs itself
// (localProvers.ts: the same daemon code over loopback). The queue accepts a result only if it verifies against
// the circuit's key and states exactly the expected public input hash; this adapter checks it once more before the
// proof leaves for L1, because a wrong proof there costs a reverted transaction and a stalled rollup while the
// check costs milliseconds.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { batchWitness } from "../../circuits/tooling/batchWitness.js";
import type { ProtocolParams } from "../../protocol/index.js";
import { setupKindOf } from "../../prover/jobs/artifacts.js";
import { Groth16Verifier, type VerificationKey } from "../../prover/jobs/groth16.js";
import { registerProverApi } from "../../prover/jobs/http.js";
import { JobQueue } from "../../prover/jobs/queue.js";
import { circuitKey, type CircuitId, type JobRecord } from "../../prover/jobs/types.js";
import { canonicalInputs, type CanonicalInput } from "../../prover/witness/inputs.js";
import type { ProofJob, ProofResult, ProverPort } from "../ports.js";
import type { CircuitFiles, LocalProvers } from "./localProvers.js";

export type JobProverErrorCode =
  /** The job's witness does not state the job's public input hash (a model/witness builder disagreement). */
  | "BAD_JOB"
  /** The queue gave up on the job (every prover failed it, or its input violates the circuit). */
  | "PROOF_FAILED"
  /** A proof for another statement or one that does not verify: never handed on. */
  | "SELF_CHECK_FAILED"
  | "CLOSED";

export class JobProverError extends Error {
  override readonly name = "JobProverError";
  constructor(
    readonly code: JobProverErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type { CircuitFiles };

export interface LocalWorkersOptions {
  /** Prover processes, one proof in flight each. */
  readonly workers: number;
  /** Threads of each process's backend; default: the backend's own (every core). */
  readonly threadsPerWorker?: number;
  /** prover/backend registry name. */
  readonly backend?: string;
  readonly leaseTtlMs?: number;
}

export interface JobProverOptions {
  readonly params: ProtocolParams;
  /** Verification key of the circuit below: the queue checks every result with it. */
  readonly vkey: VerificationKey;
  /** Default: the batch main at the parameter set of `params`. */
  readonly circuit?: CircuitId;
  /** Default: a fresh in-memory queue (jobs are re-queued from the journal after a restart anyway). */
  readonly queue?: JobQueue;
  /** Bearer token the prover API demands (and the local workers send). */
  readonly token?: string;
  /** Run provers in this process's care (`zkmargin start`); needs `files`. */
  readonly local?: LocalWorkersOptions | null;
  readonly files?: CircuitFiles;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * The batch circuit takes bus-typed inputs (nested objects). circom 2.2's own witness_calculator.js flattens them to
 * signal names ("fundBefore.pubKeyX", "slots[0].before[1].balances") before computing, but snarkjs's
 * `wtns.calculate`, which prover daemons use, carries an older calculator that knows only flat names and refuses
 * nested objects. Flattened here the same way (its `qualify_input`), the payload works with both and gives the
 * same witness: arrays of scalars stay arrays, arrays of objects are indexed, object fields are dotted.
 */
export function qualifiedInputs(
  inputs: Readonly<Record<string, CanonicalInput>>,
): Record<string, CanonicalInput> {
  const out: Record<string, CanonicalInput> = {};
  const walk = (prefix: string, v: CanonicalInput): void => {
    if (Array.isArray(v)) {
      const first = (v as unknown[]).flat(Infinity)[0];
      if (first !== undefined && typeof first === "object") v.forEach((x, i) => walk(`${prefix}[${i}]`, x));
      else out[prefix] = v;
    } else if (typeof v === "object") {
      for (const k of Object.keys(v)) walk(prefix === "" ? k : `${prefix}.${k}`, v[k]!);
    } else {
      out[prefix] = v;
    }
  };
  for (const k of Object.keys(inputs)) walk(k, inputs[k]!);
  return out;
}

interface JobMeta {
  readonly batchNumber: bigint;
  readonly publicInputHash: bigint;
}

export class JobProver implements ProverPort {
  readonly name: string;
  readonly queue: JobQueue;
  readonly circuit: CircuitId;
  readonly token: string | undefined;
  private readonly ownsQueue: boolean;
  private readonly verifier = new Groth16Verifier();
  private readonly meta = new Map<string, JobMeta>();
  /** Done jobs whose proof failed the check here: never reused, their statement is proven afresh. */
  private readonly refused = new Set<string>();
  private readonly aborts = new AbortController();
  private local: LocalProvers | null = null;
  private closed = false;
  /** Proofs handed to the pipeline (each checked here). */
  delivered = 0;

  constructor(private readonly opts: JobProverOptions) {
    this.circuit = opts.circuit ?? { main: "batch", set: opts.params.sizes.name };
    const key = circuitKey(this.circuit);
    if (opts.vkey.nPublic !== 1) {
      throw new RangeError(
        `${key}: the batch proof has one public signal, this key has ${opts.vkey.nPublic}`,
      );
    }
    this.ownsQueue = opts.queue === undefined;
    this.queue = opts.queue ?? new JobQueue({ vkeys: new Map([[key, opts.vkey]]) });
    this.token = opts.token;
    const kind = setupKindOf(opts.vkey.zkmarginSetup);
    const label =
      kind === "insecure-dev"
        ? "INSECURE development key"
        : kind === "production"
          ? "production key"
          : "unlabelled key";
    this.name = `job-queue ${key} (${label})`;
    if (opts.local && !opts.files)
      throw new RangeError("local provers need the circuit's wasm, zkey and vkey files");
  }

  /**
   * The batch circuit's INSECURE development keys for `params`' set (compiled and set up on first use, then cached
   * by circuit fingerprint: prover/keys/devKeys.ts), with the local workers `o.local` asks for.
   */
  static async withDevKeys(
    params: ProtocolParams,
    o: Omit<JobProverOptions, "params" | "vkey" | "files"> = {},
  ): Promise<JobProver> {
    const { ensureDevKeys } = await import("../../prover/keys/devKeys.js");
    const set = params.sizes.name;
    const keys = await ensureDevKeys("batch", set);
    const wasmPath = keys.artifacts.wasmPath;
    if (!wasmPath) throw new JobProverError("BAD_JOB", `batch@${set} was compiled without its wasm`);
    const vkey = JSON.parse(await readFile(keys.vkeyPath, "utf8")) as VerificationKey;
    return new JobProver({
      ...o,
      params,
      vkey,
      circuit: { main: "batch", set },
      files: { wasmPath, zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath },
    });
  }

  private log(msg: string, fields?: Record<string, unknown>): void {
    this.opts.log?.(msg, fields);
  }

  /** Mounts the prover API (/prover/v1) on the sequencer's server. */
  async mount(app: FastifyInstance): Promise<void> {
    await registerProverApi(app, {
      queue: this.queue,
      ...(this.token !== undefined ? { token: this.token } : {}),
    });
  }

  /** A job of this queue already stating the batch's public input hash, proven or on its way (not failed). */
  private async existing(pih: string): Promise<JobRecord | undefined> {
    const live = await this.queue.store.list(["queued", "leased", "verifying", "done"]);
    return live.find(
      (j) =>
        !this.refused.has(j.id) &&
        j.circuit.main === this.circuit.main &&
        j.circuit.set === this.circuit.set &&
        j.expectedPublicSignals?.length === 1 &&
        j.expectedPublicSignals[0] === pih,
    );
  }

  async enqueue(job: ProofJob): Promise<string> {
    if (this.closed) throw new JobProverError("CLOSED", "the prover adapter is closed");
    const pih = job.publicInputHash.toString();
    // The pipeline asks again after a failure or a restart: a job still alive (or done) for the same statement is
    // reused, so a batch is never proven twice for nothing.
    const known = await this.existing(pih);
    if (known) {
      this.meta.set(known.id, { batchNumber: job.batchNumber, publicInputHash: job.publicInputHash });
      return known.id;
    }
    const { inputs } = batchWitness(job.witness);
    if (String(inputs.publicInputHash) !== pih) {
      throw new JobProverError(
        "BAD_JOB",
        `batch ${job.batchNumber}: the circuit input states public input hash ${inputs.publicInputHash}, the batch ${pih}`,
      );
    }
    const id = `batch-${job.batchNumber}-${randomBytes(4).toString("hex")}`;
    const rec = await this.queue.enqueue({
      id,
      circuit: this.circuit,
      input: qualifiedInputs(canonicalInputs(inputs)),
      expectedPublicSignals: [pih],
    });
    this.meta.set(rec.id, { batchNumber: job.batchNumber, publicInputHash: job.publicInputHash });
    this.log("proof job queued", { job: rec.id, batch: job.batchNumber.toString() });
    return rec.id;
  }

  async result(jobId: string): Promise<ProofResult> {
    const rec = await this.queue.waitFor(jobId, this.aborts.signal);
    const m = this.meta.get(jobId);
    this.meta.delete(jobId);
    const pih = rec.expectedPublicSignals?.[0];
    if (!m || pih === undefined || m.publicInputHash.toString() !== pih) {
      throw new JobProverError(
        "SELF_CHECK_FAILED",
        `job ${jobId} was not queued for a batch by this adapter`,
      );
    }
    if (rec.status === "failed" || !rec.result) {
      throw new JobProverError(
        "PROOF_FAILED",
        `batch ${m.batchNumber}: ${rec.lastError ?? "proving failed"}`,
      );
    }
    const out = { proof: rec.result.proof, publicSignals: rec.result.publicSignals };
    if (out.publicSignals.length !== 1 || out.publicSignals[0] !== pih) {
      this.refused.add(jobId);
      throw new JobProverError("SELF_CHECK_FAILED", `job ${jobId}: the proof states another public input`);
    }
    if (!(await this.verifier.verify(this.opts.vkey, out))) {
      this.refused.add(jobId);
      throw new JobProverError(
        "SELF_CHECK_FAILED",
        `job ${jobId}: the proof does not verify against ${circuitKey(this.circuit)}`,
      );
    }
    this.delivered++;
    return {
      batchNumber: m.batchNumber,
      publicInputHash: m.publicInputHash,
      prover: `${this.name} by ${rec.result.workerId}`,
      proof: out.proof,
    };
  }

  /**
   * Starts the local workers (localProvers.ts): prover daemon processes leasing from `sequencerUrl` like any remote
   * prover. Call once the server listens.
   */
  async startLocalWorkers(sequencerUrl: string): Promise<void> {
    const l = this.opts.local;
    const files = this.opts.files;
    if (!l || !files || this.local || this.closed) return;
    const { LocalProvers } = await import("./localProvers.js");
    this.local = LocalProvers.start(
      l.workers,
      {
        sequencerUrl,
        ...(this.token !== undefined ? { token: this.token } : {}),
        circuit: circuitKey(this.circuit),
        files,
        ...(l.backend !== undefined ? { backend: l.backend } : {}),
        ...(l.threadsPerWorker !== undefined ? { threads: l.threadsPerWorker } : {}),
        leaseTtlMs: l.leaseTtlMs ?? 120_000,
        workerId: `local-${process.pid}`,
      },
      (line) => this.log(`local prover: ${line}`),
    );
  }

  /** Stops the local workers; their in-flight jobs go back to the queue (the server must still be up). */
  async stopLocalWorkers(): Promise<void> {
    const l = this.local;
    this.local = null;
    await l?.stop();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.aborts.abort(new JobProverError("CLOSED", "the prover adapter is closed"));
    await this.stopLocalWorkers();
    await this.verifier.close();
    if (this.ownsQueue) await this.queue.close();
  }
}
