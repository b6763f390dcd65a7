// Builds every registered main (circuits/mains.ts) per parameter set, pins their R1CS in circuits/fingerprints.json,
// and runs circom's `--inspect` constraint analysis, so that a circuit change cannot reach a verifier key unnoticed.
//
//   npm run build:circuits [-- --set test|dev|prod|all[,..]] [--main NAME] [--inspect]
//   npm run check:circuits          (= --check: CI; rebuild what CI fingerprints, fail when stale or on a warning)
//   npm run check:circuits -- --update   (rewrite circuits/fingerprints.json after an intended change)
//
// Mains are generated, never hand-written: circuits/tooling/compile.ts writes `component main ... = T(params)` into
// build/circuits/<set>/<name>/<cache key>/ and compiles it with circom2 `--O2 --r1cs --sym [--wasm]`, cached by
// content; build/circuits/<set>/<name>/build.json and the `current` link name the artifacts of the last build.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  LIBRARY_INSPECT,
  MAINS,
  PARAM_SETS_FOR_BUILD,
  SET_NAMES,
  mainSpec,
  scaledName,
  type FingerprintMode,
  type MainDef,
  type ParamSetName,
  type ParamSetSizes,
} from "../circuits/mains.js";
import {
  REPO_ROOT,
  cacheKey,
  compileMain,
  describeSpec,
  includeClosure,
  mainSource,
  type MainSpec,
} from "../circuits/tooling/compile.js";
import { readR1csHeader } from "../circuits/tooling/r1cs.js";

export const FINGERPRINTS_FILE = "circuits/fingerprints.json";
const BUILD_ROOT = "build/circuits";
const INSPECT_ROOT = `${BUILD_ROOT}/inspect`;
/** Bumped when the inspect cache's meaning changes. */
const INSPECT_FORMAT = "zkm-inspect-v1";
const CIRCOM2_CLI = "node_modules/circom2/cli.js";

// ---------------------------------------------------------------------------------------------------------------
// Records and fingerprints

/** What one compiled instance pins. Public outputs are listed apart: the verifier's public signals are both. */
export interface Fingerprint {
  readonly constraints: number;
  readonly publicInputs: number;
  readonly publicOutputs: number;
  readonly privateInputs: number;
  readonly wires: number;
  readonly r1csSha256: string;
}

/** A main pinned at a few values of one size, with the affine projection to the set's real size. */
export interface ScaledFingerprint {
  readonly scale: keyof ParamSetSizes;
  readonly points: Readonly<Record<string, Fingerprint>>;
  readonly perUnit: number;
  readonly fixed: number;
  readonly fullSize: number;
  /** fixed + perUnit · fullSize: an estimate, exact only while the count is affine in the size. */
  readonly projectedConstraints: number;
}

export type FingerprintEntry = Fingerprint | ScaledFingerprint;
export type FingerprintFile = Partial<Record<ParamSetName, Record<string, FingerprintEntry>>>;

export interface BuildRecord extends Fingerprint {
  readonly main: string;
  readonly set: ParamSetName;
  readonly instance: string;
  readonly labels: number;
  /** Seconds circom2 took when these artifacts were compiled (null: compiled by another tool, not recorded). */
  readonly compileSeconds: number | null;
  readonly cached: boolean;
  readonly key: string;
  readonly dir: string;
}

export function isScaled(e: FingerprintEntry): e is ScaledFingerprint {
  return "scale" in e;
}

/** Affine projection from two or more points (the first two define it). */
export function project(
  scale: keyof ParamSetSizes,
  points: ReadonlyMap<number, Fingerprint>,
  fullSize: number,
): ScaledFingerprint {
  const xs = [...points.keys()].sort((a, b) => a - b);
  if (xs.length < 2) throw new Error(`a scaled fingerprint needs two points, got ${xs.length}`);
  const [x0, x1] = [xs[0]!, xs[1]!];
  const [c0, c1] = [points.get(x0)!.constraints, points.get(x1)!.constraints];
  const perUnit = (c1 - c0) / (x1 - x0);
  if (!Number.isInteger(perUnit))
    throw new Error(`constraints are not affine in ${scale}: ${c0}@${x0}, ${c1}@${x1}`);
  const fixed = c0 - perUnit * x0;
  const byKey: Record<string, Fingerprint> = {};
  for (const x of xs) byKey[String(x)] = points.get(x)!;
  return { scale, points: byKey, perUnit, fixed, fullSize, projectedConstraints: fixed + perUnit * fullSize };
}

