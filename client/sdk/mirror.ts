// The trader's local mirror of their own account: the leaf preimage and Merkle path the sequencer serves for the
// last settled root, checked — not trusted. The leaf hash is recomputed from the preimage by the protocol model
// (Account.hash: the SDK never hashes a leaf itself), the path is folded up with rootFromPath, and the result is
// compared with the root the chain settled for that batch. So "verified" means: the chain holds exactly this
// account (key, balances, positions, order slots) at this index, as the trader was told. A verified snapshot is
// what a later exit proof needs, so it can be kept and serialised.
import {
  Account,
  PARAM_SETS,
  paramSet,
  rootFromPath,
  type ParamSetName,
  type ParamSetSizes,
  type PublicKey,
  type SerializedAccount,
} from "../../protocol/index.js";
import type { SequencerClient } from "./client.js";
import { SdkError } from "./errors.js";
import type { ProofView } from "./types.js";

export interface SettledRoot {
  readonly batchNumber: bigint;
  readonly root: bigint;
}

/** Where the settled root comes from: the rollup contract (chain.ts), or in development the in-memory L1. */
export interface SettledRootSource {
  readonly name: string;
  settled(): Promise<SettledRoot>;
  /** The root settled for batch `n`, or null if not settled yet; lets a check succeed while the chain moves on. */
  rootAt?(n: bigint): Promise<bigint | null>;
}

export type MirrorProblemCode =
  | "WRONG_ACCOUNT"
  | "BAD_SHAPE"
  | "BAD_PREIMAGE"
  | "LEAF_MISMATCH"
  | "KEY_MISMATCH"
  | "PATH_MISMATCH"
  | "ROOT_MISMATCH"
  | "CHAIN_BEHIND"
  | "BATCH_UNKNOWN";

export interface MirrorProblem {
  readonly code: MirrorProblemCode;
  readonly message: string;
}

export type MirrorStatus = "verified" | "mismatch" | "unverifiable";

export interface MirrorCheck {
  /** verified: the chain's root commits to this preimage; mismatch: it does not; unverifiable: no root to compare yet. */
  readonly status: MirrorStatus;
  readonly accountIndex: bigint;
  /** The batch whose root the sequencer's path is for. */
  readonly batchNumber: bigint;
  /** The leaf hash recomputed from the preimage. */
  readonly leaf: bigint;
  /** The root the path leads to from that leaf. */
  readonly computedRoot: bigint;
  /** What the chain settled for `batchNumber`, if known. */
  readonly l1Root: bigint | null;
  readonly l1: SettledRoot | null;
  readonly source: string;
  /** The preimage, parsed by the protocol model (null if it could not be parsed). */
  readonly account: Account | null;
  /** True when the settled leaf is still the empty account (the deposit is not settled yet). */
  readonly empty: boolean;
  readonly siblings: readonly bigint[];
  readonly problems: readonly MirrorProblem[];
}

export type MirrorSizes = Pick<ParamSetSizes, "accountDepth" | "orderDepth" | "markets" | "collaterals">;

/** The parameter set whose tree depth and leaf layout match a proof's shape (test, dev and prod all differ). */
export function inferSizes(
  proof: Pick<ProofView, "siblings" | "account">,
): (MirrorSizes & { name: ParamSetName }) | null {
  const a = proof.account as Partial<SerializedAccount> | null;
  if (!a || !Array.isArray(a.balances) || !Array.isArray(a.sizes)) return null;
  for (const name of Object.keys(PARAM_SETS) as ParamSetName[]) {
    const s = PARAM_SETS[name];
    if (
      s.accountDepth === proof.siblings.length &&
      s.markets === a.sizes.length &&
      s.collaterals === a.balances.length
    )
      return paramSet(name);
  }
  return null;
}

const DEC = /^-?[0-9]{1,78}$/;

export class AccountMirror {
  private lastVerified: MirrorCheck | null = null;

  constructor(
    readonly accountIndex: bigint,
    readonly publicKey: PublicKey,
    /** The deployment's parameter set; inferred from the first proof's shape when omitted. */
    private sizes?: MirrorSizes,
  ) {}

  /** The last snapshot that verified against the chain (the exit-proof material), if any. */
  get verified(): MirrorCheck | null {
    return this.lastVerified;
  }

