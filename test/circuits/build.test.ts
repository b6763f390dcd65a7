// The circuit build pipeline (scripts/build-circuits.ts): fingerprint arithmetic and staleness, circom --inspect
// parsing and attribution, pending mains, and one real end-to-end build of a tiny main whose figures are derived
// by hand from circomlib's Num2Bits.
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Progress,
  buildInstance,
  diffFingerprints,
  fingerprintText,
  fullInstance,
  groupWarnings,
  inspect,
  isPending,
  parseArgs,
  parseInspectOutput,
  project,
  run,
  sha256File,
  type Fingerprint,
  type FingerprintFile,
} from "../../scripts/build-circuits.js";
import { LIBRARY_INSPECT, MAINS, type MainDef } from "../../circuits/mains.js";
import { REPO_ROOT } from "../../circuits/tooling/compile.js";

const quiet = new Progress(true);

const print = (constraints: number, sha = "00"): Fingerprint => ({
  constraints,
  publicInputs: 1,
  publicOutputs: 0,
  privateInputs: 10,
  wires: constraints + 5,
  r1csSha256: sha,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("fingerprints", () => {
  it("projects an affine count from two sizes", () => {
    // 1 slot: fixed 1,000 + 300; 2 slots: 1,000 + 600. At 256 slots: 1,000 + 256 · 300 = 77,800.
    const p = project(
      "opSlots",
      new Map([
        [1, print(1_300)],
        [2, print(1_600)],
      ]),
      256,
    );
    expect([p.perUnit, p.fixed, p.projectedConstraints]).toEqual([300, 1_000, 77_800]);
    expect(Object.keys(p.points)).toEqual(["1", "2"]);
  });

  it("refuses a projection from fewer than two points", () => {
    expect(() => project("opSlots", new Map([[1, print(5)]]), 4)).toThrow(/two points/);
  });

  it("reports a changed field, a new main and a vanished one as stale", () => {
    const committed: FingerprintFile = { test: { a: print(10, "aa"), gone: print(1) } };
    const built: FingerprintFile = { test: { a: print(10, "bb"), fresh: print(2) } };
    const d = diffFingerprints(committed, built);
    expect(d).toHaveLength(3);
    expect(d.find((x) => x.startsWith("test/a:"))).toContain('r1csSha256 "aa" → "bb"');
    expect(d.find((x) => x.startsWith("test/fresh:"))).toContain("not in");
    expect(d.find((x) => x.startsWith("test/gone:"))).toContain("not built");
    expect(diffFingerprints(built, built)).toEqual([]);
  });

  it("writes the file in a stable order that reads back to the same entries", () => {
    const f: FingerprintFile = {
      prod: {
        z: print(3),
        a: project(
          "opSlots",
          new Map([
            [2, print(7)],
            [1, print(4)],
          ]),
          8,
        ),
      },
      test: { b: print(1) },
    };
    const text = fingerprintText(f);
    const back = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(["$comment", "test", "prod"]);
    expect(Object.keys(back.prod as object)).toEqual(["a", "z"]);
    expect(diffFingerprints(f, back as FingerprintFile)).toEqual([]);
    expect(fingerprintText(back as FingerprintFile)).toBe(text);
  });

  it("the committed file is in the generated form and covers only registered mains", () => {
    const path = join(REPO_ROOT, "circuits/fingerprints.json");
    const text = readFileSync(path, "utf8");
    const parsed = JSON.parse(text) as FingerprintFile & Record<string, unknown>;
    expect(fingerprintText(parsed)).toBe(text);
    const names = new Set(MAINS.map((m) => m.name));
    for (const [set, entries] of Object.entries(parsed)) {
      if (set.startsWith("$")) continue;
      for (const name of Object.keys(entries as object)) expect(names.has(name), `${set}/${name}`).toBe(true);
    }
  });
});

describe("circom --inspect output", () => {
  // Shape of circom 2.2.3's output (ANSI colours included), as printed for FloorDiv(126, 20).
  const sample = [
    "\x1b[32mtemplate instances\x1b[0m: 8",
    '\x1b[0m\x1b[1m\x1b[38;5;11mwarning[CA02]\x1b[0m\x1b[1m: In template "LessThan(20)": Array of subcomponent input/output signals n2b.out contains a total of 20 signals that do not appear in any constraint of the father component\x1b[0m',
    " \x1b[0m\x1b[34m=\x1b[0m For example: n2b.out[0], n2b.out[10].",
    "",
    'warning[CA01]: In template "T()": Local signal x does not appear in any constraint',
    "",
    "\x1b[32mEverything went okay\x1b[0m",
  ].join("\n");

  it("parses code, template instance, message and detail lines", () => {
    const w = parseInspectOutput(sample);
    expect(w.map((x) => [x.code, x.instance, x.template])).toEqual([
      ["CA02", "LessThan(20)", "LessThan"],
      ["CA01", "T()", "T"],
    ]);
    expect(w[0]!.detail).toEqual(["= For example: n2b.out[0], n2b.out[10]."]);
    expect(w[1]!.detail).toEqual([]);
    expect(parseInspectOutput("template instances: 2\nEverything went okay\n")).toEqual([]);
  });

  it("finds a real unused signal in our file at its line, and files circomlib's own warnings as external", async () => {
    const dir = "build/circuits-test/inspect-fixtures";
    mkdirSync(join(REPO_ROOT, dir), { recursive: true });
    const file = `${dir}/unused.circom`;
    const text = [
      "pragma circom 2.1.0;",
      'include "../../../node_modules/circomlib/circuits/comparators.circom";',
      "template Unused() {",
      "    signal input a;",
      "    signal input b;",
      "    signal output out;",
      "    signal forgotten;",
      "    component lt = LessThan(8);",
      "    lt.in[0] <== a;",
      "    lt.in[1] <== b;",
      "    out <== lt.out;",
      "}",
      "",
    ].join("\n");
    writeFileSync(join(REPO_ROOT, file), text);
    const ws = await inspect({ file, template: "Unused" }, quiet);
    const ours = ws.filter((w) => !w.external);
    expect(ours.map((w) => [w.code, w.template, w.file, w.line])).toEqual([
      ["CA01", "Unused", file, text.split("\n").findIndex((l) => l.includes("signal forgotten")) + 1],
    ]);
    const theirs = ws.filter((w) => w.external);
    expect(theirs.map((w) => w.template)).toEqual(["LessThan"]);
    expect(theirs[0]!.file).toBe("node_modules/circomlib/circuits/comparators.circom");
  });

  it("groups repeats of one warning over array elements and template instances into one line", () => {
    const at = { file: "circuits/lib/x.circom", line: 7, external: false, detail: [] };
    const ws = [
      {
        ...at,
        code: "CA02",
        instance: "X(2)",
        template: "X",
        message: 'In template "X(2)": signals r[0].bits unused',
      },
      {
        ...at,
        code: "CA02",
        instance: "X(3)",
        template: "X",
        message: 'In template "X(3)": signals r[1].bits unused',
      },
      {
        ...at,
        code: "CA01",
        instance: "X(2)",
        template: "X",
        message: 'In template "X(2)": Local signal y unused',
      },
    ];
    expect(groupWarnings(ws)).toEqual([
      'circuits/lib/x.circom:7: warning[CA01]: In template "X": Local signal y unused',
      'circuits/lib/x.circom:7: warning[CA02]: In template "X": signals r[*].bits unused [×2]',
    ]);
  });

  it("every circuits/lib template has an inspect instance", () => {
    const templates = new Set(LIBRARY_INSPECT.map((s) => s.template));
    expect(templates.size).toBe(LIBRARY_INSPECT.length);
    for (const s of LIBRARY_INSPECT) expect(existsSync(join(REPO_ROOT, s.file)), s.file).toBe(true);
  });
});

describe("command line and registry", () => {
  it("rejects unknown sets and mains, and --set with --check", () => {
    expect(() => parseArgs(["--set", "huge"])).toThrow(/unknown parameter set/);
    expect(() => parseArgs(["--main", "nope"])).toThrow(/unknown main/);
    expect(() => parseArgs(["--check", "--set", "test"])).toThrow(/drop --set/);
    const a = parseArgs(["--set", "test,dev", "--main", "account_margin"]);
    expect([a.sets, a.mains, a.check, a.inspect]).toEqual([
      ["test", "dev"],
      ["account_margin"],
      false,
      false,
    ]);
    expect(parseArgs(["--update"])).toMatchObject({ check: true, update: true, inspect: true });
    expect(parseArgs(["--set", "all"]).sets).toEqual(["test", "dev", "prod"]);
  });

  it("registers mains whose CI sets are among their build sets, with unique names", () => {
    expect(new Set(MAINS.map((m) => m.name)).size).toBe(MAINS.length);
    for (const m of MAINS) for (const set of Object.keys(m.ci)) expect(m.sets).toContain(set);
  });

  it("skips a main whose template file is missing with a 'pending' line, and succeeds", async () => {
    const pending: MainDef = {
      name: "not_yet",
      role: "proof",
      description: "a proof still being written",
      file: "circuits/none/not_yet.circom",
      template: "NotYet",
      params: () => [],
      publics: [],
      sets: ["test"],
      ci: { test: "full" },
    };
    expect(isPending(pending)).toBe(true);
    let err = "";
    vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const code = await run(
      {
        sets: ["test"],
        mains: [],
        check: false,
        update: false,
        inspect: false,
        verifyProjection: false,
        verbose: false,
        help: false,
      },
      [pending],
      quiet,
    );
    expect(code).toBe(0);
    expect(err).toContain("not_yet: pending: circuits/none/not_yet.circom missing (NotYet)");
  });
});

describe("building a main", () => {
  it("compiles a generated main and records what its r1cs says", async () => {
    // UintRange(8) is circomlib's Num2Bits(8): 8 constraints b·(b − 1) = 0 remain, while the linear one,
    // Σ b·2^i = in, is used by --O2 to substitute one signal away; 1 private input, 8 outputs (the bits); wires =
    // 1 (constant) + 1 + 8 signals − 1 substituted = 9.
    const tiny: MainDef = {
      name: "zz_build_test_uint8",
      role: "exercise",
      description: "test fixture",
      file: "circuits/lib/uint_range.circom",
      template: "UintRange",
      params: () => [8],
      publics: [],
      sets: ["test"],
      ci: {},
    };
    const r = await buildInstance(fullInstance(tiny, "test"), false, quiet);
    expect([r.constraints, r.privateInputs, r.publicInputs, r.publicOutputs, r.wires]).toEqual([
      8, 1, 0, 8, 9,
    ]);
    const dir = join(REPO_ROOT, "build/circuits/test/zz_build_test_uint8");
    expect(r.r1csSha256).toBe(await sha256File(join(dir, "current", "main.r1cs")));
    expect(realpathSync(join(dir, "current"))).toBe(realpathSync(join(REPO_ROOT, r.dir)));
    const recorded = JSON.parse(readFileSync(join(dir, "build.json"), "utf8")) as { r1csSha256: string };
    expect(recorded.r1csSha256).toBe(r.r1csSha256);
    expect(readFileSync(join(dir, "current", "main.circom"), "utf8")).toContain(
      "component main = UintRange(8);",
    );
  });
});
