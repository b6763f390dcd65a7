// The two boundaries the sequencer's core talks through. The chain (deposits, forced requests, settlement) and the
// prover are reached only through these interfaces, so the in-memory development adapters and the real ethers /
// snarkjs adapters are interchangeable without touching matching, batching or recovery.
import type {
  BatchHeader,
  BatchResult,
  ForcedRequest,
  L1EffectEntry,
  Op,
  PublicInputs,
  RollupState,
} from "../protocol/index.js";
import type { SignedPriceReport } from "./oracle/report.js";

/** What the rollup contract holds now (PROTOCOL §4.4). */
export interface L1SettledState {
  /** Number of the last settled batch (0 = genesis). */
  readonly batchNumber: bigint;
  readonly root: bigint;
  /** Deposit queue: how many deposits batches have consumed, and the rolling hash at that position. */
  readonly depositsConsumed: bigint;
  readonly depositHash: bigint;
  readonly forcedConsumed: bigint;
  readonly forcedHash: bigint;
  readonly fundingIndices: readonly bigint[];
}

/** One entry of the contract's deposit queue, exactly as hashed into its rolling hash (PROTOCOL §7.1). */
export interface L1Deposit {
  readonly index: bigint;
  readonly l1Address: bigint;
  readonly accountIndex: bigint;
  readonly pubKeyX: bigint;
  readonly pubKeyY: bigint;
  readonly asset: number;
  readonly amount: bigint;
}

export interface L1ForcedRequest {
  readonly index: bigint;
  readonly request: ForcedRequest;
  /** After this (unix ms) anyone may freeze the rollup if the request is still unserved. */
  readonly deadlineMs: number;
}

export interface BatchSubmission {
  readonly batchNumber: bigint;
  readonly publicInputs: PublicInputs;
  readonly publicInputHash: bigint;
  readonly proof: ProofResult;
  /** Effects the contract credits; it recomputes their hash and compares it with the public input. */
  readonly l1Effects: readonly L1EffectEntry[];
  /** The signed reports behind the batch's prices (empty when the prices are the configured genesis prices). */
  readonly oracleReports: readonly SignedPriceReport[];
}

export interface SubmitReceipt {
  readonly txHash: string;
  readonly blockNumber: bigint;
}

export interface L1Port {
  readonly name: string;
  getSettled(): Promise<L1SettledState>;
  /** Deposits with queue index ≥ fromIndex, in queue order, at most `max`. */
  getDeposits(fromIndex: bigint, max: number): Promise<readonly L1Deposit[]>;
  getForcedRequests(fromIndex: bigint, max: number): Promise<readonly L1ForcedRequest[]>;
  /** Resolves once the settlement transaction is included; rejects if it reverts or cannot be sent. */
  submitBatch(s: BatchSubmission): Promise<SubmitReceipt>;
  close?(): Promise<void>;
}

/** Everything a prover may need: the witness for a circuit prover, the base state and ops for a model replay. */
export interface ProofJob {
  readonly batchNumber: bigint;
  readonly publicInputHash: bigint;
  readonly publicInputs: PublicInputs;
  readonly header: BatchHeader;
  readonly ops: readonly Op[];
  readonly witness: BatchResult;
  readonly base: RollupState;
}

export interface ProofResult {
  readonly batchNumber: bigint;
  readonly publicInputHash: bigint;
  /** Which backend produced it (a development adapter says so here, so its output is never mistaken for a proof). */
  readonly prover: string;
  /** JSON-serialisable proof object (Groth16 `{pi_a, pi_b, pi_c}` for a real prover). */
  readonly proof: unknown;
}

export interface ProverPort {
  readonly name: string;
  /** Queues a job; resolves with its id as soon as it is queued. */
  enqueue(job: ProofJob): Promise<string>;
  /** Resolves with the proof once proven; rejects if proving failed. */
  result(jobId: string): Promise<ProofResult>;
  close?(): Promise<void>;
}
