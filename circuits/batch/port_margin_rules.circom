pragma circom 2.2.0;

// PortMarginRules — the margin decisions of PROTOCOL §5.2 and §7 for one account port, from its margin before (the
// settled account) and after (the op's proposed state): whether the fill is risk-increasing, the initial-margin
// test TVs' ≥ IMs' (withdrawals [I5]), the health-ratio rule (liquidations [I7]) and the fill margin rule R(acct)
// (protocol/margin.ts isRiskIncreasing, fillMarginRule, healthRatioNonDecreasing). It asserts nothing: the op
// templates require whichever outputs their op needs, gated by their selector.
//
// Signals:
//   input  absBefore, negBefore  {Uint64}, {Bool}  |size| and its sign at the op's market before (Abs(64) by the slot)
//   input  sizeAfter             {Int64}   proposed size at the op's market (range-checked here by Abs; a written
//                                          after-state is Int64 anyway, and for ops without a fill it equals before)
//   input  tvBefore, mmBefore    {Int126}  AccountMargin's shown figures of the settled account
//   input  tvSAfter, imSAfter    {Int147}  AccountMargin's exact figures of the proposed state
//   input  tvAfter, mmAfter      {Int126}
//   input  healthyAfter          {Bool}    TVs' ≥ MMs'
//   output riskIncreasing        {Bool}    |size'| > |size| or the sign flipped (size' ≠ 0)
//   output imOk                  {Bool}    TVs' ≥ IMs'
//   output hrnd                  {Bool}    TV'·MM ≥ TV·MM'
//   output fillOk                {Bool}    R(acct): riskIncreasing ? imOk : (healthyAfter or hrnd)
// NOTE: the inputs are AccountMargin outputs (whose ranges these comparisons need) and the slot's Abs(64).
// NOTE: the IsZero inverse hint of sizeAfter is free when sizeAfter = 0; nonZero is pinned regardless.
// Cost: Abs(64) 65 + LessThan(64) 65 + IsZero 2 + 4 products + SignedLessThan(147) 148 + HRND 255 + 2.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/constants.circom";
include "../lib/abs.circom";
include "../lib/signed_less_than.circom";
include "../lib/health_ratio_non_decreasing.circom";

template PortMarginRules() {
    signal input absBefore;
    signal input negBefore;
    signal input sizeAfter;
    signal input tvBefore;
    signal input mmBefore;
    signal input tvSAfter;
    signal input imSAfter;
    signal input tvAfter;
    signal input mmAfter;
    signal input healthyAfter;
    signal output riskIncreasing;
    signal output imOk;
    signal output hrnd;
    signal output fillOk;

    component after = Abs(SIZE_BITS());
    after.in <== sizeAfter;
    // LessThan(64): both magnitudes are ≤ 2^63 < 2^64 (Abs(64) outputs).
    component grows = LessThan(SIZE_BITS()); // range: absBefore is the slot's Abs(64) output, after.out this Abs(64)'s
    grows.in[0] <== absBefore;
    grows.in[1] <== after.out;
    component zero = IsZero();
    zero.in <== sizeAfter;
    // Sign flip to a non-zero size (from 0 counts as growing, caught by `grows`).
    signal bothNeg;
    bothNeg <== negBefore * after.neg;
    signal flip;
    flip <== (negBefore + after.neg - 2 * bothNeg) * (1 - zero.out);
    riskIncreasing <== grows.out + flip - grows.out * flip;

    // TVs', IMs' ∈ Int147 (AccountMargin's bound for SignedLessThan(147)).
    component belowIm = SignedLessThan(MARGIN_VALUE_BITS() + RATE_BITS() + 1); // range: AccountMargin's tvS, imS are Int147
    belowIm.in[0] <== tvSAfter;
    belowIm.in[1] <== imSAfter;
    imOk <== 1 - belowIm.out;

    component ratio = HealthRatioNonDecreasing();
    ratio.tvBefore <== tvBefore;
    ratio.mmBefore <== mmBefore;
    ratio.tvAfter <== tvAfter;
    ratio.mmAfter <== mmAfter;
    hrnd <== ratio.out;

    signal maintained;
    maintained <== healthyAfter + hrnd - healthyAfter * hrnd;
    fillOk <== maintained + riskIncreasing * (imOk - maintained);
}
