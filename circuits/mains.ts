// The registry of every `main` the project builds, and of the library instances `circom --inspect` checks.
// A main is never written by hand: scripts/build-circuits.ts generates `component main {public [...]} = T(params)`
// from an entry here, so the sizes of a proof come from the parameter sets of spec/constants.json (through the
// generated protocol/constants.ts) and nowhere else. Adding a proof = adding an entry; the build, the fingerprints in
// circuits/fingerprints.json, the inspect check and the prover all pick it up from here.
import { DOMAIN_ACCOUNT, PARAM_SETS, type ParamSetName, type ParamSetSizes } from "../protocol/constants.js";
import { leafFieldCount } from "../protocol/params.js";
import type { MainSpec } from "./tooling/compile.js";
import { MARGIN_CHUNK_FILE, MARGIN_CHUNK_TEMPLATE, marginChunkParams } from "./tooling/marginWitness.js";
import { marginChunkDepthOf } from "../protocol/marginProof.js";

export type { ParamSetName, ParamSetSizes };

/** Every parameter set, in the order they grow. */
export const SET_NAMES = Object.keys(PARAM_SETS) as ParamSetName[];

/** The sets' sizes, widened so that one size can be overridden (scaled fingerprints). */
export const PARAM_SETS_FOR_BUILD: Readonly<Record<ParamSetName, ParamSetSizes>> = PARAM_SETS;

/**
 * How `check:circuits` (CI) fingerprints a main at a set:
 * - "full": compile the main itself and pin its R1CS.
 * - { scale }: compile the main at a few values of one size (e.g. opSlots = 1, 2) with the set's other sizes, pin
 *   each, and derive the per-unit and fixed counts. For mains whose full size cannot compile within the CI budget
 *   (the prod batch: 256 slots). Relies on the count being affine in that size, which holds when the template
 *   instantiates one identical sub-circuit per unit; the check verifies it at the test set (see fingerprints).
 */
export type FingerprintMode =
  "full" | { readonly scale: keyof ParamSetSizes; readonly at: readonly number[] };

export interface MainDef {
  /** Folder and fingerprint name: build/circuits/<set>/<name>/. */
  readonly name: string;
  /** "proof": a circuit the prover proves and a contract verifies. "exercise": a small real main kept so that
   *  every step of the pipeline (generate, compile, fingerprint, inspect, prove) runs today on real templates. */
  readonly role: "proof" | "exercise";
  readonly description: string;
  /** Template file, relative to the repository root. A missing file makes the main "pending", not an error. */
  readonly file: string;
  readonly template: string;
  /** Template parameters as a function of the parameter set's sizes. */
  readonly params: (p: ParamSetSizes) => readonly (number | bigint)[];
  /** Template inputs made public (outputs of a main are always public). */
  readonly publics: readonly string[];
  /** Sets `build:circuits` builds it for. */
  readonly sets: readonly ParamSetName[];
  /** Sets CI fingerprints, and how (a subset of `sets`). */
  readonly ci: Partial<Record<ParamSetName, FingerprintMode>>;
}

