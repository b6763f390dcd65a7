pragma circom 2.2.0;

// DeleverageOp — the rules of DELEVERAGE (opcode 5, PROTOCOL §7.5; protocol/ops/deleverage.ts): a bankrupt account A
// (port A) closes against a counterparty B (port B) with an opposite position, when the fund cannot cover A. No
// signatures. Each rule carries the model's rejection code:
//   INSURANCE_FUND_FORBIDDEN A ≠ 0 and B ≠ 0
//   SAME_ACCOUNT             A ≠ B
//   ACCOUNT_NOT_REGISTERED   both registered
//   NOT_BANKRUPT             TVs_A < 0 (settled) [I8]
//   FUND_CAN_COVER           fund.quote·10^6 + TVs_A < 0, with the register's (unsettled) quote as the model reads it
//   NOT_OPPOSITE             size_A[m], size_B[m] non-zero with opposite signs
//   NOT_REDUCING             fill ≤ min(|s_A|, |s_B|)
//   DEFICIT_GROWN            TVs'_A ≥ TVs_A
//   PRICE_BEYOND_BANKRUPTCY  TVs'_A·|s_A| ≤ TVs_A·(|s_A| − fill) (B pays no more than A's proportional deficit)
//   UNDER_MARGINED           R(B)
//   OUT_OF_RANGE             fill > 0, price > 0 (here); ranges (slot); written fields in range [I11]
// Footprint: ports A and B written (A reduces, B takes the other side at the same price: OpEffects).
//
// Signals:
//   input  sel                       {Bool}    opcode is DELEVERAGE
//   input  isFund[2], registered[2], sameIndex, fillZero, priceZero  {Bool}
//   input  bankrupt                  {Bool}    A's settled margin
//   input  tvS                       {Int147}  TVs_A (AccountMargin of A settled)
//   input  tvSAfter                  {Int147}  TVs'_A (AccountMargin of A's proposed state)
//   input  fundQuote                 {Int96}   the insurance-fund register's quote (range-checked when it changed)
//   input  absA, negA, absB, negB    {Uint64}, {Bool}  positions at the market
//   input  fill                      {Uint63}
//   input  fillOkB                   {Bool}    R(B)
// NOTE: fill is range-checked by the slot; tvS, tvSAfter are AccountMargin outputs; fundQuote is the range-checked
//       register; abs/neg come from the slot's Abs(64); the flags are booleans it derives.
// Bit budgets: fundQuote·10^6 < 2^115 and |TVs| < 2^146, so the cover sum is Int148; |TVs| < 2^146 times |s| ≤ 2^63
//              or |s| − fill ∈ (−2^63, 2^63] is below 2^209 in absolute value: both products are Int210.
// Cost: IntRange(148) 148 + SignedLessThan(147) 148 + SignedLessThan(210) 211 + 2·UintRange(64) 128 + 2 IsZero 4
// + 5 products + 12 gated equalities.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/constants.circom";
include "../lib/uint_range.circom";
include "../lib/int_range.circom";
include "../lib/signed_less_than.circom";

template DeleverageOp() {
    signal input sel;
    signal input isFund[2];
    signal input registered[2];
    signal input sameIndex;
    signal input fillZero;
    signal input priceZero;
    signal input bankrupt;
    signal input tvS;
    signal input tvSAfter;
    signal input fundQuote;
    signal input absA;
    signal input negA;
    signal input absB;
    signal input negB;
    signal input fill;
    signal input fillOkB;

    sel * isFund[0] === 0; // INSURANCE_FUND_FORBIDDEN (A)
    sel * isFund[1] === 0; // INSURANCE_FUND_FORBIDDEN (B)
    sel * sameIndex === 0; // SAME_ACCOUNT
    sel * (1 - registered[0]) === 0; // ACCOUNT_NOT_REGISTERED (A)
    sel * (1 - registered[1]) === 0; // ACCOUNT_NOT_REGISTERED (B)
    sel * fillZero === 0; // OUT_OF_RANGE (fill)
    sel * priceZero === 0; // OUT_OF_RANGE (price)
    sel * (1 - bankrupt) === 0; // NOT_BANKRUPT

    // FUND_CAN_COVER: the sign of fund.quote·10^6 + TVs_A (Int148 by the budget above).
    component cover = IntRange(MARGIN_VALUE_BITS() + RATE_BITS() + 2);
    cover.in <== fundQuote * RATE_SCALE() + tvS;
    sel * (1 - cover.neg) === 0; // FUND_CAN_COVER

    // NOT_OPPOSITE: both non-zero, signs differ.
    component flatA = IsZero();
    flatA.in <== absA;
    sel * flatA.out === 0; // NOT_OPPOSITE (A flat)
    component flatB = IsZero();
    flatB.in <== absB;
    sel * flatB.out === 0; // NOT_OPPOSITE (B flat)
    signal bothShort;
    bothShort <== negA * negB;
    sel * (1 - (negA + negB - 2 * bothShort)) === 0; // NOT_OPPOSITE (same sign)

    signal slackA;
    slackA <== sel * (absA - fill);
    component reducesA = UintRange(SIZE_BITS());
    reducesA.in <== slackA; // NOT_REDUCING (A)
    signal slackB;
    slackB <== sel * (absB - fill);
    component reducesB = UintRange(SIZE_BITS());
    reducesB.in <== slackB; // NOT_REDUCING (B)
    // Range checks only: the bits are not needed.
    _ <== reducesA.bits;
    _ <== reducesB.bits;

    // DEFICIT_GROWN: TVs'_A < TVs_A is a violation (both Int147).
    component grown = SignedLessThan(MARGIN_VALUE_BITS() + RATE_BITS() + 1); // range: AccountMargin's tvS outputs, Int147
    grown.in[0] <== tvSAfter;
    grown.in[1] <== tvS;
    sel * grown.out === 0; // DEFICIT_GROWN

    // PRICE_BEYOND_BANKRUPTCY: TVs'·|s| > TVs·(|s| − fill) is a violation (Int210 by the budget above).
    signal lhs;
    lhs <== tvSAfter * absA;
    signal rhs;
    rhs <== tvS * (absA - fill);
    component beyond = SignedLessThan(210); // range: both products Int210 by the header's bit budget
    beyond.in[0] <== rhs;
    beyond.in[1] <== lhs;
    sel * beyond.out === 0; // PRICE_BEYOND_BANKRUPTCY

    sel * (1 - fillOkB) === 0; // UNDER_MARGINED (counterparty)
}
