// Measures the settlement contract's gas on Hardhat's in-process network and writes docs/GAS.md (a table anyone
// can regenerate) and build/gas-report.json: deposits, forced requests, batch settlement with its op count and the
// amortised gas per op, withdrawals, every Poseidon width, the public-input hash per parameter set, the verifier,
// deployments. The rollup is deployed by the production path with the real batch verifier of the `test` set, and
// every batch is settled with a real proof of the model's batch (helpers/batchProver.ts; ~16 s per proof on 2
// cores the first time, then cached: block and batch times are fixed, so the statements repeat run to run).
//   npx tsx scripts/gas-report.ts        (npm run gas)
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Contract, type Signer } from "ethers";
import { DOMAIN_PUBLIC, Opcode, paramSet, signWithdrawal, type Op } from "../protocol/index.js";
import { key } from "../test/contracts/helpers/model.js";
import { publicFieldCount } from "../contracts/codegen/widths.js";
import { batchVerifierContract, deployPoseidons } from "../contracts/deploy/deploy.js";
import { CIRCOMLIBJS_MAX_INPUTS } from "../contracts/codegen/poseidonSol.js";
import {
  ETH,
  QUOTE,
  USDC,
  addr,
  deployWorld,
  deposit,
  ethers,
  forceLiquidation,
  forceWithdrawal,
  hre,
  latestTime,
  planBatch,
  send,
  setNextTime,
  stopProver,
  submission,
  type Submission,
  type World,
} from "../test/contracts/helpers/world.js";

/** A fixed first block time (later than any wall clock this runs on) so that batch statements, and proofs, repeat. */
const GENESIS_TIME = 2_000_000_000n;

interface Row {
  what: string;
  gas: bigint;
  note?: string;
}

const rows: { section: string; rows: Row[] }[] = [];
function section(name: string): Row[] {
  const r: Row[] = [];
  rows.push({ section: name, rows: r });
  return r;
}

async function used(p: Promise<{ wait(): Promise<unknown> }>): Promise<bigint> {
  const receipt = (await (await p).wait()) as { gasUsed: bigint };
  return receipt.gasUsed;
}

/** Gas of a call's execution: the estimate less the transaction's intrinsic cost (21,000 + calldata). */
function intrinsic(data: string): bigint {
  let g = 21_000n;
  for (let i = 2; i < data.length; i += 2) g += data.slice(i, i + 2) === "00" ? 4n : 16n;
  return g;
}

async function execGas(c: Contract, fn: string, args: unknown[]): Promise<bigint> {
  const data = c.interface.encodeFunctionData(fn, args);
  const est = await ethers.provider.estimateGas({ to: await c.getAddress(), data });
  return est - intrinsic(data);
}

