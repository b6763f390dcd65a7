// Times the INSECURE development setup on generated circuits of chosen sizes
// and prints a table, so the speed claims about prover/setup can be rerun.
//   npx tsx scripts/bench-setup.ts [constraints ...] [--verify] [--prove]
// Circuits are a Poseidon(2) chain plus a multiplication chain, compiled with
// circom2 --O2 into build/bench-setup/ (kept between runs).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { devSetup } from "../prover/setup/devSetup.js";
import { verifyZkeyFromR1cs } from "../prover/setup/snarkjsApi.js";

const POSEIDON2_CONSTRAINTS = 240;

function circuitSource(target: number): { src: string; nHash: number; nMul: number } {
  const nHash = Math.floor((target * 0.9) / POSEIDON2_CONSTRAINTS);
  const nMul = Math.max(2, target - nHash * POSEIDON2_CONSTRAINTS);
  const src = `pragma circom 2.1.0;
include "../../node_modules/circomlib/circuits/poseidon.circom";
template Bench(nHash, nMul) {
    signal input x;
    signal input y;
    signal output h;
    signal output p;
    component hs[nHash];
    signal chain[nHash + 1];
    chain[0] <== x;
    for (var i = 0; i < nHash; i++) {
        hs[i] = Poseidon(2);
        hs[i].inputs[0] <== chain[i];
        hs[i].inputs[1] <== y;
        chain[i + 1] <== hs[i].out;
    }
    h <== chain[nHash];
    signal acc[nMul];
    acc[0] <== x * y;
    for (var i = 1; i < nMul; i++) acc[i] <== acc[i - 1] * x;
    p <== acc[nMul - 1];
}
component main {public [y]} = Bench(${nHash}, ${nMul});
`;
  return { src, nHash, nMul };
}

function compile(target: number, wasm: boolean): string {
  const dir = join("build", "bench-setup");
  mkdirSync(dir, { recursive: true });
  const base = `bench${target}`;
  const r1cs = join(dir, `${base}.r1cs`);
  const wasmFile = join(dir, `${base}_js`, `${base}.wasm`);
  if (existsSync(r1cs) && (!wasm || existsSync(wasmFile))) return r1cs;
  const circom = join(dir, `${base}.circom`);
  writeFileSync(circom, circuitSource(target).src);
  const t = performance.now();
  // circom2 runs under WASI: every path must be relative to (and under) the cwd.
  execFileSync(
    process.execPath,
    ["node_modules/circom2/cli.js", circom, "--r1cs", ...(wasm ? ["--wasm"] : []), "--O2", "-o", dir],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  console.error(`compiled ${circom} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return r1cs;
}

interface Row {
  target: number;
  constraints: number;
  power: number;
  ptau: string;
  zkey: string;
  total: string;
  cpu: string;
  verify: string;
  prove: string;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const doVerify = args.includes("--verify");
  const doProve = args.includes("--prove");
  const sizes = args.filter((a) => !a.startsWith("--")).map(Number);
  if (sizes.length === 0) sizes.push(1000, 15000);
  const rows: Row[] = [];
  for (const target of sizes) {
    const r1csPath = compile(target, doProve);
    const outDir = join("build", "bench-setup", `out${target}`);
    rmSync(outDir, { recursive: true, force: true }); // never time a cached ptau
    const stageStart = new Map<string, number>();
    let ptauEnd = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const res = await devSetup({
      r1csPath,
      outDir,
      seed: "bench",
      name: `bench${target}`,
      onProgress: (stage, done, total) => {
        if (!stageStart.has(stage)) stageStart.set(stage, performance.now());
        if (stage.startsWith("ptau") && done === total) ptauEnd = performance.now();
        if (done === total) {
          const s = ((performance.now() - (stageStart.get(stage) ?? t0)) / 1000).toFixed(2);
          console.error(`  ${stage}: ${total} in ${s} s`);
        }
      },
    });
    // user+system time of all threads: robust to other load on the machine, ~ total x threads when idle
    const used = process.cpuUsage(cpu0);
    const row: Row = {
      target,
      constraints: res.constraints,
      power: res.power,
      ptau: ((ptauEnd - t0) / 1000).toFixed(1),
      zkey: (res.seconds - (ptauEnd - t0) / 1000).toFixed(1),
      total: res.seconds.toFixed(1),
      cpu: ((used.user + used.system) / 1e6).toFixed(1),
      verify: "-",
      prove: "-",
    };
    if (doVerify) {
      const t = performance.now();
      const ok = await verifyZkeyFromR1cs(r1csPath, res.ptauPath, res.zkeyPath);
      row.verify = `${ok ? "ok" : "FAIL"} ${((performance.now() - t) / 1000).toFixed(1)}s`;
    }
    if (doProve) {
      const t = performance.now();
      const wasm = join("build", "bench-setup", `bench${target}_js`, `bench${target}.wasm`);
      const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: 3, y: 5 }, wasm, res.zkeyPath);
      const { readFile } = await import("node:fs/promises");
      const vkey: unknown = JSON.parse(await readFile(res.vkeyPath, "utf8"));
      const ok: unknown = await snarkjs.groth16.verify(vkey, publicSignals, proof);
      row.prove = `${ok === true ? "ok" : "FAIL"} ${((performance.now() - t) / 1000).toFixed(1)}s`;
      const shared = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
      await shared?.terminate();
    }
    rows.push(row);
  }
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  console.log(
    `\ndev setup (INSECURE), ${availableParallelism()} threads, node ${process.version}, load ${load}`,
  );
  console.log("| constraints | power | ptau s | zkey s | total s | cpu s | zkey verify | prove+verify |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  for (const r of rows) {
    console.log(
      `| ${r.constraints} | ${r.power} | ${r.ptau} | ${r.zkey} | ${r.total} | ${r.cpu} | ${r.verify} | ${r.prove} |`,
    );
  }
}

await main();
