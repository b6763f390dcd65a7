pragma circom 2.1.0;

// HashTagged(TAG, K) — the tagged chain hash H(TAG, in[0..K−1]) of PROTOCOL §3, exactly as protocol/poseidon.ts
// hashTagged: h = Poseidon(TAG, in[0..14]); then h = Poseidon(h, next ≤ 15 inputs) per further chunk.
//
// Parameters: TAG — a domain tag from constants.circom (e.g. DOMAIN_ACCOUNT()); a parameter rather than a signal
//             so that no witness can hash under another domain. K ≥ 1 — the number of fields, fixed per object type
//             and parameter set, so the chunking is fixed too and no length ambiguity exists.
// Signals:
//   input  in[K]  {Field}  the object's fields in hash order
//   output out    {Field}  H(TAG, in)
// NOTE: none — any field elements; the caller range-checks fields whose type is narrower than Field.
// Cost: one circomlib Poseidon per chunk (Poseidon(16) ≈ 609 at --O2; a 12-field leaf is one Poseidon(13)).
include "../../node_modules/circomlib/circuits/poseidon.circom";

template HashTagged(TAG, K) {
    assert(K >= 1);
    var CHUNK = 15;
    var nChunks = 1 + (K - 1) \ CHUNK;
    signal input in[K];
    signal output out;

    component h[nChunks];
    // First chunk: the tag takes the first Poseidon input, so a tagged hash never equals an untagged one.
    var first = K < CHUNK ? K : CHUNK;
    h[0] = Poseidon(first + 1);
    h[0].inputs[0] <== TAG;
    for (var i = 0; i < first; i++) h[0].inputs[i + 1] <== in[i];
    // Later chunks chain the running hash in front of up to 15 further fields.
    for (var c = 1; c < nChunks; c++) {
        var start = c * CHUNK;
        var len = K - start < CHUNK ? K - start : CHUNK;
        h[c] = Poseidon(len + 1);
        h[c].inputs[0] <== h[c - 1].out;
        for (var i = 0; i < len; i++) h[c].inputs[i + 1] <== in[start + i];
    }
    out <== h[nChunks - 1].out;
}
