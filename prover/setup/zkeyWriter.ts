// Writes a Groth16 .zkey straight from the r1cs and the known secrets: the
// file `snarkjs zkey new` followed by one `zkey contribute` would give,
// without the multi-exponentiations over the ptau's Lagrange points. The
// init-key parts (IC, coeffs, A, B1, B2) are the same group elements snarkjs
// recomputes during `zkey verify`, so they come out byte-identical; C and H
// are divided by delta, and the circuit hash replays snarkjs's own hashing,
// including how it reads the tau powers from the ptau for the H points.
import { BinReader, BinWriter } from "./binFile.js";
import { type Bn128, hashToG2, lem, scalarLE } from "./curve.js";
import { geometric, lagrangeLevel, normal, scale } from "./field.js";
import { blake2b512, blake2bOf, u32be } from "./hashes.js";
import { nameParam, type Progress } from "./ptauWriter.js";
import { type R1cs, circuitPower, nPublicOf } from "./r1cs.js";
import { BN254_R, type DevSecrets } from "./secrets.js";
import { FR_BYTES, type Group, type WasmPool } from "./wasmPool.js";

export interface ZkeyInput {
  curve: Bn128;
  pool: WasmPool;
  secrets: DevSecrets;
  r1cs: R1cs;
  ptauPath: string;
  zkeyPath: string;
  /** Contribution name stored in the zkey (snarkjs keeps 64 characters). */
  name: string;
  onProgress?: Progress;
}

/** snarkjs zkey_new hashes the H points in chunks of this many points. */
const H_HASH_CHUNK = 1 << 14;

