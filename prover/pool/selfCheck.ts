// The prover's last gate: every proof is verified against the verification key before it is handed on, because a
// wrong proof that reaches L1 costs a reverted transaction and a stalled rollup, while a check here costs a few
// milliseconds of pairings. A failed check is an error (SELF_CHECK_FAILED), never a returned proof.
import { readFile } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import { ProverError, messageOf } from "../backend/errors.js";
import { leaseSharedCurve, type CurveLease } from "../backend/sharedCurve.js";
import type { ProofResult } from "../backend/types.js";

/** snarkjs's verification key JSON (what `zkey export verificationkey` writes); only what is checked is typed. */
export interface VerificationKey {
  readonly protocol: string;
  readonly curve: string;
  readonly nPublic: number;
  readonly [k: string]: unknown;
}

export async function readVerificationKey(path: string): Promise<VerificationKey> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new ProverError("FILE_NOT_FOUND", `cannot read verification key ${path}: ${messageOf(e)}`, {
      cause: e,
    });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ProverError("BAD_ZKEY", `${path} is not a verification key JSON: ${messageOf(e)}`, {
      cause: e,
    });
  }
  const k = v as Partial<VerificationKey> | null;
  if (typeof k !== "object" || k === null || k.protocol !== "groth16" || k.curve !== "bn128") {
    throw new ProverError("BAD_ZKEY", `${path} is not a bn128 Groth16 verification key`);
  }
  if (typeof k.nPublic !== "number") throw new ProverError("BAD_ZKEY", `${path} has no nPublic`);
  return k as VerificationKey;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * groth16.verify on the shared curve, which the caller must hold (a backend or a Verifier does): snarkjs would
 * otherwise build a multi-threaded curve that nobody terminates.
 */
async function verifyOnHeldCurve(
  vkey: VerificationKey,
  r: ProofResult,
): Promise<{ ok: boolean; why: string }> {
  if (r.publicSignals.length !== vkey.nPublic) {
    return { ok: false, why: `${r.publicSignals.length} public signals, the key expects ${vkey.nPublic}` };
  }
  try {
    const ok: unknown = await snarkjs.groth16.verify(vkey, r.publicSignals, r.proof, silent);
    return ok === true ? { ok: true, why: "" } : { ok: false, why: "groth16.verify rejected the proof" };
  } catch (e) {
    return { ok: false, why: `groth16.verify failed: ${messageOf(e)}` };
  }
}

/** Throws SELF_CHECK_FAILED unless `r` verifies under `vkey`. Needs the shared curve held (see Verifier). */
export async function assertVerifies(vkey: VerificationKey, r: ProofResult, what = "proof"): Promise<void> {
  const { ok, why } = await verifyOnHeldCurve(vkey, r);
  if (!ok) throw new ProverError("SELF_CHECK_FAILED", `${what} failed its self-check: ${why}`);
}

/** Holds the shared curve across many checks (building it costs ~0.5 s). */
export class Verifier {
  private constructor(private readonly lease: CurveLease) {}

  static async open(threads?: number): Promise<Verifier> {
    return new Verifier(await leaseSharedCurve(threads));
  }

  async verify(vkey: VerificationKey, r: ProofResult): Promise<boolean> {
    return (await verifyOnHeldCurve(vkey, r)).ok;
  }

  async check(vkey: VerificationKey, r: ProofResult, what?: string): Promise<void> {
    await assertVerifies(vkey, r, what);
  }

  async close(): Promise<void> {
    await this.lease.release();
  }
}

/** One-off check (leases the curve for the call). */
export async function selfCheck(vkey: VerificationKey, r: ProofResult, what?: string): Promise<void> {
  const v = await Verifier.open();
  try {
    await v.check(vkey, r, what);
  } finally {
    await v.close();
  }
}
