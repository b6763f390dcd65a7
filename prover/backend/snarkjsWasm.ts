// The first ProverBackend: snarkjs's groth16.prove on ffjavascript's WASM curve. The curve (and with it the WASM
// threads) is leased once per backend and reused for every proof, then given back on close() — building it costs
// ~0.5 s, and a curve nobody terminates keeps node alive. Proofs are queued, not interleaved: two proofs at once
// would each hold the whole key and witness in memory and still share the same threads.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import * as snarkjs from "snarkjs";
import { ProverError, messageOf } from "./errors.js";
import { leaseSharedCurve, type CurveLease } from "./sharedCurve.js";
import { readZkeyShape } from "./zkey.js";
import { readWtnsHeader } from "../witness/wtns.js";
import type {
  BackendFactory,
  BackendOptions,
  Groth16Proof,
  ProofResult,
  ProveOptions,
  ProverBackend,
  WitnessSource,
} from "./types.js";

export const SNARKJS_WASM = "snarkjs-wasm";

/** The steps of snarkjs's groth16 prover, recognised from its debug log lines. */
const STAGES: readonly { readonly name: string; readonly match: (line: string) => boolean }[] = [
  { name: "read witness", match: (l) => l.startsWith("Reading Wtns") },
  { name: "QAP", match: (l) => l.startsWith("Building ABC") },
  { name: "FFT", match: (l) => /^I?FFT_[ABC]/.test(l) },
  { name: "join ABC", match: (l) => l.startsWith("Join ABC") },
  { name: "multiexp A", match: (l) => l.startsWith("Reading A Points") },
  { name: "multiexp B1", match: (l) => l.startsWith("Reading B1 Points") },
  { name: "multiexp B2", match: (l) => l.startsWith("Reading B2 Points") },
  { name: "multiexp C", match: (l) => l.startsWith("Reading C Points") },
  { name: "multiexp H", match: (l) => l.startsWith("Reading H Points") },
];

interface SnarkjsLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

function progressLogger(options: ProveOptions | undefined): SnarkjsLogger | undefined {
  const report = options?.onProgress;
  if (!report) return undefined;
  let at = -1;
  const noop = (): void => {};
  return {
    debug(msg: string) {
      const i = STAGES.findIndex((s, k) => k > at && s.match(msg));
      if (i > at) {
        at = i;
        report(STAGES[i]!.name, i, STAGES.length);
      }
    },
    info: noop,
    warn: noop,
    error: noop,
  };
}

function isStringArray(v: unknown, len?: number): v is string[] {
  return Array.isArray(v) && (len === undefined || v.length === len) && v.every((x) => typeof x === "string");
}

/** Checks the shape snarkjs returned, so a changed snarkjs cannot hand on something that is not a proof. */
export function asProofResult(proof: unknown, publicSignals: unknown): ProofResult {
  const p = proof as Record<string, unknown> | null;
  if (
    typeof p !== "object" ||
    p === null ||
    !isStringArray(p.pi_a, 3) ||
    !Array.isArray(p.pi_b) ||
    p.pi_b.length !== 3 ||
    !p.pi_b.every((row) => isStringArray(row, 2)) ||
    !isStringArray(p.pi_c, 3) ||
    p.protocol !== "groth16" ||
    p.curve !== "bn128"
  ) {
    throw new ProverError("PROVE_FAILED", "the prover returned something that is not a bn128 Groth16 proof");
  }
  if (!isStringArray(publicSignals))
    throw new ProverError("PROVE_FAILED", "the prover returned no public signals");
  return { proof: p as unknown as Groth16Proof, publicSignals };
}

/** The witness as bytes, checked against the key: a typed error now rather than snarkjs's mid-proof one. */
async function witnessFor(zkeyPath: string, witness: WitnessSource): Promise<Uint8Array> {
  const shape = await readZkeyShape(zkeyPath);
  let bytes: Uint8Array;
  if (typeof witness === "string") {
    if (!existsSync(witness)) throw new ProverError("FILE_NOT_FOUND", `witness file ${witness} not found`);
    bytes = new Uint8Array(await readFile(witness));
  } else bytes = witness;
  const { nWitness } = readWtnsHeader(bytes);
  if (nWitness !== shape.nVars) {
    throw new ProverError(
      "BAD_WITNESS",
      `the witness has ${nWitness} values, ${zkeyPath} expects ${shape.nVars}: a witness of another circuit`,
    );
  }
  return bytes;
}

/** snarkjs's own messages for a key/witness mismatch, turned into codes. */
function classify(e: unknown, zkeyPath: string): ProverError {
  const msg = messageOf(e);
  if (e instanceof ProverError) return e;
  if (/Invalid witness length|Curve of the witness|wtns/i.test(msg)) {
    return new ProverError("BAD_WITNESS", `witness does not fit ${zkeyPath}: ${msg}`, { cause: e });
  }
  if (/zkey|Invalid File format|not groth16/i.test(msg)) {
    return new ProverError("BAD_ZKEY", `${zkeyPath}: ${msg}`, { cause: e });
  }
  return new ProverError("PROVE_FAILED", `snarkjs groth16.prove failed: ${msg}`, { cause: e });
}

export class SnarkjsWasmBackend implements ProverBackend {
  readonly name = SNARKJS_WASM;
  private lease: Promise<CurveLease> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: BackendOptions = {}) {}

  /** Builds the curve now rather than in the first proof, so a pool worker reports ready only when it is. */
  async open(): Promise<this> {
    this.lease ??= leaseSharedCurve(this.options.threads);
    await this.lease;
    return this;
  }

  prove(zkeyPath: string, witness: WitnessSource, options?: ProveOptions): Promise<ProofResult> {
    if (this.closed)
      return Promise.reject(new ProverError("BACKEND_CLOSED", `${this.name} backend is closed`));
    const run = this.queue.then(() => this.proveNow(zkeyPath, witness, options));
    this.queue = run.catch(() => {});
    return run;
  }

  private async proveNow(
    zkeyPath: string,
    witness: WitnessSource,
    options?: ProveOptions,
  ): Promise<ProofResult> {
    if (this.closed) throw new ProverError("BACKEND_CLOSED", `${this.name} backend is closed`);
    const bytes = await witnessFor(zkeyPath, witness);
    await this.open();
    let out: { proof: unknown; publicSignals: unknown };
    try {
      out = (await snarkjs.groth16.prove(zkeyPath, bytes, progressLogger(options))) as typeof out;
    } catch (e) {
      throw classify(e, zkeyPath);
    }
    options?.onProgress?.("done", STAGES.length, STAGES.length);
    return asProofResult(out.proof, out.publicSignals);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    const lease = this.lease;
    this.lease = undefined;
    if (lease) await (await lease).release();
  }
}

export const snarkjsWasmFactory: BackendFactory = {
  name: SNARKJS_WASM,
  description:
    "snarkjs groth16.prove on ffjavascript's WASM curve (multi-threaded, or one thread with threads=1)",
  async probe(options?: BackendOptions) {
    const threads = options?.threads === 1 ? 1 : availableParallelism();
    return {
      available: true,
      note: threads === 1 ? "one WASM thread" : `${threads} WASM threads (one per core)`,
      threads,
    };
  },
  async create(options?: BackendOptions) {
    return new SnarkjsWasmBackend(options).open();
  },
};
