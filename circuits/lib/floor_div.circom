pragma circom 2.1.0;

// FloorDiv(nQ, nD) — q = floor(num / den), r = num − q·den for a signed dividend and a positive divisor (a
// constant or a signal). Used for the shown margin figures (PROTOCOL §5.2: values round down).
//
// Signals:
//   input  num   {Field}    dividend, read as a signed integer (negative values are r − |num|)
//   input  den   {Uint<nD>} divisor, ≥ 1
//   output q     {Int<nQ>}  floor(num / den)
//   output r     {Uint<nD>} remainder, 0 ≤ r < den
//   output qNeg  {Bool}     1 iff q < 0, i.e. iff num < 0
// NOTE: den < 2^nD must hold already (a constant, or range-checked by the caller): it is the second input of
//       LessThan(nD). den = 0 is rejected here (no r satisfies 0 ≤ r < 0).
// NOTE: the bound is on the quotient: the circuit is satisfiable iff floor(num/den) ∈ Int<nQ>. Callers pick nQ as
//       the bound they want enforced (AccountMargin uses Int126, MARGIN_VALUE_BITS, for the shown TV).
// NOTE: nQ + nD ≤ 251 (compile-time check) so that q·den + r cannot wrap the field.
// Cost: nD (remainder bits) + nD + 1 (r < den) + nQ (quotient range) + 1 for q·den when den is a signal (a
// constant divisor makes it linear): 167 for FloorDiv(126, 20) by 10^6.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "uint_range.circom";
include "int_range.circom";

template FloorDiv(nQ, nD) {
    assert(nQ >= 1 && nD >= 1 && nQ + nD <= 251);
    signal input num;
    signal input den;
    signal output q;
    signal output r;
    signal output qNeg;

    // Hint: signed floor division (circom's `\` and `%` act on representatives in [0, r), so negate first).
    // den = 0 gets a dummy answer; the r < den constraint below rejects it.
    var qh = 0;
    var rh = 0;
    if (den != 0) {
        if (num < 0) {
            var m = -num;
            qh = -(m \ den);
            rh = m % den;
            if (rh != 0) {
                qh = qh - 1;
                rh = den - rh;
            }
        } else {
            qh = num \ den;
            rh = num % den;
        }
    }
    q <-- qh;
    r <-- rh;
    // Pinned by: (1) num = q·den + r; (2) r ∈ [0, 2^nD); (3) r < den; (4) q ∈ Int<nQ>.
    // Uniqueness: two solutions would give (q − q')·den = r' − r with |r' − r| < den; |(q − q')·den| < 2^(nQ+nD) < r/2
    // rules out a wrap, so q = q' and r = r'. Bit budget: |q·den + r| < 2^(nQ−1)·2^nD + 2^nD ≤ 2^251.
    num === q * den + r;
    component rRange = UintRange(nD);
    rRange.in <== r;
    // range: LessThan(nD) needs both inputs < 2^nD: r by rRange above, den by the caller (NOTE).
    component rLtDen = LessThan(nD);
    rLtDen.in[0] <== r;
    rLtDen.in[1] <== den;
    rLtDen.out === 1;
    component qRange = IntRange(nQ);
    qRange.in <== q;
    // floor(num/den) < 0 ⇔ num < 0 for den ≥ 1.
    qNeg <== qRange.neg;
    // The remainder bits are not needed: the decomposition is the range check.
    _ <== rRange.bits;
}
