pragma circom 2.1.0;

// SignedLessThan(n) — out = (in[0] < in[1]) for two signed values, circomlib's LessThan shifted by 2^n.
//
// Signals:
//   input  in[2]  {Int<n>}  the compared values (negative values are r − |x|)
//   output out    {Bool}    1 iff in[0] < in[1] as signed integers
// NOTE: both inputs must already be range-checked as Int<n> by the caller (the callers' headers say where).
//       Outside that range the difference may not fit n+1 bits and the circuit is unsatisfiable, or, for
//       field elements near r/2, the answer is meaningless.
// NOTE: n ≤ 252 (compile-time check): the shifted difference is below 2^(n+1) ≤ 2^253 < r, so computing it cannot
//       wrap and its (n+1)-bit decomposition cannot alias.
// Cost: n + 1 constraints.
include "uint_range.circom";

template SignedLessThan(n) {
    assert(n >= 1 && n <= 252);
    signal input in[2];
    signal output out;

    // in[0] − in[1] ∈ [−2^n + 1, 2^n − 1], so d = in[0] − in[1] + 2^n ∈ [1, 2^(n+1)) fits n+1 bits, and its top
    // bit is 0 exactly when in[0] − in[1] < 0.
    component d = UintRange(n + 1);
    d.in <== in[0] - in[1] + 2 ** n;
    out <== 1 - d.bits[n];
    // Only the top bit is read; the decomposition is the range check.
    _ <== d.bits;
}
