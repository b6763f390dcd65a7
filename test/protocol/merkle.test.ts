// The sparse Poseidon Merkle tree (PROTOCOL §4.2–4.3) against a naive full tree, and its proofs [I14]: every
// leaf's proof verifies, and a changed leaf, sibling or index does not.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Account,
  EMPTY_SLOT,
  RollupState,
  SparseMerkleTree,
  emptyAccountHash,
  emptyHashes,
  emptyOrdersRoot,
  orderSlotHash,
  poseidon,
  rootFromPath,
  verifyProof,
} from "../../protocol/index.js";
import { PARAMS, SIZES, codeOf, naiveMerkleRoot } from "./fixtures.js";

const naiveRoot = naiveMerkleRoot;
const EMPTY = 12345n;
const DEPTH = 4;
/** Writes (index, value) to a depth-4 tree; value 0 means "back to the empty leaf". */
const arbWrites = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.bigInt({ min: 0n, max: 1n << 250n })),
  {
    maxLength: 24,
  },
);

function apply(writes: readonly [number, bigint][]): { tree: SparseMerkleTree; leaves: bigint[] } {
  const tree = new SparseMerkleTree(DEPTH, EMPTY);
  const leaves = Array<bigint>(16).fill(EMPTY);
  for (const [i, v] of writes) {
    const leaf = v === 0n ? EMPTY : v;
    tree.set(BigInt(i), leaf);
    leaves[i] = leaf;
  }
  return { tree, leaves };
}

describe("SparseMerkleTree", () => {
  it("equals a naive full tree at depth 4 after any sequence of writes (including writes back to empty) [I14]", () => {
    fc.assert(
      fc.property(arbWrites, (writes) => {
        const { tree, leaves } = apply(writes);
        expect(tree.root).toBe(naiveRoot(leaves));
        expect(tree.indices()).toEqual(leaves.flatMap((l, i) => (l === EMPTY ? [] : [BigInt(i)])));
        expect(tree.clone().root).toBe(tree.root);
      }),
      { numRuns: 60 },
    );
  });

  it("the root is a function of the leaves alone: write order does not matter [I14]", () => {
    fc.assert(
      fc.property(arbWrites, fc.integer(), (writes, seed) => {
        // Keep the last write per index, then replay those in a shuffled order.
        const last = new Map<number, bigint>();
        for (const [i, v] of writes) last.set(i, v);
        const shuffled = [...last].sort((a, b) => ((a[0] * 7919 + seed) % 16) - ((b[0] * 7919 + seed) % 16));
        expect(apply(shuffled).tree.root).toBe(apply(writes).tree.root);
      }),
      { numRuns: 40 },
    );
  });

  it("every leaf's proof verifies; a changed leaf, any changed sibling or another index fails [I14]", () => {
    fc.assert(
      fc.property(arbWrites, fc.bigInt({ min: 1n, max: 1n << 200n }), (writes, delta) => {
        const { tree, leaves } = apply(writes);
        const root = tree.root;
        for (let i = 0; i < 16; i++) {
          const p = tree.proof(BigInt(i));
          expect(p.leaf).toBe(leaves[i]);
          expect(verifyProof(root, DEPTH, p)).toBe(true);
          expect(verifyProof(root, DEPTH, { ...p, leaf: p.leaf + delta })).toBe(false);
          for (let j = 0; j < DEPTH; j++) {
            const sib = p.siblings.map((s, k) => (k === j ? s + delta : s));
            expect(verifyProof(root, DEPTH, { ...p, siblings: sib })).toBe(false);
          }
          // An empty leaf among empty neighbours hashes symmetrically, so moving its proof proves another true
          // statement ("that leaf is empty too"); a non-empty, distinct leaf cannot be moved.
          const unique = leaves[i] !== EMPTY && leaves.filter((l) => l === leaves[i]).length === 1;
          if (unique) {
            for (let k = 0; k < 16; k++) {
              if (k !== i) expect(verifyProof(root, DEPTH, { ...p, index: BigInt(k) })).toBe(false);
            }
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it("verifyProof refuses a wrong path length or an index outside the tree", () => {
    const { tree } = apply([[3, 99n]]);
    const p = tree.proof(3n);
    expect(verifyProof(tree.root, DEPTH, { ...p, siblings: p.siblings.slice(1) })).toBe(false);
    expect(verifyProof(tree.root, DEPTH, { ...p, index: 3n + 16n })).toBe(false);
    expect(verifyProof(tree.root, DEPTH, { ...p, index: -1n })).toBe(false);
    // rootFromPath itself ignores high index bits: the range check is verifyProof's job.
    expect(rootFromPath(3n + 16n, p.leaf, p.siblings)).toBe(tree.root);
  });

  it("bit j of the index says the node at level j is a right child (little-endian path)", () => {
    const { tree } = apply([
      [0, 10n],
      [1, 11n],
      [2, 12n],
    ]);
    const h01 = poseidon([10n, 11n]);
    const h23 = poseidon([12n, EMPTY]);
    const z1 = poseidon([EMPTY, EMPTY]);
    const z2 = poseidon([z1, z1]);
    const l2 = poseidon([h01, h23]);
    expect(tree.root).toBe(poseidon([poseidon([l2, z2]), poseidon([z2, z2])]));
  });

  it("an empty tree's root is the precomputed empty-subtree hash; out-of-range indices are refused", () => {
    const tree = new SparseMerkleTree(DEPTH, EMPTY);
    expect(tree.root).toBe(emptyHashes(EMPTY, DEPTH)[DEPTH]);
    expect(tree.root).toBe(naiveRoot(Array<bigint>(16).fill(EMPTY)));
    expect(codeOf(() => tree.set(16n, 1n))).toBe("ACCOUNT_INDEX_OUT_OF_RANGE");
    expect(codeOf(() => tree.leaf(-1n))).toBe("ACCOUNT_INDEX_OUT_OF_RANGE");
    expect(codeOf(() => tree.proof(16n))).toBe("ACCOUNT_INDEX_OUT_OF_RANGE");
    expect(() => new SparseMerkleTree(0, EMPTY)).toThrow(RangeError);
    expect(() => new SparseMerkleTree(65, EMPTY)).toThrow(RangeError);
  });
});

describe("the state tree's empty leaf (PROTOCOL §4.1, §4.3)", () => {
  it("the empty account is all zeros except ordersRoot = the empty order tree's root [I14]", () => {
    const slot0 = orderSlotHash(EMPTY_SLOT);
    expect(emptyOrdersRoot(SIZES.orderDepth)).toBe(naiveRoot(Array<bigint>(4).fill(slot0)));
    const a = Account.empty(SIZES);
    expect(a.fields()).toEqual([
      0n,
      0n,
      0n,
      0n,
      emptyOrdersRoot(SIZES.orderDepth),
      0n,
      0n,
      0n,
      0n,
      0n,
      0n,
      0n,
    ]);
    expect(emptyAccountHash(SIZES)).toBe(a.hash());
  });

  it("a fresh state's root is the depth-6 tree of empty accounts; writing the empty account back restores it", () => {
    const s = new RollupState(PARAMS);
    const empty = emptyAccountHash(SIZES);
    expect(s.root).toBe(naiveRoot(Array<bigint>(64).fill(empty)));
    const a = Account.empty(SIZES);
    a.quote = 1n;
    s.put(9n, a);
    expect(s.root).not.toBe(naiveRoot(Array<bigint>(64).fill(empty)));
    s.put(9n, Account.empty(SIZES));
    expect(s.root).toBe(naiveRoot(Array<bigint>(64).fill(empty)));
    expect(s.accounts.has(9n)).toBe(false);
  });
});