/** Human-readable differences between the committed and the rebuilt fingerprints; empty when they agree. */
export function diffFingerprints(committed: FingerprintFile, built: FingerprintFile): string[] {
  const out: string[] = [];
  for (const set of SET_NAMES) {
    const a = committed[set] ?? {};
    const b = built[set] ?? {};
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = a[name];
      const y = b[name];
      if (x === undefined) out.push(`${set}/${name}: not in ${FINGERPRINTS_FILE}`);
      else if (y === undefined)
        out.push(`${set}/${name}: in ${FINGERPRINTS_FILE} but not built (main removed or pending)`);
      else {
        for (const d of diffValue(x, y)) out.push(`${set}/${name}: ${d}`);
      }
    }
  }
  return out;
}

function diffValue(x: unknown, y: unknown, path = ""): string[] {
  if (typeof x === "object" && x !== null && typeof y === "object" && y !== null) {
    const xo = x as Record<string, unknown>;
    const yo = y as Record<string, unknown>;
    return [...new Set([...Object.keys(xo), ...Object.keys(yo)])]
      .sort()
      .flatMap((k) => diffValue(xo[k], yo[k], path ? `${path}.${k}` : k));
  }
  return x === y ? [] : [`${path} ${JSON.stringify(x)} → ${JSON.stringify(y)}`];
}

