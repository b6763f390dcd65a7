pragma circom 2.1.0;

// MerkleRootFromBits(depth) — the root of a binary Poseidon Merkle tree (PROTOCOL §4.3) from a leaf, its path bits
// and its siblings; the shared core of MerkleRoot and MerkleUpdate, which decompose the index themselves.
//
// Signals:
//   input  leaf              {Field}
//   input  pathBits[depth]   {Bool}   pathBits[j] = 1 iff the node at level j is a right child (little-endian
//                                      index bits, as protocol/merkle.ts rootFromPath)
//   input  siblings[depth]   {Field}  siblings[j] is the sibling at level j (0 = next to the leaf)
//   output root              {Field}
// NOTE: the caller must constrain every pathBits[j] to {0, 1} (MerkleRoot and MerkleUpdate do, with
//       Num2Bits(depth) of the index). With a non-boolean bit, the swap below computes a different pair.
// Cost: depth · (Poseidon(2) ≈ 240 + 1) constraints.
include "../../node_modules/circomlib/circuits/poseidon.circom";

template MerkleRootFromBits(depth) {
    assert(depth >= 1);
    signal input leaf;
    signal input pathBits[depth];
    signal input siblings[depth];
    signal output root;

    signal h[depth + 1];
    // swap[j] = bit·(sibling − h): left = h + swap, right = sibling − swap, i.e. (h, sibling) for bit 0 and
    // (sibling, h) for bit 1, with one multiplication per level.
    signal swap[depth];
    component node[depth];
    h[0] <== leaf;
    for (var j = 0; j < depth; j++) {
        swap[j] <== pathBits[j] * (siblings[j] - h[j]);
        node[j] = Poseidon(2);
        node[j].inputs[0] <== h[j] + swap[j];
        node[j].inputs[1] <== siblings[j] - swap[j];
        h[j + 1] <== node[j].out;
    }
    root <== h[depth];
}
