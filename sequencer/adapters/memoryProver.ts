// DEVELOPMENT ADAPTER — produces no zero-knowledge proof. It "proves" a batch by re-applying its ops to the base
// state with the protocol model and checking that the model reaches the same public input hash, then returns a
// marker object that only the in-memory L1 accepts. It lets the whole sequencer run (and its recovery be tested)
// before the snarkjs prover is wired in behind the same ProverPort.
import { applyBatch } from "../../protocol/index.js";
import type { ProofJob, ProofResult, ProverPort } from "../ports.js";

export const DEV_PROOF_KIND = "dev-model-replay (NOT A ZK PROOF)";

export interface DevProof {
  readonly kind: typeof DEV_PROOF_KIND;
  readonly publicInputHash: string;
}

export function isDevProof(x: unknown, publicInputHash: bigint): boolean {
  const p = x as Partial<DevProof> | null;
  return !!p && p.kind === DEV_PROOF_KIND && p.publicInputHash === publicInputHash.toString();
}

export interface MemoryProverOptions {
  /** Extra latency per job, to exercise the pipeline's waiting. */
  readonly delayMs?: number;
}

interface Job {
  readonly id: string;
  readonly job: ProofJob;
  readonly done: Promise<ProofResult>;
}

export class MemoryProver implements ProverPort {
  readonly name = "memory-model-replay (development only)";
  private readonly jobs = new Map<string, Job>();
  private seq = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private failures: Error[] = [];
  provedCount = 0;

  constructor(private readonly opts: MemoryProverOptions = {}) {}

  /** Test hook: the next `n` jobs fail with `error`. */
  failNext(error: Error, n = 1): void {
    for (let i = 0; i < n; i++) this.failures.push(error);
  }

  async enqueue(job: ProofJob): Promise<string> {
    const id = `mem-${++this.seq}-${job.batchNumber}`;
    // Jobs run one at a time, in the order queued, like a single prover worker.
    const done = this.chain.then(() => this.prove(job));
    this.chain = done.catch(() => undefined);
    done.catch(() => undefined);
    this.jobs.set(id, { id, job, done });
    return id;
  }

  async result(jobId: string): Promise<ProofResult> {
    const j = this.jobs.get(jobId);
    if (!j) throw new Error(`unknown proof job ${jobId}`);
    try {
      return await j.done;
    } finally {
      this.jobs.delete(jobId);
    }
  }

  private async prove(job: ProofJob): Promise<ProofResult> {
    await new Promise((r) => setTimeout(r, this.opts.delayMs ?? 0));
    const injected = this.failures.shift();
    if (injected) throw injected;
    const replayed = applyBatch(job.base, job.header, job.ops);
    if (replayed.publicInputHash !== job.publicInputHash) {
      throw new Error(`batch ${job.batchNumber}: model replay reaches another public input hash`);
    }
    this.provedCount++;
    const proof: DevProof = { kind: DEV_PROOF_KIND, publicInputHash: job.publicInputHash.toString() };
    return { batchNumber: job.batchNumber, publicInputHash: job.publicInputHash, prover: this.name, proof };
  }
}
