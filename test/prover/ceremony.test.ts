// The production ceremony tooling (prover/ceremony) on a tiny circuit, against a powers of tau that snarkjs itself
// made (new + contribute + prepare phase2 at power 6): two contributions and a beacon verify and export a key whose
// proofs verify; every kind of tampering — a flipped byte in an intermediate key, a key from another chain swapped
// in (with the transcript "fixed" to match), a corrupted final key, an edited transcript, the wrong ptau — is found
// by verify; a ptau with the wrong published hash, too small, unprepared or INSECURE is refused.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  beacon,
  contribute,
  exportCeremony,
  importPtau,
  newCeremony,
  productionSetupLabel,
  verifyCeremony,
  type VerifyReport,
} from "../../prover/ceremony/ceremony.js";
import { CeremonyError, type CeremonyErrorCode } from "../../prover/ceremony/errors.js";
import { readTranscript, serializeTranscript, type Transcript } from "../../prover/ceremony/transcript.js";
import { devSetup } from "../../prover/setup/devSetup.js";
import { verifyZkeyFromR1cs } from "../../prover/setup/snarkjsApi.js";

const OUT = join("build", "test-fixtures", "ceremony");
const R1CS = join(OUT, "ceremonyFixture.r1cs");
const WASM = join(OUT, "ceremonyFixture_js", "ceremonyFixture.wasm");
const PTAU = join(OUT, "phase1-p6.ptau");
const PTAU_UNPREPARED = join(OUT, "phase1-p6-unprepared.ptau");
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** BLAKE2b-512 of the whole file, as `b2sum` prints it (what the public ceremonies publish). */
function b2sum(path: string): string {
  return createHash("blake2b512").update(readFileSync(path)).digest("hex");
}

async function expectCode(p: Promise<unknown>, code: CeremonyErrorCode): Promise<void> {
  const e: unknown = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(CeremonyError);
  expect((e as CeremonyError).code).toBe(code);
}

function codes(r: VerifyReport): CeremonyErrorCode[] {
  return r.issues.map((i) => i.code);
}

/** snarkjs's "Contribution Hash:" block, as it prints it, turned back into hex. */
function printedHashes(lines: string[]): string[] {
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith("Contribution Hash:")) out.push(l.split("\n").slice(1).join("").replace(/\s+/g, ""));
    else if (l === "Contribution Hash: " && lines[i + 1]) out.push(lines[i + 1]!.replace(/\s+/g, ""));
  });
  return out;
}

const A = join(OUT, "chain-a");
const B = join(OUT, "chain-b");
const EXPORT = join(OUT, "export-a");
let snarkjsInfo: string[] = [];
const capture = {
  debug: () => {},
  info: (m: string) => snarkjsInfo.push(m),
  warn: () => {},
  error: () => {},
};

/** A copy of chain A to tamper with. */
function copyOfA(name: string): string {
  const dir = join(OUT, name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(A, dir, { recursive: true });
  return dir;
}

function editTranscript(dir: string, edit: (t: Transcript) => void): void {
  const path = join(dir, "ceremony.json");
  const t = JSON.parse(readFileSync(path, "utf8")) as Transcript;
  edit(t);
  writeFileSync(path, serializeTranscript(t));
}

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  // circom2 runs under WASI: circuit, includes and output must sit under the cwd (the repo root).
  execFileSync(
    process.execPath,
    [
      "node_modules/circom2/cli.js",
      "test/fixtures/circuits/ceremonyFixture.circom",
      "--r1cs",
      "--wasm",
      "--O2",
      "-o",
      OUT,
    ],
    { stdio: "ignore" },
  );
  // A phase 1 made by snarkjs's own commands, like a public ceremony's, only tiny.
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  await snarkjs.powersOfTau.newAccumulator(curve, 6, join(OUT, "p0.ptau"), quiet);
  await snarkjs.powersOfTau.contribute(
    join(OUT, "p0.ptau"),
    PTAU_UNPREPARED,
    "phase 1 party",
    "phase-1 entropy",
    quiet,
  );
  await snarkjs.powersOfTau.preparePhase2(PTAU_UNPREPARED, PTAU, quiet);

  await importPtau({ ptauPath: PTAU, expectHash: b2sum(PTAU), dir: A, r1csPath: R1CS, ceremonyId: "test-a" });
  await newCeremony({ dir: A, r1csPath: R1CS, circuitName: "fixture" });
  snarkjsInfo = [];
  await contribute({ dir: A, party: "alice", entropy: "alice's keyboard mash", log: capture });
  await contribute({ dir: A, party: "bob", entropy: "bob's dice", log: capture });
  await beacon({ dir: A, beaconHex: "0badc0ffee", iterationsExp: 10, log: capture });

  // Another chain over the same circuit and phase 1, for swapping keys in.
  await importPtau({ ptauPath: PTAU, expectHash: b2sum(PTAU), dir: B, ceremonyId: "test-b" });
  await newCeremony({ dir: B, r1csPath: R1CS, circuitName: "fixture" });
  await contribute({ dir: B, party: "mallory", entropy: "m" });
  await contribute({ dir: B, party: "bob", entropy: "b" });
  await beacon({ dir: B, beaconHex: "0badc0ffee", iterationsExp: 10 });
});

