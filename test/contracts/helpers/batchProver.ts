// Real batch proofs for the contract tests: the batch circuit of the `test` set (circuits/batch/batch.circom) with
// its INSECURE development keys (prover/keys), the witness from the protocol model's BatchResult
// (circuits/tooling/batchWitness.ts), the snarkjs WASM backend (prover/backend) — the same path the operator's
// prover takes. Before any proof it checks that the committed verifier (contracts/verifiers/generated/
// BatchTestInsecureDevVerifier.sol) is what those keys export, so the contract under test verifies with exactly the
// keys the proofs come from.
//
// A proof takes ~16 s on 2 cores, so proofs are cached on disk under build/contracts-test/proofs, keyed by the R1CS
// fingerprint, the setup seed and the complete circuit input (which holds the publicInputHash and with it the chain
// id, contract address, roots and queue hashes): a cached proof is only ever reused for the identical statement,
// and still goes through the on-chain verifier like a fresh one.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BatchResult } from "../../../protocol/index.js";
import { batchWitness } from "../../../circuits/tooling/batchWitness.js";
import { SnarkjsWasmBackend } from "../../../prover/backend/snarkjsWasm.js";
import type { Groth16Proof } from "../../../prover/backend/types.js";
import type { MainKeys } from "../../../prover/keys/devKeys.js";
import { canonicalInputs } from "../../../prover/witness/inputs.js";
import { WasmWitnessGenerator } from "../../../prover/witness/wasm.js";
import { exportBatchVerifier, staleMessage } from "../../../contracts/codegen/batchVerifier.js";

const PROOF_CACHE = join("build", "contracts-test", "proofs");

export interface Groth16Calldata {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

/** snarkjs's proof → the verifier's calldata layout (affine points; G2 limbs swapped, as exportSolidityCallData does). */
export function toCalldata(p: Pick<Groth16Proof, "pi_a" | "pi_b" | "pi_c">): Groth16Calldata {
  const n = (s: string | undefined): bigint => BigInt(s ?? "0");
  return {
    a: [n(p.pi_a[0]), n(p.pi_a[1])],
    b: [
      [n(p.pi_b[0]?.[1]), n(p.pi_b[0]?.[0])],
      [n(p.pi_b[1]?.[1]), n(p.pi_b[1]?.[0])],
    ],
    c: [n(p.pi_c[0]), n(p.pi_c[1])],
  };
}

/** Turns a batch the model built into calldata for submitBatch's proof. */
export interface BatchProver {
  readonly kind: "stand-in" | "batch";
  prove(result: BatchResult): Promise<Groth16Calldata>;
  close(): Promise<void>;
}

let checked: Promise<MainKeys> | undefined;

/**
 * The batch@test keys, after checking that the committed verifier is what they export (throws with the command that
 * regenerates it otherwise). Builds the keys on first use (~1 min compile, minutes of dev setup), then cached.
 */
export function ensureBatchVerifier(): Promise<MainKeys> {
  checked ??= (async () => {
    const e = await exportBatchVerifier("test", { log: () => {} });
    if (!e.fresh) throw new Error(staleMessage(e));
    return e.keys;
  })();
  return checked;
}

interface CachedProof {
  readonly proof: Groth16Proof;
  readonly publicSignals: readonly string[];
}

const open = new Set<RealBatchProver>();

export class RealBatchProver implements BatchProver {
  readonly kind = "batch";
  /** Proofs made (not from the cache) by this prover, for the tests' own bookkeeping. */
  proved = 0;
  private gen: Promise<WasmWitnessGenerator> | undefined;
  private backend: SnarkjsWasmBackend | undefined;

  private constructor(readonly keys: MainKeys) {}

  static async create(): Promise<RealBatchProver> {
    const p = new RealBatchProver(await ensureBatchVerifier());
    open.add(p);
    return p;
  }

  private cacheKey(inputs: unknown): string {
    return createHash("sha256")
      .update(`${this.keys.r1csSha256}\n${this.keys.seed}\n`)
      .update(JSON.stringify(inputs))
      .digest("hex");
  }

  async prove(result: BatchResult): Promise<Groth16Calldata> {
    const inputs = canonicalInputs(batchWitness(result).inputs);
    const want = [result.publicInputHash.toString()];
    const path = join(PROOF_CACHE, `${this.cacheKey(inputs)}.json`);
    if (existsSync(path)) {
      const hit = JSON.parse(readFileSync(path, "utf8")) as CachedProof;
      if (JSON.stringify(hit.publicSignals) === JSON.stringify(want)) return toCalldata(hit.proof);
    }
    const { wasmPath, witnessCalculatorPath, r1csPath } = this.keys.artifacts;
    if (!wasmPath || !witnessCalculatorPath) throw new Error("batch@test was compiled without --wasm");
    this.gen ??= WasmWitnessGenerator.load({ wasmPath, witnessCalculatorPath, r1csPath });
    const wtns = await (await this.gen).generate(inputs);
    this.backend ??= await new SnarkjsWasmBackend().open();
    const r = await this.backend.prove(this.keys.zkeyPath, wtns);
    if (JSON.stringify(r.publicSignals) !== JSON.stringify(want)) {
      throw new Error(`the batch proof's public signals ${r.publicSignals.join(",")} are not [${want[0]}]`);
    }
    this.proved++;
    mkdirSync(PROOF_CACHE, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    writeFileSync(
      tmp,
      JSON.stringify({ proof: r.proof, publicSignals: r.publicSignals } satisfies CachedProof),
    );
    renameSync(tmp, path);
    return toCalldata(r.proof);
  }

  async close(): Promise<void> {
    open.delete(this);
    await (await this.gen)?.close();
    await this.backend?.close();
    this.backend = undefined;
  }
}

/** Closes every real prover of this process (their WASM threads keep node alive otherwise). */
export async function closeBatchProvers(): Promise<void> {
  for (const p of [...open]) await p.close();
}