export async function writeZkey(input: ZkeyInput): Promise<void> {
  const { curve, pool, secrets, r1cs, ptauPath, zkeyPath, name, onProgress } = input;
  const Fr = curve.Fr;
  const cirPower = circuitPower(r1cs);
  const n = 2 ** cirPower;
  const nPublic = nPublicOf(r1cs);
  const { nVars, nConstraints } = r1cs;
  const nPriv = nVars - nPublic - 1;
  if (nPriv < 0) throw new Error("r1cs has fewer wires than public signals");

  const ptau = await BinReader.open(ptauPath, "ptau");
  let power: number;
  let alpha1: Uint8Array;
  let beta1: Uint8Array;
  let beta2: Uint8Array;
  let hP1: Uint8Array;
  let hP2: Uint8Array;
  let nHashH: number;
  try {
    const head = Buffer.from(await ptau.readSection(1));
    power = head.readUInt32LE(36);
    if (cirPower > power) {
      throw new Error(
        `circuit needs a ptau of power ${cirPower} (${nConstraints} constraints), got ${power}`,
      );
    }
    if (!ptau.sections.has(12)) throw new Error(`${ptauPath} is not prepared for phase 2`);
    alpha1 = await ptau.readSection(4, 0, 64);
    beta1 = await ptau.readSection(5, 0, 64);
    beta2 = await ptau.readSection(6, 0, 128);
    // snarkjs hashes (tau^(n+i) - tau^i)*G1 read from section 2 in chunks of
    // min(n-1, 2^14) points; for n > 2^14 the last chunk runs one point past
    // n-1 and, when n is the ptau's full size, past the end of the section.
    nHashH = Math.ceil((n - 1) / H_HASH_CHUNK) * Math.min(n - 1, H_HASH_CHUNK);
    const s2 = ptau.section(2);
    hP1 = await ptau.readAt(s2.pos + n * 64, nHashH * 64);
    hP2 = await ptau.readAt(s2.pos, nHashH * 64);
  } finally {
    await ptau.close();
  }

  const tau = Fr.e(secrets.tau);
  const alpha = Fr.e(secrets.alpha);
  if (!Buffer.from(alpha1).equals(lem(curve.G1, curve.G1.timesFr(curve.G1.g, alpha), 64))) {
    throw new Error(`${ptauPath} was not made from this seed`);
  }
  const beta = Fr.e(secrets.beta);
  const delta = Fr.e(secrets.delta);
  const invDelta = Fr.inv(delta);
  const nTauPowers = Math.min(2 * n, 2 * 2 ** power - 1);
  const tauPowers = await geometric(curve, Fr.one, tau, nTauPowers);
  const lagrange = await lagrangeLevel(curve, tauPowers, cirPower);
  const lagrange2 = await lagrangeLevel(curve, tauPowers, cirPower + 1);

  onProgress?.("zkey QAP", 0, 1);
  const qap = await pool.r1csLinComb({
    constraints: r1cs.constraints,
    nConstraints,
    nVars,
    nPublic,
    lagrange,
    alpha,
    beta,
    invDelta,
  });
  onProgress?.("zkey QAP", 1, 1);

  // H: odd points of the doubled domain's Lagrange basis, over delta.
  const odd = new Uint8Array(n * FR_BYTES);
  for (let i = 0; i < n; i++)
    odd.set(lagrange2.subarray((2 * i + 1) * FR_BYTES, (2 * i + 2) * FR_BYTES), i * FR_BYTES);
  const hScalars = await normal(curve, await scale(curve, odd, invDelta));

  pool.planWork(1, nPublic + 1 + 2 * nPriv + 2 * nVars + n);
  pool.planWork(2, nVars);
  // All point jobs are queued at once so the threads never idle.
  const points = (group: Group, scalars: Uint8Array, stage: string, wantU: boolean) => {
    const total = scalars.byteLength / FR_BYTES;
    let done = 0;
    onProgress?.(stage, 0, total);
    return pool.fixedBase(group, scalars, { wantU, onChunk: (m) => onProgress?.(stage, (done += m), total) });
  };
  const [IC, C0, C, A, B1, B2, H, hU] = await Promise.all([
    points(1, qap.ic, "zkey IC", true),
    points(1, qap.c, "zkey C (hash)", true),
    points(1, qap.cDelta, "zkey C", false),
    points(1, qap.a, "zkey A", true),
    points(1, qap.b, "zkey B1", true),
    points(2, qap.b, "zkey B2", true),
    points(1, hScalars, "zkey H", false),
    pool.subToU(hP1, hP2),
  ]);

  onProgress?.("zkey hash", 0, 1);
  const toU = (group: Group, p: Uint8Array) => (group === 1 ? curve.G1 : curve.G2).toUncompressed(p);
  const cs = blake2b512();
  cs.update(toU(1, alpha1));
  cs.update(toU(1, beta1));
  cs.update(toU(2, beta2));
  cs.update(toU(2, curve.G2.g)); // gamma2: snarkjs fixes gamma = 1
  cs.update(toU(1, curve.G1.g)); // delta1 before any contribution
  cs.update(toU(2, curve.G2.g)); // delta2 before any contribution
  const hashPoints = (count: number, u: Uint8Array | undefined) => {
    if (!u) throw new Error("missing uncompressed points");
    cs.update(u32be(count));
    cs.update(u);
  };
  hashPoints(nPublic + 1, IC.u);
  hashPoints(n - 1, hU);
  hashPoints(nPriv, C0.u);
  hashPoints(nVars, A.u);
  hashPoints(nVars, B1.u);
  hashPoints(nVars, B2.u);
  const csHash = new Uint8Array(cs.digest());
  onProgress?.("zkey hash", 1, 1);

  // One phase-2 contribution with the known delta (snarkjs zkey_contribute).
  const G1 = curve.G1;
  const G2 = curve.G2;
  const delta1 = lem(G1, G1.timesFr(G1.g, delta), 64);
  const delta2 = lem(G2, G2.timesFr(G2.g, delta), 128);
  const g1s = G1.toAffine(G1.timesFr(G1.g, Fr.e(secrets.deltaKey)));
  const g1sx = G1.toAffine(G1.timesFr(G1.g, Fr.e((secrets.deltaKey * secrets.delta) % BN254_R)));
  const transcript = blake2bOf(csHash, G1.toUncompressed(g1s), G1.toUncompressed(g1sx));
  const g2spx = G2.timesFr(G2.toAffine(hashToG2(curve, transcript)), delta);

  const coeffs = await coefficientsSection(curve, r1cs, nPublic);

  const w = await BinWriter.create(zkeyPath, "zkey", 1, 10);
  try {
    await w.startSection(1);
    await w.u32(1); // Groth16
    await w.endSection();

    await w.startSection(2);
    await w.u32(32);
    await w.write(scalarLE(curve.q));
    await w.u32(32);
    await w.write(scalarLE(curve.r));
    await w.u32(nVars);
    await w.u32(nPublic);
    await w.u32(n);
    await w.write(alpha1);
    await w.write(beta1);
    await w.write(beta2);
    await w.write(lem(G2, G2.g, 128)); // gamma2
    await w.write(delta1);
    await w.write(delta2);
    await w.endSection();

    const section = async (id: number, bytes: Uint8Array) => {
      await w.startSection(id);
      await w.write(bytes);
      await w.endSection();
    };
    await section(3, IC.lem);
    await section(4, coeffs);
    await section(5, A.lem);
    await section(6, B1.lem);
    await section(7, B2.lem);
    await section(8, C.lem);
    await section(9, H.lem);

    await w.startSection(10);
    await w.write(csHash);
    await w.u32(1);
    await w.write(delta1); // deltaAfter
    await w.write(lem(G1, g1s, 64));
    await w.write(lem(G1, g1sx, 64));
    await w.write(lem(G2, g2spx, 128));
    await w.write(transcript);
    await w.u32(0); // contribution type: not a beacon
    await w.write(nameParam(name));
    await w.endSection();
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

/**
 * Section 4: the A and B matrix entries (then one A row per public wire) as
 * [u32 matrix, u32 constraint, u32 wire, coef*R^2 mod r], the form snarkjs's
 * prover reads. Two to-Montgomery passes multiply by R twice.
 */
async function coefficientsSection(curve: Bn128, r1cs: R1cs, nPublic: number): Promise<Uint8Array> {
  const src = r1cs.constraints;
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const meta: number[] = [];
  const coefOffsets: number[] = [];
  let pos = 0;
  for (let c = 0; c < r1cs.nConstraints; c++) {
    for (let m = 0; m < 3; m++) {
      const k = dv.getUint32(pos, true);
      pos += 4;
      for (let e = 0; e < k; e++) {
        if (m < 2) {
          meta.push(m, c, dv.getUint32(pos, true));
          coefOffsets.push(pos + 4);
        }
        pos += 4 + FR_BYTES;
      }
    }
  }
  const count = coefOffsets.length + nPublic + 1;
  const values = new Uint8Array(count * FR_BYTES);
  coefOffsets.forEach((o, i) => values.set(src.subarray(o, o + FR_BYTES), i * FR_BYTES));
  const one = scalarLE(1n);
  for (let s = 0; s <= nPublic; s++) {
    meta.push(0, r1cs.nConstraints + s, s);
    values.set(one, (coefOffsets.length + s) * FR_BYTES);
  }
  const r2 = await curve.Fr.batchToMontgomery(await curve.Fr.batchToMontgomery(values));
  const out = Buffer.alloc(4 + count * (12 + FR_BYTES));
  out.writeUInt32LE(count, 0);
  for (let i = 0; i < count; i++) {
    const o = 4 + i * (12 + FR_BYTES);
    out.writeUInt32LE(meta[3 * i] ?? 0, o);
    out.writeUInt32LE(meta[3 * i + 1] ?? 0, o + 4);
    out.writeUInt32LE(meta[3 * i + 2] ?? 0, o + 8);
    out.set(r2.subarray(i * FR_BYTES, (i + 1) * FR_BYTES), o + 12);
  }
  return out;
}
