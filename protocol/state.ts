// Rollup state (PROTOCOL §4): the account tree plus the global values outside the leaves. The tree stores leaf
// hashes; `accounts` keeps the preimages (with their order-slot trees) for the registered/non-empty leaves.
import { Account, emptyOrdersRoot } from "./account.js";
import type { RiskConfig } from "./config.js";
import type { PublicKey } from "./eddsa.js";
import { SparseMerkleTree } from "./merkle.js";
import type { Domain, ParamSetName, ParamSetSizes } from "./params.js";
import { fail } from "./errors.js";

export interface ProtocolParams {
  readonly sizes: ParamSetSizes & { readonly name: ParamSetName };
  readonly domain: Domain;
  /** Padded to the parameter set's tier count. */
  readonly config: RiskConfig;
}

export function makeParams(
  sizes: ParamSetSizes & { name: ParamSetName },
  domain: Domain,
  config: RiskConfig,
): ProtocolParams {
  if (config.markets.length !== sizes.markets)
    fail("BAD_CONFIG", `set ${sizes.name} needs ${sizes.markets} markets`);
  if (config.collaterals.length !== sizes.collaterals) {
    fail("BAD_CONFIG", `set ${sizes.name} needs ${sizes.collaterals} collateral assets`);
  }
  return { sizes, domain, config: config.withTierCount(sizes.tiers) };
}

export function emptyAccountHash(
  sizes: Pick<ParamSetSizes, "markets" | "collaterals" | "orderDepth">,
): bigint {
  return Account.empty(sizes).hash();
}

export class RollupState {
  readonly tree: SparseMerkleTree;
  readonly accounts = new Map<bigint, Account>();
  fundingIndices: bigint[];
  /** Rolling hash of every L1 deposit consumed so far (PROTOCOL §7.1). */
  depositHash = 0n;
  /** Rolling hash of every L1 forced request served so far (PROTOCOL §7.8). */
  forcedHash = 0n;
  /** Number of the last settled batch (0 = genesis). */
  batchNumber = 0n;
  lastBatchTime = 0n;

  constructor(readonly params: ProtocolParams) {
    // Sanity: the empty order root is part of the empty leaf, so compute it before the tree's zero hashes.
    emptyOrdersRoot(params.sizes.orderDepth);
    this.tree = new SparseMerkleTree(params.sizes.accountDepth, emptyAccountHash(params.sizes));
    this.fundingIndices = Array<bigint>(params.sizes.markets).fill(0n);
  }

  /** Genesis: an empty tree except the insurance fund (account 0), registered with the operator's fund key. */
  static genesis(params: ProtocolParams, fundKey: PublicKey, fundSalt: bigint): RollupState {
    const s = new RollupState(params);
    const fund = Account.empty(params.sizes);
    fund.pubKeyX = fundKey.x;
    fund.pubKeyY = fundKey.y;
    fund.salt = fundSalt;
    s.put(0n, fund);
    return s;
  }

  get root(): bigint {
    return this.tree.root;
  }

  /** A private copy of account i (the empty account if none): callers may mutate it freely. */
  account(i: bigint): Account {
    const a = this.accounts.get(i);
    if (a) return a.clone();
    this.tree.leaf(i); // range check
    return Account.empty(this.params.sizes);
  }

  put(i: bigint, a: Account): void {
    a.checkBounds();
    const h = a.hash();
    this.tree.set(i, h);
    if (h === this.tree.emptyLeaf) this.accounts.delete(i);
    else this.accounts.set(i, a.clone());
  }

  clone(): RollupState {
    const s = Object.create(RollupState.prototype) as RollupState;
    Object.assign(s, {
      params: this.params,
      tree: this.tree.clone(),
      accounts: new Map([...this.accounts].map(([k, v]) => [k, v.clone()])),
      fundingIndices: [...this.fundingIndices],
      depositHash: this.depositHash,
      forcedHash: this.forcedHash,
      batchNumber: this.batchNumber,
      lastBatchTime: this.lastBatchTime,
    });
    return s;
  }
}
