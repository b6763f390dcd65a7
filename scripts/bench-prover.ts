// Prover benchmark: for every registered main (circuits/mains.ts) at the chosen parameter sets, the constraint
// count, witness time (WASM and native C++), prove and verify time, proof size, peak memory and — for mains with op
// slots — ops per second; then, on the largest circuit measured, the pool layouts (one single-threaded proof per
// core vs one multi-threaded prover) by throughput. Medians over --runs. Prints a table and writes
// bench/results/prover.json, so every prover figure the docs quote can be rerun.
//
//   npx tsx scripts/bench-prover.ts [--set all|test[,dev,prod]] [--main NAME[,..]] [--runs N] [--no-native] [--native-opt O1]
//                                   [--no-layouts] [--layout-jobs N] [--layout-rounds N] [--max-constraints N]
//                                   [--out FILE]
//
// Keys (dev setup) and native builds are made first, in this process, and are cached (prover/keys, build/); each
// (main, set) is then measured in a fresh child process so its peak RSS is its own (witness + prove + verify,
// including snarkjs's WASM threads). A main with no input builder here, above --max-constraints (known from
// circuits/fingerprints.json, projected for scaled entries), or of unknown size outside the `test` set, is listed as
// skipped with the reason, unless named with --main (then it is built whatever its size: minutes to hours).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  findMain,
  MAINS,
  PARAM_SETS_FOR_BUILD,
  SET_NAMES,
  type MainDef,
  type ParamSetName,
} from "../circuits/mains.js";
import { REPO_ROOT } from "../circuits/tooling/compile.js";
import type { CircuitInputs } from "../circuits/tooling/witness.js";
import { SnarkjsWasmBackend } from "../prover/backend/snarkjsWasm.js";
import { ensureDevKeys, type MainKeys } from "../prover/keys/devKeys.js";
import { ProverPool } from "../prover/pool/pool.js";
import { readVerificationKey, Verifier } from "../prover/pool/selfCheck.js";
import { createProgress } from "../prover/progress.js";
import {
  DEFAULT_NATIVE_OPT,
  NativeWitnessGenerator,
  probeNativeToolchain,
  type NativeOptLevel,
} from "../prover/witness/native.js";
import { WasmWitnessGenerator } from "../prover/witness/wasm.js";
import { readWtnsHeader } from "../prover/witness/wtns.js";
import { depositBatch, marginCase, marginInputs, marginPublicSignals } from "../test/prover/helpers.js";

const OUT_DEFAULT = "bench/results/prover.json";

// ---------------------------------------------------------------------------------------------------------------
// Inputs per main

interface Example {
  readonly inputs: CircuitInputs;
  /** What the model says the proof's public signals must be (checked on every run). */
  readonly publicSignals: readonly string[];
}

/** Example inputs for run `i` (different per run, so no run is a replay of a cached one). */
const EXAMPLES: Readonly<Record<string, (set: ParamSetName, i: number) => Example>> = {
  account_margin: (set, i) => {
    const c = marginCase(PARAM_SETS_FOR_BUILD[set], i);
    return { inputs: marginInputs(c), publicSignals: marginPublicSignals(c) };
  },
  batch: (set, i) => depositBatch(set, i),
};

