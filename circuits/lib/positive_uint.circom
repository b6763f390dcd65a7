pragma circom 2.1.0;

// PositiveUint(n) — asserts 0 < in < 2^n: prices (PROTOCOL §2 Price: 0 < p < 2^56), fills and order sizes
// (Amount: 0 < a < 2^63), where zero is as invalid as an overflow.
//
// Signals:
//   input  in  {Uint<n>}  the value checked, ≠ 0
// NOTE: n ≤ 253 (UintRange's compile-time check).
// Cost: n + 1 constraints.
include "uint_range.circom";

template PositiveUint(n) {
    signal input in;

    component range = UintRange(n);
    range.in <== in;
    // in ≠ 0 ⇔ in has an inverse. Pinned by in·inv = 1, which no inv satisfies for in = 0.
    signal inv;
    inv <-- in != 0 ? 1 / in : 0;
    in * inv === 1;
    // The bits are not needed: the decomposition is the range check.
    _ <== range.bits;
}
