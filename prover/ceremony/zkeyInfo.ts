// Reads a zkey's phase-2 record (section 10: the circuit hash and every contribution's public key) and recomputes
// each contribution hash the way snarkjs prints it, so the transcript can be checked against the keys themselves:
// the names and hashes in ceremony.json are claims; these are facts of the files.
import { createHash } from "node:crypto";
import { BinReader } from "../setup/binFile.js";
import { loadCurve } from "../setup/curve.js";
import { CeremonyError } from "./errors.js";
import { hex } from "./files.js";

export interface ZkeyContribution {
  /** 0: a contribution with private entropy, 1: a beacon. */
  type: number;
  name: string | undefined;
  /** BLAKE2b-512 of the contribution's public key and transcript, as `snarkjs zkey contribute` prints it. */
  hash: string;
  beaconHash?: string;
  iterationsExp?: number;
}

export interface ZkeyMpc {
  /** snarkjs "Circuit Hash": BLAKE2b-512 of the initial key, fixed by the r1cs and the ptau. */
  circuitHash: string;
  contributions: ZkeyContribution[];
}

// Per contribution: deltaAfter, g1_s, g1_sx (G1, 64 bytes each), g2_spx (G2, 128), transcript (64), u32 type.
const G1 = 64;
const G2 = 128;

export async function readZkeyMpc(path: string): Promise<ZkeyMpc> {
  let f: BinReader;
  try {
    f = await BinReader.open(path, "zkey");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new CeremonyError("ZKEY_MISSING", `${path}: no such file`);
    throw new CeremonyError("ZKEY_INVALID", `${path}: ${(e as Error).message}`);
  }
  let s: Buffer;
  try {
    const kind = Buffer.from(await f.readSection(1));
    if (kind.length !== 4 || kind.readUInt32LE(0) !== 1) throw new Error("not a Groth16 zkey");
    s = Buffer.from(await f.readSection(10));
  } catch (e) {
    throw new CeremonyError("ZKEY_INVALID", `${path}: ${(e as Error).message}`);
  } finally {
    await f.close();
  }
  const curve = await loadCurve();
  const bad = (why: string): CeremonyError =>
    new CeremonyError("ZKEY_INVALID", `${path}: phase-2 section: ${why}`);
  if (s.length < 68) throw bad("too short");
  const circuitHash = s.toString("hex", 0, 64);
  const count = s.readUInt32LE(64);
  let pos = 68;
  const contributions: ZkeyContribution[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 3 * G1 + G2 + 64 + 8 > s.length) throw bad("truncated");
    const h = createHash("blake2b512");
    try {
      // snarkjs hashPubKey: the points uncompressed (big-endian, normal form), then the 64-byte transcript.
      for (let k = 0; k < 3; k++) h.update(curve.G1.toUncompressed(curve.G1.fromRprLEM(s, pos + k * G1)));
      h.update(curve.G2.toUncompressed(curve.G2.fromRprLEM(s, pos + 3 * G1)));
    } catch (e) {
      throw bad(`contribution ${i + 1}: ${(e as Error).message}`);
    }
    h.update(s.subarray(pos + 3 * G1 + G2, pos + 3 * G1 + G2 + 64));
    pos += 3 * G1 + G2 + 64;
    const type = s.readUInt32LE(pos);
    const len = s.readUInt32LE(pos + 4);
    pos += 8;
    const end = pos + len;
    if (end > s.length) throw bad("truncated parameters");
    const c: ZkeyContribution = { type, name: undefined, hash: hex(h.digest()) };
    while (pos < end) {
      const t = s[pos++];
      if (t === 1) {
        const l = s[pos++] ?? 0;
        c.name = s.toString("utf8", pos, pos + l);
        pos += l;
      } else if (t === 2) {
        c.iterationsExp = s[pos++];
      } else if (t === 3) {
        const l = s[pos++] ?? 0;
        c.beaconHash = s.toString("hex", pos, pos + l);
        pos += l;
      } else {
        throw bad(`unknown parameter ${t}`);
      }
    }
    contributions.push(c);
  }
  if (pos !== s.length) throw bad("trailing bytes");
  return { circuitHash, contributions };
}