/** Stable text of the fingerprint file: sets in PARAM_SETS order, mains sorted, fixed key order. */
export function fingerprintText(f: FingerprintFile): string {
  const sorted: Record<string, unknown> = {
    $comment:
      "GENERATED by `npm run check:circuits -- --update` (scripts/build-circuits.ts). The R1CS of every main CI " +
      "builds, per parameter set; `npm run check:circuits` fails when a rebuild differs. A scaled entry pins the " +
      "main at small values of one size and projects the full count (docs/CIRCUITS.md, Build, fingerprints and lint).",
  };
  for (const set of SET_NAMES) {
    const entries = f[set];
    if (!entries || Object.keys(entries).length === 0) continue;
    const s: Record<string, unknown> = {};
    for (const name of Object.keys(entries).sort()) s[name] = canonical(entries[name]!);
    sorted[set] = s;
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

function canonicalPrint(p: Fingerprint): Fingerprint {
  return {
    constraints: p.constraints,
    publicInputs: p.publicInputs,
    publicOutputs: p.publicOutputs,
    privateInputs: p.privateInputs,
    wires: p.wires,
    r1csSha256: p.r1csSha256,
  };
}

function canonical(e: FingerprintEntry): FingerprintEntry {
  if (!isScaled(e)) return canonicalPrint(e);
  const points: Record<string, Fingerprint> = {};
  for (const k of Object.keys(e.points).sort((a, b) => Number(a) - Number(b)))
    points[k] = canonicalPrint(e.points[k]!);
  return {
    scale: e.scale,
    points,
    perUnit: e.perUnit,
    fixed: e.fixed,
    fullSize: e.fullSize,
    projectedConstraints: e.projectedConstraints,
  };
}

export async function readFingerprints(path = join(REPO_ROOT, FINGERPRINTS_FILE)): Promise<FingerprintFile> {
  if (!existsSync(path)) return {};
  const raw = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  const out: FingerprintFile = {};
  for (const set of SET_NAMES) {
    const v = raw[set];
    if (v !== undefined) out[set] = v as Record<string, FingerprintEntry>;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Progress: circom2 prints nothing while it works, so a spinner shows the phase and the elapsed time (a TTY), or a
// line per phase plus one every 30 s (CI logs).

const SPIN = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";

export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private timer: NodeJS.Timeout | undefined;
  private label = "";
  private phaseName = "";
  private t0 = 0;
  private phaseT0 = 0;
  private lastPlain = 0;
  private frame = 0;

  constructor(private readonly quiet = false) {}

  start(label: string): void {
    this.label = label;
    this.t0 = performance.now();
    this.timer = setInterval(() => this.render(), this.tty ? 150 : 1000);
    this.timer.unref();
  }

  phase(name: string): void {
    this.phaseName = name;
    this.phaseT0 = performance.now();
    this.lastPlain = this.phaseT0;
    if (!this.tty && !this.quiet) process.stderr.write(`  ${this.label}: ${name}\n`);
    this.render();
  }

  /** A line that must stay in the log (compileMain's own messages). */
  line(text: string): void {
    if (this.quiet) return;
    this.clear();
    process.stderr.write(`  ${text}\n`);
    this.render();
  }

  finish(summary: string): number {
    const s = (performance.now() - this.t0) / 1000;
    this.stop();
    if (!this.quiet) process.stderr.write(`✓ ${this.label}  ${summary}  (${s.toFixed(1)} s)\n`);
    return s;
  }

  fail(): void {
    this.stop();
    if (!this.quiet) process.stderr.write(`✗ ${this.label}: failed during ${this.phaseName}\n`);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (this.tty && !this.quiet) process.stderr.write("\r\x1b[K");
  }

  private render(): void {
    if (this.quiet || !this.timer) return;
    const now = performance.now();
    const total = ((now - this.t0) / 1000).toFixed(0);
    const inPhase = ((now - this.phaseT0) / 1000).toFixed(1);
    if (this.tty) {
      const f = SPIN[this.frame++ % SPIN.length];
      process.stderr.write(`\r\x1b[K${f} ${this.label} — ${this.phaseName} ${inPhase} s (total ${total} s)`);
    } else if (now - this.lastPlain >= 30_000) {
      this.lastPlain = now;
      process.stderr.write(`  ${this.label}: still ${this.phaseName} (${inPhase} s)\n`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Building one instance

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export interface Instance {
  readonly main: MainDef;
  readonly set: ParamSetName;
  /** The set's sizes with the scaled size overridden, if any. */
  readonly sizes: ParamSetSizes;
  /** Fingerprint / display name: "batch", or "batch@opSlots=1". */
  readonly name: string;
  /** build/circuits/<set>/<folder>. */
  readonly folder: string;
}

export function fullInstance(main: MainDef, set: ParamSetName): Instance {
  return { main, set, sizes: PARAM_SETS_FOR_BUILD[set], name: main.name, folder: main.name };
}

export function scaledInstance(
  main: MainDef,
  set: ParamSetName,
  size: keyof ParamSetSizes,
  value: number,
): Instance {
  return {
    main,
    set,
    sizes: { ...PARAM_SETS_FOR_BUILD[set], [size]: value },
    name: scaledName(main, size, value),
    folder: `${main.name}.${size}-${value}`,
  };
}

interface Stats {
  /** null: compiled by another caller of compileMain (the prover's key builder), which does not time it. */
  readonly compileSeconds: number | null;
  readonly r1csSha256: string;
}

/**
 * Compiles (or finds in the cache) one instance and records it. `wasm` false still reuses an existing build with the
 * witness calculator (same R1CS), so `--check` after `build:circuits` compiles nothing.
 */
export async function buildInstance(inst: Instance, wasm: boolean, progress: Progress): Promise<BuildRecord> {
  const spec = mainSpec(inst.main, inst.sizes);
  const outRoot = `${BUILD_ROOT}/${inst.set}/${inst.folder}`;
  progress.start(`${inst.set}/${inst.name} ${describeSpec(spec)}`);
  try {
    progress.phase("hashing sources");
    const wasmKey = await cacheKey(spec, true);
    const haveWasm =
      existsSync(resolve(REPO_ROOT, outRoot, wasmKey, "main.r1cs")) &&
      existsSync(resolve(REPO_ROOT, outRoot, wasmKey, "main_js", "main.wasm"));
    const useWasm = wasm || haveWasm;
    const flags = `--O2 --r1cs --sym${useWasm ? " --wasm" : ""}`;
    progress.phase(`compiling (circom2 ${flags}; no progress of its own)`);
    const t0 = performance.now();
    const art = await compileMain(spec, { outRoot, wasm: useWasm, log: (l) => progress.line(l) });
    const seconds = (performance.now() - t0) / 1000;
    const statsPath = join(art.dir, "stats.json");
    let stats: Stats | undefined;
    if (!art.cached) {
      progress.phase("hashing r1cs");
      stats = { compileSeconds: Number(seconds.toFixed(1)), r1csSha256: await sha256File(art.r1csPath) };
      await writeFile(statsPath, `${JSON.stringify(stats, null, 2)}\n`);
    } else if (existsSync(statsPath)) {
      stats = JSON.parse(await readFile(statsPath, "utf8")) as Stats;
    } else {
      progress.phase("hashing r1cs");
      stats = { compileSeconds: null, r1csSha256: await sha256File(art.r1csPath) };
      // Saved so that a large r1cs is hashed once, not on every check.
      await writeFile(statsPath, `${JSON.stringify(stats, null, 2)}\n`);
    }
    progress.phase("reading r1cs header");
    const h = await readR1csHeader(art.r1csPath);
    const record: BuildRecord = {
      main: inst.main.name,
      set: inst.set,
      instance: describeSpec(spec),
      constraints: h.nConstraints,
      publicInputs: h.nPubInputs,
      publicOutputs: h.nOutputs,
      privateInputs: h.nPrvInputs,
      wires: h.nWires,
      labels: Number(h.nLabels),
      r1csSha256: stats.r1csSha256,
      compileSeconds: stats.compileSeconds,
      cached: art.cached,
      key: art.key,
      dir: relative(REPO_ROOT, art.dir),
    };
    await writeFile(join(REPO_ROOT, outRoot, "build.json"), `${JSON.stringify(record, null, 2)}\n`);
    await pointCurrent(resolve(REPO_ROOT, outRoot), art.key);
    progress.finish(
      `${record.constraints.toLocaleString("en-US")} constraints` +
        (art.cached ? `, cached (compiled in ${record.compileSeconds ?? "?"} s)` : ""),
    );
    return record;
  } catch (e) {
    progress.fail();
    throw e;
  }
}

/** build/circuits/<set>/<name>/current → the artifact folder of the last build, for the prover and scripts. */
async function pointCurrent(dir: string, key: string): Promise<void> {
  const link = join(dir, "current");
  try {
    await unlink(link);
  } catch {
    // absent
  }
  await symlink(key, link);
}

// ---------------------------------------------------------------------------------------------------------------
// circom --inspect

export interface InspectWarning {
  /** e.g. "CA02"; "" when circom printed a bare `warning:`. */
  readonly code: string;
  /** The instance circom names, e.g. `IntRange(64)`; "" when the message names none. */
  readonly instance: string;
  /** Template name of that instance. */
  readonly template: string;
  readonly message: string;
  /** Continuation lines (" = For example: ..."). */
  readonly detail: readonly string[];
}

export interface LocatedWarning extends InspectWarning {
  /** Repository-relative file defining the template, with the line of the signal or component named (or the
   *  template), when found in the main's include closure. */
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** Defined under node_modules (circomlib): reported, never a failure — not ours to fix. */
  readonly external: boolean;
}

const ANSI_RE = /\x1b\[[0-9;]*m/g;
const WARNING_RE = /^warning(?:\[([A-Za-z0-9]+)\])?:\s*(.*)$/;

/** Parses circom's warnings: `warning[CODE]: In template "T(params)": message`, then indented detail lines. */
export function parseInspectOutput(output: string): InspectWarning[] {
  const out: InspectWarning[] = [];
  let cur: { code: string; message: string; detail: string[] } | undefined;
  const flush = (): void => {
    if (!cur) return;
    const m = /In template "([^"]*)"/.exec(cur.message);
    const instance = m?.[1] ?? "";
    out.push({
      code: cur.code,
      instance,
      template: instance.replace(/\(.*$/, ""),
      message: cur.message,
      detail: cur.detail,
    });
    cur = undefined;
  };
  for (const raw of output.replace(ANSI_RE, "").split(/\r?\n/)) {
    const w = WARNING_RE.exec(raw.trim());
    if (w) {
      flush();
      cur = { code: w[1] ?? "", message: w[2] ?? "", detail: [] };
    } else if (cur && raw.trim() !== "" && /^\s/.test(raw)) {
      cur.detail.push(raw.trim());
    } else {
      flush();
    }
  }
  flush();
  return out;
}

interface TemplateSite {
  readonly file: string;
  readonly line: number;
  readonly body: string;
  readonly bodyLine: number;
}

/** Where each template of `files` is defined (first definition wins, as circom rejects duplicates anyway). */
async function templateSites(files: readonly string[]): Promise<Map<string, TemplateSite>> {
  const sites = new Map<string, TemplateSite>();
  for (const f of files) {
    const text = await readFile(join(REPO_ROOT, f), "utf8");
    for (const m of text.matchAll(/\btemplate\s+(?:parallel\s+|custom\s+)*([A-Za-z_$][\w$]*)\s*\(/g)) {
      const name = m[1]!;
      if (sites.has(name)) continue;
      const line = text.slice(0, m.index).split("\n").length;
      sites.set(name, { file: f, line, body: text.slice(m.index), bodyLine: line });
    }
  }
  return sites;
}

/** The signal or component a warning names: `r.bits` → component r; `tierStart` → signal tierStart. */
function namedEntity(w: InspectWarning): { kind: "component" | "signal"; name: string } | undefined {
  const sub = /signals?\s+([A-Za-z_$][\w$]*)(?:\[[^\]]*\])*\.[A-Za-z_$]/.exec(w.message);
  if (sub) return { kind: "component", name: sub[1]! };
  const local = /local signals?\s+([A-Za-z_$][\w$]*)/i.exec(w.message);
  if (local) return { kind: "signal", name: local[1]! };
  return undefined;
}

export function locate(w: InspectWarning, sites: ReadonlyMap<string, TemplateSite>): LocatedWarning {
  const site = sites.get(w.template);
  if (!site) return { ...w, file: undefined, line: undefined, external: false };
  let line = site.line;
  const e = namedEntity(w);
  if (e) {
    const re =
      e.kind === "component"
        ? new RegExp(`\\bcomponent\\s+${e.name}\\b`)
        : new RegExp(`\\bsignal\\b[^;]*?\\b${e.name}\\b`);
    const m = re.exec(site.body);
    if (m) line = site.bodyLine + site.body.slice(0, m.index).split("\n").length - 1;
  }
  return { ...w, file: site.file, line, external: site.file.startsWith("node_modules/") };
}

function runCircom(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CIRCOM2_CLI, ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", rej);
    child.on("close", (code) => res({ code: code ?? 1, output }));
  });
}

/**
 * Runs `circom2 --O2 --inspect` on a generated main (no artifacts written: the analysis runs while constraints are
 * generated) and returns its located warnings. Cached by the compile cache key, so unchanged sources cost nothing.
 */
export async function inspect(spec: MainSpec, progress: Progress): Promise<LocatedWarning[]> {
  const key = createHash("sha256")
    .update(`${INSPECT_FORMAT}\n${await cacheKey(spec, false)}`)
    .digest("hex")
    .slice(0, 24);
  const cachePath = join(REPO_ROOT, INSPECT_ROOT, `${key}.json`);
  const files = await includeClosure(spec.file);
  const sites = await templateSites(files);
  let warnings: InspectWarning[];
  if (existsSync(cachePath)) {
    warnings = JSON.parse(await readFile(cachePath, "utf8")) as InspectWarning[];
  } else {
    progress.start(`inspect ${describeSpec(spec)}`);
    const dir = join(INSPECT_ROOT, `${key}.tmp-${process.pid}`);
    try {
      progress.phase("circom2 --O2 --inspect");
      await mkdir(join(REPO_ROOT, dir), { recursive: true });
      const mainRel = `${dir}/main.circom`;
      await writeFile(
        join(REPO_ROOT, mainRel),
        mainSource(
          spec,
          relative(resolve(REPO_ROOT, dir), resolve(REPO_ROOT, spec.file)).split("\\").join("/"),
        ),
      );
      const { code, output } = await runCircom([mainRel, "--O2", "--inspect", "-o", dir]);
      if (code !== 0)
        throw new Error(
          `circom2 --inspect failed on ${describeSpec(spec)}:\n${output.replace(ANSI_RE, "").trim()}`,
        );
      warnings = parseInspectOutput(output);
      await writeFile(cachePath, `${JSON.stringify(warnings, null, 2)}\n`);
      progress.finish(`${warnings.length} warning(s)`);
    } catch (e) {
      progress.fail();
      throw e;
    } finally {
      await rm(join(REPO_ROOT, dir), { recursive: true, force: true });
    }
  }
  return warnings.map((w) => locate(w, sites));
}

/** Templates defined in circuits/lib that no LIBRARY_INSPECT entry instantiates directly. */
export async function uninspectedLibraryTemplates(): Promise<string[]> {
  const covered = new Set(LIBRARY_INSPECT.map((s) => s.template));
  const missing: string[] = [];
  const libDir = join(REPO_ROOT, "circuits/lib");
  for (const f of readdirSync(libDir)
    .filter((n) => n.endsWith(".circom"))
    .sort()) {
    const text = await readFile(join(libDir, f), "utf8");
    for (const m of text.matchAll(/\btemplate\s+(?:parallel\s+|custom\s+)*([A-Za-z_$][\w$]*)\s*\(/g)) {
      if (!covered.has(m[1]!)) missing.push(`circuits/lib/${f}: ${m[1]!}`);
    }
  }
  return missing;
}

/**
 * One line per source site and kind: circom repeats a warning per array element and per template instance
 * (`startRange[0][1].bits`, `IntRange(64)`), which says nothing more about what to fix.
 */
export function groupWarnings(ws: readonly LocatedWarning[]): string[] {
  const groups = new Map<string, { w: LocatedWarning; n: number }>();
  for (const w of ws) {
    const message = w.message
      .replace(/\[\d+\]/g, "[*]")
      .replace(/a total of \d+ signals/, "a total of n signals")
      .replace(/"([A-Za-z_$][\w$]*)\([^"]*\)"/, '"$1"');
    const key = `${w.file ?? ""}:${w.line ?? 0}|${w.code}|${message}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { w: { ...w, message, detail: [] }, n: 1 });
  }
  return [...groups.values()]
    .map(({ w, n }) => `${formatWarning(w)}${n > 1 ? ` [×${n}]` : ""}`)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

export function formatWarning(w: LocatedWarning): string {
  const where = w.file ? `${w.file}:${w.line}` : "(unknown file)";
  const code = w.code ? `warning[${w.code}]` : "warning";
  return `${where}: ${code}: ${w.message}${w.detail.length ? ` (${w.detail.join(" ")})` : ""}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Command line

export interface Args {
  readonly sets: readonly ParamSetName[] | undefined;
  readonly mains: readonly string[];
  readonly check: boolean;
  readonly update: boolean;
  readonly inspect: boolean;
  /** With --check: also build the scaled points at the test set and compare the projection with the full main. */
  readonly verifyProjection: boolean;
  /** List circomlib's own warnings too. */
  readonly verbose: boolean;
  readonly help: boolean;
}

export function parseArgs(argv: readonly string[]): Args {
  let sets: ParamSetName[] | undefined;
  const mains: string[] = [];
  let check = false;
  let update = false;
  let inspectFlag = false;
  let verifyProjection = false;
  let verbose = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--set" || a === "--sets") {
      const v = value();
      const names = v === "all" ? SET_NAMES : v.split(",");
      for (const n of names) {
        if (!(SET_NAMES as readonly string[]).includes(n))
          throw new UsageError(`unknown parameter set "${n}" (${SET_NAMES.join(", ")}, all)`);
      }
      sets = [...new Set([...(sets ?? []), ...(names as ParamSetName[])])];
    } else if (a === "--main") {
      for (const n of value().split(",")) {
        if (!MAINS.some((m) => m.name === n))
          throw new UsageError(`unknown main "${n}" (${MAINS.map((m) => m.name).join(", ")})`);
        mains.push(n);
      }
    } else if (a === "--check") check = true;
    else if (a === "--update") {
      check = true;
      update = true;
    } else if (a === "--inspect") inspectFlag = true;
    else if (a === "--verify-projection") {
      check = true;
      verifyProjection = true;
    } else if (a === "--verbose") verbose = true;
    else if (a === "--help" || a === "-h") help = true;
    else throw new UsageError(`unknown argument "${a}"`);
  }
  if (check && sets)
    throw new UsageError("--check builds the sets CI fingerprints (circuits/mains.ts `ci`); drop --set");
  return { sets, mains, check, update, inspect: inspectFlag || check, verifyProjection, verbose, help };
}

export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "USAGE";
}

const USAGE = `usage: npm run build:circuits [-- --set test|dev|prod|all[,..]] [--main NAME] [--inspect]
       npm run check:circuits [-- --update] [--main NAME]
  build (default sets: test,dev)  compile each registered main (circuits/mains.ts) under build/circuits/<set>/<name>/
  --inspect                       also run circom2 --inspect on the mains and every circuits/lib template
  --check                         rebuild what CI fingerprints, compare with ${FINGERPRINTS_FILE}, inspect; exit 1 if stale
  --update                        like --check, then rewrite ${FINGERPRINTS_FILE}
  --verbose                       also list circomlib's own inspect warnings (never failures)
  --verify-projection             like --check, and also test a scaled main's projection against its full test build`;

/** Whether a main's template file exists; a missing one is pending work, not an error. */
export function isPending(main: MainDef): boolean {
  return !existsSync(join(REPO_ROOT, main.file));
}

function table(records: readonly BuildRecord[]): string {
  const head = [
    "main",
    "set",
    "instance",
    "constraints",
    "pub in",
    "pub out",
    "priv in",
    "wires",
    "labels",
    "compile s",
    "r1cs sha256",
  ];
  const rows = records.map((r) => [
    r.main,
    r.set,
    r.instance,
    r.constraints.toLocaleString("en-US"),
    String(r.publicInputs),
    String(r.publicOutputs),
    String(r.privateInputs),
    r.wires.toLocaleString("en-US"),
    r.labels.toLocaleString("en-US"),
    r.compileSeconds === null ? "?" : r.compileSeconds.toFixed(1),
    r.r1csSha256.slice(0, 16),
  ]);
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i < 3 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

function fingerprintOf(r: BuildRecord): Fingerprint {
  return canonicalPrint(r);
}

/** Runs a build or check over `registry` (the real one by default); returns the exit code. */
export async function run(
  args: Args,
  registry: readonly MainDef[] = MAINS,
  progress = new Progress(),
): Promise<number> {
  const selected = registry.filter((m) => args.mains.length === 0 || args.mains.includes(m.name));
  const records: BuildRecord[] = [];
  const built: FingerprintFile = {};
  const pending: string[] = [];
  const t0 = performance.now();

  for (const main of selected) {
    if (isPending(main)) {
      pending.push(main.name);
      process.stderr.write(`- ${main.name}: pending: ${main.file} missing (${main.template}); skipped\n`);
      continue;
    }
    if (args.check) {
      for (const set of SET_NAMES) {
        const mode: FingerprintMode | undefined = main.ci[set];
        if (mode === undefined) continue;
        const entries = (built[set] ??= {});
        if (mode === "full") {
          // The test set's mains are built with their witness calculator: the circuit tests and the dev keys of
          // the prover and contract tests compile the same instance into the same cache, so CI compiles it once.
          const r = await buildInstance(fullInstance(main, set), set === "test", progress);
          records.push(r);
          entries[main.name] = fingerprintOf(r);
        } else {
          const points = new Map<number, Fingerprint>();
          for (const x of mode.at) {
            const r = await buildInstance(scaledInstance(main, set, mode.scale, x), false, progress);
            records.push(r);
            points.set(x, fingerprintOf(r));
          }
          entries[main.name] = project(mode.scale, points, PARAM_SETS_FOR_BUILD[set][mode.scale]);
        }
      }
    } else {
      const sets = args.sets ?? (["test", "dev"] as ParamSetName[]);
      for (const set of sets.filter((s) => main.sets.includes(s))) {
        if (main.ci[set] !== "full" && main.ci[set] !== undefined) {
          process.stderr.write(
            `  note: ${main.name}@${set} is fingerprinted per ${(main.ci[set] as { scale: string }).scale} in CI; ` +
              "the full main may take very long (and circom2's 32-bit WASM memory may not hold it)\n",
          );
        }
        records.push(await buildInstance(fullInstance(main, set), true, progress));
      }
    }
  }

  let failed = false;
  if (records.length > 0) process.stdout.write(`\n${table(records)}\n\n`);

  if (args.verifyProjection) {
    // A scaled entry's projection is only as good as its affinity: compare it with the real count where the full
    // main is also built (the test set), and say so when they differ.
    for (const main of selected.filter((m) => !isPending(m))) {
      const scaledSet = SET_NAMES.find((s) => typeof main.ci[s] === "object");
      const full = built.test?.[main.name];
      const mode = scaledSet ? main.ci[scaledSet] : undefined;
      if (!mode || mode === "full" || !full || isScaled(full)) continue;
      const points = new Map<number, Fingerprint>();
      for (const x of mode.at)
        points.set(
          x,
          fingerprintOf(await buildInstance(scaledInstance(main, "test", mode.scale, x), false, progress)),
        );
      const p = project(mode.scale, points, PARAM_SETS_FOR_BUILD.test[mode.scale]);
      const verdict =
        p.projectedConstraints === full.constraints
          ? "exact"
          : "NOT exact — the prod projection is an estimate";
      process.stdout.write(
        `affine check: ${main.name}@test ${mode.scale}=${p.fullSize}: projected ${p.projectedConstraints}, built ${full.constraints} (${verdict})\n`,
      );
    }
  }

  if (args.check) {
    const committed = await readFingerprints();
    const filtered: FingerprintFile = {};
    // With --main, only the selected mains are compared (and updated).
    for (const set of SET_NAMES) {
      const c = committed[set] ?? {};
      const keep = Object.fromEntries(
        Object.entries(c).filter(([n]) => args.mains.length === 0 || args.mains.includes(n)),
      );
      if (Object.keys(keep).length > 0) filtered[set] = keep;
    }
    const diffs = diffFingerprints(filtered, built);
    if (args.update) {
      const merged: FingerprintFile = {};
      for (const set of SET_NAMES) {
        const keep = Object.fromEntries(
          Object.entries(committed[set] ?? {}).filter(
            ([n]) => args.mains.length > 0 && !args.mains.includes(n),
          ),
        );
        merged[set] = { ...keep, ...(built[set] ?? {}) };
      }
      await writeFile(join(REPO_ROOT, FINGERPRINTS_FILE), fingerprintText(merged));
      process.stdout.write(`wrote ${FINGERPRINTS_FILE} (${diffs.length} change(s))\n`);
      for (const d of diffs) process.stdout.write(`  ${d}\n`);
    } else if (diffs.length > 0) {
      failed = true;
      process.stdout.write(
        `STALE ${FINGERPRINTS_FILE}: the circuits changed (run npm run check:circuits -- --update if intended):\n`,
      );
      for (const d of diffs) process.stdout.write(`  ${d}\n`);
    } else {
      process.stdout.write(`fingerprints: ${FINGERPRINTS_FILE} is current\n`);
    }
  }

  if (args.inspect) {
    const specs: MainSpec[] = [];
    for (const main of selected.filter((m) => !isPending(m))) {
      const set = main.sets[0]!;
      specs.push(mainSpec(main, PARAM_SETS_FOR_BUILD[set]));
    }
    if (args.mains.length === 0) specs.push(...LIBRARY_INSPECT);
    const seen = new Map<string, LocatedWarning>();
    for (const spec of specs) {
      for (const w of await inspect(spec, progress)) {
        const id = `${w.code}|${w.instance}|${w.message}`;
        if (!seen.has(id)) seen.set(id, w);
      }
    }
    const ours = [...seen.values()].filter((w) => !w.external);
    const external = [...seen.values()].filter((w) => w.external);
    const uncovered = args.mains.length === 0 ? await uninspectedLibraryTemplates() : [];
    process.stdout.write(
      `inspect: ${specs.length} main(s), ${ours.length} warning(s) in our templates, ${external.length} in circomlib (not ours, not failing)\n`,
    );
    for (const line of groupWarnings(ours)) process.stdout.write(`  ${line}\n`);
    if (args.verbose)
      for (const line of groupWarnings(external)) process.stdout.write(`  (circomlib) ${line}\n`);
    for (const u of uncovered)
      process.stdout.write(`  no inspect instance in circuits/mains.ts LIBRARY_INSPECT: ${u}\n`);
    if (ours.length > 0 || uncovered.length > 0) failed = true;
  }

  if (pending.length > 0) process.stdout.write(`pending (file missing, skipped): ${pending.join(", ")}\n`);
  process.stdout.write(
    `done in ${((performance.now() - t0) / 1000).toFixed(1)} s${failed ? " — FAILED" : ""}\n`,
  );
  return failed ? 1 : 0;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  process.exitCode = await run(args);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
