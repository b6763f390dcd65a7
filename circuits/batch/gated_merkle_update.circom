pragma circom 2.2.0;

// GatedMerkleUpdate(depth) — MerkleUpdate (circuits/lib) that only binds when `enabled`: proves oldLeaf at `index`
// under oldRoot and outputs the root with newLeaf there; when disabled the root passes through unchanged and the
// path is not checked. An op slot uses it for every account and order port, enabled exactly when the port opens a
// leaf of that tree (PROTOCOL §4.3: the insurance fund is never opened through an op's own path [I13]).
//
// Signals:
//   input  enabled          {Bool}         derived from the opcode by the caller, never a free witness
//   input  index            {Uint<depth>}  decomposed here with Num2Bits(depth) (also when disabled: the caller
//                                           passes 0), shared by both paths
//   input  oldLeaf, newLeaf {Field}
//   input  siblings[depth]  {Field}
//   input  oldRoot          {Field}
//   output newRoot          {Field}        enabled ? root(newLeaf) : oldRoot
// NOTE: enabled must be boolean (the caller's selector algebra guarantees it).
// NOTE: a read without a write is oldLeaf = newLeaf, giving newRoot = oldRoot.
// Cost: depth + 2·depth·(Poseidon(2) + 1) + 2.
include "../lib/uint_range.circom";
include "../lib/merkle_root_from_bits.circom";

template GatedMerkleUpdate(depth) {
    signal input enabled;
    signal input index;
    signal input oldLeaf;
    signal input newLeaf;
    signal input siblings[depth];
    signal input oldRoot;
    signal output newRoot;

    component idx = UintRange(depth);
    idx.in <== index; // index ≥ 2^depth

    component before = MerkleRootFromBits(depth);
    before.leaf <== oldLeaf;
    before.pathBits <== idx.bits;
    before.siblings <== siblings;
    // The old leaf is under oldRoot (wrong path, wrong leaf or wrong root: no witness) — when enabled.
    enabled * (before.root - oldRoot) === 0; // wrong path, leaf or root

    component after = MerkleRootFromBits(depth);
    after.leaf <== newLeaf;
    after.pathBits <== idx.bits;
    after.siblings <== siblings;
    newRoot <== oldRoot + enabled * (after.root - oldRoot);
}