async function main(): Promise<void> {
  console.log("compiling and deploying (test parameter set, real batch verifier)…");
  await setNextTime(GENESIS_TIME);
  const w: World = await deployWorld({ verifier: "batch" });
  const [alice, bob, carol] = w.users as [Signer, Signer, Signer];
  const slots = w.params.sizes.opSlots;

  const dep = section("L1 transactions (test parameter set)");
  const first = async (): Promise<bigint> => {
    const before = await ethers.provider.getBlockNumber();
    await deposit(w, alice, { index: 1n, key: 1, asset: QUOTE, tokenAmount: 1_000_000_000n });
    const b = await ethers.provider.getBlock(before + 3); // mint, approve, deposit
    const r = await ethers.provider.getTransactionReceipt(b!.transactions[0]!);
    return r!.gasUsed;
  };
  dep.push({ what: "deposit, new account (registers the key)", gas: await first() });
  const lastTx = async (): Promise<bigint> => {
    const b = await ethers.provider.getBlock("latest");
    return (await ethers.provider.getTransactionReceipt(b!.transactions[0]!))!.gasUsed;
  };
  await deposit(w, bob, { index: 1n, key: 1, asset: USDC, tokenAmount: 5_000_000n });
  dep.push({ what: "deposit, registered account", gas: await lastTx() });
  await deposit(w, bob, { index: 2n, key: 2, asset: ETH, tokenAmount: 3n * 10n ** 18n });
  await deposit(w, carol, { index: 3n, key: 3, asset: QUOTE, tokenAmount: 2_000_000_000n });
  await forceWithdrawal(w, alice, 1n, QUOTE, 10n ** 8n);
  dep.push({ what: "forceWithdrawal", gas: await lastTx() });
  await forceLiquidation(w, carol, 2n);
  dep.push({ what: "forceLiquidation", gas: await lastTx() });
  await forceLiquidation(w, carol, 3n);

  const bat = section(
    `submitBatch with a real proof (test set: ${slots} op slots, 2 markets, 2 collateral assets, quorum 2; ` +
      "gas of the whole transaction, calldata included)",
  );
  let batchTime = GENESIS_TIME;
  let last: { sub: Submission; publicInputHash: bigint } | undefined;
  const settleGas = async (ops: Op[], label: string): Promise<void> => {
    batchTime += 1n;
    const plan = planBatch(w, ops, { batchTime });
    console.log(`proving "${label}"…`);
    const sub = await submission(w, plan, await latestTime());
    const gas = await used(send(w, sub));
    w.state = plan.result.state;
    w.queue.splice(0, plan.depositsConsumed);
    w.forced.splice(0, plan.forcedConsumed);
    last = { sub, publicInputHash: plan.result.publicInputHash };
    const n = ops.length;
    const effects = plan.result.l1Effects.length;
    const perOp = n > 0 ? `${(gas / BigInt(n)).toLocaleString("en-US")} per op` : "no op";
    bat.push({
      what: label,
      gas,
      note: `${n} op(s) in ${slots} slots, ${effects} L1 effect(s); ${perOp}`,
    });
  };
  await settleGas([...w.queue], "4 deposits consumed");
  const fw = w.forced[0]!;
  const fl = w.forced[1]!;
  const fl2 = w.forced[2]!;
  await settleGas(
    [
      { opcode: Opcode.FORCED_WITHDRAW, request: fw },
      { opcode: Opcode.FORCED_LIQUIDATION_CHECK, request: fl },
      { opcode: Opcode.FORCED_LIQUIDATION_CHECK, request: fl2 },
    ],
    "3 forced requests served (1 withdrawal)",
  );
  const to = await addr(bob);
  const withdrawals: Op[] = [];
  for (let n = 0n; n < 4n; n++) {
    const req = { accountIndex: 3n, asset: QUOTE, amount: 10n ** 8n, l1Address: to, nonce: n };
    withdrawals.push({ opcode: Opcode.WITHDRAW, ...req, signature: signWithdrawal(key(3), w.domain, req) });
  }
  await settleGas(withdrawals, "4 withdrawals");
  await settleGas([], "empty (all NOOP)");

  const pay = section("payouts");
  pay.push({
    what: "withdraw (pull one asset)",
    gas: await used((w.rollup.connect(bob) as Contract).getFunction("withdraw")(QUOTE)),
  });

  const pos = section("Poseidon_n, one call (execution gas, calldata excluded)");
  const [signer] = await ethers.getSigners();
  const widths = [2, 3, 4, 6, 8, 9, 11, 12, 16];
  const hashers = await deployPoseidons(
    hre.artifacts,
    signer!,
    widths.filter((n) => !w.d.poseidons.has(n)),
  );
  for (const [n, a] of w.d.poseidons) hashers.set(n, a);
  for (const n of widths) {
    const abi = [`function poseidon(uint256[${n}]) view returns (uint256)`];
    const c = new Contract(hashers.get(n)!, abi, ethers.provider);
    const xs = Array.from({ length: n }, (_, i) => BigInt(i + 1) * 0x1234567n);
    pos.push({
      what: `Poseidon_${n}`,
      gas: await execGas(c, "poseidon", [xs]),
      note:
        n <= CIRCOMLIBJS_MAX_INPUTS ? "circomlibjs createCode" : "generated (contracts/poseidon/generated)",
    });
  }

  const pih = section(
    "publicInputHash H(DOMAIN_PUBLIC, fields) per parameter set (execution gas, incl. harness overhead)",
  );
  const list = Array.from({ length: 17 }, (_, n) => hashers.get(n) ?? ethers.ZeroAddress);
  const harness = (await (
    await ethers.getContractFactory("HashHarness")
  ).deploy(list)) as unknown as Contract;
  for (const name of ["test", "dev", "prod"]) {
    const s = paramSet(name);
    const k = publicFieldCount(s.markets, s.collaterals);
    const xs = Array.from({ length: k }, (_, i) => BigInt(i + 7) * 0xabcdefn);
    pih.push({
      what: `${name}: ${k} fields`,
      gas: await execGas(harness, "hashTagged", [DOMAIN_PUBLIC, xs]),
    });
  }
  pih.push({
    what: "one L1 effect step (Poseidon_6)",
    gas: await execGas(harness, "l1EffectStep", [0n, 1, await bob.getAddress(), 0, 1n]),
  });

  const ver = section("verifier (snarkjs Groth16, 1 public input; execution gas, calldata excluded)");
  if (!last) throw new Error("no batch was settled");
  const { proof } = last.sub;
  ver.push({
    what: `verifyProof (${batchVerifierContract("test")}, a real batch proof)`,
    gas: await execGas(w.d.verifier, "verifyProof", [proof.a, proof.b, proof.c, [last.publicInputHash]]),
  });

  const dpl = section("deployment");
  for (const [label, g] of w.d.gas) dpl.push({ what: label, gas: g });

  const fmt = (g: bigint): string => g.toLocaleString("en-US");
  const md: string[] = [
    "# Gas",
    "",
    "Measured by `npx tsx scripts/gas-report.ts` on Hardhat's in-process network (hardfork cancun, solc " +
      `${(createRequire(import.meta.url)("solc/package.json") as { version: string }).version} with the optimizer at 200 runs). Rerun it after any contract change;`,
    "the numbers are gas, not time, so they are the same on every machine. JSON: `build/gas-report.json`.",
    "",
  ];
  for (const s of rows) {
    md.push(`## ${s.section}`, "", "| what | gas | note |", "| --- | ---: | --- |");
    for (const r of s.rows) md.push(`| ${r.what} | ${fmt(r.gas)} | ${r.note ?? ""} |`);
    md.push("");
  }
  mkdirSync("build", { recursive: true });
  writeFileSync(
    "build/gas-report.json",
    JSON.stringify(
      rows.map((s) => ({ section: s.section, rows: s.rows.map((r) => ({ ...r, gas: Number(r.gas) })) })),
      null,
      1,
    ) + "\n",
  );
  const head = md.join("\n");
  writeFileSync("docs/GAS.md", head + "\n" + (await readAnalysis()));
  for (const s of rows) {
    console.log(`\n${s.section}`);
    console.table(s.rows.map((r) => ({ what: r.what, gas: fmt(r.gas), note: r.note ?? "" })));
  }
  await stopProver();
}

/** The hand-written analysis kept below the generated tables (between the markers in docs/GAS.md). */
async function readAnalysis(): Promise<string> {
  const { readFileSync, existsSync } = await import("node:fs");
  const marker = "<!-- analysis: kept by scripts/gas-report.ts -->";
  if (!existsSync("docs/GAS.md")) return marker + "\n";
  const text = readFileSync("docs/GAS.md", "utf8");
  const i = text.indexOf(marker);
  return i < 0 ? marker + "\n" : text.slice(i);
}

await main();
