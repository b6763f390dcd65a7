// Witness generation with circom's C++ generator: circom2 `--c` writes C++ for the main, `make` builds it with g++,
// GMP and nlohmann/json, and the binary turns an input JSON into a .wtns (byte-identical to the WASM calculator's,
// 3–7× faster at 60k constraints, BRIEF). It needs Debian's g++, make, nasm, libgmp-dev and nlohmann-json3-dev;
// nothing is ever downloaded: when a piece is missing, probeNativeToolchain() says which package to install and
// createWitnessGenerator() (index.ts) falls back to WASM with that note.
//
// Builds are cached under build/witness-native/<key>/, keyed by the compiler version, the flags, the main's text,
// every included source and the g++ version; a build runs in a temporary sibling folder and is renamed into place,
// so concurrent processes never see half a binary. The R1CS circom writes alongside is hashed, so the generator
// knows which circuit's wires it computes.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import {
  REPO_ROOT,
  cacheKey,
  describeSpec,
  includeClosure,
  mainSource,
  type MainSpec,
} from "../../circuits/tooling/compile.js";
import { ProverError, messageOf } from "../backend/errors.js";
import type { CircuitInputs, ProgressCallback, WitnessGenerator } from "../backend/types.js";
import { sha256File } from "./fingerprint.js";
import { canonicalInputs } from "./inputs.js";

/** Bumped when the layout of a cached native build changes. */
const NATIVE_FORMAT = "zkm-native-witness-v2";
const CIRCOM2_CLI = "node_modules/circom2/cli.js";
/** Must match circuits/tooling/compile.ts: --O2 decides the wire numbering, so both generators agree on it. */
const FLAGS = ["--O2", "--r1cs", "--c"] as const;
export const NATIVE_OUT_ROOT = "build/witness-native";
const SPEC_MAIN = "circuit";

/** Debian packages the native generator needs, by the tool or header that shows each is there. */
export const NATIVE_APT_PACKAGES = ["g++", "make", "nasm", "libgmp-dev", "nlohmann-json3-dev"] as const;

export interface NativeToolchain {
  readonly available: boolean;
  /** Debian packages to install (empty when available). */
  readonly missing: readonly string[];
  /** One line: what is missing and the apt-get command, or the compiler in use. */
  readonly note: string;
}

/** A hand-written main (repository-relative .circom declaring `component main`), or a template through a main. */
export type CircuitSource = { readonly spec: MainSpec } | { readonly mainFile: string };

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function headerFound(header: string): boolean {
  if (!onPath("g++")) return false;
  const r = spawnSync("g++", ["-std=c++11", "-E", "-x", "c++", "-", "-o", "/dev/null"], {
    input: `#include <${header}>\n`,
    stdio: ["pipe", "ignore", "ignore"],
  });
  return r.status === 0;
}

let toolchain: NativeToolchain | undefined;

/** What the native generator needs, checked once per process (a few hundred ms: it preprocesses two headers). */
export function probeNativeToolchain(): NativeToolchain {
  if (toolchain) return toolchain;
  const missing: string[] = [];
  if (!onPath("g++")) missing.push("g++");
  if (!onPath("make")) missing.push("make");
  if (!onPath("nasm")) missing.push("nasm");
  if (!missing.includes("g++")) {
    if (!headerFound("gmp.h")) missing.push("libgmp-dev");
    if (!headerFound("nlohmann/json.hpp")) missing.push("nlohmann-json3-dev");
  } else {
    missing.push("libgmp-dev", "nlohmann-json3-dev");
  }
  const gxx = missing.includes("g++")
    ? ""
    : (spawnSync("g++", ["--version"]).stdout?.toString().split("\n")[0] ?? "");
  toolchain = {
    available: missing.length === 0,
    missing,
    note:
      missing.length === 0
        ? `circom C++ witness generator (${gxx})`
        : `native witness generator unavailable: missing ${missing.join(", ")} ` +
          `(sudo apt-get install -y ${missing.join(" ")})`,
  };
  return toolchain;
}

function gxxVersion(): string {
  return spawnSync("g++", ["--version"]).stdout?.toString().split("\n")[0] ?? "g++ ?";
}

function toPosix(p: string): string {
  return p.split(sep).join("/");
}

async function circom2Version(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, "node_modules/circom2/package.json"), "utf8")) as {
    version: string;
  };
  return `circom2@${pkg.version}`;
}

async function sourceKey(source: CircuitSource, opt: NativeOptLevel): Promise<string> {
  const h = createHash("sha256");
  h.update(`${NATIVE_FORMAT}\n${await circom2Version()}\n${FLAGS.join(" ")}\n${gxxVersion()} -${opt}\n`);
  if ("spec" in source) {
    h.update(`spec ${await cacheKey(source.spec, false)}\n`);
  } else {
    checkMainFile(source.mainFile);
    h.update(`file ${toPosix(source.mainFile)}\n`);
    for (const f of await includeClosure(source.mainFile)) {
      h.update(`\n--- ${f}\n`);
      h.update(await readFile(join(REPO_ROOT, f)));
    }
  }
  return h.digest("hex").slice(0, 24);
}

