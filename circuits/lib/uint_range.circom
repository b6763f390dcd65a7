pragma circom 2.1.0;

// UintRange(n) — asserts 0 ≤ in < 2^n (PROTOCOL §1: "UintN is checked as Num2Bits(N)(x)").
//
// Signals:
//   input  in       {Uint<n>}  the value checked
//   output bits[n]  {Bool}     little-endian bits of in, for callers that need them (a sign, a path)
// NOTE: n ≤ 253, enforced at compile time. Num2Bits(n) is unique only while 2^n < r (2^253 < r ≈ 2^253.6 < 2^254):
//       at n = 254 a second bit pattern (x + r) exists for small x and a "range check" would accept values it
//       should not, so a full-width decomposition must use circomlib's Num2Bits_strict instead.
// Cost: n constraints.
include "../../node_modules/circomlib/circuits/bitify.circom";

template UintRange(n) {
    assert(n >= 1 && n <= 253);
    signal input in;
    signal output bits[n];

    // Num2Bits pins each bit with b·(b−1) = 0 and pins the bits to `in` with Σ b_i·2^i = in; the sum is below
    // 2^n ≤ 2^253 < r, so it cannot wrap and a field element ≥ 2^n (e.g. a "negative" r−1) has no satisfying bits.
    component n2b = Num2Bits(n);
    n2b.in <== in;
    bits <== n2b.out;
}
