// Checking a prover's answer before the queue accepts it: the shape first (a proof is three points as decimal
// strings), then snarkjs's groth16.verify against the circuit's verification key. The public signal count is checked
// here because snarkjs verifies a shorter list as if the missing signals were zero, so dropping a zero-valued signal
// would still verify. Verification runs on snarkjs's process-wide curve, leased through prover/backend/sharedCurve.ts
// like the proving backends do, so the queue keeps it across proofs and never terminates one someone else uses.
import * as snarkjs from "snarkjs";
import { leaseSharedCurve, type CurveLease } from "../backend/sharedCurve.js";
import type { Groth16Proof, ProofOutput } from "./types.js";

/** BN254 scalar field order r: public signals are field elements below it. */
const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

function fieldElement(x: unknown, modulus: bigint): boolean {
  return typeof x === "string" && DECIMAL.test(x) && BigInt(x) < modulus;
}

function coords(x: unknown, n: number): x is string[] {
  return Array.isArray(x) && x.length === n && x.every((v) => fieldElement(v, BN254_Q));
}

/** A Groth16 proof as snarkjs writes it: pi_a, pi_c projective G1 (3 coordinates), pi_b G2 (3 pairs). */
export function isGroth16ProofShape(p: unknown): p is Groth16Proof {
  if (typeof p !== "object" || p === null) return false;
  const o = p as Record<string, unknown>;
  return (
    o.protocol === "groth16" &&
    o.curve === "bn128" &&
    coords(o.pi_a, 3) &&
    coords(o.pi_c, 3) &&
    Array.isArray(o.pi_b) &&
    o.pi_b.length === 3 &&
    o.pi_b.every((c) => coords(c, 2))
  );
}

export function isPublicSignals(s: unknown): s is string[] {
  return Array.isArray(s) && s.every((x) => fieldElement(x, BN254_R));
}

export interface VerificationKey {
  readonly protocol: string;
  readonly curve: string;
  readonly nPublic: number;
  /** "INSECURE-DEV ..." (prover/setup) or "PRODUCTION ..." (prover/ceremony); absent on a foreign key. */
  readonly zkmarginSetup?: string;
  readonly [k: string]: unknown;
}

/** groth16.verify, false (never a throw) for anything malformed. */
export async function verifyGroth16(vkey: VerificationKey, out: ProofOutput): Promise<boolean> {
  if (vkey.protocol !== "groth16" || vkey.curve !== "bn128") return false;
  if (!isGroth16ProofShape(out.proof) || !isPublicSignals(out.publicSignals)) return false;
  if (out.publicSignals.length !== vkey.nPublic) return false;
  try {
    const ok: unknown = await snarkjs.groth16.verify(vkey, [...out.publicSignals], out.proof);
    return ok === true;
  } catch {
    return false;
  }
}

/** groth16 verification holding a lease on the shared curve until close(). */
export class Groth16Verifier {
  private lease: Promise<CurveLease> | undefined;

  async verify(vkey: VerificationKey, out: ProofOutput): Promise<boolean> {
    this.lease ??= leaseSharedCurve();
    await this.lease;
    return verifyGroth16(vkey, out);
  }

  async close(): Promise<void> {
    const l = this.lease;
    this.lease = undefined;
    if (l) await (await l).release();
  }
}
