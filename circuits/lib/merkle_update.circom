pragma circom 2.1.0;

// MerkleUpdate(depth) — replaces one leaf: proves `oldLeaf` at `index` under `oldRoot` and outputs the root with
// `newLeaf` at the same index and the same siblings (PROTOCOL §4.3; protocol/merkle.ts SparseMerkleTree.set).
//
// Signals:
//   input  index            {Uint<depth>}  decomposed once with Num2Bits(depth) and shared by both paths, so the
//                                           old and new leaf sit at the same position and an index ≥ 2^depth
//                                           or a path bit of 2 has no witness
//   input  oldLeaf          {Field}
//   input  newLeaf          {Field}
//   input  siblings[depth]  {Field}
//   input  oldRoot          {Field}        constrained equal to the root recomputed from oldLeaf
//   output newRoot          {Field}
// NOTE: a read without a write is oldLeaf = newLeaf (newRoot = oldRoot).
// Cost: depth + 2 · depth · (Poseidon(2) + 1) constraints.
include "uint_range.circom";
include "merkle_root_from_bits.circom";

template MerkleUpdate(depth) {
    signal input index;
    signal input oldLeaf;
    signal input newLeaf;
    signal input siblings[depth];
    signal input oldRoot;
    signal output newRoot;

    component idx = UintRange(depth);
    idx.in <== index;

    component before = MerkleRootFromBits(depth);
    before.leaf <== oldLeaf;
    before.pathBits <== idx.bits;
    before.siblings <== siblings;
    before.root === oldRoot;

    component after = MerkleRootFromBits(depth);
    after.leaf <== newLeaf;
    after.pathBits <== idx.bits;
    after.siblings <== siblings;
    newRoot <== after.root;
}