export const MAINS: readonly MainDef[] = [
  {
    name: "batch",
    role: "proof",
    description: "the batch proof (PROTOCOL §8, §9): opSlots ops from oldRoot to newRoot, one public input",
    file: "circuits/batch/batch.circom",
    template: "BatchMain",
    params: (p) => [p.accountDepth, p.orderDepth, p.markets, p.collaterals, p.tiers, p.opSlots],
    // PROTOCOL §9: exactly one public input. If BatchMain computes the hash as an output instead, this list
    // becomes [] and the verifier sees the output.
    publics: ["publicInputHash"],
    sets: ["test", "dev", "prod"],
    // dev and the full prod main do not fit a CI budget of a few minutes on 2 cores (docs/CIRCUITS.md, "Build,
    // fingerprints and lint"); prod is pinned per slot at its real tree, market and collateral sizes.
    ci: { test: "full", prod: { scale: "opSlots", at: [1, 2] } },
  },
  {
    name: "account_margin",
    role: "exercise",
    description:
      "EXERCISE MAIN — AccountMargin(M, C, T) alone: a stand-alone margin checker for one settled account, " +
      "kept so the build, fingerprints, inspect and proving paths run end to end before the batch circuit exists",
    file: "circuits/lib/account_margin.circom",
    template: "AccountMargin",
    params: (p) => [p.markets, p.collaterals, p.tiers],
    publics: ["marketPrices", "collateralPrices"],
    sets: ["test", "dev", "prod"],
    ci: { test: "full", dev: "full", prod: "full" },
  },
  {
    name: "margin",
    role: "proof",
    description:
      "the margin proof for one chunk (docs/MARGIN_PROOF.md): the 2^k leaves of one subtree proven under the " +
      "epoch's account root, every account judged at the epoch's prices, the liquidatable ones flagged; one public input",
    file: MARGIN_CHUNK_FILE,
    template: MARGIN_CHUNK_TEMPLATE,
    // The chunk depth k comes from protocol/marginProof.ts MARGIN_CHUNK_DEPTHS until spec/constants.json lists it.
    params: (p) => marginChunkParams(p, marginChunkDepthOf(p)),
    publics: ["publicInputHash"],
    sets: ["test", "dev", "prod"],
    // dev (k = 6: 135,960 constraints, ≈ 2 min to compile) is left out like the dev batch; prod (k = 10: ≈ 4.15M by
    // the affine fit of docs/MARGIN_PROOF.md §M.6) needs a native circom, as the prod batch does.
    ci: { test: "full" },
  },
];

/**
 * One instance of every template in circuits/lib, compiled with `--inspect` through a generated main so that
 * circom's constraint analysis sees each template as a top-level circuit. Sized at the test set: the warnings are
 * structural. build-circuits.ts fails when a template in circuits/lib has no instance here, so a new template cannot
 * skip the check.
 */
export const LIBRARY_INSPECT: readonly MainSpec[] = (() => {
  const p = PARAM_SETS.test;
  const lib = (f: string, template: string, params: readonly (number | bigint)[] = []): MainSpec => ({
    file: `circuits/lib/${f}.circom`,
    template,
    params,
  });
  return [
    lib("uint_range", "UintRange", [64]),
    lib("int_range", "IntRange", [64]),
    lib("positive_uint", "PositiveUint", [56]),
    lib("abs", "Abs", [64]),
    lib("signed_less_than", "SignedLessThan", [147]),
    lib("floor_div", "FloorDiv", [126, 20]),
    lib("ceil_div", "CeilDiv", [126, 20]),
    lib("hash_tagged", "HashTagged", [DOMAIN_ACCOUNT, leafFieldCount(p)]),
    lib("order_slot_leaf", "OrderSlotLeaf"),
    lib("account_leaf", "AccountLeaf", [p.markets, p.collaterals]),
    lib("merkle_root_from_bits", "MerkleRootFromBits", [p.accountDepth]),
    lib("merkle_root", "MerkleRoot", [p.accountDepth]),
    lib("merkle_update", "MerkleUpdate", [p.accountDepth]),
    lib("settle_funding", "SettleFunding", [p.markets]),
    lib("account_margin", "AccountMargin", [p.markets, p.collaterals, p.tiers]),
    lib("health_ratio_non_decreasing", "HealthRatioNonDecreasing"),
    lib("config_hash", "ConfigHash", [p.markets, p.collaterals, p.tiers]),
    lib("config_check", "ConfigCheck", [p.markets, p.collaterals, p.tiers]),
  ];
})();

export function findMain(name: string): MainDef | undefined {
  return MAINS.find((m) => m.name === name);
}

/** The compile spec of `main` at the sizes `sizes` (a set's, possibly with one size overridden). */
export function mainSpec(main: MainDef, sizes: ParamSetSizes): MainSpec {
  return { file: main.file, template: main.template, params: main.params(sizes), publics: main.publics };
}

/** Fingerprint key of a scaled instance, e.g. "batch@opSlots=1". */
export function scaledName(main: MainDef, size: keyof ParamSetSizes, value: number): string {
  return `${main.name}@${size}=${value}`;
}
