pragma circom 2.1.0;

// SettleFunding(M) — PROTOCOL §7: quote' = quote − Σ_m size[m]·(I[m] − fundingIndex[m]); fundingIndex'[m] = I[m]
// (protocol/ops/common.ts settleFunding).
//
// Signals:
//   input  quote                 {Int96}   account quote balance
//   input  sizes[M]              {Int64}
//   input  fundingIndices[M]     {Int64}   the leaf's last-settled indices
//   input  indices[M]            {Int64}   the batch's new funding indices I[m]
//   output newQuote              {Int<134>} settled quote — NOT range-checked here
//   output newFundingIndices[M]  {Int64}   = indices
// NOTE: all inputs must be range-checked by the caller (the leaf's fields by AccountLeaf, the indices once per
//       batch). newQuote can leave Int96; the caller must range-check it as Int96 before it is stored or used
//       where Int96 is assumed — AccountLeaf on the written leaf does, and then the op is unprovable, exactly as
//       the model rejects it with OUT_OF_RANGE.
// Bit budget: |I − last| < 2^64, |size·(I − last)| < 2^63·2^64 = 2^127, and |quote − Σ| < 2^95 + M·2^127 < 2^134
//             for M ≤ 64 (asserted; prod has 8, giving < 2^131): far below r/2, so the result is the true integer.
// Cost: M constraints.
template SettleFunding(M) {
    assert(M >= 1 && M <= 64);
    signal input quote;
    signal input sizes[M];
    signal input fundingIndices[M];
    signal input indices[M];
    signal output newQuote;
    signal output newFundingIndices[M];

    signal payment[M];
    var total = 0;
    for (var m = 0; m < M; m++) {
        payment[m] <== sizes[m] * (indices[m] - fundingIndices[m]);
        total += payment[m];
        newFundingIndices[m] <== indices[m];
    }
    // Longs pay when the index rises.
    newQuote <== quote - total;
}
