// Checks the INSECURE development trusted setup (prover/setup) against
// snarkjs itself: its zkey and ptau verifiers, its prepare-phase2 output, and
// real Groth16 proofs; plus determinism, caching and the INSECURE labels.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BinReader } from "../../prover/setup/binFile.js";
import { lem, loadCurve, scalarLE, wasmCurveCode } from "../../prover/setup/curve.js";
import {
  type DevSetupResult,
  devSetup,
  devSetupLabel,
  exportDevSolidityVerifier,
  zkeyContributionName,
} from "../../prover/setup/devSetup.js";
import { writePtau } from "../../prover/setup/ptauWriter.js";
import { readR1cs } from "../../prover/setup/r1cs.js";
import { deriveSecrets } from "../../prover/setup/secrets.js";
import { exportSolidityVerifier, verifyPtau, verifyZkeyFromR1cs } from "../../prover/setup/snarkjsApi.js";
import { WasmPool } from "../../prover/setup/wasmPool.js";
import { writeZkey } from "../../prover/setup/zkeyWriter.js";

const OUT = join("build", "test-fixtures", "devSetup");
const R1CS = join(OUT, "devSetupFixture.r1cs");
const WASM = join(OUT, "devSetupFixture_js", "devSetupFixture.wasm");
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface Run {
  res: DevSetupResult;
  stages: Map<string, number[]>;
}

async function run(dir: string, seed: string, power?: number): Promise<Run> {
  const stages = new Map<string, number[]>();
  const res = await devSetup({
    r1csPath: R1CS,
    outDir: join(OUT, dir),
    seed,
    name: "fixture",
    power,
    onProgress: (stage, done, total) => {
      expect(done).toBeLessThanOrEqual(total);
      stages.set(stage, [...(stages.get(stage) ?? []), done]);
    },
  });
  return { res, stages };
}

function bytes(path: string): Buffer {
  return readFileSync(path);
}

let a: Run;
let b: Run;
let c: Run;

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  // circom2 runs under WASI: circuit, includes and output must sit under the cwd (the repo root).
  execFileSync(
    process.execPath,
    [
      "node_modules/circom2/cli.js",
      "test/fixtures/circuits/devSetupFixture.circom",
      "--r1cs",
      "--wasm",
      "--O2",
      "-o",
      OUT,
    ],
    { stdio: "ignore" },
  );
  a = await run("a", "test-a");
  b = await run("b", "test-a"); // fresh directory: recomputed, not cached
  c = await run("c", "test-c");
});

afterAll(async () => {
  // groth16.fullProve/verify below start snarkjs's shared multi-threaded curve.
  const shared = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
  await shared?.terminate();
});

