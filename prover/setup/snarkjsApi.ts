// Typed doors into the few snarkjs calls the development setup relies on.
// snarkjs keeps one multi-threaded bn128 curve in a global and never stops its
// workers, which keeps node processes alive; calls made through here stop it
// afterwards, but only when these calls created it (another user of snarkjs
// in the same process keeps theirs).
import * as snarkjs from "snarkjs";

export interface SnarkjsLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

interface SharedCurveHolder {
  curve_bn128?: { terminate(): Promise<void> } | null;
}

let active = 0;
let createdHere = false;

async function withSharedCurve<T>(fn: () => Promise<T>): Promise<T> {
  const holder = globalThis as unknown as SharedCurveHolder;
  if (active === 0) createdHere = !holder.curve_bn128;
  active++;
  try {
    return await fn();
  } finally {
    active--;
    if (active === 0 && createdHere) {
      const curve = holder.curve_bn128;
      if (curve) await curve.terminate();
      createdHere = false;
    }
  }
}

/** snarkjs.zKey.exportVerificationKey; values are decimal strings. */
export async function exportVerificationKey(zkeyPath: string): Promise<Record<string, unknown>> {
  const vk: unknown = await withSharedCurve(() => snarkjs.zKey.exportVerificationKey(zkeyPath));
  if (typeof vk !== "object" || vk === null) throw new Error("snarkjs returned no verification key");
  return vk as Record<string, unknown>;
}

/** snarkjs.zKey.exportSolidityVerifier with the given EJS templates (keyed by protocol). */
export async function exportSolidityVerifier(
  zkeyPath: string,
  templates: { groth16: string },
): Promise<string> {
  const code: unknown = await withSharedCurve(() => snarkjs.zKey.exportSolidityVerifier(zkeyPath, templates));
  if (typeof code !== "string") throw new Error("snarkjs returned no Solidity code");
  return code;
}

/** `snarkjs zkey verify r1cs ptau zkey`: rebuilds the init key from the ptau and checks the contributions. */
export async function verifyZkeyFromR1cs(
  r1csPath: string,
  ptauPath: string,
  zkeyPath: string,
  logger?: SnarkjsLogger,
): Promise<boolean> {
  const ok: unknown = await withSharedCurve(() =>
    snarkjs.zKey.verifyFromR1cs(r1csPath, ptauPath, zkeyPath, logger),
  );
  return ok === true;
}

/** `snarkjs powersoftau verify`. */
export async function verifyPtau(ptauPath: string, logger?: SnarkjsLogger): Promise<boolean> {
  const ok: unknown = await withSharedCurve(() => snarkjs.powersOfTau.verify(ptauPath, logger));
  return ok === true;
}
