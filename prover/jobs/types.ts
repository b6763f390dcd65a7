// The proof job records the queue keeps and the store persists. A job names its circuit by the main and parameter
// set circuits/mains.ts builds (so the prover finds the wasm and zkey, and the queue the verification key, by the
// same id) and points at its payload instead of carrying it: a prod batch witness input is megabytes.
export interface CircuitId {
  /** A main of circuits/mains.ts, e.g. "batch". */
  readonly main: string;
  /** A parameter set, e.g. "test". */
  readonly set: string;
}

/** "<set>/<main>": how artifacts manifests and the lease filter name a circuit. */
export function circuitKey(c: CircuitId): string {
  return `${c.set}/${c.main}`;
}

export const CIRCUIT_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * "input": the circuit's input signals as JSON (the prover computes the witness with the circuit's wasm);
 * "wtns": a witness file snarkjs can prove directly (binary).
 */
export type PayloadKind = "input" | "wtns";

export interface Groth16Proof {
  readonly pi_a: readonly string[];
  readonly pi_b: readonly (readonly string[])[];
  readonly pi_c: readonly string[];
  readonly protocol: "groth16";
  readonly curve: "bn128";
}

export interface ProofOutput {
  readonly proof: Groth16Proof;
  /** Decimal strings, in the order snarkjs gives them (outputs, then public inputs). */
  readonly publicSignals: readonly string[];
}

/**
 * queued: waiting for a prover. leased: a prover holds it until `lease.expiresAt` (then it is leasable again).
 * verifying: a completion is being checked; nobody else may lease or complete it meanwhile.
 * done: proven, exactly one accepted result. failed: given up (bad input, or too many attempts).
 */
export type JobStatus = "queued" | "leased" | "verifying" | "done" | "failed";

export interface Lease {
  readonly id: string;
  readonly workerId: string;
  readonly grantedAt: number;
  readonly expiresAt: number;
}

export interface JobResult extends ProofOutput {
  readonly workerId: string;
  readonly leaseId: string;
  readonly completedAt: number;
}

export interface JobRecord {
  readonly id: string;
  /** Insertion order: leases go oldest first. */
  readonly seq: number;
  readonly circuit: CircuitId;
  readonly payloadKind: PayloadKind;
  readonly payloadRef: string;
  /** When the enqueuer knows the statement (e.g. the batch's public input hash), a proof of anything else is refused. */
  readonly expectedPublicSignals?: readonly string[];
  readonly status: JobStatus;
  readonly createdAt: number;
  /** Leases granted so far. */
  readonly attempts: number;
  readonly lease?: Lease;
  readonly result?: JobResult;
  readonly lastError?: string;
  /** Bumped on every write; the store's compare-and-set key. */
  readonly version: number;
}
