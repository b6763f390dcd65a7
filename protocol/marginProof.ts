// The margin proof's model (docs/MARGIN_PROOF.md, the draft PROTOCOL section): what one chunk proof states about a
// settled state, built from a RollupState. It is the executable twin of circuits/margin/margin_chunk.circom: the
// chunk's leaves and path, the accounts it must flag, the flag words, the epoch hash and the one public input, so
// that the circuit witness (circuits/tooling/marginWitness.ts) and the contract's expectations come from one place.
//
// Why chunks prove their own place in the tree: a chunk carries the Merkle path from its subtree root to the
// settled account root, and reports whether every subtree to its right is empty (`rightEmpty`). The contract then
// needs no on-chain Poseidon to assemble chunk roots, and a tree whose accounts occupy a prefix of the index space
// needs proofs only for the chunks up to its last account (docs/MARGIN_PROOF.md §M.4).
import type { Account } from "./account.js";
import type { RiskConfig } from "./config.js";
import { fail } from "./errors.js";
import { toField } from "./field.js";
import { checkPrices, computeMargin, type Margin, type Prices } from "./margin.js";
import { emptyHashes, rootFromPath } from "./merkle.js";
import { PARAM_SETS, type ParamSetName, type ParamSetSizes } from "./constants.js";
import { hashTagged, poseidon2 } from "./poseidon.js";
import type { RollupState } from "./state.js";

/** A domain tag as PROTOCOL §3 defines them: the ASCII string read as a big-endian integer. */
function asciiTag(s: string): bigint {
  if (s.length === 0 || s.length >= 31 || !/^[\x20-\x7e]+$/.test(s))
    throw new RangeError(`bad domain "${s}"`);
  let x = 0n;
  for (const ch of s) x = (x << 8n) | BigInt(ch.charCodeAt(0));
  return x;
}

// These belong in spec/constants.json (domains, and a per-set chunk depth) so that constants.ts and constants.circom
// are generated with them; until then the circuit takes them as template parameters from here, never as literals.
/** Tag of the per-chunk public input hash. */
export const DOMAIN_MARGIN = asciiTag("zkm.margin.v1");
/** Tag of the epoch hash: the settled state and prices every chunk of one margin epoch refers to. */
export const DOMAIN_MARGIN_EPOCH = asciiTag("zkm.marginepoch.v1");
/** Flags per public word: 31 whole bytes, so a word is any bytes31 and always below r without reduction. */
export const MARGIN_FLAG_WORD_BITS = 248;

/**
 * Chunk depth k per parameter set: a chunk covers the 2^k leaves of one subtree. Chosen from measured constraint
 * counts, proving times and per-chunk gas (docs/MARGIN_PROOF.md §M.5).
 */
export const MARGIN_CHUNK_DEPTHS: Readonly<Record<ParamSetName, number>> = { test: 3, dev: 6, prod: 10 };

/**
 * The chunk depth of the parameter set with these sizes (matched on the tree and leaf shape; opSlots may differ, as
 * in scaled fingerprints). For callers that hold sizes only, such as the main registry's parameter functions.
 */
export function marginChunkDepthOf(
  sizes: Pick<ParamSetSizes, "accountDepth" | "orderDepth" | "markets" | "collaterals" | "tiers">,
): number {
  const same = (Object.keys(PARAM_SETS) as ParamSetName[]).filter((n) => {
    const p = PARAM_SETS[n];
    return (
      p.accountDepth === sizes.accountDepth &&
      p.orderDepth === sizes.orderDepth &&
      p.markets === sizes.markets &&
      p.collaterals === sizes.collaterals &&
      p.tiers === sizes.tiers
    );
  });
  if (same.length !== 1)
    fail("BAD_CONFIG", "these sizes match no single parameter set: no margin chunk depth");
  return MARGIN_CHUNK_DEPTHS[same[0]!];
}

