// Sparse binary Poseidon Merkle tree (PROTOCOL §4.2–4.3). Only non-empty nodes are stored, so a depth-20+ tree
// with few accounts costs memory proportional to its accounts; empty subtrees use precomputed hashes.
import { poseidon2 } from "./poseidon.js";
import { fail } from "./errors.js";

export interface MerkleProof {
  readonly index: bigint;
  readonly leaf: bigint;
  /** siblings[j] is the sibling at level j (0 = next to the leaf). */
  readonly siblings: readonly bigint[];
}

const zeroCache = new Map<bigint, bigint[]>();

/** zeros[j] = hash of an empty subtree of height j, for empty leaf `emptyLeaf`. */
export function emptyHashes(emptyLeaf: bigint, depth: number): readonly bigint[] {
  let zs = zeroCache.get(emptyLeaf);
  if (!zs) {
    zs = [emptyLeaf];
    zeroCache.set(emptyLeaf, zs);
  }
  while (zs.length <= depth) {
    const z = zs[zs.length - 1]!;
    zs.push(poseidon2(z, z));
  }
  return zs;
}

export function rootFromPath(index: bigint, leaf: bigint, siblings: readonly bigint[]): bigint {
  let h = leaf;
  for (let j = 0; j < siblings.length; j++) {
    const s = siblings[j]!;
    h = (index >> BigInt(j)) & 1n ? poseidon2(s, h) : poseidon2(h, s);
  }
  return h;
}

export function verifyProof(root: bigint, depth: number, p: MerkleProof): boolean {
  if (p.siblings.length !== depth || p.index < 0n || p.index >= 1n << BigInt(depth)) return false;
  return rootFromPath(p.index, p.leaf, p.siblings) === root;
}

export class SparseMerkleTree {
  private readonly zeros: readonly bigint[];
  /** levels[j] maps a node index at level j (0 = leaves) to its hash, for non-empty nodes only. */
  private readonly levels: Map<bigint, bigint>[];

  constructor(
    readonly depth: number,
    readonly emptyLeaf: bigint,
  ) {
    if (!Number.isInteger(depth) || depth < 1 || depth > 64) throw new RangeError(`bad tree depth ${depth}`);
    this.zeros = emptyHashes(emptyLeaf, depth);
    this.levels = Array.from({ length: depth + 1 }, () => new Map<bigint, bigint>());
  }

  get root(): bigint {
    return this.node(this.depth, 0n);
  }

  get capacity(): bigint {
    return 1n << BigInt(this.depth);
  }

  private node(level: number, i: bigint): bigint {
    return this.levels[level]!.get(i) ?? this.zeros[level]!;
  }

  private checkIndex(index: bigint): void {
    if (index < 0n || index >= this.capacity) {
      fail("ACCOUNT_INDEX_OUT_OF_RANGE", `leaf index ${index} outside a depth-${this.depth} tree`);
    }
  }

  leaf(index: bigint): bigint {
    this.checkIndex(index);
    return this.node(0, index);
  }

  /** Indices of non-empty leaves, ascending. */
  indices(): bigint[] {
    return [...this.levels[0]!.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  set(index: bigint, leaf: bigint): void {
    this.checkIndex(index);
    let i = index;
    let h = leaf;
    for (let j = 0; j <= this.depth; j++) {
      const level = this.levels[j]!;
      if (h === this.zeros[j]) level.delete(i);
      else level.set(i, h);
      if (j === this.depth) break;
      const left = i & 1n ? this.node(j, i ^ 1n) : h;
      const right = i & 1n ? h : this.node(j, i ^ 1n);
      h = poseidon2(left, right);
      i >>= 1n;
    }
  }

  proof(index: bigint): MerkleProof {
    this.checkIndex(index);
    const siblings: bigint[] = [];
    let i = index;
    for (let j = 0; j < this.depth; j++) {
      siblings.push(this.node(j, i ^ 1n));
      i >>= 1n;
    }
    return { index, leaf: this.node(0, index), siblings };
  }

  clone(): SparseMerkleTree {
    const t = new SparseMerkleTree(this.depth, this.emptyLeaf);
    this.levels.forEach((m, j) => m.forEach((v, k) => t.levels[j]!.set(k, v)));
    return t;
  }
}