/** Op slots of a main at a set: the opSlots size when the main's parameters depend on it. */
function opSlotsOf(main: MainDef, set: ParamSetName): number | null {
  const sizes = PARAM_SETS_FOR_BUILD[set];
  const a = JSON.stringify(main.params(sizes).map(String));
  const b = JSON.stringify(main.params({ ...sizes, opSlots: sizes.opSlots + 1 }).map(String));
  return a === b ? null : sizes.opSlots;
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring one (main, set): runs in a child process

export interface Row {
  readonly main: string;
  readonly set: ParamSetName;
  readonly instance: string;
  readonly constraints: number;
  readonly wires: number;
  readonly publicSignals: number;
  readonly runs: number;
  readonly witnessWasmMs: number;
  readonly witnessNativeMs: number | null;
  readonly proveMs: number;
  readonly proveFirstMs: number;
  readonly verifyMs: number;
  readonly proofJsonBytes: number;
  /** Proof (8 words) + public signals as verifier calldata words, 32 bytes each. */
  readonly calldataBytes: number;
  readonly peakRssMiB: number;
  readonly opSlots: number | null;
  /** opSlots / prove time. */
  readonly opsPerSecProve: number | null;
  /** opSlots / (fastest witness + prove) time. */
  readonly opsPerSecEndToEnd: number | null;
  readonly setupSeconds: number | null;
  readonly nativeBuildSeconds: number | null;
  readonly zkeyMiB: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

interface ChildArgs {
  readonly main: string;
  readonly set: ParamSetName;
  readonly runs: number;
  /** Native witness generator's g++ level, or null for none. */
  readonly native: NativeOptLevel | null;
}

async function measure(a: ChildArgs): Promise<Omit<Row, "setupSeconds" | "nativeBuildSeconds">> {
  const def = findMain(a.main)!;
  const keys = await ensureDevKeys(def, a.set, { log: () => {} });
  const example = EXAMPLES[a.main]!;
  const { wasmPath, witnessCalculatorPath, r1csPath } = keys.artifacts;
  const wasm = await WasmWitnessGenerator.load({
    wasmPath: wasmPath!,
    witnessCalculatorPath: witnessCalculatorPath!,
    r1csPath,
  });
  const native = a.native
    ? await NativeWitnessGenerator.create({ spec: keys.spec }, { optimize: a.native })
    : undefined;
  const vkey = await readVerificationKey(keys.vkeyPath);
  const backend = new SnarkjsWasmBackend();
  const verifier = await Verifier.open();
  const progress = createProgress(`  ${a.main}@${a.set}`, { plainIntervalMs: 30_000 });
  const w: number[] = [];
  const n: number[] = [];
  const p: number[] = [];
  const v: number[] = [];
  let proofJsonBytes = 0;
  let wires = 0;
  let nPublic = 0;
  try {
    for (let i = 0; i < a.runs + 1; i++) {
      // Run 0 warms up (curve build, WASM compile, page cache) and is reported apart as proveFirstMs.
      const ex = example(a.set, i);
      progress.update(`run ${i}/${a.runs}: witness (wasm)`);
      const [wtns, wMs] = await timed(() => wasm.generate(ex.inputs));
      if (native) {
        progress.update(`run ${i}/${a.runs}: witness (native)`);
        const [nw, nMs] = await timed(() => native.generate(ex.inputs));
        if (!Buffer.from(nw).equals(Buffer.from(wtns))) throw new Error("native and WASM witnesses differ");
        if (i > 0) n.push(nMs);
      }
      progress.update(`run ${i}/${a.runs}: prove`);
      const [r, pMs] = await timed(() => backend.prove(keys.zkeyPath, wtns));
      progress.update(`run ${i}/${a.runs}: verify`);
      const [ok, vMs] = await timed(() => verifier.verify(vkey, r));
      if (!ok) throw new Error("a benchmark proof did not verify");
      if (JSON.stringify(r.publicSignals) !== JSON.stringify(ex.publicSignals)) {
        throw new Error("the proof's public signals differ from the model's");
      }
      if (i === 0) {
        p.unshift(pMs); // kept at index 0, dropped from the median below
      } else {
        w.push(wMs);
        p.push(pMs);
        v.push(vMs);
      }
      proofJsonBytes = JSON.stringify(r.proof).length;
      nPublic = r.publicSignals.length;
      wires = readWtnsHeader(wtns).nWitness;
    }
  } finally {
    progress.finish();
    await verifier.close();
    await backend.close();
  }
  const proveMs = median(p.slice(1));
  const witnessBest = Math.min(median(w), n.length > 0 ? median(n) : Infinity);
  const ops = opSlotsOf(def, a.set);
  const zkeyBytes = (await stat(keys.zkeyPath)).size;
  return {
    main: a.main,
    set: a.set,
    instance: `${def.template}(${def.params(PARAM_SETS_FOR_BUILD[a.set]).join(", ")})`,
    constraints: keys.constraints,
    wires,
    publicSignals: nPublic,
    runs: a.runs,
    witnessWasmMs: median(w),
    witnessNativeMs: n.length > 0 ? median(n) : null,
    proveMs,
    proveFirstMs: p[0]!,
    verifyMs: median(v),
    proofJsonBytes,
    calldataBytes: 32 * (8 + nPublic),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    opSlots: ops,
    opsPerSecProve: ops === null ? null : ops / (proveMs / 1000),
    opsPerSecEndToEnd: ops === null ? null : ops / ((proveMs + witnessBest) / 1000),
    zkeyMiB: zkeyBytes / 2 ** 20,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Pool layouts

export interface LayoutResult {
  readonly main: string;
  readonly set: ParamSetName;
  readonly constraints: number;
  readonly workers: number;
  readonly threadsPerWorker: number;
  readonly jobs: number;
  readonly rounds: number;
  /** Wall time of the jobs in each round (the median is `seconds`). */
  readonly roundSeconds: readonly number[];
  readonly roundLoadavg: readonly number[];
  readonly seconds: number;
  readonly proofsPerSec: number;
  readonly meanLatencyMs: number;
  readonly medianProveMs: number;
}

async function measureLayouts(
  keys: MainKeys,
  main: string,
  set: ParamSetName,
  jobs: number,
  rounds: number,
): Promise<LayoutResult[]> {
  const example = EXAMPLES[main]!;
  const { wasmPath, witnessCalculatorPath, r1csPath } = keys.artifacts;
  const gen = await WasmWitnessGenerator.load({
    wasmPath: wasmPath!,
    witnessCalculatorPath: witnessCalculatorPath!,
    r1csPath,
  });
  const witnesses: Uint8Array[] = [];
  for (let i = 0; i < jobs; i++) witnesses.push(await gen.generate(example(set, i).inputs));
  const cores = availableParallelism();
  const layouts = [
    { workers: cores, threadsPerWorker: 1 },
    { workers: 1, threadsPerWorker: cores },
  ];
  const samples = layouts.map(() => ({
    seconds: [] as number[],
    load: [] as number[],
    latencies: [] as number[],
    proves: [] as number[],
  }));
  // Rounds alternate the order of the layouts, so a change in the machine's load (other work on shared cores)
  // does not always fall on the same one.
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const li of order) {
      const layout = layouts[li]!;
      const progress = createProgress(
        `  pool ${layout.workers}×${layout.threadsPerWorker} on ${main}@${set} (round ${round + 1}/${rounds})`,
      );
      progress.update("starting workers");
      const pool = await ProverPool.start(layout);
      try {
        const job = (w: Uint8Array) => ({ zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath, witness: w });
        progress.update("warm-up (one proof per worker)");
        await Promise.all(
          Array.from({ length: layout.workers }, (_, i) => pool.prove(job(witnesses[i % jobs]!))),
        );
        progress.update(`${jobs} jobs`, 0, jobs);
        let done = 0;
        const t0 = performance.now();
        const results = await Promise.all(
          witnesses.map(async (w) => {
            const t = performance.now();
            const r = await pool.prove(job(w));
            progress.update(`${jobs} jobs`, ++done, jobs);
            return { latency: performance.now() - t, prove: r.proveMs };
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        progress.finish(`${(jobs / seconds).toFixed(3)} proofs/s`);
        const sample = samples[li]!;
        sample.seconds.push(seconds);
        // The 1-minute load average at the end of the round: other work on the shared cores skews a round.
        sample.load.push(Number(loadavg()[0]!.toFixed(2)));
        for (const r of results) {
          sample.latencies.push(r.latency);
          sample.proves.push(r.prove);
        }
      } finally {
        await pool.close();
      }
    }
  }
  return layouts.map((layout, i) => {
    const sample = samples[i]!;
    const seconds = median(sample.seconds);
    return {
      main,
      set,
      constraints: keys.constraints,
      ...layout,
      jobs,
      rounds,
      roundSeconds: sample.seconds,
      roundLoadavg: sample.load,
      seconds,
      proofsPerSec: jobs / seconds,
      meanLatencyMs: sample.latencies.reduce((a, x) => a + x, 0) / sample.latencies.length,
      medianProveMs: median(sample.proves),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Parent

interface Args {
  readonly sets: readonly ParamSetName[];
  readonly mains: readonly string[];
  readonly runs: number;
  readonly native: boolean;
  readonly nativeOpt: NativeOptLevel;
  readonly layouts: boolean;
  readonly layoutJobs: number;
  readonly layoutRounds: number;
  readonly maxConstraints: number;
  readonly out: string;
  readonly child: ChildArgs | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let sets: ParamSetName[] = [...SET_NAMES];
  let mains: string[] = [];
  let runs = 3;
  let native = true;
  let nativeOpt: NativeOptLevel = DEFAULT_NATIVE_OPT;
  let layouts = true;
  let layoutJobs = 2 * availableParallelism();
  let layoutRounds = 2;
  let maxConstraints = 300_000;
  let out = OUT_DEFAULT;
  let child: ChildArgs | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = Number(val());
      if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === "--set") {
      const v = val();
      sets = (v === "all" ? SET_NAMES : v.split(",")) as ParamSetName[];
      for (const s of sets)
        if (!SET_NAMES.includes(s)) throw new Error(`unknown set ${s} (${SET_NAMES.join(", ")})`);
    } else if (a === "--main") {
      mains = val().split(",");
      for (const m of mains)
        if (!findMain(m)) throw new Error(`unknown main ${m} (${MAINS.map((x) => x.name).join(", ")})`);
    } else if (a === "--runs") runs = int();
    else if (a === "--no-native") native = false;
    else if (a === "--native-opt") {
      const v = val();
      if (!["O0", "O1", "O2", "O3"].includes(v)) throw new Error("--native-opt takes O0, O1, O2 or O3");
      nativeOpt = v as NativeOptLevel;
    } else if (a === "--no-layouts") layouts = false;
    else if (a === "--layout-jobs") layoutJobs = int();
    else if (a === "--layout-rounds") layoutRounds = int();
    else if (a === "--max-constraints") maxConstraints = int();
    else if (a === "--out") out = val();
    else if (a === "--child") {
      const [m, st, r, nat] = [val(), val() as ParamSetName, int(), val()];
      child = { main: m, set: st, runs: r, native: nat === "none" ? null : (nat as NativeOptLevel) };
    } else if (a === "--help" || a === "-h") {
      process.stdout.write(`${fileURLToPath(import.meta.url)}: see the header comment for usage\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return {
    sets,
    mains,
    runs,
    native,
    nativeOpt,
    layouts,
    layoutJobs,
    layoutRounds,
    maxConstraints,
    out,
    child,
  };
}

/** Constraint count known before compiling (circuits/fingerprints.json; scaled entries projected). */
async function knownConstraints(main: string, set: ParamSetName): Promise<number | undefined> {
  const path = join(REPO_ROOT, "circuits", "fingerprints.json");
  if (!existsSync(path)) return undefined;
  const f = JSON.parse(await readFile(path, "utf8")) as Record<
    string,
    Record<string, Record<string, unknown>>
  >;
  const e = f[set]?.[main];
  if (!e) return undefined;
  const c = e.constraints ?? e.projectedConstraints;
  return typeof c === "number" ? c : undefined;
}

function runChild(a: ChildArgs): Promise<Omit<Row, "setupSeconds" | "nativeBuildSeconds">> {
  return new Promise((res, rej) => {
    const tsx = pathToFileURL(resolve(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;
    const child = spawn(
      process.execPath,
      [
        "--import",
        tsx,
        fileURLToPath(import.meta.url),
        "--child",
        a.main,
        a.set,
        String(a.runs),
        a.native ?? "none",
      ],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", rej);
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !last.startsWith("{"))
        rej(new Error(`measuring ${a.main}@${a.set} failed (exit ${code})`));
      else res(JSON.parse(last) as Omit<Row, "setupSeconds" | "nativeBuildSeconds">);
    });
  });
}

const f1 = (x: number): string => x.toFixed(1);
const f0 = (x: number): string => Math.round(x).toLocaleString("en-US");

function table(rows: readonly Row[]): string {
  const head = [
    "main",
    "set",
    "constraints",
    "witness wasm ms",
    "witness native ms",
    "prove ms",
    "verify ms",
    "calldata B",
    "proof JSON B",
    "peak RSS MiB",
    "op slots",
    "ops/s (prove)",
    "ops/s (e2e)",
  ];
  const body = rows.map((r) => [
    r.main,
    r.set,
    f0(r.constraints),
    f1(r.witnessWasmMs),
    r.witnessNativeMs === null ? "—" : f1(r.witnessNativeMs),
    f0(r.proveMs),
    f1(r.verifyMs),
    String(r.calldataBytes),
    String(r.proofJsonBytes),
    f0(r.peakRssMiB),
    r.opSlots === null ? "—" : String(r.opSlots),
    r.opsPerSecProve === null ? "—" : r.opsPerSecProve.toFixed(2),
    r.opsPerSecEndToEnd === null ? "—" : r.opsPerSecEndToEnd.toFixed(2),
  ]);
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`,
    ...body.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

function layoutTable(rows: readonly LayoutResult[]): string {
  const head = [
    "circuit",
    "constraints",
    "layout",
    "jobs",
    "seconds per round (load avg)",
    "proofs/s (median round)",
    "mean latency ms",
    "median prove ms",
  ];
  return [
    `| ${head.join(" | ")} |`,
    `| --- | ---: | --- | ${head
      .slice(3)
      .map(() => "---:")
      .join(" | ")} |`,
    ...rows.map(
      (r) =>
        `| ${r.main}@${r.set} | ${f0(r.constraints)} | ${r.workers} worker(s) × ${r.threadsPerWorker} thread(s) | ` +
        `${r.jobs} | ${r.roundSeconds.map((x, i) => `${f1(x)} (${r.roundLoadavg[i]})`).join(", ")} | ${r.proofsPerSec.toFixed(3)} | ${f0(r.meanLatencyMs)} | ` +
        `${f0(r.medianProveMs)} |`,
    ),
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    const row = await measure(args.child);
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return;
  }
  const tc = probeNativeToolchain();
  const native = args.native && tc.available;
  if (args.native && !tc.available)
    process.stderr.write(`note: ${tc.note}; native witness times are skipped\n`);
  const selected = MAINS.filter((m) => args.mains.length === 0 || args.mains.includes(m.name));
  const rows: Row[] = [];
  const skipped: { main: string; set: string; reason: string }[] = [];
  const keysOf = new Map<string, MainKeys>();
  for (const def of selected) {
    for (const set of args.sets) {
      const id = `${def.name}@${set}`;
      const skip = (reason: string): void => {
        skipped.push({ main: def.name, set, reason });
        process.stderr.write(`- ${id}: skipped (${reason})\n`);
      };
      if (!def.sets.includes(set)) continue;
      if (!existsSync(join(REPO_ROOT, def.file))) {
        skip(`${def.file} missing`);
        continue;
      }
      if (!EXAMPLES[def.name]) {
        skip("no example inputs in scripts/bench-prover.ts");
        continue;
      }
      const known = await knownConstraints(def.name, set);
      if (known === undefined && set !== "test" && !args.mains.includes(def.name)) {
        skip(
          "constraint count unknown (not in circuits/fingerprints.json); name it with --main to build it anyway",
        );
        continue;
      }
      if (known !== undefined && known > args.maxConstraints && !args.mains.includes(def.name)) {
        skip(
          `${known.toLocaleString("en-US")} constraints > --max-constraints ${args.maxConstraints}; name it with --main`,
        );
        continue;
      }
      const progress = createProgress(`${id}: keys`, { plainIntervalMs: 30_000 });
      const keys = await ensureDevKeys(def, set, {
        onProgress: progress.callback,
        log: (l) => progress.log(l),
      });
      progress.finish(
        keys.cached ? "cached" : `built (${keys.constraints.toLocaleString("en-US")} constraints)`,
      );
      keysOf.set(id, keys);
      let nativeBuildSeconds: number | null = null;
      if (native) {
        const p = createProgress(`${id}: native witness build`, { plainIntervalMs: 30_000 });
        const b = await NativeWitnessGenerator.create(
          { spec: keys.spec },
          { onProgress: p.callback, optimize: args.nativeOpt },
        );
        p.finish(b.build.cached ? `cached (built in ${b.build.buildSeconds} s)` : "built");
        nativeBuildSeconds = b.build.buildSeconds;
      }
      const meta = JSON.parse(await readFile(join(keys.dir, "meta.json"), "utf8")) as {
        setupSeconds?: number;
      };
      process.stderr.write(`${id}: measuring (${args.runs} runs + 1 warm-up, fresh process)\n`);
      const row = await runChild({
        main: def.name,
        set,
        runs: args.runs,
        native: native ? args.nativeOpt : null,
      });
      rows.push({ ...row, setupSeconds: meta.setupSeconds ?? null, nativeBuildSeconds });
    }
  }

  let layouts: LayoutResult[] = [];
  if (args.layouts && rows.length > 0) {
    const biggest = [...rows].sort((a, b) => b.constraints - a.constraints)[0]!;
    const keys = keysOf.get(`${biggest.main}@${biggest.set}`)!;
    layouts = await measureLayouts(keys, biggest.main, biggest.set, args.layoutJobs, args.layoutRounds);
  }

  process.stdout.write(`\n${table(rows)}\n`);
  if (layouts.length > 0) process.stdout.write(`\n${layoutTable(layouts)}\n`);
  for (const s of skipped) process.stdout.write(`skipped ${s.main}@${s.set}: ${s.reason}\n`);

  const result = {
    $comment:
      "GENERATED by scripts/bench-prover.ts (npm run bench:prover). Times in ms unless named otherwise.",
    date: new Date().toISOString(),
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? "?",
      memGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
      loadavg: loadavg().map((x) => Number(x.toFixed(2))),
      node: process.version,
      snarkjs: (
        JSON.parse(await readFile(join(REPO_ROOT, "node_modules/snarkjs/package.json"), "utf8")) as {
          version: string;
        }
      ).version,
      nativeWitness: tc.note,
      nativeOpt: args.nativeOpt,
    },
    runs: args.runs,
    rows,
    poolLayouts: layouts,
    skipped,
  };
  await mkdir(join(REPO_ROOT, args.out, ".."), { recursive: true });
  await writeFile(join(REPO_ROOT, args.out), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`wrote ${args.out}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