  /**
   * Checks a proof response against a settled root. `l1` is the chain's current settled (batch, root); when it is
   * for another batch than the proof, `rootAt` (if given) supplies the root of the proof's batch.
   */
  async check(
    proof: ProofView,
    l1: SettledRoot | null,
    rootAt?: (n: bigint) => Promise<bigint | null>,
    source = "L1",
  ): Promise<MirrorCheck> {
    const problems: MirrorProblem[] = [];
    const add = (code: MirrorProblemCode, message: string): void => {
      problems.push({ code, message });
    };
    const idx = this.accountIndex;
    const fail = (
      batchNumber: bigint,
      leaf = 0n,
      computedRoot = 0n,
      account: Account | null = null,
    ): MirrorCheck => ({
      status: "mismatch",
      accountIndex: idx,
      batchNumber,
      leaf,
      computedRoot,
      l1Root: null,
      l1,
      source,
      account,
      empty: false,
      siblings: [],
      problems,
    });

    const batchNumber = /^[0-9]{1,20}$/.test(String(proof.batchNumber)) ? BigInt(proof.batchNumber) : -1n;
    if (String(proof.accountIndex) !== idx.toString())
      add("WRONG_ACCOUNT", `the sequencer sent the path of account ${proof.accountIndex}, not ${idx}`);
    const sizes = this.sizes ?? inferSizes(proof);
    if (!sizes) add("BAD_SHAPE", "the proof's depth and leaf layout match no known parameter set");
    if (batchNumber < 0n) add("BAD_SHAPE", "the proof's batch number is malformed");
    if (!Array.isArray(proof.siblings) || !proof.siblings.every((s) => DEC.test(s) && !s.startsWith("-")))
      add("BAD_SHAPE", "the Merkle path is malformed");
    else if (sizes && proof.siblings.length !== sizes.accountDepth)
      add(
        "BAD_SHAPE",
        `the Merkle path has ${proof.siblings.length} levels, the tree has ${sizes.accountDepth}`,
      );
    if (problems.length > 0 || !sizes) return fail(batchNumber);
    this.sizes = sizes;

    let account: Account;
    try {
      account = Account.parse(proof.account as SerializedAccount, sizes);
    } catch (e) {
      add("BAD_PREIMAGE", `the leaf preimage is not a valid account: ${(e as Error).message}`);
      return fail(batchNumber);
    }
    // The model hashes the leaf (PROTOCOL §4.1); the server's `leaf` is only compared, never used.
    const leaf = account.hash();
    if (!DEC.test(proof.leaf) || BigInt(proof.leaf) !== leaf)
      add("LEAF_MISMATCH", `the preimage hashes to ${leaf}, the sequencer claims leaf ${proof.leaf}`);
    const empty = !account.registered;
    if (!empty && (account.pubKeyX !== this.publicKey.x || account.pubKeyY !== this.publicKey.y))
      add("KEY_MISMATCH", `leaf ${idx} is registered to another key`);
    const siblings = proof.siblings.map(BigInt);
    const computedRoot = rootFromPath(idx, leaf, siblings);
    if (!DEC.test(proof.root) || BigInt(proof.root) !== computedRoot)
      add("PATH_MISMATCH", `the path leads to root ${computedRoot}, the sequencer claims ${proof.root}`);

    let l1Root: bigint | null = null;
    if (l1 && l1.batchNumber === batchNumber) l1Root = l1.root;
    else if (rootAt) l1Root = await rootAt(batchNumber);
    if (l1Root === null) {
      if (l1 && l1.batchNumber < batchNumber)
        add(
          "CHAIN_BEHIND",
          `the path is for batch ${batchNumber}, the chain has settled only ${l1.batchNumber}`,
        );
      else add("BATCH_UNKNOWN", `no root settled on L1 is known for batch ${batchNumber}`);
    } else if (l1Root !== computedRoot) {
      add(
        "ROOT_MISMATCH",
        `batch ${batchNumber}: L1 settled root ${l1Root}, the account's path gives ${computedRoot}`,
      );
    }

    const hard = problems.some((p) => p.code !== "CHAIN_BEHIND" && p.code !== "BATCH_UNKNOWN");
    const status: MirrorStatus = hard ? "mismatch" : problems.length > 0 ? "unverifiable" : "verified";
    const out: MirrorCheck = {
      status,
      accountIndex: idx,
      batchNumber,
      leaf,
      computedRoot,
      l1Root,
      l1,
      source,
      account,
      empty,
      siblings,
      problems,
    };
    if (status === "verified") this.lastVerified = out;
    return out;
  }

  /** Fetches the path from the sequencer and the settled root from `source`, and checks one against the other. */
  async refresh(client: SequencerClient, source: SettledRootSource): Promise<MirrorCheck> {
    const [proof, l1] = await Promise.all([client.proof(this.accountIndex), source.settled()]);
    return this.check(proof, l1, source.rootAt?.bind(source), source.name);
  }

  /** The snapshot as JSON (preimage, path, root, batch), e.g. to keep it on disk for an exit. */
  static serialize(c: MirrorCheck): Record<string, unknown> {
    return {
      accountIndex: c.accountIndex.toString(),
      batchNumber: c.batchNumber.toString(),
      status: c.status,
      root: c.computedRoot.toString(),
      l1Root: c.l1Root?.toString() ?? null,
      leaf: c.leaf.toString(),
      siblings: c.siblings.map(String),
      account: c.account?.serialize() ?? null,
      problems: c.problems,
    };
  }
}

/** Throws MIRROR_MISMATCH / MIRROR_UNVERIFIABLE for a check that did not verify, naming every problem. */
export function assertVerified(c: MirrorCheck): void {
  if (c.status === "verified") return;
  const what = c.problems.map((p) => `${p.code}: ${p.message}`).join("; ");
  throw new SdkError(c.status === "mismatch" ? "MIRROR_MISMATCH" : "MIRROR_UNVERIFIABLE", what);
}
