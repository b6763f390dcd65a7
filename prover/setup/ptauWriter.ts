// Writes a development powers-of-tau file, already prepared for phase 2, in
// the exact layout of `snarkjs powersoftau new | contribute | prepare phase2`:
// header(1), tauG1(2), tauG2(3), alphaTauG1(4), betaTauG1(5), betaG2(6),
// contributions(7), then the Lagrange-basis sections 12-15. It carries one
// contribution record whose secrets come from the seed, with the response and
// next-challenge hashes snarkjs computes, so `snarkjs powersoftau verify`
// accepts the file — while its name says it is an INSECURE development file.
import { BinReader, BinWriter } from "./binFile.js";
import { type Bn128, type Point, hashToG2, lem, scalarLE } from "./curve.js";
import { geometric, lagrangeLevel, normal, scale } from "./field.js";
import { blake2b512, blake2bOf, resumableBlake2b } from "./hashes.js";
import type { DevSecrets } from "./secrets.js";
import { BN254_R } from "./secrets.js";
import { type Group, FR_BYTES, type WasmPool, pointSize } from "./wasmPool.js";

export type Progress = (stage: string, done: number, total: number) => void;

export const PTAU_CONTRIBUTION_LABEL = "zkmargin INSECURE development setup";

/** Largest power our Lagrange levels support (snarkjs caps prepare phase2 at Fr.s + 1 = 29). */
export const MAX_POWER = 27;

export function contributionName(seed: string, seedTag: string): string {
  const full = `${PTAU_CONTRIBUTION_LABEL}, seed=${seed}`;
  // snarkjs stores at most 64 characters of a contribution name.
  return full.length <= 64 ? full : `${PTAU_CONTRIBUTION_LABEL}, seed-sha256=${seedTag}`;
}

export interface PtauInput {
  curve: Bn128;
  pool: WasmPool;
  secrets: DevSecrets;
  power: number;
  path: string;
  name: string;
  onProgress?: Progress;
}

/** Expected section sizes of a prepared ptau of this power. */
function expectedSizes(power: number): Map<number, number> {
  const N = 2 ** power;
  const g1 = 64;
  const g2 = 128;
  return new Map([
    [1, 4 + 32 + 4 + 4],
    [2, (2 * N - 1) * g1],
    [3, N * g2],
    [4, N * g1],
    [5, N * g1],
    [6, g2],
    [12, (4 * N - 1) * g1],
    [13, (2 * N - 1) * g2],
    [14, (2 * N - 1) * g1],
    [15, (2 * N - 1) * g1],
  ]);
}

/**
 * True when `path` is a complete prepared ptau of `power` made from these
 * secrets (checked through its section sizes and first points), so a cached
 * file can be reused instead of recomputed.
 */
export async function ptauMatches(
  curve: Bn128,
  secrets: DevSecrets,
  power: number,
  path: string,
): Promise<boolean> {
  let f: BinReader;
  try {
    f = await BinReader.open(path, "ptau");
  } catch {
    return false;
  }
  try {
    for (const [id, size] of expectedSizes(power)) {
      if (f.sections.get(id)?.size !== size) return false;
    }
    const head = Buffer.from(await f.readSection(1));
    if (head.readUInt32LE(36) !== power || head.readUInt32LE(40) !== power) return false;
    const Fr = curve.Fr;
    const expect: [number, number, bigint][] = [
      [2, 64, secrets.tau],
      [4, 0, secrets.alpha],
      [5, 0, secrets.beta],
    ];
    for (const [id, off, k] of expect) {
      const got = await f.readSection(id, off, 64);
      const want = lem(curve.G1, curve.G1.timesFr(curve.G1.g, Fr.e(k)), 64);
      if (Buffer.compare(Buffer.from(got), Buffer.from(want)) !== 0) return false;
    }
    return true;
  } finally {
    await f.close();
  }
}

