// The margin chunk circuit's input (circuits/margin/margin_chunk.circom MarginChunk) from the protocol model's chunk
// (protocol/marginProof.ts MarginChunk): the prover's witness builder, and the tests' source of honest inputs to
// edit. Also the compile spec of the main at a parameter set, so that tests, scripts and the registry in
// circuits/mains.ts instantiate the same template with the same parameters.
import { emptyAccountHash } from "../../protocol/state.js";
import type { ParamSetSizes } from "../../protocol/constants.js";
import {
  DOMAIN_MARGIN,
  DOMAIN_MARGIN_EPOCH,
  checkChunkDepth,
  type MarginChunk,
} from "../../protocol/marginProof.js";
import { accountInput, type AccountInput } from "./batchWitness.js";
import type { MainSpec } from "./compile.js";
import { configInputs, fe, fes } from "./inputs.js";

export type MarginChunkInputs = {
  publicInputHash: string;
  chainId: string;
  contract: string;
  batchNumber: string;
  accountRoot: string;
  chunkIndex: string;
  marketPrices: string[];
  collateralPrices: string[];
  fundingIndices: string[];
  tierStart: string[][];
  imr: string[][];
  mmr: string[][];
  liquidationFee: string[];
  maxFundingStep: string[];
  haircut: string[];
  leaves: AccountInput[];
  siblings: string[];
};

export const MARGIN_CHUNK_FILE = "circuits/margin/margin_chunk.circom";
export const MARGIN_CHUNK_TEMPLATE = "MarginChunk";

/** MarginChunk's parameters: (depth, k, M, C, T, EMPTY_LEAF, TAG_EPOCH, TAG_CHUNK). */
export function marginChunkParams(
  sizes: Pick<ParamSetSizes, "accountDepth" | "orderDepth" | "markets" | "collaterals" | "tiers">,
  chunkDepth: number,
): (number | bigint)[] {
  checkChunkDepth(sizes, chunkDepth);
  return [
    sizes.accountDepth,
    chunkDepth,
    sizes.markets,
    sizes.collaterals,
    sizes.tiers,
    emptyAccountHash(sizes),
    DOMAIN_MARGIN_EPOCH,
    DOMAIN_MARGIN,
  ];
}

export function marginChunkSpec(
  sizes: Pick<ParamSetSizes, "accountDepth" | "orderDepth" | "markets" | "collaterals" | "tiers">,
  chunkDepth: number,
): MainSpec {
  return {
    file: MARGIN_CHUNK_FILE,
    template: MARGIN_CHUNK_TEMPLATE,
    params: marginChunkParams(sizes, chunkDepth),
    publics: ["publicInputHash"],
  };
}

export function marginChunkInputs(chunk: MarginChunk): MarginChunkInputs {
  const e = chunk.epoch;
  return {
    publicInputHash: fe(chunk.publicInputHash),
    chainId: fe(e.chainId),
    contract: fe(e.contract),
    batchNumber: fe(e.batchNumber),
    accountRoot: fe(e.accountRoot),
    chunkIndex: fe(chunk.chunkIndex),
    marketPrices: fes(e.prices.markets),
    collateralPrices: fes(e.prices.collaterals),
    fundingIndices: fes(e.fundingIndices),
    ...configInputs(e.config),
    leaves: chunk.leaves.map(accountInput),
    siblings: fes(chunk.siblings),
  };
}

/** A deep copy, for tests that edit one input. */
export function cloneMarginInputs(i: MarginChunkInputs): MarginChunkInputs {
  return JSON.parse(JSON.stringify(i)) as MarginChunkInputs;
}
