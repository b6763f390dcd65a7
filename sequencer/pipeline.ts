// The batch pipeline: the only code that talks to the L1 and prover ports. It feeds L1 deposits and forced requests
// into the engine (as journaled commands, in queue order), sends cut batches to the prover, submits proven batches
// strictly in order, and follows what the chain settled. After any failure it re-reads the chain and resumes from
// what the chain holds; it never builds a second batch with a number the engine already cut, so it cannot fork:
// if the chain ever disagrees with a batch the engine built, it halts the sequencer instead of guessing.
import type { BatchRecord } from "./engine/engine.js";
import type { L1Port, ProofResult, ProverPort } from "./ports.js";
import { Sequencer } from "./service.js";

export interface PipelineOptions {
  readonly pollMs: number;
  readonly retryMs: number;
  readonly maxL1ItemsPerPoll: number;
  /** Leaf salt for the deposit at a queue index; random by default (tests pin it to compare against a replay). */
  readonly depositSalt?: (queueIndex: bigint) => bigint;
}

export class BatchPipeline {
  private readonly proofs = new Map<bigint, ProofResult>();
  private readonly proving = new Set<bigint>();
  private l1Batch = 0n;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private retryAfter = 0;
  private stepPromise: Promise<void> = Promise.resolve();
  /** Last L1 or prover error, shown by /health. */
  lastError: string | null = null;

  constructor(
    private readonly seq: Sequencer,
    private readonly l1: L1Port,
    private readonly prover: ProverPort,
    private readonly opts: PipelineOptions,
  ) {}

  get settledOnL1(): bigint {
    return this.l1Batch;
  }

  async start(): Promise<void> {
    await this.reconcile();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.stepPromise;
  }

