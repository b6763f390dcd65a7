pragma circom 2.1.0;

// ConfigCheck(M, C, T) — enforces the validity rules of PROTOCOL §5.1 on the risk parameters, exactly those of
// protocol/config.ts RiskConfig (validateMarket and the haircut check). Meant to run once per batch on the same
// signals ConfigHash commits, so that AccountMargin's preconditions hold whatever the contract stored.
//
// Signals (all constrained, no outputs):
//   input  tierStart[M][T]    {Uint120}  tierStart[m][0] = 0; later tiers strictly increasing, or UNUSED =
//                                        2^120 − 1 ("never reached"); no used tier after an unused one
//   input  imr[M][T]          {Rate}     mmr ≤ imr ≤ 10^6, non-decreasing in k
//   input  mmr[M][T]          {Rate}     0 < mmr, non-decreasing in k
//   input  liquidationFee[M]  {Rate}     ≤ MAX_LIQUIDATION_FEE_PPM
//   input  maxFundingStep[M]  {Rate}     ≤ MAX_FUNDING_RATE_PPM_CAP
//   input  haircut[C]         {Rate}     ≤ 10^6
// NOTE: none — every input is range-checked here before any comparison uses it.
// Technique: "a ≤ b" for values already known to be in [0, 2^n] is asserted as UintRange(n)(b − a): if a > b the
// difference wraps to r − (a − b) ≥ r − 2^n, which has no n-bit decomposition. Each such use names where a and b
// were range-checked. This costs n constraints instead of LessThan's n + 1 plus an equality.
// A used tier after an unused one needs no separate rule: a used start is < UNUSED, so it cannot exceed an unused
// predecessor, and the strict-increase check rejects it.
// Cost: per tier 200, plus 163 per tier k ≥ 1 (rate steps 40, IsEqual 2, product 1, start step 120); per market
// 80; per collateral 40. Prod (8, 4, 3): 8,208.
include "constants.circom";
include "uint_range.circom";
include "../../node_modules/circomlib/circuits/comparators.circom";

template ConfigCheck(M, C, T) {
    assert(M >= 1 && C >= 0 && T >= 1);
    signal input tierStart[M][T];
    signal input imr[M][T];
    signal input mmr[M][T];
    signal input liquidationFee[M];
    signal input maxFundingStep[M];
    signal input haircut[C];

    var RB = RATE_BITS();
    var UNUSED = 2 ** TIER_START_BITS() - 1;

    component startRange[M][T];
    component imrRange[M][T];
    component mmrPositive[M][T];
    component mmrLeImr[M][T];
    component imrLeOne[M][T];
    // Rules between tier k−1 and k live at index k−1 (T − 1 of them per market).
    component imrStep[M][T - 1];
    component mmrStep[M][T - 1];
    component isUnused[M][T - 1];
    component startStep[M][T - 1];
    signal stepIfUsed[M][T - 1];
    component feeRange[M];
    component feeCap[M];
    component fundingRange[M];
    component fundingCap[M];
    for (var m = 0; m < M; m++) {
        for (var k = 0; k < T; k++) {
            startRange[m][k] = UintRange(TIER_START_BITS());
            startRange[m][k].in <== tierStart[m][k];
            imrRange[m][k] = UintRange(RB);
            imrRange[m][k].in <== imr[m][k];
            // mmr − 1 ∈ [0, 2^20) ⇔ mmr ∈ [1, 2^20]: positivity and the Uint20 bound (with mmr ≤ imr < 2^20).
            mmrPositive[m][k] = UintRange(RB);
            mmrPositive[m][k].in <== mmr[m][k] - 1;
            // mmr ≤ imr: both in [0, 2^20] by the two checks above.
            mmrLeImr[m][k] = UintRange(RB);
            mmrLeImr[m][k].in <== imr[m][k] - mmr[m][k];
            // imr ≤ 10^6: imr ∈ [0, 2^20) by imrRange, 10^6 < 2^20.
            imrLeOne[m][k] = UintRange(RB);
            imrLeOne[m][k].in <== RATE_SCALE() - imr[m][k];
            if (k == 0) {
                tierStart[m][0] === 0;
            } else {
                // Rates non-decreasing in k (all rates in [0, 2^20] by the checks above).
                imrStep[m][k - 1] = UintRange(RB);
                imrStep[m][k - 1].in <== imr[m][k] - imr[m][k - 1];
                mmrStep[m][k - 1] = UintRange(RB);
                mmrStep[m][k - 1].in <== mmr[m][k] - mmr[m][k - 1];
                // A used tier starts strictly above its predecessor: start[k] − start[k−1] − 1 ∈ [0, 2^120), both
                // starts being Uint120 (startRange). An unused tier (start = UNUSED) multiplies the check away.
                isUnused[m][k - 1] = IsEqual();
                isUnused[m][k - 1].in[0] <== tierStart[m][k];
                isUnused[m][k - 1].in[1] <== UNUSED;
                stepIfUsed[m][k - 1] <== (1 - isUnused[m][k - 1].out) * (tierStart[m][k] - tierStart[m][k - 1] - 1);
                startStep[m][k - 1] = UintRange(TIER_START_BITS());
                startStep[m][k - 1].in <== stepIfUsed[m][k - 1];
            }
        }
        // Fee and funding step: Uint20, at most their protocol caps (caps < 2^20).
        feeRange[m] = UintRange(RB);
        feeRange[m].in <== liquidationFee[m];
        feeCap[m] = UintRange(RB);
        feeCap[m].in <== MAX_LIQUIDATION_FEE_PPM() - liquidationFee[m];
        fundingRange[m] = UintRange(RB);
        fundingRange[m].in <== maxFundingStep[m];
        fundingCap[m] = UintRange(RB);
        fundingCap[m].in <== MAX_FUNDING_RATE_PPM_CAP() - maxFundingStep[m];
    }
    component haircutRange[C];
    component haircutCap[C];
    for (var c = 0; c < C; c++) {
        haircutRange[c] = UintRange(RB);
        haircutRange[c].in <== haircut[c];
        haircutCap[c] = UintRange(RB);
        haircutCap[c].in <== RATE_SCALE() - haircut[c];
    }
    // Range checks only: no bits are needed.
    for (var m = 0; m < M; m++) {
        for (var k = 0; k < T; k++) {
            _ <== startRange[m][k].bits;
            _ <== imrRange[m][k].bits;
            _ <== mmrPositive[m][k].bits;
            _ <== mmrLeImr[m][k].bits;
            _ <== imrLeOne[m][k].bits;
            if (k > 0) {
                _ <== imrStep[m][k - 1].bits;
                _ <== mmrStep[m][k - 1].bits;
                _ <== startStep[m][k - 1].bits;
            }
        }
        _ <== feeRange[m].bits;
        _ <== feeCap[m].bits;
        _ <== fundingRange[m].bits;
        _ <== fundingCap[m].bits;
    }
    for (var c = 0; c < C; c++) {
        _ <== haircutRange[c].bits;
        _ <== haircutCap[c].bits;
    }
}
