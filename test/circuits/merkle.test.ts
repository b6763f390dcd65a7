// Merkle templates (circuits/lib/merkle_root, merkle_update) against protocol/merkle.ts: the account tree of
// PROTOCOL §4.3 (and the order-slot tree of §4.2, the same construction at another depth).
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Account } from "../../protocol/account.js";
import { PARAM_SETS } from "../../protocol/constants.js";
import { rootFromPath, SparseMerkleTree } from "../../protocol/merkle.js";
import {
  circuit,
  expectAllPinned,
  expectViolated,
  expectWitnessFails,
  honest,
  P,
  type Circuit,
} from "./harness/index.js";
import { Rng, seeds } from "./harness/gen.js";

const DEPTH = PARAM_SETS.test.accountDepth;
const EMPTY_LEAF = Account.empty(PARAM_SETS.test).hash();

/** A tree with a few random leaves, one of them maybe at `index`. */
function randomTree(rng: Rng): SparseMerkleTree {
  const t = new SparseMerkleTree(DEPTH, EMPTY_LEAF);
  const n = rng.int(8);
  for (let i = 0; i < n; i++) t.set(BigInt(rng.int(1 << DEPTH)), rng.field());
  return t;
}

const index = (rng: Rng): bigint => [0n, BigInt((1 << DEPTH) - 1), BigInt(rng.int(1 << DEPTH))][rng.int(3)]!;

describe(`MerkleRootFromBits(${DEPTH}) — the core both templates below share`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("merkle_root_from_bits", "MerkleRootFromBits", [DEPTH], ["pathBits"]);
  });
  const bitsOf = (i: bigint): bigint[] => Array.from({ length: DEPTH }, (_, j) => (i >> BigInt(j)) & 1n);

  it("equals rootFromPath for little-endian path bits [I14]", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const rng = new Rng(seed);
        const t = randomTree(rng);
        const p = t.proof(index(rng));
        const w = await honest(c, { leaf: p.leaf, pathBits: bitsOf(p.index), siblings: p.siblings });
        expect(c.value(w, "root")).toBe(t.root);
      }),
      { numRuns: 5 },
    );
  });

  it("a non-boolean bit computes a root that is no path's root: why callers must constrain the bits", async () => {
    const rng = new Rng(6);
    const t = randomTree(rng);
    // The leaf must differ from its sibling: with equal children the bit cannot matter at that level.
    t.set(1n, rng.field());
    const p = t.proof(1n);
    expect(p.leaf).not.toBe(p.siblings[0]);
    const bits = bitsOf(1n);
    bits[0] = 2n;
    const w = await honest(c, { leaf: p.leaf, pathBits: bits, siblings: p.siblings });
    const root = c.value(w, "root");
    expect(root).not.toBe(rootFromPath(0n, p.leaf, p.siblings));
    expect(root).not.toBe(rootFromPath(1n, p.leaf, p.siblings));
  });

  it("rejects a tampered swap, level hash or root; every wire is pinned", async () => {
    const t = randomTree(new Rng(7));
    const p = t.proof(5n);
    const w = await honest(c, { leaf: p.leaf, pathBits: bitsOf(5n), siblings: p.siblings });
    await expectViolated(c, c.tamper(w, "swap[0]", c.value(w, "swap[0]") + 1n));
    await expectViolated(c, c.tamper(w, "h[3]", c.value(w, "h[3]") + 1n));
    await expectViolated(c, c.tamper(w, "root", 0n));
    await expectViolated(c, c.tamper(w, "pathBits[2]", 0n));
    await expectAllPinned(c, w);
  });
});

