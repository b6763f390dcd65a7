// Typed doors into snarkjs's phase-2 calls (zKey.newZKey / contribute / beacon). The verify and export calls are
// prover/setup/snarkjsApi.ts's. snarkjs reports some failures by returning -1 or false (after logging) instead of
// throwing; these wrappers turn every failure into a CeremonyError. Like snarkjsApi.ts, they stop snarkjs's shared
// multi-threaded curve afterwards when they started it, so a CLI process can exit.
import * as snarkjs from "snarkjs";
import type { SnarkjsLogger } from "../setup/snarkjsApi.js";
import { CeremonyError } from "./errors.js";
import { hex } from "./files.js";

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

/** Collects snarkjs's error lines so that a `return -1` can be explained. */
function capturing(logger?: SnarkjsLogger): { logger: SnarkjsLogger; errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    logger: {
      debug: (m) => logger?.debug(m),
      info: (m) => logger?.info(m),
      warn: (m) => logger?.warn(m),
      error: (m) => {
        errors.push(m);
        logger?.error(m);
      },
    },
  };
}

function asHash(v: unknown, what: string, errors: string[]): string {
  if (v instanceof Uint8Array && v.length === 64) return hex(v);
  throw new CeremonyError(
    "SNARKJS_FAILED",
    `snarkjs ${what} failed${errors.length ? `: ${errors.join("; ")}` : ""}`,
  );
}

/** `snarkjs zkey new`: the initial key, before any contribution. Returns the circuit hash. */
export async function newZkey(
  r1cs: string,
  ptau: string,
  out: string,
  logger?: SnarkjsLogger,
): Promise<string> {
  const c = capturing(logger);
  const res: unknown = await withSharedCurve(() => snarkjs.zKey.newZKey(r1cs, ptau, out, c.logger));
  return asHash(res, "zkey new", c.errors);
}

/**
 * `snarkjs zkey contribute`. snarkjs seeds its ChaCha with BLAKE2b(64 OS random bytes || entropy); `entropy` must
 * be non-empty (snarkjs would otherwise prompt on stdin). Returns the contribution hash.
 */
export async function contributeZkey(
  input: string,
  output: string,
  name: string,
  entropy: string,
  logger?: SnarkjsLogger,
): Promise<string> {
  if (entropy.length === 0) throw new CeremonyError("BAD_ARGUMENT", "entropy must not be empty");
  const c = capturing(logger);
  const res: unknown = await withSharedCurve(() =>
    snarkjs.zKey.contribute(input, output, name, entropy, c.logger),
  );
  return asHash(res, "zkey contribute", c.errors);
}

/** `snarkjs zkey beacon`: a contribution anyone can recompute from a public random value. */
export async function beaconZkey(
  input: string,
  output: string,
  name: string,
  beaconHex: string,
  iterationsExp: number,
  logger?: SnarkjsLogger,
): Promise<string> {
  const c = capturing(logger);
  const res: unknown = await withSharedCurve(() =>
    snarkjs.zKey.beacon(input, output, name, beaconHex, iterationsExp, c.logger),
  );
  return asHash(res, "zkey beacon", c.errors);
}
