// The production trusted setup: phase 1 is a public powers-of-tau file the operator supplies (checked against its
// published hash, never downloaded), phase 2 a multi-party snarkjs ceremony over one circuit, run in turn by several
// parties in one folder: `new` makes the initial key, each party `contribute`s with their own entropy, a public
// `beacon` closes it, `verify` rechecks everything from the files (anyone can run it), and `export` writes the final
// key, its verification key and snarkjs's Solidity verifier, labelled PRODUCTION and tied to the transcript's hash.
// The soundness argument is snarkjs's: the key is safe if one contributor destroyed their entropy. What this module
// adds is the bookkeeping that makes the chain checkable: which file came from which, and who claims each step.
import { createHash, randomBytes } from "node:crypto";
import { copyFile, mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { BinReader } from "../setup/binFile.js";
import { circuitPower, type R1csHeader } from "../setup/r1cs.js";
import { BN254_R } from "../setup/secrets.js";
import {
  exportSolidityVerifier,
  exportVerificationKey,
  verifyZkeyFromR1cs,
  type SnarkjsLogger,
} from "../setup/snarkjsApi.js";
import { CeremonyError, isCeremonyError, type CeremonyErrorCode } from "./errors.js";
import {
  blake2bFile,
  exists,
  fileSize,
  linkOrCopy,
  normalizeHash,
  sha256File,
  writeFileAtomic,
  type Progress,
} from "./files.js";
import { insecureReason, readPtauInfo } from "./ptau.js";
import { beaconZkey, contributeZkey, newZkey } from "./snarkjsZkey.js";
import {
  PARTY_PATTERN,
  PRODUCTION_LABEL,
  TRANSCRIPT_FORMAT,
  lastStep,
  readTranscript,
  stepZkeyName,
  transcriptPath,
  writeTranscript,
  type BeaconStep,
  type ContributionStep,
  type FileRef,
  type Step,
  type Transcript,
} from "./transcript.js";
import { readZkeyMpc, type ZkeyMpc } from "./zkeyInfo.js";

export interface CeremonyIo {
  /** snarkjs's own progress and hash lines, plus one line per stage of ours. */
  log?: SnarkjsLogger;
  onProgress?: Progress;
}

const LOCK_FILE = "ceremony.lock";
const now = (): string => new Date().toISOString();

function info(io: CeremonyIo, msg: string): void {
  io.log?.info(msg);
}

/**
 * One step at a time per folder: two parties contributing to the same key at once would fork the chain. A lock
 * left by a crashed process is removed by hand (the message says so) rather than guessed stale.
 */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const path = join(dir, LOCK_FILE);
  let fh;
  try {
    fh = await open(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      const holder = await readFile(path, "utf8").catch(() => "?");
      throw new CeremonyError(
        "CEREMONY_BUSY",
        `${path} exists (held by ${holder.trim()}): another step is running; remove it if that process is gone`,
      );
    }
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CeremonyError("CEREMONY_NOT_FOUND", `${dir}: no such ceremony folder`);
    }
    throw e;
  }
  try {
    await fh.writeFile(`pid ${process.pid} since ${now()}\n`);
    await fh.close();
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

async function readR1csHeaderOnly(path: string): Promise<R1csHeader> {
  let f: BinReader;
  try {
    f = await BinReader.open(path, "r1cs");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new CeremonyError("FILE_NOT_FOUND", `${path}: no such file`);
    throw new CeremonyError("R1CS_INVALID", `${path}: ${(e as Error).message}`);
  }
  try {
    const head = Buffer.from(await f.readSection(1));
    const n8 = head.readUInt32LE(0);
    let prime = 0n;
    for (let i = n8 - 1; i >= 0; i--) prime = (prime << 8n) | BigInt(head[4 + i] ?? 0);
    if (n8 !== 32 || prime !== BN254_R)
      throw new CeremonyError("R1CS_INVALID", `${path}: not over the BN254 scalar field`);
    const o = 4 + n8;
    return {
      n8,
      prime,
      nVars: head.readUInt32LE(o),
      nOutputs: head.readUInt32LE(o + 4),
      nPubInputs: head.readUInt32LE(o + 8),
      nPrvInputs: head.readUInt32LE(o + 12),
      nConstraints: head.readUInt32LE(o + 24), // after nLabels (u64)
    };
  } catch (e) {
    if (isCeremonyError(e)) throw e;
    throw new CeremonyError("R1CS_INVALID", `${path}: ${(e as Error).message}`);
  } finally {
    await f.close();
  }
}

async function fileRef(dir: string, file: string, io: CeremonyIo): Promise<FileRef> {
  const path = join(dir, file);
  return { file, blake2b: await blake2bFile(path, io.onProgress), bytes: await fileSize(path) };
}

// ---------------------------------------------------------------------------------------------------------------
// import-ptau

export interface ImportPtauOptions extends CeremonyIo {
  /** The operator's copy of a public phase-1 file (e.g. powersOfTau28_hez_final_22.ptau). */
  ptauPath: string;
  /** The hash the ceremony published for that file (BLAKE2b-512; spaces and line breaks are ignored). */
  expectHash: string;
  /** Ceremony folder to create; it must not hold a ceremony yet. */
  dir: string;
  /** Refuse the file if it cannot serve a circuit of this power... */
  minPower?: number;
  /** ...or of this circuit. */
  r1csPath?: string;
  ceremonyId?: string;
}

/** Checks a phase-1 file and starts a ceremony folder with it (hard-linked or copied in as phase1-<power>.ptau). */
export async function importPtau(o: ImportPtauOptions): Promise<Transcript> {
  const expected = normalizeHash(o.expectHash);
  const id =
    o.ceremonyId ?? `zkmargin-${now().slice(0, 10).replace(/-/g, "")}-${randomBytes(3).toString("hex")}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(id)) {
    throw new CeremonyError("BAD_ARGUMENT", `invalid ceremony id ${JSON.stringify(id)}`);
  }
  let need = o.minPower ?? 1;
  if (!Number.isInteger(need) || need < 1 || need > 28)
    throw new CeremonyError("BAD_ARGUMENT", "min power must be 1..28");
  if (o.r1csPath !== undefined) need = Math.max(need, circuitPower(await readR1csHeaderOnly(o.r1csPath)));

  // Cheap checks on the operator's file first, so a wrong file fails before GBs are copied and hashed.
  const pre = await readPtauInfo(o.ptauPath);
  const insecure = insecureReason(o.ptauPath, pre);
  if (insecure)
    throw new CeremonyError("PTAU_INSECURE", `${insecure}; production keys need a public ceremony's file`);
  if (!pre.prepared) {
    throw new CeremonyError(
      "PTAU_NOT_PREPARED",
      `${o.ptauPath}: phase 2 is not prepared (use a ceremony's "final" file, or run snarkjs powersoftau prepare phase2)`,
    );
  }
  if (pre.power < need) {
    throw new CeremonyError(
      "PTAU_TOO_SMALL",
      `${o.ptauPath}: power ${pre.power}, the circuit needs at least ${need}`,
    );
  }

  await mkdir(o.dir, { recursive: true });
  if (await exists(transcriptPath(o.dir))) {
    throw new CeremonyError("CEREMONY_EXISTS", `${o.dir} already holds a ceremony`);
  }
  return withLock(o.dir, async () => {
    const file = `phase1-${pre.power}.ptau`;
    const target = join(o.dir, file);
    const tmp = `${target}.importing`;
    await rm(tmp, { force: true });
    await linkOrCopy(o.ptauPath, tmp);
    try {
      // The copy is what later steps read, so the copy is what gets hashed and checked.
      info(o, `hashing ${o.ptauPath} (BLAKE2b-512)`);
      const actual = await blake2bFile(tmp, o.onProgress);
      if (actual !== expected) {
        throw new CeremonyError(
          "PTAU_HASH_MISMATCH",
          `${o.ptauPath}: BLAKE2b-512 is ${actual}, the published hash is ${expected}: refusing this file`,
        );
      }
      const ptauInfo = await readPtauInfo(tmp);
      if (ptauInfo.power !== pre.power)
        throw new CeremonyError("PTAU_INVALID", `${o.ptauPath} changed while importing`);
      await rename(tmp, target);
      const t: Transcript = {
        format: TRANSCRIPT_FORMAT,
        setup: PRODUCTION_LABEL,
        ceremonyId: id,
        createdAt: now(),
        ptau: {
          file,
          blake2b: actual,
          bytes: await fileSize(target),
          power: ptauInfo.power,
          ceremonyPower: ptauInfo.ceremonyPower,
          source: basename(o.ptauPath),
          importedAt: now(),
        },
        steps: [],
      };
      await writeTranscript(o.dir, t);
      info(
        o,
        `ceremony ${id}: phase 1 ${basename(o.ptauPath)} (power ${ptauInfo.power}) imported, hash matches`,
      );
      return t;
    } finally {
      await rm(tmp, { force: true });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// new

export interface NewCeremonyOptions extends CeremonyIo {
  dir: string;
  r1csPath: string;
  /** Circuit (main) name; key files are `<name>.PRODUCTION.*`. */
  circuitName: string;
  /** Who ran the step (recorded; the initial key holds no secret). */
  party?: string;
}

/** Checks the phase-1 file again and makes the initial phase-2 key (step 0) for the circuit. */
export async function newCeremony(o: NewCeremonyOptions): Promise<Step> {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(o.circuitName)) {
    throw new CeremonyError("BAD_ARGUMENT", `invalid circuit name ${JSON.stringify(o.circuitName)}`);
  }
  const party = checkParty(o.party ?? "coordinator");
  return withLock(o.dir, async () => {
    const t = await readTranscript(o.dir);
    if (t.circuit || t.steps.length > 0)
      throw new CeremonyError("CIRCUIT_EXISTS", `${o.dir}: the ceremony already has a circuit`);
    const header = await readR1csHeaderOnly(o.r1csPath);
    const power = circuitPower(header);
    if (power > t.ptau.power) {
      throw new CeremonyError(
        "PTAU_TOO_SMALL",
        `${o.r1csPath}: needs a ptau of power ${power}, the ceremony's is ${t.ptau.power}`,
      );
    }
    const ptauPath = join(o.dir, t.ptau.file);
    info(o, `checking ${t.ptau.file} against the imported hash`);
    if ((await blake2bFile(ptauPath, o.onProgress)) !== t.ptau.blake2b) {
      throw new CeremonyError(
        "PTAU_HASH_MISMATCH",
        `${ptauPath} no longer matches the hash recorded at import`,
      );
    }
    const r1csFile = `${o.circuitName}.r1cs`;
    const r1csPath = join(o.dir, r1csFile);
    if (!(await exists(r1csPath))) await linkOrCopy(o.r1csPath, r1csPath);
    const r1csSha256 = await sha256File(r1csPath);
    if (r1csSha256 !== (await sha256File(o.r1csPath))) {
      throw new CeremonyError("R1CS_MISMATCH", `${r1csPath} already exists and differs from ${o.r1csPath}`);
    }
    const startedAt = now();
    const out = stepZkeyName(o.circuitName, 0);
    const tmp = join(o.dir, `${out}.tmp`);
    info(o, `making the initial key ${out} (${header.nConstraints} constraints, power ${power})`);
    let circuitHash: string;
    try {
      circuitHash = await newZkey(r1csPath, ptauPath, tmp, o.log);
      await rename(tmp, join(o.dir, out));
    } finally {
      await rm(tmp, { force: true });
    }
    const step: Step = {
      kind: "new",
      index: 0,
      party,
      output: await fileRef(o.dir, out, o),
      startedAt,
      finishedAt: now(),
    };
    t.circuit = {
      name: o.circuitName,
      r1cs: r1csFile,
      r1csSha256,
      constraints: header.nConstraints,
      nPublic: header.nOutputs + header.nPubInputs,
      power,
      circuitHash,
    };
    t.steps.push(step);
    await writeTranscript(o.dir, t);
    return step;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// contribute / beacon

function checkParty(party: string): string {
  if (!PARTY_PATTERN.test(party)) {
    throw new CeremonyError("BAD_ARGUMENT", "party name must be 1-64 printable ASCII characters");
  }
  return party;
}

/** The latest key must be exactly the one the transcript names, with exactly the contributions before it. */
async function checkedHead(
  dir: string,
  t: Transcript,
  io: CeremonyIo,
): Promise<{ circuit: string; head: Step }> {
  if (!t.circuit) throw new CeremonyError("NO_CIRCUIT", `${dir}: run \`ceremony new\` first`);
  const head = lastStep(t);
  if (!head) throw new CeremonyError("NO_CIRCUIT", `${dir}: run \`ceremony new\` first`);
  if (head.kind === "beacon") {
    throw new CeremonyError(
      "CEREMONY_FINALIZED",
      `${dir}: the beacon closed this ceremony; only verify and export remain`,
    );
  }
  const path = join(dir, head.output.file);
  if (!(await exists(path))) throw new CeremonyError("ZKEY_MISSING", `${path}: missing`);
  info(io, `checking ${head.output.file} against the transcript`);
  if ((await blake2bFile(path, io.onProgress)) !== head.output.blake2b) {
    throw new CeremonyError(
      "ZKEY_HASH_MISMATCH",
      `${path} is not the key the transcript records for step ${head.index}`,
    );
  }
  const mpc = await readZkeyMpc(path);
  if (mpc.circuitHash !== t.circuit.circuitHash || mpc.contributions.length !== head.index) {
    throw new CeremonyError(
      "CHAIN_BROKEN",
      `${path}: its contribution record does not match step ${head.index}`,
    );
  }
  return { circuit: t.circuit.name, head };
}

async function appendStep<S extends ContributionStep | BeaconStep>(
  dir: string,
  io: CeremonyIo,
  run: (input: string, output: string) => Promise<string>,
  make: (base: Omit<ContributionStep, "kind">) => S,
  party: string,
  before?: () => Promise<void>,
): Promise<S> {
  return withLock(dir, async () => {
    const t = await readTranscript(dir);
    const { circuit, head } = await checkedHead(dir, t, io);
    await before?.();
    const index = head.index + 1;
    const out = stepZkeyName(circuit, index);
    const tmp = join(dir, `${out}.tmp`);
    const startedAt = now();
    let contributionHash: string;
    try {
      contributionHash = await run(join(dir, head.output.file), tmp);
      // What snarkjs returned must be what it wrote: the record in the file is what verify will check.
      const written = (await readZkeyMpc(tmp)).contributions[index - 1];
      if (written?.hash !== contributionHash) {
        throw new CeremonyError(
          "SNARKJS_FAILED",
          "the new key's last contribution is not the one snarkjs reported",
        );
      }
      await rename(tmp, join(dir, out));
    } finally {
      await rm(tmp, { force: true });
    }
    const step = make({
      index,
      party,
      input: head.output,
      output: await fileRef(dir, out, io),
      contributionHash,
      startedAt,
      finishedAt: now(),
    });
    t.steps.push(step);
    await writeTranscript(dir, t);
    return step;
  });
}

export interface ContributeOptions extends CeremonyIo {
  dir: string;
  /** Recorded in the key and the transcript (snarkjs keeps at most 64 bytes). */
  party: string;
  /** The party's own random text. OS randomness is always added to it; it is never stored or logged. */
  entropy: string;
  /** Run the whole `verify` before contributing (a careful party checks what they build on). */
  verifyFirst?: boolean;
}

export async function contribute(o: ContributeOptions): Promise<ContributionStep> {
  const party = checkParty(o.party);
  if (o.entropy.length === 0) throw new CeremonyError("BAD_ARGUMENT", "entropy must not be empty");
  return appendStep(
    o.dir,
    o,
    (input, output) => {
      info(o, `contributing as ${JSON.stringify(party)}`);
      // snarkjs adds 64 bytes of its own; ours make the contribution safe even if the party typed little.
      return contributeZkey(input, output, party, `${o.entropy}|${randomBytes(64).toString("hex")}`, o.log);
    },
    (base) => ({ kind: "contribution", ...base }),
    party,
    o.verifyFirst
      ? async () => {
          await assertVerified(o.dir, o);
        }
      : undefined,
  );
}

export interface BeaconOptions extends CeremonyIo {
  dir: string;
  /** Public randomness fixed after the last contribution (e.g. a future block hash), hex, 1-255 bytes. */
  beaconHex: string;
  /** snarkjs iterates the beacon hash 2^iterationsExp times (10..63). */
  iterationsExp: number;
  party?: string;
}

export async function beacon(o: BeaconOptions): Promise<BeaconStep> {
  const party = checkParty(o.party ?? "beacon");
  const beaconHex = o.beaconHex.replace(/^0x/i, "").toLowerCase();
  if (!/^([0-9a-f]{2}){1,255}$/.test(beaconHex)) {
    throw new CeremonyError("BAD_ARGUMENT", "beacon must be 1-255 bytes of hex");
  }
  if (!Number.isInteger(o.iterationsExp) || o.iterationsExp < 10 || o.iterationsExp > 63) {
    throw new CeremonyError("BAD_ARGUMENT", "beacon iterations exponent must be 10..63");
  }
  return appendStep(
    o.dir,
    o,
    (input, output) => {
      info(o, `applying beacon ${beaconHex} with 2^${o.iterationsExp} iterations`);
      return beaconZkey(input, output, party, beaconHex, o.iterationsExp, o.log);
    },
    (base) => ({ kind: "beacon", ...base, beaconHash: beaconHex, iterationsExp: o.iterationsExp }),
    party,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// verify

export interface VerifyOptions extends CeremonyIo {
  dir: string;
  /** A ptau the verifier obtained on their own (default: the one in the folder); its hash must match. */
  ptauPath?: string;
  /** An r1cs the verifier compiled on their own from the circuit source (default: the one in the folder). */
  r1csPath?: string;
  /** Also run snarkjs's full check on every intermediate key, not only the last. */
  everyStep?: boolean;
}

export interface VerifyIssue {
  code: CeremonyErrorCode;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  issues: VerifyIssue[];
  ceremonyId: string;
  /** SHA-256 of ceremony.json as read, the value exported headers cite. */
  transcriptSha256: string;
  circuit: string | undefined;
  /** The last step is a beacon: nothing more can be added. */
  finalized: boolean;
  steps: { index: number; kind: Step["kind"]; party: string; contributionHash?: string }[];
  finalZkey: FileRef | undefined;
}

/**
 * Rechecks the whole ceremony from the files: the ptau and r1cs hashes, every key's hash, that each step starts from
 * the previous step's key, that the contribution records inside the keys are the transcript's (names, hashes, beacon
 * parameters) and extend each other, and snarkjs's own verification (`zkey verify`: the last key rebuilt from the
 * r1cs and the ptau, every contribution's proof of knowledge checked). Collects every problem instead of stopping
 * at the first; throws only when the transcript itself cannot be read.
 */
export async function verifyCeremony(o: VerifyOptions): Promise<VerifyReport> {
  const t = await readTranscript(o.dir);
  const transcriptSha256 = createHash("sha256")
    .update(await readFile(transcriptPath(o.dir)))
    .digest("hex");
  const issues: VerifyIssue[] = [];
  const fail = (code: CeremonyErrorCode, message: string): void => {
    issues.push({ code, message });
    o.log?.error(`${code}: ${message}`);
  };

  // Phase 1.
  const ptauPath = o.ptauPath ?? join(o.dir, t.ptau.file);
  let ptauOk = false;
  if (!(await exists(ptauPath))) {
    fail("FILE_NOT_FOUND", `${ptauPath}: missing`);
  } else {
    info(o, `ptau ${ptauPath}`);
    const h = await blake2bFile(ptauPath, o.onProgress);
    if (h !== t.ptau.blake2b) {
      fail("PTAU_HASH_MISMATCH", `${ptauPath}: BLAKE2b-512 ${h}, the transcript imported ${t.ptau.blake2b}`);
    } else {
      const pi = await readPtauInfo(ptauPath);
      const insecure = insecureReason(ptauPath, pi);
      if (insecure) fail("PTAU_INSECURE", insecure);
      else if (pi.power !== t.ptau.power)
        fail("PTAU_INVALID", `${ptauPath}: power ${pi.power}, transcript ${t.ptau.power}`);
      else ptauOk = true;
    }
  }

  const report = (): VerifyReport => {
    const last = lastStep(t);
    return {
      ok: issues.length === 0,
      issues,
      ceremonyId: t.ceremonyId,
      transcriptSha256,
      circuit: t.circuit?.name,
      finalized: last?.kind === "beacon",
      steps: t.steps.map((s) => ({
        index: s.index,
        kind: s.kind,
        party: s.party,
        ...(s.kind === "new" ? {} : { contributionHash: s.contributionHash }),
      })),
      finalZkey: last?.output,
    };
  };

  const c = t.circuit;
  if (!c || t.steps.length === 0) {
    fail("NO_CIRCUIT", "no phase-2 key yet (run `ceremony new`)");
    return report();
  }

  // The circuit.
  const r1csPath = o.r1csPath ?? join(o.dir, c.r1cs);
  let r1csOk = false;
  if (!(await exists(r1csPath))) {
    fail("FILE_NOT_FOUND", `${r1csPath}: missing`);
  } else {
    const h = await sha256File(r1csPath);
    if (h !== c.r1csSha256)
      fail("R1CS_MISMATCH", `${r1csPath}: SHA-256 ${h}, the ceremony's circuit is ${c.r1csSha256}`);
    else if (c.power > t.ptau.power) fail("PTAU_TOO_SMALL", `the circuit needs power ${c.power}`);
    else r1csOk = true;
  }

  // The chain as the transcript tells it.
  const seen = new Set<string>();
  t.steps.forEach((s, i) => {
    if (s.index !== i) fail("TRANSCRIPT_INVALID", `step ${i} is numbered ${s.index}`);
    if ((i === 0) !== (s.kind === "new")) fail("TRANSCRIPT_INVALID", `step ${i} is a "${s.kind}" step`);
    if (s.kind === "beacon" && i !== t.steps.length - 1)
      fail("TRANSCRIPT_INVALID", `step ${i}: a beacon must be last`);
    if (s.output.file !== stepZkeyName(c.name, i))
      fail("TRANSCRIPT_INVALID", `step ${i} names ${s.output.file}`);
    if (seen.has(s.output.blake2b))
      fail("CHAIN_BROKEN", `step ${i} outputs a key an earlier step already output`);
    seen.add(s.output.blake2b);
    const prev = t.steps[i - 1];
    if (s.kind !== "new" && prev && !sameRef(s.input, prev.output)) {
      fail("CHAIN_BROKEN", `step ${i} (${s.party}) did not start from step ${i - 1}'s key`);
    }
  });

  // Every key file is the one recorded.
  const present: boolean[] = [];
  for (const s of t.steps) {
    const path = join(o.dir, s.output.file);
    if (!(await exists(path))) {
      fail("ZKEY_MISSING", `${path}: missing (step ${s.index}, ${s.party})`);
      present.push(false);
      continue;
    }
    const h = await blake2bFile(path, o.onProgress);
    const ok = h === s.output.blake2b && (await fileSize(path)) === s.output.bytes;
    if (!ok) fail("ZKEY_HASH_MISMATCH", `${path}: not the key step ${s.index} (${s.party}) recorded`);
    present.push(ok);
  }

  // The contribution records inside the keys.
  const last = t.steps[t.steps.length - 1]!;
  let finalMpc: ZkeyMpc | undefined;
  if (present[last.index]) {
    try {
      finalMpc = await readZkeyMpc(join(o.dir, last.output.file));
    } catch (e) {
      fail(isCeremonyError(e) ? e.code : "ZKEY_INVALID", (e as Error).message);
    }
  }
  if (finalMpc) {
    if (finalMpc.circuitHash !== c.circuitHash)
      fail("CONTRIBUTION_MISMATCH", "the last key is for another circuit hash");
    if (finalMpc.contributions.length !== t.steps.length - 1) {
      fail(
        "CONTRIBUTION_MISMATCH",
        `the last key holds ${finalMpc.contributions.length} contributions, the transcript lists ${t.steps.length - 1}`,
      );
    }
    for (const s of t.steps) {
      if (s.kind === "new") continue;
      const k = finalMpc.contributions[s.index - 1];
      if (!k) continue;
      const what = `contribution ${s.index} (${s.party})`;
      if (k.hash !== s.contributionHash)
        fail("CONTRIBUTION_MISMATCH", `${what}: the key holds hash ${k.hash}`);
      if (k.name !== s.party)
        fail("CONTRIBUTION_MISMATCH", `${what}: the key names it ${JSON.stringify(k.name)}`);
      if (k.type !== (s.kind === "beacon" ? 1 : 0))
        fail("CONTRIBUTION_MISMATCH", `${what}: wrong kind in the key`);
      if (s.kind === "beacon" && (k.beaconHash !== s.beaconHash || k.iterationsExp !== s.iterationsExp)) {
        fail("CONTRIBUTION_MISMATCH", `${what}: the key holds another beacon`);
      }
    }
    // Each earlier key holds exactly the first i contributions of the last one: the chain really is one chain.
    for (const s of t.steps.slice(0, -1)) {
      if (!present[s.index]) continue;
      let mpc: ZkeyMpc;
      try {
        mpc = await readZkeyMpc(join(o.dir, s.output.file));
      } catch (e) {
        fail(isCeremonyError(e) ? e.code : "ZKEY_INVALID", (e as Error).message);
        continue;
      }
      const prefix = finalMpc.contributions.slice(0, s.index).map((x) => x.hash);
      if (
        mpc.circuitHash !== finalMpc.circuitHash ||
        mpc.contributions.length !== s.index ||
        mpc.contributions.some((x, j) => x.hash !== prefix[j])
      ) {
        fail("CHAIN_BROKEN", `${s.output.file} (step ${s.index}) is not an ancestor of the last key`);
      }
    }
  }

  // snarkjs's own check, against phase 1 and the circuit.
  if (ptauOk && r1csOk) {
    const targets = o.everyStep ? t.steps.filter((s) => present[s.index]) : present[last.index] ? [last] : [];
    for (const s of targets) {
      info(o, `snarkjs zkey verify ${s.output.file}`);
      let ok = false;
      try {
        ok = await verifyZkeyFromR1cs(r1csPath, ptauPath, join(o.dir, s.output.file), o.log);
      } catch (e) {
        o.log?.error((e as Error).message);
      }
      if (!ok)
        fail(
          "ZKEY_VERIFY_FAILED",
          `${s.output.file}: snarkjs zkey verify failed against the r1cs and the ptau`,
        );
    }
  } else {
    fail("ZKEY_VERIFY_FAILED", "snarkjs zkey verify skipped: the ptau or the r1cs is not the ceremony's");
  }
  return report();
}

function sameRef(a: FileRef, b: FileRef): boolean {
  return a.file === b.file && a.blake2b === b.blake2b && a.bytes === b.bytes;
}

async function assertVerified(dir: string, io: CeremonyIo): Promise<VerifyReport> {
  const r = await verifyCeremony({ ...io, dir });
  if (!r.ok) {
    const first = r.issues[0]!;
    throw new CeremonyError(
      "VERIFY_FAILED",
      `${dir}: ${r.issues.length} problem(s); first: ${first.code}: ${first.message}`,
    );
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// export

export interface ExportOptions extends CeremonyIo {
  dir: string;
  outDir: string;
  /** Solidity contract name (the rename happens in snarkjs's template; the generated code is never edited). */
  contractName?: string;
  /** Export a chain that has no beacon (testing a rehearsal ceremony); production ceremonies end with one. */
  allowNoBeacon?: boolean;
  ptauPath?: string;
  r1csPath?: string;
}

export interface ExportResult {
  zkeyPath: string;
  vkeyPath: string;
  solidityPath: string;
  /** The transcript, byte for byte, whose SHA-256 the headers cite. */
  transcriptPath: string;
  /** Value of `zkmarginSetup` in the verification key. */
  label: string;
}

/** `zkmarginSetup` of a production verification key; development keys say "INSECURE-DEV ..." instead. */
export function productionSetupLabel(ceremonyId: string, transcriptSha256: string): string {
  return `${PRODUCTION_LABEL} ceremony=${ceremonyId} transcript-sha256=${transcriptSha256}`;
}

const TEMPLATE = "verifier_groth16.sol.ejs";

async function groth16Template(contractName?: string): Promise<string> {
  const main = createRequire(import.meta.url).resolve("snarkjs"); // .../snarkjs/build/main.cjs
  let template = await readFile(join(dirname(main), "..", "templates", TEMPLATE), "utf8");
  if (contractName !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(contractName))
      throw new CeremonyError("BAD_ARGUMENT", "invalid contract name");
    const decl = "contract Groth16Verifier {";
    if (template.split(decl).length !== 2)
      throw new CeremonyError("SNARKJS_FAILED", `${TEMPLATE}: unexpected contract declaration`);
    template = template.replace(decl, `contract ${contractName} {`);
  }
  return template;
}

/**
 * Verifies the ceremony (refusing to export a chain that fails), then writes `<circuit>.PRODUCTION.zkey`, its
 * `.vkey.json` (with `zkmarginSetup` and the ceremony's identity), snarkjs's Solidity verifier with a header naming
 * the ceremony and transcript hash, and a copy of the transcript.
 */
export async function exportCeremony(o: ExportOptions): Promise<ExportResult> {
  const transcriptBytes = await readFile(transcriptPath(o.dir)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new CeremonyError("CEREMONY_NOT_FOUND", `${o.dir}: no ceremony`);
    throw e;
  });
  const r = await assertVerified(o.dir, o);
  // The transcript must not change between the verification and the copy that the headers cite.
  const sha = createHash("sha256").update(transcriptBytes).digest("hex");
  if (sha !== r.transcriptSha256)
    throw new CeremonyError("CEREMONY_BUSY", "ceremony.json changed during export");
  const t = await readTranscript(o.dir);
  const c = t.circuit!;
  const last = lastStep(t)!;
  if (t.steps.length < 2)
    throw new CeremonyError("CEREMONY_NOT_FINALIZED", "no contribution yet: the key is not secret to anyone");
  if (last.kind !== "beacon" && !o.allowNoBeacon) {
    throw new CeremonyError(
      "CEREMONY_NOT_FINALIZED",
      "the ceremony has no beacon yet (run `ceremony beacon`)",
    );
  }
  await mkdir(o.outDir, { recursive: true });
  const base = join(o.outDir, `${c.name}.${PRODUCTION_LABEL}`);
  const res: ExportResult = {
    zkeyPath: `${base}.zkey`,
    vkeyPath: `${base}.vkey.json`,
    solidityPath: `${base}.verifier.sol`,
    transcriptPath: `${base}.ceremony.json`,
    label: productionSetupLabel(t.ceremonyId, sha),
  };
  const tmpZkey = `${res.zkeyPath}.tmp`;
  await copyFile(join(o.dir, last.output.file), tmpZkey);
  if ((await blake2bFile(tmpZkey, o.onProgress)) !== last.output.blake2b) {
    await rm(tmpZkey, { force: true });
    throw new CeremonyError("ZKEY_HASH_MISMATCH", `${last.output.file} changed during export`);
  }
  await rename(tmpZkey, res.zkeyPath);
  await writeFileAtomic(res.transcriptPath, transcriptBytes);

  const provenance = {
    ceremonyId: t.ceremonyId,
    transcriptSha256: sha,
    finalZkeyBlake2b: last.output.blake2b,
    circuit: c.name,
    r1csSha256: c.r1csSha256,
    circuitHash: c.circuitHash,
    ptau: { source: t.ptau.source, blake2b: t.ptau.blake2b, power: t.ptau.power },
    contributions: t.steps.flatMap((s) =>
      s.kind === "new"
        ? []
        : [{ index: s.index, kind: s.kind, party: s.party, contributionHash: s.contributionHash }],
    ),
  };
  info(o, "exporting the verification key");
  const vkey = {
    ...(await exportVerificationKey(res.zkeyPath)),
    zkmarginSetup: res.label,
    zkmarginCeremony: provenance,
  };
  await writeFileAtomic(res.vkeyPath, JSON.stringify(vkey, null, 1) + "\n");

  info(o, "exporting the Solidity verifier");
  const code = await exportSolidityVerifier(res.zkeyPath, { groth16: await groth16Template(o.contractName) });
  const beaconStep = last.kind === "beacon" ? last : undefined;
  const head =
    `// ${PRODUCTION_LABEL} TRUSTED SETUP: zkmargin phase-2 ceremony ${t.ceremonyId}, circuit ${c.name}\n` +
    `// transcript ${basename(res.transcriptPath)} sha256 ${sha}\n` +
    `// final zkey blake2b ${last.output.blake2b}\n` +
    `// r1cs sha256 ${c.r1csSha256}; phase 1 ${t.ptau.source} blake2b ${t.ptau.blake2b}\n` +
    `// ${t.steps.length - 1} contribution(s)${beaconStep ? `, beacon ${beaconStep.beaconHash} 2^${beaconStep.iterationsExp}` : ", NO BEACON"}\n` +
    `// Generated by snarkjs zKey.exportSolidityVerifier: do not edit; re-export instead.\n`;
  await writeFile(res.solidityPath, head + code);
  return res;
}
