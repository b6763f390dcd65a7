pragma circom 2.1.0;

// AccountMargin(M, C, T) — the cross-margin figures of PROTOCOL §5.2 for one settled account, exactly as
// protocol/margin.ts computeMargin: the exact Scaled figures (1e-22 USD) that every margin decision uses, the shown
// Value-unit figures (TV rounded down, requirements rounded up) that the health-ratio rule uses, and the flags.
//
// Signals:
//   input  quote                  {Int96}    settled quote balance (SettleFunding first: no funding term here)
//   input  balances[C]            {Uint64}
//   input  sizes[M]               {Int64}    range-checked again here by Abs, which needs the sign bits anyway
//   input  marketPrices[M]        {Uint56}   mark prices P[m], > 0
//   input  collateralPrices[C]    {Uint56}   oracle prices Q[c], > 0
//   input  tierStart[M][T], imr[M][T], mmr[M][T], haircut[C]   {Uint120}/{Rate}  the config (§5.1)
//   output tvS, mmS, imS          {Int147}   TVs, MMs, IMs (Scaled) — bounded by the budgets below, and exactly
//                                            q·10^6 ± r of the divisions, so Int147 as the comparison needs
//   output tv                     {Int126}   floor(TVs / 10^6)
//   output mm, im                 {Int126}   ceil(MMs / 10^6), ceil(IMs / 10^6)
//   output tier[M]                {Uint8}    k(m), the largest k with tierStart[m][k] ≤ N[m]
//   output healthy, liquidatable  {Bool}     TVs ≥ MMs, TVs < MMs
//   output bankrupt               {Bool}     TVs < 0
// NOTE: quote, balances and sizes must be range-checked by the caller (AccountLeaf on the leaf they come from or
//       go to); prices must be checked as (0, 2^56) once per batch (PositiveUint(56)); the config must satisfy
//       ConfigCheck(M, C, T). The bit budgets below and the tier logic rely on all three.
// NOTE: for such inputs the circuit always has a witness, as protocol/margin.ts always computes a margin: the
//       divisions bound their quotients to Int126 (MARGIN_VALUE_BITS), which the budgets show is never reached
//       while 2C + M ≤ 63 (asserted). The model's Int160 checks on TVs, MMs and IMs cannot fire either.
//
// Deductions — decision: not passed in, not materialised. §5.2 writes MMs as Σ_m (N·mmr[k] − dedMM[k]) with
// dedMM[k] = dedMM[k−1] + tierStart[k]·(mmr[k] − mmr[k−1]). Telescoping N·mmr[k] = N·mmr[0] + Σ_{j≤k} N·(mmr[j] −
// mmr[j−1]) gives the identical integer
//     N·mmr[0] + Σ_{j=1..T−1} ge[j]·(N − tierStart[j])·(mmr[j] − mmr[j−1]),   ge[j] = (tierStart[j] ≤ N),
// because under ConfigCheck the starts increase (unused tiers sit at 2^120 − 1 > N), so ge[j] = 1 exactly for
// 1 ≤ j ≤ k(m). This costs 3 products per tier boundary against 4 selections + 2 deduction products in the
// N·rate[k] − ded[k] form, needs no tier one-hot, and leaves no deduction input a caller could get wrong.
//
// Bit budgets (r ≈ 2^253.6; every product below is an exact integer):
//   |size| ≤ 2^63 (Abs), P < 2^56              ⇒ N = |size|·P < 2^119, size·P ∈ (−2^119, 2^119)
//   size·P·10^6                               < 2^119·10^6
//   balance·Q < 2^64·2^56 = 2^120; ·haircut   ≤ 2^120·10^6
//   quote·10^6                                < 2^95·10^6
//   |TVs| < (2^95 + C·2^120 + M·2^119)·10^6 = (2^95 + (2C + M)·2^119)·10^6 < 2^125·10^6 for 2C + M ≤ 63,
//         so tv = floor(TVs/10^6) ∈ Int126 (prod, C = 4, M = 8: |TVs| < 2^143)
//   ge·(N − start) ∈ [0, 2^119); ·(rate step ≤ 10^6) < 2^119·10^6; N·rate[0] ≤ 2^119·10^6
//   per market ≤ N·rate[T−1] ≤ 2^119·10^6, so 0 ≤ MMs ≤ IMs < M·2^119·10^6 < 2^125·10^6: mm, im ∈ Int126
//   |TVs|, |MMs| ≤ 2^125·10^6 + 10^6 < 2^146 (tv, mm ∈ Int126) ⇒ both in Int147 for the health comparison
// Cost: per market 65 (Abs) + 4 products + (T−1)·(121 + 3); per collateral 2; then 3 · 167 for the divisions (the
// q·10^6 product is linear) and 148 for the health comparison. Prod (8, 4, 3): 3,191, 61 % in tier comparisons.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "constants.circom";
include "abs.circom";
include "floor_div.circom";
include "ceil_div.circom";
include "signed_less_than.circom";