afterAll(async () => {
  const shared = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
  await shared?.terminate();
});

describe("import-ptau", () => {
  it("refuses a ptau whose BLAKE2b-512 is not the published one, and creates nothing", async () => {
    const good = b2sum(PTAU);
    const wrong = (good[0] === "0" ? "1" : "0") + good.slice(1);
    const dir = join(OUT, "wrong-hash");
    await expectCode(importPtau({ ptauPath: PTAU, expectHash: wrong, dir }), "PTAU_HASH_MISMATCH");
    expect(existsSync(join(dir, "ceremony.json"))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    await expectCode(importPtau({ ptauPath: PTAU, expectHash: good.slice(2), dir }), "BAD_HASH");
  });

  it("accepts the hash in snarkjs's printed layout (groups of 8 digits over 4 lines)", async () => {
    const h = b2sum(PTAU);
    const printed = (h.match(/.{8}/g) ?? []).map((g, i) => (i % 4 === 3 ? `${g}\n` : `${g} `)).join("\t\t");
    const dir = join(OUT, "printed-hash");
    const t = await importPtau({ ptauPath: PTAU, expectHash: printed, dir });
    expect(t.ptau.blake2b).toBe(h);
    expect(t.ptau.power).toBe(6);
    expect(b2sum(join(dir, t.ptau.file))).toBe(h);
  });

  it("refuses a ptau below the power the circuit needs", async () => {
    // 32 constraints + 2 public signals = 34 rows: snarkjs needs 2^6; asking for 2^7 must fail on a power-6 file.
    await expectCode(
      importPtau({ ptauPath: PTAU, expectHash: b2sum(PTAU), dir: join(OUT, "small"), minPower: 7 }),
      "PTAU_TOO_SMALL",
    );
  });

  it("refuses a ptau that was not prepared for phase 2", async () => {
    await expectCode(
      importPtau({
        ptauPath: PTAU_UNPREPARED,
        expectHash: b2sum(PTAU_UNPREPARED),
        dir: join(OUT, "unprepared"),
      }),
      "PTAU_NOT_PREPARED",
    );
  });

  it("refuses the project's INSECURE development ptau, even renamed", async () => {
    const dev = await devSetup({
      r1csPath: R1CS,
      outDir: join(OUT, "dev"),
      seed: "ceremony-test",
      name: "fixture",
    });
    await expectCode(
      importPtau({ ptauPath: dev.ptauPath, expectHash: b2sum(dev.ptauPath), dir: join(OUT, "dev-import") }),
      "PTAU_INSECURE",
    );
    const renamed = join(OUT, "innocent.ptau");
    cpSync(dev.ptauPath, renamed);
    await expectCode(
      importPtau({ ptauPath: renamed, expectHash: b2sum(renamed), dir: join(OUT, "dev-import-2") }),
      "PTAU_INSECURE",
    );
  });

  it("refuses a second import into the same folder", async () => {
    await expectCode(importPtau({ ptauPath: PTAU, expectHash: b2sum(PTAU), dir: A }), "CEREMONY_EXISTS");
  });
});

describe("a ceremony with two contributions and a beacon", () => {
  let t: Transcript;
  beforeAll(async () => {
    t = await readTranscript(A);
  });

  it("records every step with its party, chained hashes and the contribution hashes snarkjs printed", () => {
    expect(t.steps.map((s) => [s.index, s.kind, s.party])).toEqual([
      [0, "new", "coordinator"],
      [1, "contribution", "alice"],
      [2, "contribution", "bob"],
      [3, "beacon", "beacon"],
    ]);
    for (const s of t.steps) {
      expect(s.output.file).toBe(`fixture.PRODUCTION.000${s.index}.zkey`);
      expect(s.output.blake2b).toBe(b2sum(join(A, s.output.file)));
      if (s.kind !== "new") expect(s.input).toEqual(t.steps[s.index - 1]!.output);
    }
    const recorded = t.steps.flatMap((s) => (s.kind === "new" ? [] : [s.contributionHash]));
    expect(printedHashes(snarkjsInfo)).toEqual(recorded);
    expect(t.ptau.blake2b).toBe(b2sum(PTAU));
    expect(t.circuit?.r1csSha256).toBe(createHash("sha256").update(readFileSync(R1CS)).digest("hex"));
    const last = t.steps[3]!;
    expect(last.kind === "beacon" && [last.beaconHash, last.iterationsExp]).toEqual(["0badc0ffee", 10]);
  });

  it("verifies, and snarkjs's own zkey verify agrees on the final key", async () => {
    const r = await verifyCeremony({ dir: A, everyStep: true });
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.finalized).toBe(true);
    expect(r.transcriptSha256).toBe(
      createHash("sha256")
        .update(readFileSync(join(A, "ceremony.json")))
        .digest("hex"),
    );
    expect(await verifyZkeyFromR1cs(R1CS, PTAU, join(A, "fixture.PRODUCTION.0003.zkey"), quiet)).toBe(true);
  });

  it("accepts no contribution after the beacon", async () => {
    await expectCode(
      contribute({ dir: copyOfA("after-beacon"), party: "late", entropy: "x" }),
      "CEREMONY_FINALIZED",
    );
  });

  it("exports a PRODUCTION key whose proofs verify", async () => {
    const res = await exportCeremony({ dir: A, outDir: EXPORT, contractName: "FixtureVerifier" });
    for (const p of [res.zkeyPath, res.vkeyPath, res.solidityPath, res.transcriptPath]) {
      expect(p).toContain("PRODUCTION");
      expect(p).not.toContain("INSECURE");
    }
    expect(readFileSync(res.zkeyPath).equals(readFileSync(join(A, "fixture.PRODUCTION.0003.zkey")))).toBe(
      true,
    );
    expect(readFileSync(res.transcriptPath).equals(readFileSync(join(A, "ceremony.json")))).toBe(true);
    const sha = createHash("sha256").update(readFileSync(res.transcriptPath)).digest("hex");
    expect(res.label).toBe(productionSetupLabel("test-a", sha));

    const vkey = JSON.parse(readFileSync(res.vkeyPath, "utf8")) as Record<string, unknown>;
    expect(vkey.zkmarginSetup).toBe(`PRODUCTION ceremony=test-a transcript-sha256=${sha}`);
    const x = 3n;
    const y = 5n;
    const k = 7n;
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      { x: x.toString(), y: y.toString(), k: k.toString() },
      WASM,
      res.zkeyPath,
    );
    // out = x·y·k^31 mod r (the chain multiplies by k 31 times), then the public input k.
    expect(publicSignals).toEqual([((x * y * k ** 31n) % R).toString(), "7"]);
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vkey, [publicSignals[0], "8"], proof)).toBe(false);
    // A proof made with the other chain's key does not verify under this one.
    const other = await snarkjs.groth16.fullProve(
      { x: "3", y: "5", k: "7" },
      WASM,
      join(B, "fixture.PRODUCTION.0003.zkey"),
    );
    expect(await snarkjs.groth16.verify(vkey, other.publicSignals, other.proof)).toBe(false);

    const sol = readFileSync(res.solidityPath, "utf8");
    const head = sol.split("\n").slice(0, 6);
    expect(head[0]).toBe("// PRODUCTION TRUSTED SETUP: zkmargin phase-2 ceremony test-a, circuit fixture");
    expect(head[1]).toBe(`// transcript fixture.PRODUCTION.ceremony.json sha256 ${sha}`);
    expect(head[2]).toBe(`// final zkey blake2b ${b2sum(res.zkeyPath)}`);
    expect(sol).toContain("contract FixtureVerifier {");
    // Below the header is snarkjs's output, untouched: the same as exporting with the renamed template directly.
    const template = readFileSync("node_modules/snarkjs/templates/verifier_groth16.sol.ejs", "utf8").replace(
      "contract Groth16Verifier {",
      "contract FixtureVerifier {",
    );
    const plain = (await snarkjs.zKey.exportSolidityVerifier(res.zkeyPath, { groth16: template })) as string;
    expect(sol.split("\n").slice(6).join("\n")).toBe(plain);
  });
});

