// Constraint budget of the batch circuit per parameter set (docs/CIRCUITS.md, "Batch circuit"): the whole generic
// OpSlot, its parts at the set's dimensions, and the fixed per-batch overhead — BatchMain with one slot minus one
// OpSlot — without compiling a full-size main (prod's 256 slots would not fit a development machine).
//   npx tsx circuits/tooling/batchCosts.ts [--sets test,dev,prod]
// Compiles R1CS + sym only (no witness calculator), cached by content under build/circuits/, so reruns are instant.
import { DOMAIN_ORDER, PARAM_SETS, type ParamSetName, type ParamSetSizes } from "../../protocol/constants.js";
import { compileMain, describeSpec, type MainSpec } from "./compile.js";
import { readR1csHeader } from "./r1cs.js";

interface Row {
  readonly part: string;
  /** How many of this part one slot instantiates (for the share column). */
  readonly perSlot: number;
  readonly spec: (p: ParamSetSizes) => MainSpec;
}

const batch = (f: string): string => `circuits/batch/${f}.circom`;
const lib = (f: string): string => `circuits/lib/${f}.circom`;

const ROWS: readonly Row[] = [
  {
    part: "GatedMerkleUpdate(accountDepth): account path",
    perSlot: 2,
    spec: (p) => ({
      file: batch("gated_merkle_update"),
      template: "GatedMerkleUpdate",
      params: [p.accountDepth],
    }),
  },
  {
    part: "AccountMargin(M, C, T): before and after",
    perSlot: 4,
    spec: (p) => ({
      file: lib("account_margin"),
      template: "AccountMargin",
      params: [p.markets, p.collaterals, p.tiers],
    }),
  },
  {
    part: "SignatureCheck: EdDSA + curve checks",
    perSlot: 2,
    spec: () => ({ file: batch("signature_check"), template: "SignatureCheck" }),
  },
  {
    part: "OrderPort(orderDepth)",
    perSlot: 2,
    spec: (p) => ({ file: batch("order_port"), template: "OrderPort", params: [p.orderDepth] }),
  },
  {
    part: "AccountLeaf(M, C): written leaf, range-checked",
    perSlot: 2,
    spec: (p) => ({ file: lib("account_leaf"), template: "AccountLeaf", params: [p.markets, p.collaterals] }),
  },
  {
    part: "StoredAccountLeaf(M, C): read leaf, hash only",
    perSlot: 2,
    spec: (p) => ({
      file: batch("stored_account_leaf"),
      template: "StoredAccountLeaf",
      params: [p.markets, p.collaterals],
    }),
  },
  {
    part: "PortMarginRules",
    perSlot: 2,
    spec: () => ({ file: batch("port_margin_rules"), template: "PortMarginRules" }),
  },
  {
    part: "OpEffects(M, C)",
    perSlot: 1,
    spec: (p) => ({ file: batch("op_effects"), template: "OpEffects", params: [p.markets, p.collaterals] }),
  },
  {
    part: "HashTagged(DOMAIN_ORDER, 12): order message (inside OrderPort)",
    perSlot: 0,
    spec: () => ({ file: lib("hash_tagged"), template: "HashTagged", params: [DOMAIN_ORDER, 12] }),
  },
];

const slotSpec = (p: ParamSetSizes): MainSpec => ({
  file: batch("op_slot"),
  template: "OpSlot",
  params: [p.accountDepth, p.orderDepth, p.markets, p.collaterals, p.tiers],
});

const oneSlotBatch = (p: ParamSetSizes): MainSpec => ({
  file: batch("batch"),
  template: "BatchMain",
  params: [p.accountDepth, p.orderDepth, p.markets, p.collaterals, p.tiers, 1],
  publics: ["publicInputHash"],
});

async function count(spec: MainSpec): Promise<number> {
  const a = await compileMain(spec, { wasm: false });
  return (await readR1csHeader(a.r1csPath)).nConstraints;
}

const fmt = (n: number): string => n.toLocaleString("en-US");

async function main(): Promise<void> {
  const arg = process.argv.indexOf("--sets");
  const sets = (arg >= 0 ? (process.argv[arg + 1] ?? "") : "test,dev,prod").split(",") as ParamSetName[];
  for (const s of sets) if (!(s in PARAM_SETS)) throw new Error(`unknown parameter set ${s}`);
  for (const name of sets) {
    const p = PARAM_SETS[name];
    const t0 = performance.now();
    const slot = await count(slotSpec(p));
    const slotSeconds = (performance.now() - t0) / 1000;
    const one = await count(oneSlotBatch(p));
    const lines = [
      `### ${name} (accountDepth ${p.accountDepth}, orderDepth ${p.orderDepth}, M ${p.markets}, C ${p.collaterals}, T ${p.tiers}, ${p.opSlots} slots)`,
      "",
      `| part | instance | constraints | per slot | share of the slot |`,
      `| --- | --- | ---: | ---: | ---: |`,
    ];
    let covered = 0;
    for (const r of ROWS) {
      const spec = r.spec(p);
      const n = await count(spec);
      covered += n * r.perSlot;
      const share = r.perSlot === 0 ? "" : `${((100 * n * r.perSlot) / slot).toFixed(1)} %`;
      lines.push(`| ${r.part} | \`${describeSpec(spec)}\` | ${fmt(n)} | ${r.perSlot || "—"} | ${share} |`);
    }
    lines.push(
      `| the rest (selectors, ranges, op rules, hashes, muxes) | | ${fmt(slot - covered)} | 1 | ${((100 * (slot - covered)) / slot).toFixed(1)} % |`,
    );
    lines.push(`| **OpSlot** | \`${describeSpec(slotSpec(p))}\` | **${fmt(slot)}** | | 100 % |`);
    lines.push("");
    lines.push(`- BatchMain with one slot: ${fmt(one)}; fixed per-batch overhead ${fmt(one - slot)}.`);
    lines.push(
      `- Full batch (${p.opSlots} slots): ${fmt(one - slot + p.opSlots * slot)} = ${fmt(one - slot)} + ${p.opSlots} × ${fmt(slot)}.`,
    );
    lines.push(`- OpSlot compile: ${slotSeconds.toFixed(0)} s (0 when cached).`);
    lines.push("");
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}

await main();