  /** Runs one step now and waits for it (tests use it to drive the pipeline deterministically). */
  async kick(): Promise<void> {
    await this.stepPromise;
    this.stepPromise = this.step();
    await this.stepPromise;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.stepPromise = this.step().finally(() => this.schedule(this.opts.pollMs));
    }, ms);
  }

  private async step(): Promise<void> {
    if (this.running || this.stopped || this.seq.halted) return;
    this.running = true;
    try {
      await this.ingest();
      await this.seq.tick();
      this.ensureProofs();
      await this.submitNext();
    } catch (e) {
      this.lastError = (e as Error).message;
      this.seq.log.warn({ err: this.lastError }, "pipeline step failed");
    } finally {
      this.running = false;
    }
  }

  /** Reads the chain and makes the engine's settled view match it, halting on any disagreement. */
  async reconcile(): Promise<void> {
    const st = await this.l1.getSettled();
    const engine = this.seq.engine;
    const ours = engine.lastSettled;
    if (st.batchNumber < ours.number) {
      this.seq.halt(
        `L1 reports batch ${st.batchNumber} settled but the journal recorded ${ours.number}: the chain went backwards`,
      );
      return;
    }
    if (st.batchNumber === ours.number) {
      if (st.root !== ours.state.root)
        this.seq.halt(`L1 root at batch ${st.batchNumber} differs from the sequencer's`);
      this.l1Batch = st.batchNumber;
      return;
    }
    const rec = engine.unsettledBatches().find((b) => b.number === st.batchNumber);
    if (!rec) {
      this.seq.halt(`L1 settled batch ${st.batchNumber}, which this sequencer never built`);
      return;
    }
    if (rec.result.publicInputs.newRoot !== st.root) {
      this.seq.halt(`L1 root at batch ${st.batchNumber} differs from the batch this sequencer built`);
      return;
    }
    this.l1Batch = st.batchNumber;
    await this.seq.exec({ kind: "settled", batchNumber: st.batchNumber.toString() });
    for (const b of [...this.proofs.keys()]) if (b <= st.batchNumber) this.proofs.delete(b);
  }

  private async ingest(): Promise<void> {
    const engine = this.seq.engine;
    const deposits = await this.l1.getDeposits(engine.nextDepositIndex, this.opts.maxL1ItemsPerPoll);
    for (const d of deposits) {
      if (d.index !== engine.nextDepositIndex) break;
      try {
        await this.seq.exec({
          kind: "deposit",
          queueIndex: d.index.toString(),
          l1Address: d.l1Address.toString(),
          accountIndex: d.accountIndex.toString(),
          pubKeyX: d.pubKeyX.toString(),
          pubKeyY: d.pubKeyY.toString(),
          asset: d.asset,
          amount: d.amount.toString(),
          salt: (this.opts.depositSalt ?? (() => Sequencer.randomSalt()))(d.index).toString(),
        });
      } catch (e) {
        // The contract admitted a deposit the model refuses: the queue cannot advance past it.
        this.seq.halt(`deposit ${d.index} cannot be consumed: ${(e as Error).message}`);
        return;
      }
    }
    const forced = await this.l1.getForcedRequests(engine.nextForcedIndex, this.opts.maxL1ItemsPerPoll);
    for (const f of forced) {
      if (f.index !== engine.nextForcedIndex) break;
      const r = f.request;
      await this.seq.exec({
        kind: "forced",
        queueIndex: f.index.toString(),
        deadlineMs: f.deadlineMs,
        request: {
          kind: r.kind,
          accountIndex: r.accountIndex.toString(),
          pubKeyX: r.pubKeyX.toString(),
          pubKeyY: r.pubKeyY.toString(),
          asset: r.asset,
          amount: r.amount.toString(),
          l1Address: r.l1Address.toString(),
        },
      });
    }
  }

  private ensureProofs(): void {
    for (const rec of this.seq.engine.unsettledBatches()) {
      if (rec.number <= this.l1Batch || this.proofs.has(rec.number) || this.proving.has(rec.number)) continue;
      const row = this.seq.journal.getBatch(rec.number);
      const pih = rec.result.publicInputHash.toString();
      if (row?.proof && row.publicInputHash === pih) {
        const stored = JSON.parse(row.proof) as { prover: string; proof: unknown };
        this.proofs.set(rec.number, {
          batchNumber: rec.number,
          publicInputHash: rec.result.publicInputHash,
          ...stored,
        });
        continue;
      }
      this.startProof(rec);
    }
  }

  private startProof(rec: BatchRecord): void {
    this.proving.add(rec.number);
    this.status(rec, "proving", null, null, null);
    const job = {
      batchNumber: rec.number,
      publicInputHash: rec.result.publicInputHash,
      publicInputs: rec.result.publicInputs,
      header: rec.header,
      ops: rec.ops,
      witness: rec.result,
      base: rec.base,
    };
    void this.prover
      .enqueue(job)
      .then((id) => this.prover.result(id))
      .then((res) => {
        if (res.publicInputHash !== rec.result.publicInputHash)
          throw new Error("prover answered for another public input");
        this.proofs.set(rec.number, res);
        this.status(rec, "proven", JSON.stringify({ prover: res.prover, proof: res.proof }), null, null);
        this.seq.metrics.batches.inc({ stage: "proven" });
      })
      .catch((e: Error) => {
        this.lastError = `proof of batch ${rec.number}: ${e.message}`;
        this.status(rec, "failed", null, null, this.lastError);
        this.seq.log.warn({ batch: rec.number.toString(), err: e.message }, "proof failed; will retry");
      })
      .finally(() => this.proving.delete(rec.number));
  }

  private status(
    rec: BatchRecord,
    stage: "proving" | "proven" | "submitted" | "settled" | "failed",
    proof: string | null,
    tx: string | null,
    error: string | null,
  ): void {
    // A proof may come back after stop(): the journal is closed by then and the next start re-proves from it.
    if (this.stopped) return;
    const prev = this.seq.journal.getBatch(rec.number);
    this.seq.journal.putBatch({
      number: rec.number,
      stage,
      publicInputHash: rec.result.publicInputHash.toString(),
      proof: proof ?? prev?.proof ?? null,
      txHash: tx ?? prev?.txHash ?? null,
      error,
      updatedMs: Date.now(),
    });
  }

  private async submitNext(): Promise<void> {
    if (Date.now() < this.retryAfter) return;
    const next = this.l1Batch + 1n;
    const rec = this.seq.engine.unsettledBatches().find((b) => b.number === next);
    const proof = this.proofs.get(next);
    if (!rec || !proof) return;
    this.status(rec, "submitted", null, null, null);
    try {
      const receipt = await this.l1.submitBatch({
        batchNumber: next,
        publicInputs: rec.result.publicInputs,
        publicInputHash: rec.result.publicInputHash,
        proof,
        l1Effects: rec.result.l1Effects,
        oracleReports: rec.reports,
      });
      this.seq.metrics.batches.inc({ stage: "settled" });
      this.status(rec, "settled", null, receipt.txHash, null);
      this.l1Batch = next;
      this.proofs.delete(next);
      await this.seq.exec({ kind: "settled", batchNumber: next.toString() });
      this.lastError = null;
    } catch (e) {
      this.lastError = `submit batch ${next}: ${(e as Error).message}`;
      this.status(rec, "failed", null, null, this.lastError);
      this.seq.log.warn(
        { batch: next.toString(), err: (e as Error).message },
        "submission failed; re-reading L1",
      );
      this.retryAfter = Date.now() + this.opts.retryMs;
      // The transaction may have landed even though we saw an error: the chain is the truth.
      await this.reconcile();
    }
  }

  /** New batches are picked up by the next step (ensureProofs reads the engine); this only updates metrics. */
  onBatches(recs: readonly BatchRecord[]): void {
    this.seq.metrics.batches.inc({ stage: "built" }, recs.length);
    this.seq.metrics.unsettledBatches.set(this.seq.engine.unsettledBatches().length);
  }
}
