// A pool of prover processes that keeps every core busy. Each worker (worker.ts) holds one backend for its whole
// life and self-checks every proof before replying; the pool hands jobs to idle workers in arrival order, restarts
// a worker that dies (its job fails with WORKER_CRASHED, the others go on) and never returns a proof that failed its
// check. Processes rather than threads: a WASM out-of-memory or a crashing native backend takes one worker down,
// not the sequencer.
//
// Layout: `workers` processes × `threadsPerWorker` threads. Measured on the 2-core machines with the batch circuit
// of the `test` set (139k constraints; scripts/bench-prover.ts, bench/results/prover.json, 4 jobs, 2 rounds on a
// quiet machine): 2 workers × 1 thread proved 4 batches in 49 s (0.081 proofs/s), 1 worker × 2 threads in 58 s
// (0.069 proofs/s) — one proof per core is ~17 % more throughput, because snarkjs's multi-threaded prover leaves a
// core idle in its serial parts (reading the key, building the QAP) while two single-threaded provers overlap them.
// A single proof is faster multi-threaded (14.5 s against 24.4 s), so a caller that needs one proof soon (an idle
// rollup) can ask for { workers: 1 }; defaultLayout() follows throughput. On a loaded machine rounds varied 2–3×.
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ProverError, type ProverErrorCode } from "../backend/errors.js";
import { DEFAULT_BACKEND } from "../backend/registry.js";
import type { ProofResult, WitnessSource } from "../backend/types.js";
import type { DoneMessage, FromWorker, ToWorker } from "./messages.js";

export interface PoolOptions {
  /** Worker processes. Default: one per core (DEFAULT_LAYOUT). */
  readonly workers?: number;
  /** Threads per worker's backend; 1 = one core each. Default: DEFAULT_LAYOUT. */
  readonly threadsPerWorker?: number;
  /** Backend name (prover/backend/registry.ts). */
  readonly backend?: string;
  /** Modules each worker imports first (a plugin calling registerBackend, e.g. a GPU backend). */
  readonly plugins?: readonly string[];
}

export interface ProofJob {
  readonly zkeyPath: string;
  /** The self-check's key; must belong to zkeyPath. */
  readonly vkeyPath: string;
  readonly witness: WitnessSource;
}

export interface PoolProof extends ProofResult {
  readonly worker: number;
  readonly proveMs: number;
  readonly verifyMs: number;
  /** The worker's peak resident memory so far, KiB. */
  readonly workerMaxRssKiB: number;
}

/** Default layout for this machine: as many single-threaded workers as cores (see the header). */
export function defaultLayout(): { workers: number; threadsPerWorker: number } {
  return { workers: Math.max(1, availableParallelism()), threadsPerWorker: 1 };
}

interface Pending {
  readonly id: number;
  readonly job: ProofJob;
  resolve(p: PoolProof): void;
  reject(e: unknown): void;
}

interface Slot {
  readonly index: number;
  child: ChildProcess;
  ready: Promise<void>;
  current: Pending | undefined;
  /** Its backend is created: it can take jobs. */
  started: boolean;
  /** Failed to start after a crash: not restarted again. */
  dead: boolean;
}