/** Everything one margin epoch's chunks refer to: the state after batch `batchNumber`, at that batch's prices. */
export interface MarginEpoch {
  readonly chainId: bigint;
  readonly contract: bigint;
  readonly batchNumber: bigint;
  readonly accountRoot: bigint;
  readonly config: RiskConfig;
  readonly configHash: bigint;
  readonly prices: Prices;
  /** The cumulative funding indices of that batch (its I_new), which every leaf is settled against virtually. */
  readonly fundingIndices: readonly bigint[];
}

/** The epoch of the state as it stands (after its last batch), at the prices that batch posted. */
export function marginEpoch(state: RollupState, prices: Prices): MarginEpoch {
  const cfg = state.params.config;
  checkPrices(prices, cfg);
  return {
    chainId: state.params.domain.chainId,
    contract: state.params.domain.contract,
    batchNumber: state.batchNumber,
    accountRoot: state.root,
    config: cfg,
    configHash: cfg.hash(),
    prices: { markets: [...prices.markets], collaterals: [...prices.collaterals] },
    fundingIndices: [...state.fundingIndices],
  };
}

/** epochHash = H(DOMAIN_MARGIN_EPOCH, chainId, contract, batchNumber, accountRoot, configHash, P, Q, I). */
export function marginEpochHash(e: MarginEpoch): bigint {
  return hashTagged(DOMAIN_MARGIN_EPOCH, [
    e.chainId,
    e.contract,
    e.batchNumber,
    e.accountRoot,
    e.configHash,
    ...e.prices.markets,
    ...e.prices.collaterals,
    ...e.fundingIndices.map(toField),
  ]);
}

/** An account's margin at the epoch: its funding settled virtually against the epoch's indices. */
export function epochMargin(e: MarginEpoch, a: Account): Margin {
  return computeMargin(a, e.config, e.prices, e.fundingIndices);
}

/**
 * Whether a margin proof must flag the account: exactly when a LIQUIDATE of it is possible at the epoch's prices
 * (PROTOCOL §7.4) — not the insurance fund (index 0), some position open, and TVs < MMs after settling funding.
 * An account with no position is never flagged, even with TVs < 0: no liquidation can act on it (§7.8 serves a
 * forced liquidation request on it by the health check for the same reason).
 */
export function isFlagged(e: MarginEpoch, index: bigint, a: Account): boolean {
  if (index === 0n || a.sizes.every((s) => s === 0n)) return false;
  return epochMargin(e, a).liquidatable;
}

/** Flags packed little-endian, MARGIN_FLAG_WORD_BITS per word: leaf i of the chunk is bit i mod 248 of word ⌊i/248⌋. */
export function flagWords(flags: readonly boolean[]): bigint[] {
  const words = Array<bigint>(flagWordCount(flags.length)).fill(0n);
  flags.forEach((f, i) => {
    if (f) {
      const w = Math.floor(i / MARGIN_FLAG_WORD_BITS);
      words[w] = words[w]! | (1n << BigInt(i % MARGIN_FLAG_WORD_BITS));
    }
  });
  return words;
}

/** Inverse of flagWords for a chunk of `leaves` leaves (what the contract reads). */
export function flagsFromWords(words: readonly bigint[], leaves: number): boolean[] {
  if (words.length !== flagWordCount(leaves))
    fail("BAD_PROOF", `${leaves} leaves need ${flagWordCount(leaves)} words`);
  return Array.from(
    { length: leaves },
    (_, i) =>
      ((words[Math.floor(i / MARGIN_FLAG_WORD_BITS)]! >> BigInt(i % MARGIN_FLAG_WORD_BITS)) & 1n) === 1n,
  );
}

export function flagWordCount(leaves: number): number {
  return Math.max(1, Math.ceil(leaves / MARGIN_FLAG_WORD_BITS));
}

/** publicInputHash = H(DOMAIN_MARGIN, epochHash, chunkIndex, rightEmpty, flagWords[0..W−1]). */
export function marginPublicInputHash(
  epochHash: bigint,
  chunkIndex: bigint,
  rightEmpty: boolean,
  words: readonly bigint[],
): bigint {
  return hashTagged(DOMAIN_MARGIN, [epochHash, chunkIndex, rightEmpty ? 1n : 0n, ...words]);
}

