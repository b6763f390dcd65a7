// The toxic waste of the development setup, derived from a public seed. This
// is exactly what makes the setup INSECURE (anyone with the seed can forge
// proofs) and also what makes it fast and reproducible: every key point is a
// known scalar times a generator, so no FFT over curve points is needed.
import { createHash } from "node:crypto";

/** BN254 scalar field order r. */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export interface DevSecrets {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
  delta: bigint;
  /**
   * Discrete logs of the "g1_s" points in the ptau and zkey contribution
   * records (any point works there; deriving them keeps files reproducible).
   */
  tauKey: bigint;
  alphaKey: bigint;
  betaKey: bigint;
  deltaKey: bigint;
}

/**
 * Hash to a non-zero element of Fr: SHA-512 of a domain-separated label,
 * reduced mod r (512 bits keep the bias below 2^-250).
 */
export function hashToFr(seed: string, name: string): bigint {
  for (let ctr = 0; ; ctr++) {
    const label = `zkmargin-dev-setup/${seed}/${name}` + (ctr ? `/${ctr}` : "");
    const digest = createHash("sha512").update(label, "utf8").digest("hex");
    const v = BigInt("0x" + digest) % BN254_R;
    if (v !== 0n) return v;
  }
}

/** Seeds end up in file headers and comments: keep them one printable line. */
export function checkSeed(seed: string): void {
  if (!/^[\x20-\x7e]{1,128}$/.test(seed)) {
    throw new Error("dev setup seed must be 1-128 printable ASCII characters (no newlines)");
  }
}

export function deriveSecrets(seed: string): DevSecrets {
  checkSeed(seed);
  return {
    tau: hashToFr(seed, "tau"),
    alpha: hashToFr(seed, "alpha"),
    beta: hashToFr(seed, "beta"),
    delta: hashToFr(seed, "delta"),
    tauKey: hashToFr(seed, "tau-g1s"),
    alphaKey: hashToFr(seed, "alpha-g1s"),
    betaKey: hashToFr(seed, "beta-g1s"),
    deltaKey: hashToFr(seed, "delta-g1s"),
  };
}

/** Short tag that ties cached files to the seed without spelling it out. */
export function seedTag(seed: string): string {
  return createHash("sha256").update(`zkmargin-dev-setup/${seed}`, "utf8").digest("hex").slice(0, 12);
}