describe("devSetup", () => {
  it("sizes the ptau to the circuit and names files INSECURE", () => {
    // 256 constraints + 3 public signals -> snarkjs needs a domain of 2^9.
    expect(a.res.constraints).toBe(256);
    expect(a.res.power).toBe(9);
    for (const p of [a.res.ptauPath, a.res.zkeyPath, a.res.vkeyPath]) expect(p).toContain("INSECURE");
    expect(a.res.zkeyPath).toMatch(/fixture\.dev-INSECURE\.zkey$/);
  });

  it("reports progress for the long stages", () => {
    for (const stage of ["ptau tauG1", "ptau lagrange tauG2", "zkey A", "zkey B2", "zkey H"]) {
      const seen = a.stages.get(stage);
      expect(seen, stage).toBeDefined();
      expect(seen?.[0]).toBe(0);
      expect(seen?.length).toBeGreaterThan(1);
    }
  });

  it("passes `snarkjs zkey verify` (zKey.verifyFromR1cs) against its own ptau", async () => {
    expect(await verifyZkeyFromR1cs(R1CS, a.res.ptauPath, a.res.zkeyPath, quiet)).toBe(true);
    expect(await verifyZkeyFromR1cs(R1CS, c.res.ptauPath, c.res.zkeyPath, quiet)).toBe(true);
  });

  it("rejects the zkey against another seed's ptau", async () => {
    expect(await verifyZkeyFromR1cs(R1CS, c.res.ptauPath, a.res.zkeyPath, quiet)).toBe(false);
  });

  it("passes `snarkjs powersoftau verify`", async () => {
    expect(await verifyPtau(a.res.ptauPath, quiet)).toBe(true);
  });

  it("makes proofs that groth16.verify accepts, and rejects a changed public signal", async () => {
    const vkey: unknown = JSON.parse(readFileSync(a.res.vkeyPath, "utf8"));
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      { a: 3, b: 5, k: 7 },
      WASM,
      a.res.zkeyPath,
    );
    // outputs first (h, prod), then the public input k
    expect(publicSignals[1]).toBe(String(3 * 5 * 7 ** 15));
    expect(publicSignals[2]).toBe("7");
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
    const tampered = [...(publicSignals as string[])];
    tampered[2] = "8";
    expect(await snarkjs.groth16.verify(vkey, tampered, proof)).toBe(false);
    // a proof from another seed's key does not verify under this key
    const other = await snarkjs.groth16.fullProve({ a: 3, b: 5, k: 7 }, WASM, c.res.zkeyPath);
    expect(await snarkjs.groth16.verify(vkey, other.publicSignals, other.proof)).toBe(false);
  });

  it("is deterministic: same seed gives byte-identical files, another seed different ones", () => {
    expect(bytes(b.res.ptauPath).equals(bytes(a.res.ptauPath))).toBe(true);
    expect(bytes(b.res.zkeyPath).equals(bytes(a.res.zkeyPath))).toBe(true);
    expect(bytes(b.res.vkeyPath).equals(bytes(a.res.vkeyPath))).toBe(true);
    expect(bytes(c.res.zkeyPath).equals(bytes(a.res.zkeyPath))).toBe(false);
    expect(bytes(c.res.ptauPath).equals(bytes(a.res.ptauPath))).toBe(false);
  });

  it("reuses a cached ptau of the same seed and power", async () => {
    const again = await run("a", "test-a");
    expect(again.stages.has("ptau cached")).toBe(true);
    expect(again.stages.has("ptau tauG1")).toBe(false);
    expect(bytes(again.res.zkeyPath).equals(bytes(b.res.zkeyPath))).toBe(true);
  });

  it("honours a larger requested power", async () => {
    const big = await run("p10", "test-a", 10);
    expect(big.res.power).toBe(10);
    expect(await verifyZkeyFromR1cs(R1CS, big.res.ptauPath, big.res.zkeyPath, quiet)).toBe(true);
  });

  it("refuses to pair a zkey's secrets with another seed's ptau", async () => {
    const curve = await loadCurve();
    const pool = new WasmPool(wasmCurveCode(curve), 1);
    try {
      const write = writeZkey({
        curve,
        pool,
        secrets: deriveSecrets("test-a"),
        r1cs: await readR1cs(R1CS),
        ptauPath: c.res.ptauPath,
        zkeyPath: join(OUT, "mismatch.zkey"),
        name: "x",
      });
      await expect(write).rejects.toThrow(/not made from this seed/);
    } finally {
      await pool.terminate();
    }
  });

  it("refuses bad input", async () => {
    await expect(run("bad", "test-a", 8)).rejects.toThrow(/power 8 invalid/);
    await expect(run("bad", "line\nbreak")).rejects.toThrow(/printable/);
    await expect(
      devSetup({ r1csPath: R1CS, outDir: join(OUT, "bad"), seed: "x", name: "../escape" }),
    ).rejects.toThrow(/invalid key name/);
  });
});