export function checkChunkDepth(sizes: Pick<ParamSetSizes, "accountDepth">, chunkDepth: number): void {
  if (!Number.isInteger(chunkDepth) || chunkDepth < 0 || chunkDepth >= sizes.accountDepth) {
    fail("BAD_CONFIG", `chunk depth ${chunkDepth} must be an integer in [0, ${sizes.accountDepth})`);
  }
}

/** Number of chunks of 2^chunkDepth leaves in the account tree. */
export function chunkCount(sizes: Pick<ParamSetSizes, "accountDepth">, chunkDepth: number): bigint {
  checkChunkDepth(sizes, chunkDepth);
  return 1n << BigInt(sizes.accountDepth - chunkDepth);
}

/** One chunk proof's statement and witness. */
export interface MarginChunk {
  readonly epoch: MarginEpoch;
  readonly epochHash: bigint;
  readonly chunkDepth: number;
  readonly chunkIndex: bigint;
  /** The chunk's 2^k leaf preimages (empty accounts where the tree is empty), by position in the chunk. */
  readonly leaves: readonly Account[];
  readonly subtreeRoot: bigint;
  /** Path from the subtree root to the account root: siblings at tree levels k .. depth−1. */
  readonly siblings: readonly bigint[];
  /** Every subtree right of this chunk is empty (all its leaves are the empty account). */
  readonly rightEmpty: boolean;
  /** isFlagged per leaf of the chunk. */
  readonly flags: readonly boolean[];
  /** Global indices of the flagged accounts, ascending. */
  readonly flagged: readonly bigint[];
  readonly flagWords: readonly bigint[];
  readonly publicInputHash: bigint;
}

/** Root of the subtree over `leaves` (a power of two of them), pairing neighbours level by level. */
export function subtreeRoot(leaves: readonly bigint[]): bigint {
  let level = [...leaves];
  if (level.length === 0 || (level.length & (level.length - 1)) !== 0) {
    throw new RangeError(`a subtree needs a power of two of leaves, got ${level.length}`);
  }
  while (level.length > 1) {
    const up: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(poseidon2(level[i]!, level[i + 1]!));
    level = up;
  }
  return level[0]!;
}

/**
 * Whether every subtree right of the path is empty: at each level where the path's node is a left child (index bit
 * 0), the sibling is the empty subtree of that height. `empties[h]` is the empty subtree of height h.
 */
export function rightOfPathEmpty(
  chunkIndex: bigint,
  chunkDepth: number,
  siblings: readonly bigint[],
  empties: readonly bigint[],
): boolean {
  return siblings.every((s, j) => ((chunkIndex >> BigInt(j)) & 1n) === 1n || s === empties[chunkDepth + j]);
}

/** The statement and witness of chunk `chunkIndex` of the epoch's state. */
export function marginChunk(
  state: RollupState,
  prices: Prices,
  chunkDepth: number,
  chunkIndex: bigint,
): MarginChunk {
  return chunkOf(state, marginEpoch(state, prices), chunkDepth, chunkIndex);
}

