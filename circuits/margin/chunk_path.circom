pragma circom 2.1.0;

// ChunkPath(depth, k, EMPTY_LEAF) — places a margin chunk in the account tree (docs/MARGIN_PROOF.md §M.4): the
// account root from the chunk's subtree root, its chunk index and the siblings above it, and whether every subtree
// to the chunk's right is empty (protocol/marginProof.ts rightOfPathEmpty). A chunk that is rightEmpty holds the last
// non-empty leaf or lies beyond it, which is how the contract knows when an epoch's chunks cover every account
// without knowing how many accounts exist.
//
// Parameters: depth — accountDepth; k — chunk depth, 0 ≤ k < depth; EMPTY_LEAF — the empty account's leaf hash of
//             the parameter set (PROTOCOL §4.1; protocol emptyAccountHash), from which the empty subtree hashes are
//             computed at compile time (Poseidon over constants leaves no constraint).
// Signals:
//   input  subtreeRoot           {Field}
//   input  chunkIndex            {Uint<depth−k>}  decomposed here, so an index ≥ 2^(depth−k) has no witness
//   input  siblings[depth − k]   {Field}   siblings[j] is the sibling at tree level k + j
//   output root                  {Field}
//   output rightEmpty            {Bool}    at every level where the path is a left child, the sibling is the empty
//                                          subtree of that height
// NOTE: none — the index is decomposed here; the caller constrains `root` (to the epoch's account root).
// Cost: (depth − k)·(1 + 241 + 4) − 1: the index bits, MerkleRootFromBits, and per level IsEqual (2) and two products.
include "../../node_modules/circomlib/circuits/poseidon.circom";
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/uint_range.circom";
include "../lib/merkle_root_from_bits.circom";

template ChunkPath(depth, k, EMPTY_LEAF) {
    assert(k >= 0 && k < depth);
    var L = depth - k;
    signal input subtreeRoot;
    signal input chunkIndex;
    signal input siblings[L];
    signal output root;
    signal output rightEmpty;

    component idx = UintRange(L);
    idx.in <== chunkIndex;
    component path = MerkleRootFromBits(L);
    path.leaf <== subtreeRoot;
    path.pathBits <== idx.bits;
    path.siblings <== siblings;
    root <== path.root;

    // empty[h] = the empty subtree of height h; constants, since EMPTY_LEAF is one.
    signal empty[depth];
    component emptyNode[depth - 1];
    empty[0] <== EMPTY_LEAF;
    for (var h = 1; h < depth; h++) {
        emptyNode[h - 1] = Poseidon(2);
        emptyNode[h - 1].inputs[0] <== empty[h - 1];
        emptyNode[h - 1].inputs[1] <== empty[h - 1];
        empty[h] <== emptyNode[h - 1].out;
    }

    // Level j holds on its right only the sibling, when the path's node is a left child (bit 0): the level is fine
    // when the node is a right child or that sibling is empty. rightEmpty is the product over the levels.
    component isEmpty[L];
    signal fine[L];
    signal allFine[L];
    for (var j = 0; j < L; j++) {
        isEmpty[j] = IsEqual();
        isEmpty[j].in[0] <== siblings[j];
        isEmpty[j].in[1] <== empty[k + j];
        fine[j] <== 1 - (1 - idx.bits[j]) * (1 - isEmpty[j].out);
        if (j == 0) {
            allFine[j] <== fine[j];
        } else {
            allFine[j] <== allFine[j - 1] * fine[j];
        }
    }
    rightEmpty <== allFine[L - 1];
    // The empty subtrees of heights below k lie inside chunks: computing the chain passes through them.
    for (var h = 0; h < k; h++) _ <== empty[h];
}