describe("verify finds tampering", () => {
  it("a flipped byte in an intermediate key", async () => {
    const dir = copyOfA("flip-intermediate");
    const path = join(dir, "fixture.PRODUCTION.0001.zkey");
    const bytes = readFileSync(path);
    bytes[bytes.length - 100]! ^= 0x01;
    writeFileSync(path, bytes);
    const r = await verifyCeremony({ dir });
    expect(r.ok).toBe(false);
    expect(codes(r)).toContain("ZKEY_HASH_MISMATCH");
  });

  it("another chain's key swapped in for a contribution, with the transcript's hashes rewritten to match", async () => {
    const dir = copyOfA("swap-intermediate");
    cpSync(join(B, "fixture.PRODUCTION.0001.zkey"), join(dir, "fixture.PRODUCTION.0001.zkey"));
    const tb = await readTranscript(B);
    editTranscript(dir, (t) => {
      const s1 = t.steps[1]!;
      const s2 = t.steps[2]!;
      if (s1.kind !== "contribution" || s2.kind !== "contribution") throw new Error("unexpected transcript");
      s1.output = tb.steps[1]!.output;
      s2.input = tb.steps[1]!.output;
    });
    const r = await verifyCeremony({ dir });
    expect(r.ok).toBe(false);
    expect(codes(r)).toContain("CHAIN_BROKEN"); // not an ancestor of the final key
  });

  it("another chain's final key swapped in, with the transcript's hashes rewritten to match", async () => {
    const dir = copyOfA("swap-final");
    cpSync(join(B, "fixture.PRODUCTION.0003.zkey"), join(dir, "fixture.PRODUCTION.0003.zkey"));
    const tb = await readTranscript(B);
    editTranscript(dir, (t) => {
      t.steps[3]!.output = tb.steps[3]!.output;
    });
    const r = await verifyCeremony({ dir });
    expect(r.ok).toBe(false);
    // The swapped key is a valid key (snarkjs alone would pass it) but its contributions are mallory's, not alice's.
    expect(codes(r)).toContain("CONTRIBUTION_MISMATCH");
    expect(codes(r)).toContain("CHAIN_BROKEN");
    expect(codes(r)).not.toContain("ZKEY_VERIFY_FAILED");
  });

  it("a corrupted final key whose hash was updated in the transcript: snarkjs's check fails", async () => {
    const dir = copyOfA("corrupt-final");
    const path = join(dir, "fixture.PRODUCTION.0003.zkey");
    const bytes = readFileSync(path);
    // Deep in the key (the H section is last but one): the contribution record stays intact.
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(path, bytes);
    editTranscript(dir, (t) => {
      t.steps[3]!.output = { ...t.steps[3]!.output, blake2b: b2sum(path) };
    });
    const r = await verifyCeremony({ dir });
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(["ZKEY_VERIFY_FAILED"]);
  });

  it("a transcript that names another party than the key holds", async () => {
    const dir = copyOfA("renamed-party");
    editTranscript(dir, (t) => {
      t.steps[1]!.party = "carol";
    });
    const r = await verifyCeremony({ dir });
    expect(codes(r)).toEqual(["CONTRIBUTION_MISMATCH"]);
  });

  it("a missing intermediate key", async () => {
    const dir = copyOfA("missing");
    rmSync(join(dir, "fixture.PRODUCTION.0002.zkey"));
    expect(codes(await verifyCeremony({ dir }))).toEqual(["ZKEY_MISSING"]);
  });

  it("the wrong ptau or r1cs given by the verifier", async () => {
    const r = await verifyCeremony({ dir: A, ptauPath: PTAU_UNPREPARED });
    expect(codes(r)).toContain("PTAU_HASH_MISMATCH");
    const r2 = await verifyCeremony({ dir: A, r1csPath: join(OUT, "dev", "fixture.dev-INSECURE.zkey") });
    expect(codes(r2)).toContain("R1CS_MISMATCH");
  });

  it("export refuses a ceremony that does not verify, or has no beacon", async () => {
    await expectCode(
      exportCeremony({ dir: join(OUT, "flip-intermediate"), outDir: join(OUT, "no") }),
      "VERIFY_FAILED",
    );
    const dir = join(OUT, "no-beacon");
    await importPtau({ ptauPath: PTAU, expectHash: b2sum(PTAU), dir });
    await newCeremony({ dir, r1csPath: R1CS, circuitName: "fixture" });
    await expectCode(exportCeremony({ dir, outDir: join(OUT, "no") }), "CEREMONY_NOT_FINALIZED");
    await contribute({ dir, party: "solo", entropy: "s" });
    await expectCode(exportCeremony({ dir, outDir: join(OUT, "no") }), "CEREMONY_NOT_FINALIZED");
    const rehearsal = await exportCeremony({ dir, outDir: join(OUT, "rehearsal"), allowNoBeacon: true });
    expect(readFileSync(rehearsal.solidityPath, "utf8")).toContain("NO BEACON");
    expect(existsSync(join(OUT, "no"))).toBe(false);
  });
});

