// `zkmargin prove`: a round trip through the command (registered on a commander program as the lead wires it) —
// a witness and a zkey in, snarkjs-standard proof and public JSON out that stock snarkjs verifies; progress on
// stderr, never stdout; typed errors for missing files, wrong keys and unknown backends, and nothing written when
// the self-check fails.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Command } from "commander";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readR1csHeader } from "../../circuits/tooling/r1cs.js";
import { registerProveCommand, runProve } from "../../client/cli/commands/prove.js";
import { buildProgram } from "../../client/cli/program.js";
import { PARAM_SETS } from "../../protocol/constants.js";
import { WasmWitnessGenerator } from "../../prover/witness/wasm.js";
import { marginKeys, ROOT, standIn, terminateStrayCurve, type StandIn } from "./fixtures.js";
import { marginCase, marginInputs, marginPublicSignals } from "./helpers.js";

type Keys = Awaited<ReturnType<typeof marginKeys>>;

const OUT = join(ROOT, `cli-${process.pid}`);
/** Whether the lead has wired the command into the real CLI yet (until then it is tested through commander here). */
const wired = buildProgram().commands.some((cmd) => cmd.name() === "prove");
if (!wired)
  console.warn(
    "test/prover/cli.test.ts: `zkmargin prove` is not registered in client/cli/program.ts yet; bin test skipped",
  );
const WTNS = join(OUT, "margin.wtns");

let margin: Keys;
let stand: StandIn;
const c = marginCase(PARAM_SETS.test, 7);

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  [margin, stand] = await Promise.all([marginKeys(), standIn()]);
  const gen = await WasmWitnessGenerator.load(margin.wasm);
  writeFileSync(WTNS, await gen.generate(marginInputs(c)));
});

afterAll(terminateStrayCurve);

function program(): Command {
  const p = new Command("zkmargin").exitOverride().configureOutput({ writeErr: () => {} });
  registerProveCommand(p);
  return p;
}

describe("zkmargin prove", () => {
  it("writes snarkjs proof and public JSON that stock snarkjs verifies", async () => {
    const proof = join(OUT, "out", "proof.json");
    const pub = join(OUT, "out", "public.json");
    await program().parseAsync(
      ["prove", "--zkey", margin.zkeyPath, "--wtns", WTNS, "--proof", proof, "--public", pub, "-q"],
      { from: "user" },
    );
    const p = JSON.parse(readFileSync(proof, "utf8")) as Record<string, unknown>;
    const s = JSON.parse(readFileSync(pub, "utf8")) as string[];
    expect(Object.keys(p).sort()).toEqual(["curve", "pi_a", "pi_b", "pi_c", "protocol"]);
    expect(s).toEqual(marginPublicSignals(c));
    const vkey = JSON.parse(readFileSync(margin.vkeyPath, "utf8")) as unknown;
    expect(await snarkjs.groth16.verify(vkey, s, p)).toBe(true);
    const changed = [...s];
    changed[0] = (BigInt(changed[0]!) + 1n).toString();
    expect(await snarkjs.groth16.verify(vkey, changed, p)).toBe(false);
  });

  it("with --vkey: self-checks, reports timings and progress on stderr only", async () => {
    const err = new Capture();
    const proof = join(OUT, "v-proof.json");
    const pub = join(OUT, "v-public.json");
    const summary = await runProve(
      {
        zkey: margin.zkeyPath,
        wtns: WTNS,
        proof,
        public: pub,
        vkey: margin.vkeyPath,
        backend: "snarkjs-wasm",
      },
      err,
    );
    expect(summary.verified).toBe(true);
    expect(summary.publicSignals).toBe(marginPublicSignals(c).length);
    expect(summary.witnesses).toBe((await readR1csHeader(margin.artifacts.r1csPath)).nWires);
    expect(err.text).toMatch(/^prove: snarkjs-wasm/m);
    expect(err.text).toMatch(/^prove: multiexp H/m); // plain progress lines: the capture is not a TTY
    expect(err.text).toMatch(/^prove {2}\d+ public signals {2}\(\d+\.\d s\)$/m);
    expect(err.text).toMatch(/^verify: ok/m);
    expect(err.text).not.toMatch(/\r|\x1b\[/);
    expect(existsSync(proof) && existsSync(pub)).toBe(true);
  });

  it("writes nothing when the proof fails its self-check against another key", async () => {
    const proof = join(OUT, "bad-proof.json");
    const pub = join(OUT, "bad-public.json");
    await expect(
      runProve({ zkey: margin.zkeyPath, wtns: WTNS, proof, public: pub, vkey: stand.vkeyPath, quiet: true }),
    ).rejects.toMatchObject({ code: "SELF_CHECK_FAILED" });
    expect(existsSync(proof) || existsSync(pub)).toBe(false);
  });

  it("fails with typed codes on missing files, a witness of another circuit and an unknown backend", async () => {
    const base = {
      zkey: margin.zkeyPath,
      wtns: WTNS,
      proof: join(OUT, "x.json"),
      public: join(OUT, "y.json"),
    };
    await expect(runProve({ ...base, zkey: join(OUT, "none.zkey") })).rejects.toMatchObject({
      code: "INPUT_NOT_FOUND",
    });
    await expect(runProve({ ...base, wtns: join(OUT, "none.wtns") })).rejects.toMatchObject({
      code: "INPUT_NOT_FOUND",
    });
    await expect(runProve({ ...base, zkey: stand.zkeyPath, quiet: true })).rejects.toMatchObject({
      code: "BAD_WITNESS",
    });
    await expect(runProve({ ...base, backend: "gpu-someday", quiet: true })).rejects.toMatchObject({
      code: "UNKNOWN_BACKEND",
    });
    await expect(runProve({ ...base, public: base.proof })).rejects.toMatchObject({ code: "BAD_USAGE" });
    expect(existsSync(base.proof)).toBe(false);
  });

  it.skipIf(!wired)(
    "runs as `node bin/zkmargin.mjs prove` once client/cli/program.ts registers it",
    async () => {
      const proof = join(OUT, "bin-proof.json");
      const pub = join(OUT, "bin-public.json");
      const r = spawnSync(
        process.execPath,
        [
          "bin/zkmargin.mjs",
          "prove",
          "--zkey",
          margin.zkeyPath,
          "--wtns",
          WTNS,
          "--proof",
          proof,
          "--public",
          pub,
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^prove: snarkjs-wasm/m);
      expect(JSON.parse(readFileSync(pub, "utf8"))).toEqual(marginPublicSignals(c));
      const bad = spawnSync(
        process.execPath,
        ["bin/zkmargin.mjs", "prove", "--zkey", "none", "--wtns", WTNS, "--proof", proof, "--public", pub],
        {
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      expect(bad.status).not.toBe(0);
      expect(bad.stderr.trim()).toMatch(/^error: INPUT_NOT_FOUND: /);
    },
  );

  it("requires every file option", async () => {
    await expect(
      program().parseAsync(["prove", "--zkey", margin.zkeyPath], { from: "user" }),
    ).rejects.toThrow(/required option/);
  });
});
