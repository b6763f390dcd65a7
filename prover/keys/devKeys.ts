// Development proving keys, cached by circuit fingerprint: the key folder is named after the sha256 of the .r1cs the
// keys were made from, so a changed circuit (new R1CS) looks in a new folder and can never meet a stale key, while
// an unchanged circuit is a cache hit that rebuilds nothing. Keys come from the INSECURE development setup
// (prover/setup/devSetup.ts) and say so in every file name and in the verifier contract's header.
//
//   <cacheRoot>/<set>/<main>/<r1csSha256[0:16]>/           default cacheRoot: .zkmargin/keys (or $ZKMARGIN_KEY_DIR)
//     <main>.dev-INSECURE.zkey, <main>.dev-INSECURE.vkey.json, <Main><Set>DevVerifier.sol, meta.json
//   <cacheRoot>/ptau/dev-INSECURE-<power>.seed-<tag>.ptau   shared by every circuit of the same seed and power
//
// A build holds a lock folder (so concurrent processes wait for one setup rather than each running their own), runs
// in a temporary sibling folder and is renamed into place, so a reader only ever sees a complete key folder.
import { existsSync } from "node:fs";
import { link, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { createHash, randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import {
  findMain,
  mainSpec,
  PARAM_SETS_FOR_BUILD,
  type MainDef,
  type ParamSetName,
} from "../../circuits/mains.js";
import {
  compileMain,
  REPO_ROOT,
  type CircuitArtifacts,
  type MainSpec,
} from "../../circuits/tooling/compile.js";
import { readR1csHeader } from "../../circuits/tooling/r1cs.js";
import { devPtauPath, devSetup, devSetupLabel, exportDevSolidityVerifier } from "../setup/devSetup.js";
import { circuitPower } from "../setup/r1cs.js";
import { ProverError, messageOf } from "../backend/errors.js";
import type { ProgressCallback } from "../backend/types.js";
import { sha256File } from "../witness/fingerprint.js";

/** Bumped when the layout of a key folder changes. */
const KEY_FORMAT = "zkm-dev-keys-v1";
const FINGERPRINT_PREFIX = 16;

export interface DevKeys {
  readonly set: string;
  readonly name: string;
  readonly dir: string;
  readonly zkeyPath: string;
  readonly vkeyPath: string;
  readonly verifierPath: string;
  readonly verifierContract: string;
  readonly r1csSha256: string;
  readonly seed: string;
  readonly constraints: number;
  readonly power: number;
  /** True when the keys were already in the cache. */
  readonly cached: boolean;
}

interface KeyMeta {
  readonly format: string;
  readonly set: string;
  readonly name: string;
  readonly r1csSha256: string;
  readonly seed: string;
  readonly setup: string;
  readonly constraints: number;
  readonly power: number;
  readonly verifierContract: string;
  readonly setupSeconds: number;
}

export interface DevKeyOptions {
  /** Default: $ZKMARGIN_KEY_DIR, else <repo>/.zkmargin/keys. */
  readonly cacheRoot?: string;
  /** Default: devSeed(set), shared by every main of a set (so they share the ptau). */
  readonly seed?: string;
  readonly onProgress?: ProgressCallback;
}

export function defaultKeyCacheRoot(): string {
  const env = process.env.ZKMARGIN_KEY_DIR;
  return env && env.length > 0 ? resolve(env) : join(REPO_ROOT, ".zkmargin", "keys");
}

export function devSeed(set: string): string {
  return `zkmargin dev keys ${set}`;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

/** The key folder for a circuit fingerprint (a non-default seed gets its own folder). */
export function keyDir(root: string, set: string, name: string, r1csSha256: string, seed: string): string {
  const fp = r1csSha256.slice(0, FINGERPRINT_PREFIX);
  const seedPart = seed === devSeed(set) ? "" : `.seed-${createSeedTag(seed)}`;
  return join(root, set, name, `${fp}${seedPart}`);
}

function createSeedTag(seed: string): string {
  return createHash("sha256").update(seed, "utf8").digest("hex").slice(0, 12);
}

function files(dir: string, name: string, set: string) {
  const verifierContract = `${pascal(name)}${pascal(set)}DevVerifier`;
  return {
    zkeyPath: join(dir, `${name}.dev-INSECURE.zkey`),
    vkeyPath: join(dir, `${name}.dev-INSECURE.vkey.json`),
    verifierPath: join(dir, `${verifierContract}.sol`),
    verifierContract,
    metaPath: join(dir, "meta.json"),
  };
}

async function readCached(
  dir: string,
  name: string,
  set: string,
  sha: string,
  seed: string,
): Promise<DevKeys | undefined> {
  const f = files(dir, name, set);
  if (!existsSync(f.metaPath)) return undefined;
  let meta: KeyMeta;
  try {
    meta = JSON.parse(await readFile(f.metaPath, "utf8")) as KeyMeta;
  } catch {
    return undefined;
  }
  // The folder name holds a prefix only: the full fingerprint and the seed must match too.
  if (meta.format !== KEY_FORMAT || meta.r1csSha256 !== sha || meta.seed !== seed) return undefined;
  if (![f.zkeyPath, f.vkeyPath, f.verifierPath].every((p) => existsSync(p))) return undefined;
  return {
    set,
    name,
    dir,
    zkeyPath: f.zkeyPath,
    vkeyPath: f.vkeyPath,
    verifierPath: f.verifierPath,
    verifierContract: f.verifierContract,
    r1csSha256: sha,
    seed,
    constraints: meta.constraints,
    power: meta.power,
    cached: true,
  };
}

/** Keys for a compiled circuit: from the cache when its R1CS fingerprint is there, else built with devSetup. */
export async function ensureDevKeysForR1cs(
  circuit: { readonly set: string; readonly name: string; readonly r1csPath: string },
  opts: DevKeyOptions = {},
): Promise<DevKeys> {
  const { set, name, r1csPath } = circuit;
  for (const [what, v] of [
    ["set", set],
    ["name", name],
  ] as const) {
    if (!NAME_RE.test(v)) throw new ProverError("KEY_SETUP_FAILED", `invalid ${what} ${JSON.stringify(v)}`);
  }
  if (!existsSync(r1csPath)) throw new ProverError("FILE_NOT_FOUND", `${r1csPath} not found`);
  const root = opts.cacheRoot ?? defaultKeyCacheRoot();
  const seed = opts.seed ?? devSeed(set);
  const sha = await sha256File(r1csPath);
  const dir = keyDir(root, set, name, sha, seed);
  const hit = await readCached(dir, name, set, sha, seed);
  if (hit) return hit;
  return withLock(`${dir}.lock`, async () => {
    // Whoever held the lock may have just built these keys.
    const built = await readCached(dir, name, set, sha, seed);
    return built ?? build(root, dir, { set, name, r1csPath }, sha, seed, opts);
  });
}

/** A lock whose holder cannot be checked (no pid file yet, another host) is presumed dead after this long. */
const STALE_LOCK_MS = 60 * 60_000;

function holderAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a lock folder was left by a process that is gone (killed mid-setup), so waiting would be forever. */
async function abandoned(path: string): Promise<boolean> {
  try {
    const [pid, host] = (await readFile(join(path, "owner"), "utf8")).split("@");
    if (host === hostname() && pid !== undefined && /^[0-9]+$/.test(pid)) return !holderAlive(Number(pid));
  } catch {
    // no owner file yet: the holder is between mkdir and writeFile, or died there
  }
  return Date.now() - (await stat(path)).mtimeMs > STALE_LOCK_MS;
}

/** Cross-process: mkdir is atomic, so one process runs the setup while the others wait and then reuse it. */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  for (;;) {
    try {
      await mkdir(path);
      await writeFile(join(path, "owner"), `${process.pid}@${hostname()}`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      try {
        if (await abandoned(path)) await rm(path, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

async function build(
  root: string,
  dir: string,
  circuit: { readonly set: string; readonly name: string; readonly r1csPath: string },
  sha: string,
  seed: string,
  opts: DevKeyOptions,
): Promise<DevKeys> {
  const { set, name, r1csPath } = circuit;
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await mkdir(tmp, { recursive: true });
  try {
    const h = await readR1csHeader(r1csPath);
    const power = circuitPower({ ...h, nVars: h.nWires });
    const sharedPtau = devPtauPath(join(root, "ptau"), power, seed);
    const localPtau = devPtauPath(tmp, power, seed);
    // devSetup writes files through a temporary name and a rename, so a hard link never lets it write into the
    // shared copy; it checks the linked ptau against the seed before trusting it.
    if (existsSync(sharedPtau)) await link(sharedPtau, localPtau).catch(() => {});
    const started = performance.now();
    const res = await devSetup({ r1csPath, outDir: tmp, seed, name, power, onProgress: opts.onProgress });
    const f = files(tmp, name, set);
    await exportDevSolidityVerifier(res.zkeyPath, f.verifierPath, {
      seed,
      fingerprint: `${set}/${name} r1cs sha256:${sha}`,
      contractName: f.verifierContract,
    });
    if (!existsSync(sharedPtau)) {
      await mkdir(join(root, "ptau"), { recursive: true });
      await rename(res.ptauPath, sharedPtau);
    } else {
      await rm(res.ptauPath, { force: true });
    }
    const meta: KeyMeta = {
      format: KEY_FORMAT,
      set,
      name,
      r1csSha256: sha,
      seed,
      setup: devSetupLabel(seed),
      constraints: res.constraints,
      power: res.power,
      verifierContract: f.verifierContract,
      setupSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
    await writeFile(f.metaPath, `${JSON.stringify(meta, null, 2)}\n`);
    await mkdir(join(dir, ".."), { recursive: true });
    try {
      await rename(tmp, dir);
    } catch (e) {
      // Another process finished first (identical keys: the setup is deterministic), or a broken folder is in the
      // way; replace the latter.
      if (!(await readCached(dir, name, set, sha, seed))) {
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir).catch((e2: unknown) => {
          throw new ProverError("KEY_SETUP_FAILED", `cannot place keys in ${dir}: ${messageOf(e2)}`, {
            cause: e,
          });
        });
      }
    }
  } catch (e) {
    if (e instanceof ProverError) throw e;
    throw new ProverError("KEY_SETUP_FAILED", `dev setup for ${set}/${name} failed: ${messageOf(e)}`, {
      cause: e,
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const built = await readCached(dir, name, set, sha, seed);
  if (!built) throw new ProverError("KEY_SETUP_FAILED", `${dir}: keys vanished after they were made`);
  return { ...built, cached: false };
}

export interface MainKeys extends DevKeys {
  readonly spec: MainSpec;
  readonly artifacts: CircuitArtifacts;
}

/**
 * Compiles a registered main (circuits/mains.ts) at a parameter set into build/circuits/<set>/<main>/ — the folder
 * `npm run build:circuits` uses, so either one's build serves the other — and returns its development keys.
 */
export async function ensureDevKeys(
  main: MainDef | string,
  set: ParamSetName,
  opts: DevKeyOptions & { readonly log?: (line: string) => void } = {},
): Promise<MainKeys> {
  const def = typeof main === "string" ? findMain(main) : main;
  if (!def) throw new ProverError("UNKNOWN_MAIN", `unknown main "${String(main)}"`);
  if (!def.sets.includes(set))
    throw new ProverError("UNKNOWN_MAIN", `main ${def.name} is not built for set ${set}`);
  const spec = mainSpec(def, PARAM_SETS_FOR_BUILD[set]);
  const artifacts = await compileMain(spec, {
    outRoot: `build/circuits/${set}/${def.name}`,
    ...(opts.log ? { log: opts.log } : {}),
  });
  const keys = await ensureDevKeysForR1cs({ set, name: def.name, r1csPath: artifacts.r1csPath }, opts);
  return { ...keys, spec, artifacts };
}

/** Name of a key folder's fingerprint part, for logs. */
export function fingerprintOf(keys: DevKeys): string {
  return basename(keys.dir);
}
