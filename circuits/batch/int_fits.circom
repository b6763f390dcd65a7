pragma circom 2.2.0;

// IntFits(n, nKnown) — out = (in ∈ Int<n>) as a boolean, for a value known to lie in Int<nKnown>. Used where the
// protocol turns a bound into an outcome rather than a rejection: a deposit whose credit would leave the quote's
// Int96 is refunded (PROTOCOL §7.1), so the circuit must compute, not assert, the range.
//
// Signals:
//   input  in   {Int<nKnown>}  (negative values are r − |in|)
//   output out  {Bool}         1 iff −2^(n−1) ≤ in < 2^(n−1)
// NOTE: in ∈ Int<nKnown> must hold (the caller's bit budget), with n ≤ nKnown ≤ 251.
// Method: t = in + 2^(n−1) + 2^nKnown ∈ (0, 2^(nKnown+1)) is decomposed into nKnown + 1 bits (no wrap: < 2^252 < r).
// in ∈ Int<n> ⇔ in + 2^(n−1) ∈ [0, 2^n) ⇔ t ∈ [2^nKnown, 2^nKnown + 2^n) ⇔ the bits above n − 1 read exactly
// 2^(nKnown−n) (bit nKnown set, bits n..nKnown−1 clear).
// Cost: nKnown + 1 + 2 (IsEqual).
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/uint_range.circom";

template IntFits(n, nKnown) {
    assert(n >= 1 && n <= nKnown && nKnown <= 251);
    signal input in;
    signal output out;

    component t = UintRange(nKnown + 1);
    t.in <== in + 2 ** (n - 1) + 2 ** nKnown;
    // The bits below n − 1 do not decide the range; they complete the decomposition.
    for (var j = 0; j < n; j++) _ <== t.bits[j];
    var high = 0;
    for (var j = n; j <= nKnown; j++) high += t.bits[j] * 2 ** (j - n);
    component eq = IsEqual();
    eq.in[0] <== high;
    eq.in[1] <== 2 ** (nKnown - n);
    out <== eq.out;
}
