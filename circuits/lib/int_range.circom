pragma circom 2.1.0;

// IntRange(n) — asserts −2^(n−1) ≤ in < 2^(n−1) for a signed value encoded as in mod r (PROTOCOL §1:
// "IntN is checked as Num2Bits(N)(x + 2^(N−1))"), and returns its sign, which the decomposition yields for free.
//
// Signals:
//   input  in   {Int<n>}  the value checked (negative values are r − |in|)
//   output neg  {Bool}    1 iff in < 0
// NOTE: n ≤ 253 (compile-time check), so the offset value stays below 2^253 < r and Num2Bits cannot alias.
// Cost: n constraints.
include "uint_range.circom";

template IntRange(n) {
    assert(n >= 1 && n <= 253);
    signal input in;
    signal output neg;

    // in + 2^(n−1) ∈ [0, 2^n) ⇔ in ∈ Int<n>. A value just outside (2^(n−1), or −2^(n−1) − 1 = r − 2^(n−1) − 1)
    // shifts to 2^n or to r − 1, neither of which has an n-bit decomposition.
    component r = UintRange(n);
    r.in <== in + 2 ** (n - 1);
    // The top bit of the shifted value is 1 exactly for in ≥ 0.
    neg <== 1 - r.bits[n - 1];
    // Only the top bit (the sign) is read; the decomposition is the range check.
    _ <== r.bits;
}