describe("contribute builds only on the recorded key", () => {
  it("refuses a head key that differs from the transcript, and leaves the transcript as it was", async () => {
    const dir = join(OUT, "bad-head");
    await importPtau({ ptauPath: PTAU, expectHash: b2sum(PTAU), dir });
    await newCeremony({ dir, r1csPath: R1CS, circuitName: "fixture" });
    await contribute({ dir, party: "alice", entropy: "a" });
    const path = join(dir, "fixture.PRODUCTION.0001.zkey");
    const bytes = readFileSync(path);
    bytes[bytes.length - 1]! ^= 0x80;
    writeFileSync(path, bytes);
    const before = readFileSync(join(dir, "ceremony.json"));
    await expectCode(contribute({ dir, party: "bob", entropy: "b" }), "ZKEY_HASH_MISMATCH");
    expect(readFileSync(join(dir, "ceremony.json")).equals(before)).toBe(true);
    expect(existsSync(join(dir, "fixture.PRODUCTION.0002.zkey"))).toBe(false);
  });

  it("refuses bad party names and beacons", async () => {
    const dir = copyOfA("bad-args");
    await expectCode(contribute({ dir, party: "x".repeat(65), entropy: "e" }), "BAD_ARGUMENT");
    await expectCode(contribute({ dir, party: "ok", entropy: "" }), "BAD_ARGUMENT");
    await expectCode(beacon({ dir, beaconHex: "abc", iterationsExp: 10 }), "BAD_ARGUMENT");
    await expectCode(beacon({ dir, beaconHex: "ab", iterationsExp: 9 }), "BAD_ARGUMENT");
  });
});