describe("INSECURE labels", () => {
  it("puts zkmarginSetup into the verification key and the seed into the zkey contribution", async () => {
    const vkey = JSON.parse(readFileSync(a.res.vkeyPath, "utf8")) as Record<string, unknown>;
    expect(vkey.zkmarginSetup).toBe("INSECURE-DEV seed=test-a");
    expect(vkey.zkmarginSetup).toBe(devSetupLabel("test-a"));
    expect(vkey.protocol).toBe("groth16");
    expect(vkey.nPublic).toBe(3);
    expect(await zkeyContributionName(a.res.zkeyPath)).toBe(
      "zkmargin INSECURE development setup, seed=test-a",
    );
  });

  it("exports snarkjs's Solidity verifier with only an INSECURE header added", async () => {
    const out = join(OUT, "a", "FixtureVerifier.sol");
    await exportDevSolidityVerifier(a.res.zkeyPath, out, { seed: "test-a", fingerprint: "fixture-v1" });
    const sol = readFileSync(out, "utf8");
    const lines = sol.split("\n");
    expect(lines[0]).toBe("// INSECURE DEVELOPMENT SETUP (seed=test-a) — never deploy to a real network");
    expect(lines[1]).toBe("// circuit fingerprint: fixture-v1");
    const template = readFileSync("node_modules/snarkjs/templates/verifier_groth16.sol.ejs", "utf8");
    const plain = await exportSolidityVerifier(a.res.zkeyPath, { groth16: template });
    expect(lines.slice(2).join("\n")).toBe(plain);
    expect(plain).toContain("contract Groth16Verifier");
  });

  it("renames the contract through the template when asked", async () => {
    const out = join(OUT, "a", "Named.sol");
    await exportDevSolidityVerifier(a.res.zkeyPath, out, {
      seed: "test-a",
      fingerprint: "f",
      contractName: "DevVerifier",
    });
    const sol = readFileSync(out, "utf8");
    expect(sol).toContain("contract DevVerifier {");
    expect(sol).not.toContain("Groth16Verifier");
  });

  it("refuses to label a zkey that devSetup did not make", async () => {
    const foreign = join(OUT, "foreign.zkey");
    await snarkjs.zKey.newZKey(R1CS, a.res.ptauPath, foreign);
    await expect(
      exportDevSolidityVerifier(foreign, join(OUT, "foreign.sol"), { seed: "test-a", fingerprint: "f" }),
    ).rejects.toThrow(/not a zkmargin development zkey/);
  });
});

describe("fixed-base workers", () => {
  it("match ffjavascript's scalar multiplication, including the rare doubling case", async () => {
    const curve = await loadCurve();
    const pool = new WasmPool(wasmCurveCode(curve), 1);
    try {
      const r = curve.r;
      // 3*2^253 - r: its top signed digit's table point equals the sum of the
      // lower windows whenever the top window starts at bit 252 (w = 4, 12, 14),
      // so the affine addition meets equal x coordinates and must double.
      const scalars = [0n, 1n, 2n, r - 1n, r - 2n, 3n * 2n ** 253n - r, 2n ** 252n, 2n ** 253n - 1n];
      for (let i = 1n; i <= 8n; i++) scalars.push((i * 0x9e3779b97f4a7c15f39cc0605cedc834n) % r);
      const packed = Buffer.concat(scalars.map((s) => scalarLE(s)));
      for (const group of [1, 2] as const) {
        const G = group === 1 ? curve.G1 : curve.G2;
        const size = group === 1 ? 64 : 128;
        const want = Buffer.concat(scalars.map((s) => lem(G, G.timesFr(G.g, curve.Fr.e(s)), size)));
        for (const w of group === 1 ? [4, 7, 12, 14] : [4, 7, 12]) {
          pool.setWindow(group, w);
          const got = await pool.fixedBase(group, packed.slice(), { wantU: true });
          expect(Buffer.from(got.lem).equals(want), `G${group} w=${w}`).toBe(true);
        }
      }
    } finally {
      await pool.terminate();
    }
  });
});

describe("ptau writer", () => {
  it("writes Lagrange sections 12-15 byte-identical to `snarkjs powersoftau prepare phase2`", async () => {
    const power = 6;
    const ours = join(OUT, "p6.ptau");
    const curve = await loadCurve();
    const pool = new WasmPool(wasmCurveCode(curve));
    try {
      await writePtau({
        curve,
        pool,
        secrets: deriveSecrets("prep"),
        power,
        path: ours,
        name: "zkmargin INSECURE test",
      });
    } finally {
      await pool.terminate();
    }
    // Keep sections 1-7 (what `powersoftau contribute` leaves) and let snarkjs prepare it.
    const f = await BinReader.open(ours, "ptau");
    const s7 = f.section(7);
    await f.close();
    const whole = bytes(ours);
    const phase1 = Buffer.from(whole.subarray(0, s7.pos + s7.size));
    phase1.writeUInt32LE(7, 8);
    writeFileSync(join(OUT, "p6-phase1.ptau"), phase1);
    await snarkjs.powersOfTau.preparePhase2(join(OUT, "p6-phase1.ptau"), join(OUT, "p6-snarkjs.ptau"));
    expect(bytes(join(OUT, "p6-snarkjs.ptau")).equals(whole)).toBe(true);
  });
});
