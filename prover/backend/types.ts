// The two seams of the prover: a ProverBackend turns (zkey, witness) into a Groth16 proof, a WitnessGenerator
// turns circuit inputs into a .wtns. Callers (pool, daemon, CLI, bench) only see these interfaces and pick an
// implementation by name through a registry, so a native (rapidsnark-style) or GPU backend, or a faster witness
// generator, slots in by registering a factory: no caller changes, and `probe()` lets a caller ask whether the
// machine can run it before choosing.
import type { CircuitInput, CircuitInputs } from "../../circuits/tooling/witness.js";

export type { CircuitInput, CircuitInputs };

/** snarkjs's Groth16 proof JSON (decimal strings, projective coordinates), as `snarkjs groth16 prove` writes it. */
export interface Groth16Proof {
  readonly pi_a: readonly string[];
  readonly pi_b: readonly (readonly string[])[];
  readonly pi_c: readonly string[];
  readonly protocol: "groth16";
  readonly curve: "bn128";
}

/** Public signals in the verifier's order: the main's outputs, then its public inputs (decimal strings). */
export type PublicSignals = readonly string[];

export interface ProofResult {
  readonly proof: Groth16Proof;
  readonly publicSignals: PublicSignals;
}

/** A witness in circom's .wtns format: its bytes, or the path of a .wtns file. */
export type WitnessSource = Uint8Array | string;

/** Called at each step of a long operation; `done` counts finished steps out of `total`. */
export type ProgressCallback = (stage: string, done: number, total: number) => void;

export interface ProveOptions {
  readonly onProgress?: ProgressCallback;
}

export interface ProverBackend {
  /** Registry name, e.g. "snarkjs-wasm". */
  readonly name: string;
  /** Proves one witness against one zkey. Safe to call again after a failure; concurrent calls are queued. */
  prove(zkeyPath: string, witness: WitnessSource, options?: ProveOptions): Promise<ProofResult>;
  /** Releases threads, processes or device memory. Idempotent; prove() after close() fails with BACKEND_CLOSED. */
  close(): Promise<void>;
}

export interface BackendCapabilities {
  readonly available: boolean;
  /** Why it is unavailable (what to install), or a note on how it will run. */
  readonly note: string;
  /** Threads (or devices) one instance uses at full load; the pool sizes itself from it. */
  readonly threads: number;
}

export interface BackendOptions {
  /** Threads for one proof; 1 keeps a backend on one core (one proof per pool worker). Default: every core. */
  readonly threads?: number;
}

export interface BackendFactory {
  readonly name: string;
  readonly description: string;
  probe(options?: BackendOptions): Promise<BackendCapabilities>;
  create(options?: BackendOptions): Promise<ProverBackend>;
}

/** Inputs → .wtns bytes for one compiled circuit. */
export interface WitnessGenerator {
  /** "wasm" or "native". */
  readonly kind: string;
  /** sha256 of the .r1cs the generator was compiled with (its wires are that R1CS's wires). */
  readonly r1csSha256: string;
  /** Throws ProverError WITNESS_FAILED when the inputs violate a constraint or an assert of the circuit. */
  generate(inputs: CircuitInputs): Promise<Uint8Array>;
  close(): Promise<void>;
}