describe("zkmargin ceremony (CLI)", () => {
  // program.ts is the lead's to wire; this builds a program with only the ceremony commands, the way main.ts runs.
  const runner = join(OUT, "cli.mjs");
  beforeAll(() => {
    // A file, not `node -e`: snarkjs's worker threads do not keep an eval'd module's top-level await alive.
    const url = (p: string): string => pathToFileURL(resolve(p)).href;
    writeFileSync(
      runner,
      'import { Command } from "commander";\n' +
        `import { registerCeremonyCommands } from "${url("client/cli/commands/ceremony.ts")}";\n` +
        `import { errorLine } from "${url("client/cli/errors.ts")}";\n` +
        'const p = new Command("zkmargin").exitOverride();\n' +
        "registerCeremonyCommands(p);\n" +
        'try { await p.parseAsync(process.argv.slice(2), { from: "user" }); }\n' +
        'catch (e) { process.stderr.write(errorLine(e) + "\\n"); process.exitCode = 1; }\n',
    );
  });
  const runCli = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, ["--import", "tsx", runner, ...args], { encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("verify prints OK on a good ceremony and one VERIFY_FAILED line on a tampered one", () => {
    const ok = runCli(["ceremony", "verify", "--dir", A]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("OK (finalized by a beacon)");
    expect(ok.stdout).toContain("step 1 contribution by alice");
    const bad = runCli(["ceremony", "verify", "--dir", join(OUT, "flip-intermediate")]);
    expect(bad.code).toBe(1);
    const errors = bad.stderr.split("\n").filter((l) => l.startsWith("error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: VERIFY_FAILED: 1 problem\(s\): ZKEY_HASH_MISMATCH: /);
  });

  it("import-ptau refuses a wrong --expect-hash with PTAU_HASH_MISMATCH", () => {
    const r = runCli([
      "ceremony",
      "import-ptau",
      "--ptau",
      PTAU,
      "--expect-hash",
      "00".repeat(64),
      "--dir",
      join(OUT, "cli-bad"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^error: PTAU_HASH_MISMATCH: /);
  });
});