describe(`MerkleRoot(${DEPTH})`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("merkle_root", "MerkleRoot", [DEPTH]);
  });

  it("equals the SparseMerkleTree root for a leaf's path [I14]", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const rng = new Rng(seed);
        const t = randomTree(rng);
        const p = t.proof(index(rng));
        const w = await honest(c, { leaf: p.leaf, index: p.index, siblings: p.siblings });
        expect(c.value(w, "root")).toBe(t.root);
      }),
      { numRuns: 10 },
    );
  });

  it("has no witness for an index ≥ 2^depth or a 'negative' index", async () => {
    const t = randomTree(new Rng(1));
    const p = t.proof(5n);
    await expectWitnessFails(c, { leaf: p.leaf, index: 1n << BigInt(DEPTH), siblings: p.siblings });
    await expectWitnessFails(c, { leaf: p.leaf, index: 5n + (1n << BigInt(DEPTH)), siblings: p.siblings });
    await expectWitnessFails(c, { leaf: p.leaf, index: P - 1n, siblings: p.siblings });
  });

  it("rejects a path bit of 2 (index sum kept), a flipped path bit, and a forged root", async () => {
    const t = randomTree(new Rng(2));
    const p = t.proof(2n); // bits 0,1,0,...: bit0 = 2 with bit1 = 0 keeps Σ b·2^j = 2
    const w = await honest(c, { leaf: p.leaf, index: p.index, siblings: p.siblings });
    await expectViolated(c, c.tamperMany(w, { "idx.bits[0]": 2n, "idx.bits[1]": 0n }));
    await expectViolated(c, c.tamper(w, "idx.bits[3]", 1n));
    await expectViolated(c, c.tamper(w, "root", c.value(w, "root") + 1n));
    await expectAllPinned(c, w);
  });
});

describe(`MerkleUpdate(${DEPTH})`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("merkle_update", "MerkleUpdate", [DEPTH]);
  });

  it("proves the old leaf and yields SparseMerkleTree's root after set() [I14]", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const rng = new Rng(seed);
        const t = randomTree(rng);
        const i = index(rng);
        const p = t.proof(i);
        const oldRoot = t.root;
        const newLeaf = rng.bool() ? rng.field() : EMPTY_LEAF;
        t.set(i, newLeaf);
        const w = await honest(c, { index: i, oldLeaf: p.leaf, newLeaf, siblings: p.siblings, oldRoot });
        expect(c.value(w, "newRoot")).toBe(t.root);
      }),
      { numRuns: 10 },
    );
  });

  it("a read (newLeaf = oldLeaf) keeps the root", async () => {
    const t = randomTree(new Rng(3));
    const p = t.proof(9n);
    const w = await honest(c, {
      index: 9n,
      oldLeaf: p.leaf,
      newLeaf: p.leaf,
      siblings: p.siblings,
      oldRoot: t.root,
    });
    expect(c.value(w, "newRoot")).toBe(t.root);
  });

  it("has no witness for a wrong old leaf, a wrong sibling, another index or an index ≥ 2^depth", async () => {
    const rng = new Rng(4);
    const t = randomTree(rng);
    t.set(9n, rng.field());
    const p = t.proof(9n);
    const base = { index: 9n, oldLeaf: p.leaf, newLeaf: 1n, siblings: p.siblings, oldRoot: t.root };
    await expectWitnessFails(c, { ...base, oldLeaf: p.leaf + 1n });
    await expectWitnessFails(c, { ...base, siblings: p.siblings.map((s, j) => (j === 3 ? s + 1n : s)) });
    await expectWitnessFails(c, { ...base, index: 8n });
    await expectWitnessFails(c, { ...base, index: 9n + (1n << BigInt(DEPTH)) });
  });

  it("rejects a tampered new leaf, new root, old leaf or path bit (the bits are shared by both paths)", async () => {
    const t = randomTree(new Rng(5));
    const p = t.proof(2n);
    const w = await honest(c, {
      index: 2n,
      oldLeaf: p.leaf,
      newLeaf: 77n,
      siblings: p.siblings,
      oldRoot: t.root,
    });
    await expectViolated(c, c.tamper(w, "newLeaf", 78n));
    await expectViolated(c, c.tamper(w, "newRoot", c.value(w, "newRoot") + 1n));
    await expectViolated(c, c.tamper(w, "oldLeaf", p.leaf + 1n));
    await expectViolated(c, c.tamper(w, "oldRoot", t.root + 1n));
    const bit = c.signals.isWire("idx.bits[0]") ? "idx.bits" : "after.pathBits";
    await expectViolated(c, c.tamperMany(w, { [`${bit}[0]`]: 2n, [`${bit}[1]`]: 0n }));
    await expectViolated(c, c.tamper(w, `${bit}[4]`, 1n));
    await expectAllPinned(c, w);
  });
});
