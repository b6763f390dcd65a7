// What one daemon slot does with a leased job's payload: circuit inputs → witness (circom's WASM calculator, run by
// snarkjs's wtns.calculate) → proof, through a ProverBackend of prover/backend (snarkjs-wasm by default; a native or
// GPU backend is a registry name away). Each slot gets its own backend, so `--concurrency N` means N proofs in
// flight when the backend can run them side by side.
import * as snarkjs from "snarkjs";
import { createBackend } from "../backend/registry.js";
import type { ProverBackend } from "../backend/types.js";
import type { CircuitArtifacts } from "../jobs/artifacts.js";
import type { PayloadKind, ProofOutput } from "../jobs/types.js";

/** A failure another prover would hit too (the input does not satisfy the circuit): the job fails for good. */
export class InputRejected extends Error {
  override readonly name = "InputRejected";
}

// circom's witness calculator messages for inputs that cannot satisfy the circuit.
const INPUT_ERRORS =
  /Assert Failed|Not enough values|Too many values|Signal not found|Not all inputs have been set|Invalid input/i;

/** circuit inputs (decimal strings) → .wtns bytes. Runs on this thread: keep lease TTLs above its duration. */
export async function witnessFromInput(
  input: Record<string, unknown>,
  wasmPath: string,
): Promise<Uint8Array> {
  const out: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  try {
    await snarkjs.wtns.calculate(input, wasmPath, out);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (INPUT_ERRORS.test(msg)) throw new InputRejected(`witness: ${msg.trim()}`);
    throw e;
  }
  if (!(out.data instanceof Uint8Array)) throw new Error("snarkjs wtns.calculate produced no witness");
  return out.data;
}

export interface SlotProver {
  prove(artifacts: CircuitArtifacts, kind: PayloadKind, payload: Uint8Array): Promise<ProofOutput>;
  close(): Promise<void>;
}

/** The default slot prover: witness as above, proof by the named backend. */
export async function backendSlotProver(backendName?: string): Promise<SlotProver> {
  const backend: ProverBackend = await createBackend(backendName);
  return {
    async prove(artifacts, kind, payload) {
      if (!artifacts.zkey) throw new Error("no zkey for this circuit");
      let witness: Uint8Array;
      if (kind === "wtns") {
        witness = payload;
      } else {
        if (!artifacts.wasm) throw new Error("no wasm witness calculator for this circuit");
        let input: unknown;
        try {
          input = JSON.parse(Buffer.from(payload).toString("utf8"));
        } catch {
          throw new InputRejected("the job's input is not JSON");
        }
        if (typeof input !== "object" || input === null || Array.isArray(input)) {
          throw new InputRejected("the job's input is not an object of signals");
        }
        witness = await witnessFromInput(input as Record<string, unknown>, artifacts.wasm);
      }
      const r = await backend.prove(artifacts.zkey, witness);
      return { proof: r.proof, publicSignals: r.publicSignals };
    },
    close: () => backend.close(),
  };
}