function chunkOf(
  state: RollupState,
  epoch: MarginEpoch,
  chunkDepth: number,
  chunkIndex: bigint,
): MarginChunk {
  const sizes = state.params.sizes;
  const count = chunkCount(sizes, chunkDepth);
  if (chunkIndex < 0n || chunkIndex >= count) {
    fail("ACCOUNT_INDEX_OUT_OF_RANGE", `chunk ${chunkIndex} outside 0..${count - 1n}`);
  }
  const n = 1 << chunkDepth;
  const first = chunkIndex << BigInt(chunkDepth);
  const leaves: Account[] = [];
  const hashes: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const index = first + BigInt(i);
    const a = state.account(index);
    const h = a.hash();
    // The preimages are kept beside the tree: a mismatch is a broken state, not a provable chunk.
    if (h !== state.tree.leaf(index))
      fail("BAD_PROOF", `account ${index}: preimage does not hash to its leaf`);
    leaves.push(a);
    hashes.push(h);
  }
  const root = subtreeRoot(hashes);
  const siblings = state.tree.proof(first).siblings.slice(chunkDepth);
  if (rootFromPath(chunkIndex, root, siblings) !== epoch.accountRoot) {
    fail("BAD_PROOF", `chunk ${chunkIndex} does not lie under the epoch's account root`);
  }
  const empties = emptyHashes(state.tree.emptyLeaf, sizes.accountDepth);
  const flags = leaves.map((a, i) => isFlagged(epoch, first + BigInt(i), a));
  const words = flagWords(flags);
  const epochHash = marginEpochHash(epoch);
  const rightEmpty = rightOfPathEmpty(chunkIndex, chunkDepth, siblings, empties);
  return {
    epoch,
    epochHash,
    chunkDepth,
    chunkIndex,
    leaves,
    subtreeRoot: root,
    siblings,
    rightEmpty,
    flags,
    flagged: flags.flatMap((f, i) => (f ? [first + BigInt(i)] : [])),
    flagWords: words,
    publicInputHash: marginPublicInputHash(epochHash, chunkIndex, rightEmpty, words),
  };
}

/** The chunks a margin epoch needs: 0 .. L, where L holds the last non-empty leaf (chunk L is then rightEmpty). */
export function requiredChunkCount(state: RollupState, chunkDepth: number): bigint {
  checkChunkDepth(state.params.sizes, chunkDepth);
  const used = state.tree.indices();
  const last = used.length > 0 ? used[used.length - 1]! : 0n;
  return (last >> BigInt(chunkDepth)) + 1n;
}

/** A margin epoch in full: every chunk the contract needs, and the accounts they flag. */
export interface MarginPlan {
  readonly epoch: MarginEpoch;
  readonly epochHash: bigint;
  readonly chunks: readonly MarginChunk[];
  readonly flagged: readonly bigint[];
}

export function marginPlan(state: RollupState, prices: Prices, chunkDepth: number): MarginPlan {
  const epoch = marginEpoch(state, prices);
  const chunks: MarginChunk[] = [];
  for (let s = 0n; s < requiredChunkCount(state, chunkDepth); s++)
    chunks.push(chunkOf(state, epoch, chunkDepth, s));
  return {
    epoch,
    epochHash: marginEpochHash(epoch),
    chunks,
    flagged: chunks.flatMap((c) => c.flagged),
  };
}

/**
 * The contract's coverage rule for one epoch, in executable form: a chunk index is accepted once (a duplicate is
 * BAD_PROOF); the epoch is covered when some accepted chunk L is rightEmpty and every chunk 0..L was accepted.
 */
export class MarginCoverage {
  private readonly proven = new Set<bigint>();
  private lastNeeded: bigint | undefined;

  constructor(
    readonly sizes: Pick<ParamSetSizes, "accountDepth">,
    readonly chunkDepth: number,
  ) {
    checkChunkDepth(sizes, chunkDepth);
  }

  accept(chunkIndex: bigint, rightEmpty: boolean): void {
    const count = chunkCount(this.sizes, this.chunkDepth);
    if (chunkIndex < 0n || chunkIndex >= count)
      fail("ACCOUNT_INDEX_OUT_OF_RANGE", `chunk ${chunkIndex} outside 0..${count - 1n}`);
    if (this.proven.has(chunkIndex))
      fail("BAD_PROOF", `chunk ${chunkIndex} was already proven in this epoch`);
    this.proven.add(chunkIndex);
    if (rightEmpty && (this.lastNeeded === undefined || chunkIndex < this.lastNeeded))
      this.lastNeeded = chunkIndex;
  }

  get complete(): boolean {
    if (this.lastNeeded === undefined) return false;
    for (let s = 0n; s <= this.lastNeeded; s++) if (!this.proven.has(s)) return false;
    return true;
  }
}
