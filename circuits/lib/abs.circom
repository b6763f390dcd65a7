pragma circom 2.1.0;

// Abs(n) — |in| and the sign of a signed value, range-checking it as Int<n> on the way.
//
// Signals:
//   input  in   {Int<n>}   signed value (negative values are r − |in|)
//   output out  {Uint<n>}  |in| ∈ [0, 2^(n−1)] (2^(n−1) only for in = −2^(n−1))
//   output neg  {Bool}     1 iff in < 0
// NOTE: the Int<n> range check of `in` happens here (IntRange), so the caller need not repeat it.
// Cost: n + 1 constraints.
include "int_range.circom";

template Abs(n) {
    signal input in;
    signal output out;
    signal output neg;

    component range = IntRange(n);
    range.in <== in;
    neg <== range.neg;
    // Bit budget: |in| ≤ 2^(n−1) ≤ 2^252 < r/2, so in·(1 − 2·neg) is the true absolute value, with no wrap.
    out <== in * (1 - 2 * neg);
}
