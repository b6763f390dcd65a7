pragma circom 2.1.0;

// FlagWords(N) — packs a margin chunk's N flags into public words, 248 to a word, little-endian (docs/MARGIN_PROOF.md
// §M.2; protocol/marginProof.ts flagWords): flag i is bit i mod 248 of word ⌊i/248⌋. A word is below 2^248 < r, so
// for boolean flags the words determine the flags, and the contract reads them back as plain bits.
//
// Signals:
//   input  flags[N]   {Bool}      one per leaf of the chunk, in index order
//   output words[W]   {Uint248}   W = ⌈N / 248⌉
// NOTE: every flag must be constrained boolean by the caller (MarginLeaf's flag is a product of booleans); a
//       non-boolean flag would let two flag vectors share a word.
// Cost: W linear constraints (none once --O2 substitutes the words into their users).
template FlagWords(N) {
    assert(N >= 1);
    var WORD_BITS = 248;
    var W = (N + WORD_BITS - 1) \ WORD_BITS;
    signal input flags[N];
    signal output words[W];

    for (var w = 0; w < W; w++) {
        var packed = 0;
        for (var b = 0; b < WORD_BITS && w * WORD_BITS + b < N; b++) packed += flags[w * WORD_BITS + b] * 2 ** b;
        words[w] <== packed;
    }
}
