pragma circom 2.1.0;

// MerkleRoot(depth) — the root of a binary Poseidon Merkle tree from a leaf, its index and its siblings
// (PROTOCOL §4.3; protocol/merkle.ts rootFromPath). Inclusion is proven by the caller constraining `root`.
//
// Signals:
//   input  leaf             {Field}
//   input  index            {Uint<depth>}  leaf position; decomposed here with Num2Bits(depth), so an index
//                                           ≥ 2^depth, or a path bit other than 0/1, has no witness
//   input  siblings[depth]  {Field}
//   output root             {Field}
// NOTE: none — the index is decomposed here; the caller constrains the returned root.
// Cost: depth (index bits) + depth · (Poseidon(2) + 1) constraints.
include "uint_range.circom";
include "merkle_root_from_bits.circom";

template MerkleRoot(depth) {
    signal input leaf;
    signal input index;
    signal input siblings[depth];
    signal output root;

    component idx = UintRange(depth);
    idx.in <== index;
    component path = MerkleRootFromBits(depth);
    path.leaf <== leaf;
    path.pathBits <== idx.bits;
    path.siblings <== siblings;
    root <== path.root;
}