template AccountMargin(M, C, T) {
    // 2C + M ≤ 63 keeps every shown figure inside Int126 (bit budgets above).
    assert(M >= 1 && C >= 0 && 2 * C + M <= 63 && T >= 1);
    signal input quote;
    signal input balances[C];
    signal input sizes[M];
    signal input marketPrices[M];
    signal input collateralPrices[C];
    signal input tierStart[M][T];
    signal input imr[M][T];
    signal input mmr[M][T];
    signal input haircut[C];

    signal output tvS;
    signal output mmS;
    signal output imS;
    signal output tv;
    signal output mm;
    signal output im;
    signal output tier[M];
    signal output healthy;
    signal output liquidatable;
    signal output bankrupt;

    var RS = RATE_SCALE();

    // Collateral: balance·Q·haircut (< 2^140, see budgets).
    signal balanceValue[C];
    signal collateralValue[C];
    var collateralSum = 0;
    for (var c = 0; c < C; c++) {
        balanceValue[c] <== balances[c] * collateralPrices[c];
        collateralValue[c] <== balanceValue[c] * haircut[c];
        collateralSum += collateralValue[c];
    }

    // Markets: signed value size·P, notional N = |size|·P, and the tier brackets.
    component absSize[M];
    signal positionValue[M];
    signal notional[M];
    signal mmBase[M];
    signal imBase[M];
    // Tier boundary j (1 ≤ j < T) lives at index j − 1.
    component below[M][T - 1];
    signal excess[M][T - 1];
    signal mmBracket[M][T - 1];
    signal imBracket[M][T - 1];
    var positionSum = 0;
    var mmSum = 0;
    var imSum = 0;
    for (var m = 0; m < M; m++) {
        absSize[m] = Abs(SIZE_BITS());
        absSize[m].in <== sizes[m];
        positionValue[m] <== sizes[m] * marketPrices[m];
        notional[m] <== absSize[m].out * marketPrices[m];
        positionSum += positionValue[m];

        mmBase[m] <== notional[m] * mmr[m][0];
        imBase[m] <== notional[m] * imr[m][0];
        mmSum += mmBase[m];
        imSum += imBase[m];
        var k = 0;
        for (var j = 1; j < T; j++) {
            // range: LessThan(120) needs both inputs < 2^120: N < 2^119 by the budget above; tierStart is Uint120 by
            // ConfigCheck (precondition).
            below[m][j - 1] = LessThan(TIER_START_BITS());
            below[m][j - 1].in[0] <== notional[m];
            below[m][j - 1].in[1] <== tierStart[m][j];
            // ge = 1 − below; the part of N at or above this tier's start, 0 when the tier is not reached.
            excess[m][j - 1] <== (1 - below[m][j - 1].out) * (notional[m] - tierStart[m][j]);
            mmBracket[m][j - 1] <== excess[m][j - 1] * (mmr[m][j] - mmr[m][j - 1]);
            imBracket[m][j - 1] <== excess[m][j - 1] * (imr[m][j] - imr[m][j - 1]);
            mmSum += mmBracket[m][j - 1];
            imSum += imBracket[m][j - 1];
            k += 1 - below[m][j - 1].out;
        }
        // With increasing starts the reached tiers are exactly 1..k(m), so counting them gives k(m).
        tier[m] <== k;
    }

    tvS <== quote * RS + collateralSum + positionSum * RS;
    mmS <== mmSum;
    imS <== imSum;

    // Shown figures. RS = 10^6 < 2^20 is the constant divisor (the divisions' den precondition).
    component tvDiv = FloorDiv(MARGIN_VALUE_BITS(), RATE_BITS());
    tvDiv.num <== tvS;
    tvDiv.den <== RS;
    tv <== tvDiv.q;
    component mmDiv = CeilDiv(MARGIN_VALUE_BITS(), RATE_BITS());
    mmDiv.num <== mmS;
    mmDiv.den <== RS;
    mm <== mmDiv.q;
    component imDiv = CeilDiv(MARGIN_VALUE_BITS(), RATE_BITS());
    imDiv.num <== imS;
    imDiv.den <== RS;
    im <== imDiv.q;

    // TVs < 0 ⇔ floor(TVs / 10^6) < 0: the sign comes with tv's range check.
    bankrupt <== tvDiv.qNeg;

    // range: SignedLessThan(147) needs TVs, MMs ∈ Int147: TVs = tv·10^6 + r with tv ∈ Int126 and 0 ≤ r < 10^6 < 2^20, so
    // |TVs| ≤ 2^125·2^20 = 2^145; MMs = mm·10^6 − r likewise, |MMs| < 2^145 + 2^20 (tvDiv and mmDiv above).
    component lt = SignedLessThan(MARGIN_VALUE_BITS() + RATE_BITS() + 1);
    lt.in[0] <== tvS;
    lt.in[1] <== mmS;
    liquidatable <== lt.out;
    healthy <== 1 - lt.out;
    // Not needed: the remainders (the divisions pin them), the signs (the products use |size|), and tier 0's start,
    // which ConfigCheck pins to 0 (the formula starts from N·rate[0]).
    _ <== tvDiv.r;
    _ <== mmDiv.r;
    _ <== imDiv.r;
    for (var m = 0; m < M; m++) {
        _ <== absSize[m].neg;
        _ <== tierStart[m][0];
    }
}