function checkMainFile(file: string): void {
  if (isAbsolute(file) || toPosix(file).startsWith("../") || !file.endsWith(".circom")) {
    throw new ProverError(
      "NATIVE_BUILD_FAILED",
      `${file}: give a .circom main relative to the repository root`,
    );
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(basename(file, ".circom")) || basename(file) === "main.circom") {
    throw new ProverError(
      "NATIVE_BUILD_FAILED",
      `${file}: circom names the C++ program after the file: use [A-Za-z0-9_], not \`main\``,
    );
  }
}

function describe(source: CircuitSource): string {
  return "spec" in source ? describeSpec(source.spec) : source.mainFile;
}

function run(
  cmd: string,
  args: readonly string[],
  cwd: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code, signal, output }));
  });
}

const ANSI_RE = /\x1b\[[0-9;]*m/g;

function tail(text: string, max = 2000): string {
  const t = text.replace(ANSI_RE, "").trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

export type NativeOptLevel = "O0" | "O1" | "O2" | "O3";
/**
 * O1, not circom's O3: on the batch circuit of the `test` set (139k constraints, a 72 MB circuit.cpp) g++ took
 * 3.7 min at O1 against 13 min and 3 GB at O3 on the 2-core machines, and the O1 generator still gives the witness
 * in 0.22 s against 0.43 s for the WASM calculator, process start and file I/O included (bench/results/prover.json).
 * That fixed cost (~10 ms) makes native slower than WASM on small circuits (account_margin: 13 ms against 2 ms).
 */
export const DEFAULT_NATIVE_OPT: NativeOptLevel = "O1";

/**
 * circom 2.2.x's generated main.cpp gives every bus exactly 10 field slots (`calloc(10, sizeof(IOFieldDef))`) and
 * then copies all of a bus's fields into them: a bus with more than 10 fields (the batch circuit's SlotInput) writes
 * past the block and the program aborts with "malloc(): corrupted top size" before reading its input. The template
 * loop just above sizes the same array by its length; so do we, never below the original 10. Exact text match: a
 * circom that fixes or changes the line is left alone.
 */
export const BUS_FIELDS_BUG = "p.defs = (IOFieldDef*)calloc(10, sizeof(IOFieldDef));";
const BUS_FIELDS_FIX = "p.defs = (IOFieldDef*)calloc(p.len > 10 ? p.len : 10, sizeof(IOFieldDef));";

async function patchGeneratedMain(cppDir: string): Promise<void> {
  const path = join(cppDir, "main.cpp");
  const src = await readFile(path, "utf8");
  if (src.includes(BUS_FIELDS_BUG)) await writeFile(path, src.split(BUS_FIELDS_BUG).join(BUS_FIELDS_FIX));
}

export interface NativeBuild {
  readonly dir: string;
  readonly binary: string;
  readonly r1csPath: string;
  readonly r1csSha256: string;
  readonly optimize: NativeOptLevel;
  /** How long circom2 --c and make took when it was built. */
  readonly buildSeconds: number;
  /** False when this call compiled and built it. */
  readonly cached: boolean;
}

interface NativeMeta {
  readonly format: string;
  readonly source: string;
  readonly name: string;
  readonly r1csSha256: string;
  readonly optimize: NativeOptLevel;
  readonly buildSeconds: number;
}

export interface NativeBuildOptions {
  /** Cache root, relative to the repository root (circom2 runs under WASI: it must lie below it). */
  readonly outRoot?: string;
  /** g++ optimisation level (default DEFAULT_NATIVE_OPT). */
  readonly optimize?: NativeOptLevel;
  readonly onProgress?: ProgressCallback;
}

/** Compiles and builds (or finds cached) the C++ witness generator of `source`. */
export async function buildNativeWitness(
  source: CircuitSource,
  opts: NativeBuildOptions = {},
): Promise<NativeBuild> {
  const tc = probeNativeToolchain();
  if (!tc.available) throw new ProverError("BACKEND_UNAVAILABLE", tc.note);
  const opt = opts.optimize ?? DEFAULT_NATIVE_OPT;
  if (!["O0", "O1", "O2", "O3"].includes(opt))
    throw new ProverError("NATIVE_BUILD_FAILED", `bad optimisation level ${opt}`);
  const key = await sourceKey(source, opt);
  const finalDir = resolve(REPO_ROOT, opts.outRoot ?? NATIVE_OUT_ROOT, key);
  const rel = toPosix(relative(REPO_ROOT, finalDir));
  if (rel.startsWith("../") || isAbsolute(rel)) {
    throw new ProverError(
      "NATIVE_BUILD_FAILED",
      `native build folder ${finalDir} must lie under ${REPO_ROOT} (WASI)`,
    );
  }
  const found = await readBuild(finalDir);
  if (found) return found;

  const tmpDir = `${finalDir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const tmpRel = toPosix(relative(REPO_ROOT, tmpDir));
  await mkdir(tmpDir, { recursive: true });
  const t0 = performance.now();
  try {
    let mainRel: string;
    if ("spec" in source) {
      // The temporary folder is a sibling of the final one, so the relative include holds in both.
      const include = toPosix(relative(finalDir, resolve(REPO_ROOT, source.spec.file)));
      // Not "main": circom's C++ output reserves that name (it would rename the program main_c).
      await writeFile(join(tmpDir, `${SPEC_MAIN}.circom`), mainSource(source.spec, include));
      mainRel = `${tmpRel}/${SPEC_MAIN}.circom`;
    } else {
      mainRel = toPosix(source.mainFile);
    }
    const name = basename(mainRel, ".circom");
    opts.onProgress?.("circom2 --c", 0, 2);
    const c = await run(process.execPath, [CIRCOM2_CLI, mainRel, ...FLAGS, "-o", tmpRel], REPO_ROOT);
    const cppDir = join(tmpDir, `${name}_cpp`);
    if (c.code !== 0 || !existsSync(join(cppDir, "Makefile"))) {
      throw new ProverError(
        "NATIVE_BUILD_FAILED",
        `circom2 --c failed on ${describe(source)}:\n${tail(c.output)}`,
      );
    }
    await patchGeneratedMain(cppDir);
    opts.onProgress?.(`g++ -${opt} (make)`, 1, 2);
    const m = await run("make", [`-j${availableParallelism()}`, `CFLAGS=-std=c++11 -${opt} -I.`], cppDir);
    if (m.code !== 0 || !existsSync(join(cppDir, name))) {
      throw new ProverError("NATIVE_BUILD_FAILED", `make failed for ${describe(source)}:\n${tail(m.output)}`);
    }
    for (const f of await readdir(cppDir)) if (f.endsWith(".o")) await rm(join(cppDir, f));
    const meta: NativeMeta = {
      format: NATIVE_FORMAT,
      source: describe(source),
      name,
      r1csSha256: await sha256File(join(tmpDir, `${name}.r1cs`)),
      optimize: opt,
      buildSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    };
    await writeFile(join(tmpDir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
    opts.onProgress?.("built", 2, 2);
    try {
      await rename(tmpDir, finalDir);
    } catch (e) {
      // Another process finished first; its build is identical by construction.
      if (!(await readBuild(finalDir))) throw e;
    }
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  const built = await readBuild(finalDir);
  if (!built) throw new ProverError("NATIVE_BUILD_FAILED", `${finalDir}: build vanished after it was made`);
  return { ...built, cached: false };
}

async function readBuild(dir: string): Promise<NativeBuild | undefined> {
  const metaPath = join(dir, "meta.json");
  if (!existsSync(metaPath)) return undefined;
  const meta = JSON.parse(await readFile(metaPath, "utf8")) as NativeMeta;
  const binary = join(dir, `${meta.name}_cpp`, meta.name);
  const r1csPath = join(dir, `${meta.name}.r1cs`);
  if (meta.format !== NATIVE_FORMAT || !existsSync(binary) || !existsSync(`${binary}.dat`)) return undefined;
  return {
    dir,
    binary,
    r1csPath,
    r1csSha256: meta.r1csSha256,
    optimize: meta.optimize,
    buildSeconds: meta.buildSeconds,
    cached: true,
  };
}

export class NativeWitnessGenerator implements WitnessGenerator {
  readonly kind = "native";

  private constructor(readonly build: NativeBuild) {}

  get r1csSha256(): string {
    return this.build.r1csSha256;
  }

  static async create(source: CircuitSource, opts: NativeBuildOptions = {}): Promise<NativeWitnessGenerator> {
    return new NativeWitnessGenerator(await buildNativeWitness(source, opts));
  }

  async generate(inputs: CircuitInputs): Promise<Uint8Array> {
    const json = JSON.stringify(canonicalInputs(inputs));
    const dir = await mkdtemp(join(tmpdir(), "zkm-wtns-"));
    try {
      const input = join(dir, "input.json");
      const output = join(dir, "witness.wtns");
      await writeFile(input, json);
      // The program finds its constants at argv[0] + ".dat": run it by its full path.
      const r = await run(this.build.binary, [input, output], dirname(this.build.binary));
      if (r.code !== 0 || !existsSync(output)) {
        const how = r.signal ? `was killed by ${r.signal}` : `exited with ${r.code}`;
        throw new ProverError(
          "WITNESS_FAILED",
          `native witness generator ${how}: ${tail(r.output) || "(no output)"}`,
        );
      }
      return new Uint8Array(await readFile(output));
    } catch (e) {
      if (e instanceof ProverError) throw e;
      throw new ProverError("WITNESS_FAILED", `native witness generator: ${messageOf(e)}`, { cause: e });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}
}
