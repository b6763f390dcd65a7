// Measures the constraint count (circom2 --O2) of every circuits/lib template at the dims of each parameter set and
// prints a markdown table, so the budgets in docs/CIRCUITS.md can be rerun by anyone.
//   npx tsx scripts/circuit-costs.ts [--sets test,prod]
// Compiles r1cs + sym only (no witness calculator) into build/circuits/, cached by content, so a rerun is instant.
import { PARAM_SETS, DOMAIN_ACCOUNT, type ParamSetName, type ParamSetSizes } from "../protocol/constants.js";
import { leafFieldCount } from "../protocol/params.js";
import { compileMain, describeSpec, type MainSpec } from "../circuits/tooling/compile.js";
import { readR1csHeader } from "../circuits/tooling/r1cs.js";

interface Row {
  readonly template: string;
  /** The instance per parameter set; templates without dimensions give the same spec for every set. */
  readonly spec: (p: ParamSetSizes) => MainSpec;
}

const lib = (name: string): string => `circuits/lib/${name}.circom`;
const fixed =
  (file: string, template: string, params: number[] = []): Row["spec"] =>
  () => ({ file: lib(file), template, params });

const ROWS: readonly Row[] = [
  { template: "UintRange(64)", spec: fixed("uint_range", "UintRange", [64]) },
  { template: "IntRange(64)", spec: fixed("int_range", "IntRange", [64]) },
  { template: "PositiveUint(56)", spec: fixed("positive_uint", "PositiveUint", [56]) },
  { template: "Abs(64)", spec: fixed("abs", "Abs", [64]) },
  { template: "SignedLessThan(147)", spec: fixed("signed_less_than", "SignedLessThan", [147]) },
  { template: "FloorDiv(126, 20)", spec: fixed("floor_div", "FloorDiv", [126, 20]) },
  { template: "CeilDiv(126, 20)", spec: fixed("ceil_div", "CeilDiv", [126, 20]) },
  {
    template: "HashTagged(DOMAIN_ACCOUNT, leaf fields)",
    spec: (p) => ({
      file: lib("hash_tagged"),
      template: "HashTagged",
      params: [DOMAIN_ACCOUNT, leafFieldCount(p)],
    }),
  },
  { template: "OrderSlotLeaf", spec: fixed("order_slot_leaf", "OrderSlotLeaf") },
  {
    template: "AccountLeaf(M, C)",
    spec: (p) => ({ file: lib("account_leaf"), template: "AccountLeaf", params: [p.markets, p.collaterals] }),
  },
  {
    template: "MerkleRoot(accountDepth)",
    spec: (p) => ({ file: lib("merkle_root"), template: "MerkleRoot", params: [p.accountDepth] }),
  },
  {
    template: "MerkleUpdate(accountDepth)",
    spec: (p) => ({ file: lib("merkle_update"), template: "MerkleUpdate", params: [p.accountDepth] }),
  },
  {
    template: "MerkleUpdate(orderDepth)",
    spec: (p) => ({ file: lib("merkle_update"), template: "MerkleUpdate", params: [p.orderDepth] }),
  },
  {
    template: "SettleFunding(M)",
    spec: (p) => ({ file: lib("settle_funding"), template: "SettleFunding", params: [p.markets] }),
  },
  {
    template: "AccountMargin(M, C, T)",
    spec: (p) => ({
      file: lib("account_margin"),
      template: "AccountMargin",
      params: [p.markets, p.collaterals, p.tiers],
    }),
  },
  {
    template: "HealthRatioNonDecreasing",
    spec: fixed("health_ratio_non_decreasing", "HealthRatioNonDecreasing"),
  },
  {
    template: "ConfigHash(M, C, T)",
    spec: (p) => ({
      file: lib("config_hash"),
      template: "ConfigHash",
      params: [p.markets, p.collaterals, p.tiers],
    }),
  },
  {
    template: "ConfigCheck(M, C, T)",
    spec: (p) => ({
      file: lib("config_check"),
      template: "ConfigCheck",
      params: [p.markets, p.collaterals, p.tiers],
    }),
  },
];

function parseSets(argv: readonly string[]): ParamSetName[] {
  const i = argv.indexOf("--sets");
  const names = i >= 0 ? (argv[i + 1] ?? "").split(",") : ["test", "prod"];
  for (const n of names)
    if (!(n in PARAM_SETS)) throw new Error(`unknown parameter set "${n}" (test, dev, prod)`);
  return names as ParamSetName[];
}

async function main(): Promise<void> {
  const sets = parseSets(process.argv.slice(2));
  const counts = new Map<string, number>();
  const measure = async (spec: MainSpec): Promise<number> => {
    const id = `${spec.file}:${describeSpec(spec)}`;
    let n = counts.get(id);
    if (n === undefined) {
      const a = await compileMain(spec, { wasm: false });
      n = (await readR1csHeader(a.r1csPath)).nConstraints;
      counts.set(id, n);
    }
    return n;
  };

  const header = ["template", ...sets.map((s) => `${s}: instance`), ...sets.map((s) => `${s}: constraints`)];
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const row of ROWS) {
    const specs = sets.map((s) => row.spec(PARAM_SETS[s]));
    const ns: number[] = [];
    for (const spec of specs) ns.push(await measure(spec));
    const inst = specs.map(
      (s) => `\`${describeSpec(s).replace(DOMAIN_ACCOUNT.toString(), "DOMAIN_ACCOUNT")}\``,
    );
    lines.push(
      `| ${row.template} | ${inst.join(" | ")} | ${ns.map((n) => n.toLocaleString("en-US")).join(" | ")} |`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
