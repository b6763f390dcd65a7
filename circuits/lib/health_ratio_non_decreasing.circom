pragma circom 2.1.0;

// HealthRatioNonDecreasing — PROTOCOL §5.2: the health ratio does not fall from (TV, MM) to (TV', MM') ⇔
// TV'·MM ≥ TV·MM', on the shown Value-unit figures (protocol/margin.ts healthRatioNonDecreasing).
//
// Signals:
//   input  tvBefore, mmBefore  {Int126}  shown figures before (AccountMargin's tv, mm)
//   input  tvAfter,  mmAfter   {Int126}  shown figures after
//   output out                 {Bool}    1 iff tvAfter·mmBefore ≥ tvBefore·mmAfter
// NOTE: all four inputs must be Int126 (MARGIN_VALUE_BITS) — AccountMargin's tv and mm are, by its FloorDiv/CeilDiv
//       quotient ranges; the model checks the same bound before applying the rule.
// Bit budget: each product is at most 2^125·2^125 = 2^250 in absolute value, so both lie in Int252 as
//             SignedLessThan(252) requires; it decomposes their shifted difference, below 2^253 < r, into 253 bits.
//             The rule is exact for every Int126 input, with nothing to spare: 2^253 < r ≈ 2^253.6 < 2^254.
// Cost: 2 products + 253 constraints.
include "constants.circom";
include "signed_less_than.circom";

template HealthRatioNonDecreasing() {
    signal input tvBefore;
    signal input mmBefore;
    signal input tvAfter;
    signal input mmAfter;
    signal output out;

    signal lhs;
    signal rhs;
    lhs <== tvAfter * mmBefore;
    rhs <== tvBefore * mmAfter;
    // range: both products are Int252 by the bit budget above, as SignedLessThan(252) requires.
    component lt = SignedLessThan(2 * MARGIN_VALUE_BITS());
    lt.in[0] <== lhs;
    lt.in[1] <== rhs;
    out <== 1 - lt.out;
}
