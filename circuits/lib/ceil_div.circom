pragma circom 2.1.0;

// CeilDiv(nQ, nD) — q = ceil(num / den), r = q·den − num for a signed dividend and a positive divisor (a
// constant or a signal). Used for the shown margin requirements (PROTOCOL §5.2: requirements round up).
//
// Signals:
//   input  num   {Field}    dividend, read as a signed integer (negative values are r − |num|)
//   input  den   {Uint<nD>} divisor, ≥ 1
//   output q     {Int<nQ>}  ceil(num / den)
//   output r     {Uint<nD>} shortfall, 0 ≤ r < den
// NOTE: den < 2^nD must hold already (a constant, or range-checked by the caller); den = 0 is rejected here.
// NOTE: satisfiable iff ceil(num/den) ∈ Int<nQ>; nQ + nD ≤ 251 (compile-time check) so q·den − r cannot wrap.
// Cost: nD + nD + 1 + nQ, + 1 for q·den when den is a signal: 167 for CeilDiv(126, 20) by 10^6.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "uint_range.circom";
include "int_range.circom";

template CeilDiv(nQ, nD) {
    assert(nQ >= 1 && nD >= 1 && nQ + nD <= 251);
    signal input num;
    signal input den;
    signal output q;
    signal output r;

    // Hint: ceil(num/den) = −floor(−num/den); circom's `\` and `%` act on representatives in [0, r).
    // den = 0 gets a dummy answer; the r < den constraint below rejects it.
    var qh = 0;
    var rh = 0;
    if (den != 0) {
        if (num > 0) {
            qh = num \ den;
            rh = num % den;
            if (rh != 0) {
                qh = qh + 1;
                rh = den - rh;
            }
        } else {
            var m = -num;
            qh = -(m \ den);
            rh = m % den;
        }
    }
    q <-- qh;
    r <-- rh;
    // Pinned by: (1) num = q·den − r; (2) r ∈ [0, 2^nD); (3) r < den; (4) q ∈ Int<nQ>. Uniqueness as in FloorDiv:
    // (q − q')·den = r − r' with |r − r'| < den, and |(q − q')·den| < 2^(nQ+nD) < r/2 cannot wrap.
    num === q * den - r;
    component rRange = UintRange(nD);
    rRange.in <== r;
    // range: LessThan(nD) needs both inputs < 2^nD: r by rRange above, den by the caller (NOTE).
    component rLtDen = LessThan(nD);
    rLtDen.in[0] <== r;
    rLtDen.in[1] <== den;
    rLtDen.out === 1;
    component qRange = IntRange(nQ);
    qRange.in <== q;
    // Range checks only: neither the bits nor the sign are needed.
    _ <== rRange.bits;
    _ <== qRange.neg;
}