export async function writePtau(input: PtauInput): Promise<void> {
  const { curve, pool, secrets, power, path, name, onProgress } = input;
  if (!Number.isInteger(power) || power < 1 || power > MAX_POWER)
    throw new Error(`ptau power ${power} out of range`);
  const Fr = curve.Fr;
  const N = 2 ** power;
  const tau = Fr.e(secrets.tau);
  const alpha = Fr.e(secrets.alpha);
  const beta = Fr.e(secrets.beta);

  pool.planWork(1, 12 * N);
  pool.planWork(2, 3 * N);

  // Queue every section's points before writing any: the worker threads
  // then stay busy while this thread prepares scalars, hashes and writes.
  const queue = async (group: Group, scalars: Uint8Array, stage: string, encodings: boolean) => {
    const total = scalars.byteLength / FR_BYTES;
    let done = 0;
    onProgress?.(stage, 0, total);
    const result = pool.fixedBase(group, await normal(curve, scalars), {
      wantU: encodings,
      wantC: encodings,
      onChunk: (m) => onProgress?.(stage, (done += m), total),
    });
    return { result: handled(result) }; // wrapped: awaiting queue() must not wait for the points
  };
  const tauPowers = await geometric(curve, Fr.one, tau, 2 * N - 1);
  const powerJobs = [
    await queue(1, tauPowers, "ptau tauG1", true),
    await queue(2, tauPowers.subarray(0, N * FR_BYTES), "ptau tauG2", true),
    await queue(1, await geometric(curve, alpha, tau, N), "ptau alphaTauG1", true),
    await queue(1, await geometric(curve, beta, tau, N), "ptau betaTauG1", true),
    await queue(2, beta, "ptau betaG2", true),
  ];
  // Lagrange sections hold levels 0..power (0..power+1 for tauG1) back to back, as preparePhase2 orders them.
  const levels: Uint8Array[] = [];
  for (let p = 0; p <= power + 1; p++) levels.push(await lagrangeLevel(curve, tauPowers, p));
  const tauLevels = Buffer.concat(levels.slice(0, power + 1));
  const lagrangeJobs = [
    await queue(1, Buffer.concat(levels), "ptau lagrange tauG1", false),
    await queue(2, tauLevels, "ptau lagrange tauG2", false),
    await queue(1, await scale(curve, tauLevels, alpha), "ptau lagrange alphaTauG1", false),
    await queue(1, await scale(curve, tauLevels, beta), "ptau lagrange betaTauG1", false),
  ];

  const firstChallenge = firstChallengeHash(curve, power);
  const key = contributionKey(curve, secrets, firstChallenge);
  const response = resumableBlake2b();
  response.update(firstChallenge);
  const uParts: Uint8Array[] = [];

  const w = await BinWriter.create(path, "ptau", 1, 11);
  try {
    // Header: n8 of the base field, q, power, ceremony power.
    await w.startSection(1);
    await w.u32(32);
    await w.write(scalarLE(curve.q));
    await w.u32(power);
    await w.u32(power);
    await w.endSection();

    const firstPoints: Uint8Array[] = [];
    for (const [i, job] of powerJobs.entries()) {
      const out = await job.result;
      await w.startSection(2 + i);
      await w.write(out.lem);
      await w.endSection();
      if (!out.c || !out.u) throw new Error("missing point encodings");
      // snarkjs contribute: the response hash covers compressed points, the next challenge uncompressed ones.
      response.update(out.c);
      uParts.push(out.u);
      firstPoints.push(out.lem.subarray(0, 2 * pointSize(i === 1 || i === 4 ? 2 : 1)));
    }
    const [s2, s3, s4, s5, s6] = firstPoints;
    if (!s2 || !s3 || !s4 || !s5 || !s6) throw new Error("missing ptau sections");

    // Contribution record (snarkjs powersoftau_utils writeContribution).
    const partialHash = response.partial();
    response.update(pubKeyBytes(curve, key, false));
    const responseHash = response.digest();
    const next = blake2b512().update(responseHash);
    for (const u of uParts) next.update(u);
    const nextChallenge = new Uint8Array(next.digest());
    uParts.length = 0;

    await w.startSection(7);
    await w.u32(1);
    await w.write(s2.subarray(64, 128)); // tau*G1
    await w.write(s3.subarray(128, 256)); // tau*G2
    await w.write(s4.subarray(0, 64)); // alpha*G1
    await w.write(s5.subarray(0, 64)); // beta*G1
    await w.write(s6.subarray(0, 128)); // beta*G2
    await w.write(pubKeyBytes(curve, key, true));
    await w.write(partialHash);
    await w.write(nextChallenge);
    await w.u32(0); // contribution type: not a beacon
    await w.write(nameParam(name));
    await w.endSection();

    for (const [i, job] of lagrangeJobs.entries()) {
      await w.startSection(12 + i);
      await w.write((await job.result).lem);
      await w.endSection();
    }
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

/**
 * Marks a promise as handled now (it is awaited later, after others), so an
 * early failure of a queued job is not reported as an unhandled rejection.
 */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** snarkjs calculateFirstChallengeHash: hash of the blank accumulator (all generators). */
export function firstChallengeHash(curve: Bn128, power: number): Uint8Array {
  const N = 2 ** power;
  const h = blake2b512();
  h.update(blake2bOf());
  const g1U = Buffer.from(curve.G1.toUncompressed(curve.G1.g));
  const g2U = Buffer.from(curve.G2.toUncompressed(curve.G2.g));
  const block = (pt: Buffer, n: number) => {
    const per = 4096;
    const big = Buffer.alloc(per * pt.length);
    for (let i = 0; i < per; i++) pt.copy(big, i * pt.length);
    let left = n;
    while (left >= per) {
      h.update(big);
      left -= per;
    }
    if (left > 0) h.update(big.subarray(0, left * pt.length));
  };
  block(g1U, 2 * N - 1);
  block(g2U, N);
  block(g1U, N);
  block(g1U, N);
  h.update(g2U);
  return new Uint8Array(h.digest());
}

interface KeyPart {
  g1s: Point;
  g1sx: Point;
  g2spx: Point;
}

interface PtauKey {
  tau: KeyPart;
  alpha: KeyPart;
  beta: KeyPart;
}

/** snarkjs keypair.createPTauKey with our known secrets instead of fresh randomness. */
function contributionKey(curve: Bn128, s: DevSecrets, challenge: Uint8Array): PtauKey {
  const part = (prv: bigint, k: bigint, personalization: number): KeyPart => {
    const Fr = curve.Fr;
    const g1s = curve.G1.toAffine(curve.G1.timesFr(curve.G1.g, Fr.e(k)));
    const g1sx = curve.G1.toAffine(curve.G1.timesFr(curve.G1.g, Fr.e((k * prv) % BN254_R)));
    const hash = blake2bOf(
      new Uint8Array([personalization]),
      challenge,
      curve.G1.toUncompressed(g1s),
      curve.G1.toUncompressed(g1sx),
    );
    const g2sp = curve.G2.toAffine(hashToG2(curve, hash));
    const g2spx = curve.G2.toAffine(curve.G2.timesFr(g2sp, Fr.e(prv)));
    return { g1s, g1sx, g2spx };
  };
  return {
    tau: part(s.tau, s.tauKey, 0),
    alpha: part(s.alpha, s.alphaKey, 1),
    beta: part(s.beta, s.betaKey, 2),
  };
}

/** snarkjs toPtauPubKeyRpr: Montgomery LE when stored, uncompressed when hashed. */
function pubKeyBytes(curve: Bn128, k: PtauKey, montgomery: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = (group: Group, p: Point) => {
    const G = group === 1 ? curve.G1 : curve.G2;
    parts.push(montgomery ? lem(G, p, pointSize(group)) : G.toUncompressed(p));
  };
  enc(1, k.tau.g1s);
  enc(1, k.tau.g1sx);
  enc(1, k.alpha.g1s);
  enc(1, k.alpha.g1sx);
  enc(1, k.beta.g1s);
  enc(1, k.beta.g1sx);
  enc(2, k.tau.g2spx);
  enc(2, k.alpha.g2spx);
  enc(2, k.beta.g2spx);
  return Buffer.concat(parts);
}

/** Contribution parameters: [u32 length][1, nameLength, name bytes]. */
export function nameParam(name: string): Uint8Array {
  const bytes = Buffer.from(name.substring(0, 64), "utf8");
  if (bytes.length > 255) throw new Error("contribution name too long");
  const out = Buffer.alloc(4 + 2 + bytes.length);
  out.writeUInt32LE(2 + bytes.length, 0);
  out[4] = 1;
  out[5] = bytes.length;
  bytes.copy(out, 6);
  return out;
}
