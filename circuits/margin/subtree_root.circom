pragma circom 2.1.0;

// SubtreeRoot(k) — the root of a complete binary Poseidon subtree over 2^k leaves (PROTOCOL §4.3: node =
// Poseidon_2(left, right)), as protocol/marginProof.ts subtreeRoot: the part of the account tree one margin chunk
// covers. Leaf i sits at position i inside the subtree, so its global index is chunkIndex·2^k + i.
//
// Signals:
//   input  leaves[2^k]  {Field}  leaf hashes in index order
//   output root         {Field}
// NOTE: none — any field elements; the caller proves the root under the account root.
// Cost: (2^k − 1) Poseidon(2), 240 each at --O2 (k = 3: 1,680).
include "../../node_modules/circomlib/circuits/poseidon.circom";

template SubtreeRoot(k) {
    assert(k >= 0 && k <= 20);
    var N = 2 ** k;
    signal input leaves[N];
    signal output root;

    // Heap order: node[0] is the root, node[p]'s children are node[2p + 1] and node[2p + 2], and each level lies
    // left to right, so leaf i is node[N − 1 + i].
    signal node[2 * N - 1];
    component h[N - 1];
    for (var i = 0; i < N; i++) node[N - 1 + i] <== leaves[i];
    for (var p = N - 2; p >= 0; p--) {
        h[p] = Poseidon(2);
        h[p].inputs[0] <== node[2 * p + 1];
        h[p].inputs[1] <== node[2 * p + 2];
        node[p] <== h[p].out;
    }
    root <== node[0];
}
