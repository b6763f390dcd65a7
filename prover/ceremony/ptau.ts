// Reads what the ceremony must check in a powers-of-tau file before trusting it for phase 2: the curve, the power
// (the largest circuit it can serve), whether phase 2 was prepared (snarkjs newZKey needs the Lagrange sections), and
// the names of its contributions, so that the project's own INSECURE development ptau can never be imported as if it
// were a public ceremony's.
import { BinReader } from "../setup/binFile.js";
import { PTAU_CONTRIBUTION_LABEL } from "../setup/ptauWriter.js";
import { CeremonyError } from "./errors.js";

/** BN254 base field modulus q (the ptau header stores the curve's q). */
export const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export interface PtauInfo {
  /** Largest circuit domain the file serves: 2^power rows. */
  power: number;
  /** Power the phase-1 ceremony was run at (a file may be truncated to a smaller power). */
  ceremonyPower: number;
  /** snarkjs `powersoftau prepare phase2` was run (sections 12-15 present). */
  prepared: boolean;
  contributionNames: (string | undefined)[];
}

// Section 7 layout (snarkjs powersoftau_utils readContribution): tauG1, tauG2, alphaG1, betaG1, betaG2 (G1 64 bytes,
// G2 128), the public key (6 G1 + 3 G2), the 216-byte partial hash, the 64-byte next challenge, u32 type.
const CONTRIBUTION_FIXED = 64 * 3 + 128 * 2 + (64 * 6 + 128 * 3) + 216 + 64 + 4;

export async function readPtauInfo(path: string): Promise<PtauInfo> {
  let f: BinReader;
  try {
    f = await BinReader.open(path, "ptau");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CeremonyError("FILE_NOT_FOUND", `${path}: no such file`);
    throw new CeremonyError("PTAU_INVALID", `${path}: ${(e as Error).message}`);
  }
  try {
    let head: Buffer;
    try {
      head = Buffer.from(await f.readSection(1));
    } catch (e) {
      throw new CeremonyError("PTAU_INVALID", `${path}: ${(e as Error).message}`);
    }
    if (head.length !== 4 + 32 + 8 || head.readUInt32LE(0) !== 32) {
      throw new CeremonyError("PTAU_INVALID", `${path}: header is not a BN254 ptau header`);
    }
    let q = 0n;
    for (let i = 31; i >= 0; i--) q = (q << 8n) | BigInt(head[4 + i] ?? 0);
    if (q !== BN254_Q) throw new CeremonyError("PTAU_INVALID", `${path}: not a BN254 (bn128) powers of tau`);
    const power = head.readUInt32LE(36);
    const ceremonyPower = head.readUInt32LE(40);
    if (power < 1 || power > 28 || ceremonyPower < power) {
      throw new CeremonyError(
        "PTAU_INVALID",
        `${path}: implausible power ${power} (ceremony ${ceremonyPower})`,
      );
    }
    const prepared = [12, 13, 14, 15].every((s) => f.sections.has(s));
    const contributionNames = f.sections.has(7)
      ? parseContributionNames(path, Buffer.from(await f.readSection(7)))
      : [];
    return { power, ceremonyPower, prepared, contributionNames };
  } finally {
    await f.close();
  }
}

function parseContributionNames(path: string, s: Buffer): (string | undefined)[] {
  const bad = (why: string): CeremonyError =>
    new CeremonyError("PTAU_INVALID", `${path}: contributions: ${why}`);
  if (s.length < 4) throw bad("section too short");
  const count = s.readUInt32LE(0);
  const names: (string | undefined)[] = [];
  let pos = 4;
  for (let i = 0; i < count; i++) {
    pos += CONTRIBUTION_FIXED;
    if (pos + 4 > s.length) throw bad("truncated");
    const len = s.readUInt32LE(pos);
    pos += 4;
    const end = pos + len;
    if (end > s.length) throw bad("truncated parameters");
    let name: string | undefined;
    while (pos < end) {
      const type = s[pos++];
      if (type === 1) {
        const l = s[pos++] ?? 0;
        name = s.toString("utf8", pos, pos + l);
        pos += l;
      } else if (type === 2) {
        pos += 1;
      } else if (type === 3) {
        pos += 1 + (s[pos] ?? 0);
      } else {
        throw bad(`unknown parameter ${type}`);
      }
    }
    names.push(name);
  }
  return names;
}

/**
 * Why a ptau must not back a production key, or undefined. The development ptau (prover/setup) is built from a
 * public seed: anyone can forge proofs against a key made from it, and its file name and contribution say so.
 */
export function insecureReason(path: string, info: PtauInfo): string | undefined {
  if (/INSECURE/i.test(path)) return `${path}: the file name says INSECURE`;
  const dev = info.contributionNames.find(
    (n) => n !== undefined && (n.startsWith(PTAU_CONTRIBUTION_LABEL) || /INSECURE/i.test(n)),
  );
  if (dev !== undefined) return `${path}: contains the contribution "${dev}" (a development setup)`;
  return undefined;
}