/** How long a worker may take to close its backend after being asked to stop. */
const SHUTDOWN_GRACE_MS = 30_000;

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export class ProverPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  readonly workers: number;
  readonly threadsPerWorker: number;
  readonly backend: string;

  private constructor(private readonly options: PoolOptions) {
    const d = defaultLayout();
    const cores = Math.max(1, availableParallelism());
    this.workers = options.workers ?? d.workers;
    // Fewer workers than cores: let each use every core (the backend's only other setting is one thread).
    this.threadsPerWorker = options.threadsPerWorker ?? (this.workers >= cores ? d.threadsPerWorker : cores);
    this.backend = options.backend ?? DEFAULT_BACKEND;
    if (!Number.isInteger(this.workers) || this.workers < 1) {
      throw new ProverError("PROVE_FAILED", `pool needs at least one worker, got ${this.workers}`);
    }
  }

  /** Starts the workers and waits until each has created its backend. */
  static async start(options: PoolOptions = {}): Promise<ProverPool> {
    const pool = new ProverPool(options);
    for (let i = 0; i < pool.workers; i++) pool.slots.push(pool.spawn(i));
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  private spawn(index: number): Slot {
    const child = fork(WORKER, [], {
      execArgv: ["--import", TSX],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const slot: Slot = {
      index,
      child,
      ready: Promise.resolve(),
      current: undefined,
      started: false,
      dead: false,
    };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (raw: unknown): void => {
        const m = raw as FromWorker;
        if (m.type === "ready") {
          child.off("exit", onEarlyExit);
          slot.started = true;
          resolve();
          this.dispatch();
        } else if (m.type === "failed" && m.id === -1) {
          reject(new ProverError(m.code, `pool worker ${index} could not start: ${m.message}`));
        } else if (m.type === "done" || m.type === "failed") {
          this.settle(slot, m);
        }
      };
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        reject(
          new ProverError("WORKER_CRASHED", `pool worker ${index} exited while starting (${signal ?? code})`),
        );
      };
      child.on("message", onMessage);
      child.once("exit", onEarlyExit);
      child.on("exit", (code, signal) => this.onExit(slot, code, signal));
      child.on("error", (e) => reject(e));
    });
    // A first start's failure is reported by start(). A worker restarted after a crash that cannot start again is
    // left dead; when no worker is left, the queued jobs fail instead of waiting forever.
    slot.ready.catch(() => {
      slot.dead = true;
      if (this.slots.length > 0 && this.slots.every((s) => s.dead)) {
        for (const p of this.queue.splice(0)) {
          p.reject(new ProverError("WORKER_CRASHED", "every pool worker failed to restart"));
        }
      }
    });
    const init: ToWorker = {
      type: "init",
      backend: this.backend,
      threads: this.threadsPerWorker,
      plugins: this.options.plugins ?? [],
    };
    child.send(init);
    return slot;
  }

  private onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    const job = slot.current;
    slot.current = undefined;
    if (job) {
      job.reject(
        new ProverError(
          "WORKER_CRASHED",
          `pool worker ${slot.index} died proving job ${job.id} (${signal ?? code})`,
        ),
      );
    }
    if (!this.closed && !slot.dead) {
      const fresh = this.spawn(slot.index);
      this.slots[slot.index] = fresh;
    }
  }

  private settle(slot: Slot, m: DoneMessage | Extract<FromWorker, { type: "failed" }>): void {
    const job = slot.current;
    if (!job || job.id !== m.id) return;
    slot.current = undefined;
    if (m.type === "done") {
      job.resolve({
        ...m.result,
        worker: slot.index,
        proveMs: m.proveMs,
        verifyMs: m.verifyMs,
        workerMaxRssKiB: m.maxRssKiB,
      });
    } else {
      job.reject(new ProverError(m.code as ProverErrorCode, m.message));
    }
    this.dispatch();
  }

  /** Hands queued jobs to idle started workers, synchronously: a job taken by a worker is no longer queued. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.current || slot.dead || !slot.started || !slot.child.connected) continue;
      const next = this.queue.shift()!;
      slot.current = next;
      const msg: ToWorker = { type: "job", id: next.id, ...next.job };
      slot.child.send(msg);
    }
  }

  /** Proves and self-checks one witness; rejects with SELF_CHECK_FAILED rather than return a bad proof. */
  prove(job: ProofJob): Promise<PoolProof> {
    if (this.closed) return Promise.reject(new ProverError("POOL_CLOSED", "the prover pool is closed"));
    return new Promise<PoolProof>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  /** Jobs waiting for a worker. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Stops taking jobs, fails the queued ones, lets running ones finish, then stops every worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0))
      p.reject(new ProverError("POOL_CLOSED", "the prover pool was closed"));
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            const child = slot.child;
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            let kill: NodeJS.Timeout | undefined;
            child.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            const stop = (): void => {
              // A worker that does not stop within SHUTDOWN_GRACE_MS of being asked (a hung backend) is killed.
              kill = setTimeout(() => child.kill("SIGKILL"), SHUTDOWN_GRACE_MS);
              if (child.connected) child.send({ type: "shutdown" } satisfies ToWorker);
              else child.kill();
            };
            if (slot.current) {
              // Let the running job finish, then stop.
              const wait = setInterval(() => {
                if (!slot.current) {
                  clearInterval(wait);
                  stop();
                }
              }, 50);
            } else stop();
          }),
      ),
    );
  }
}
