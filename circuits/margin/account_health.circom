pragma circom 2.1.0;

// AccountHealth(M, C, T) — the maintenance-margin decision of PROTOCOL §5.2 for one account whose funding was settled
// virtually (protocol/margin.ts computeMargin(…, fundingIndices).liquidatable), and whether it holds a position: all
// a margin proof needs per account. Unlike AccountMargin it forms no shown figures (no divisions, no IMs), and its
// comparison covers a settled quote of any size SettleFunding can produce, not only an Int96 one — so every leaf a
// state can hold has a witness (AccountMargin's Int126 shown figures would refuse a settled quote near 2^133).
//
// Signals:
//   input  quote                {Int134}   settled quote = leaf quote − unsettled funding (SettleFunding.newQuote)
//   input  balances[C]          {Uint64}
//   input  sizes[M]             {Int64}    range-checked again here by Abs, which yields |size|
//   input  marketPrices[M]      {Uint56}   mark prices P[m], > 0
//   input  collateralPrices[C]  {Uint56}   oracle prices Q[c], > 0
//   input  tierStart[M][T]      {Uint120}  the config's tier starts (§5.1)
//   input  mmr[M][T]            {Uint20}   maintenance rates (Rate, ≤ 10^6)
//   input  haircut[C]           {Uint20}   haircuts (Rate, ≤ 10^6)
//   output tvS                  {Int154}   TVs (Scaled, 1e-22 USD)
//   output mmS                  {Uint146}  MMs (Scaled)
//   output liquidatable         {Bool}     TVs < MMs
//   output open                 {Bool}     some size ≠ 0
// NOTE: quote must be SettleFunding's output over a leaf quote ∈ Int96, sizes and funding indices ∈ Int64 (with
//       M ≤ 64 that bounds it to Int134); balances ∈ Uint64 (a stored leaf's fields: StoredAccountLeaf's argument);
//       prices checked as (0, 2^56) (PositiveUint(56)); the config must satisfy ConfigCheck(M, C, T). The bit budgets
//       below and the tier logic rely on all of it.
//
// MMs is AccountMargin's telescoped form (see account_margin.circom): N·mmr[0] + Σ_{j≥1} ge[j]·(N − tierStart[j])·
// (mmr[j] − mmr[j−1]), ge[j] = (tierStart[j] ≤ N), equal to §5.2's N·mmr[k] − dedMM[k] under ConfigCheck's
// increasing starts; for size 0, N = 0 and every ge[j] = 0 (tierStart[j] ≥ 1), matching the model's 0.
//
// Bit budgets (r ≈ 2^253.6; M ≤ 64, C ≤ 64 asserted; 10^6 < 2^19.94):
//   |quote| < 2^95 + M·2^63·2^64 ≤ 2^133 + 2^95;  |quote·10^6| < 2^152.95
//   balance·Q < 2^120; ·haircut < 2^139.94;  Σ_c < 2^145.94
//   |size·P·10^6| ≤ 2^63·2^56·10^6 < 2^138.94;  Σ_m < 2^144.94
//   |TVs| < 2^152.95 + 2^145.94 + 2^144.94 < 2^153  ⇒ TVs ∈ Int154
//   N = |size|·P ≤ 2^63·2^56 = 2^119 < 2^120 (LessThan(120) input); per market MMs ≤ N·mmr[T−1] ≤ 2^119·10^6;
//   0 ≤ MMs < M·2^138.94 ≤ 2^144.94  ⇒ MMs ∈ Int154
//   Σ_m |size_m| ≤ M·2^63 ≤ 2^69: no wrap, zero iff every size is zero
// Cost: per market 65 (Abs) + 3 products + (T−1)·(121 + 2); per collateral 2; 155 for the comparison; 2 for `open`.
// test (2, 2, 2): 543; dev (4, 2, 2): 925; prod (8, 4, 3): 2,677 (AccountMargin: 1,037 / 1,423 / 3,191).
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/constants.circom";
include "../lib/abs.circom";
include "../lib/signed_less_than.circom";

template AccountHealth(M, C, T) {
    // M, C ≤ 64 keep TVs and MMs inside Int154 (bit budgets above).
    assert(M >= 1 && M <= 64 && C >= 0 && C <= 64 && T >= 1);
    signal input quote;
    signal input balances[C];
    signal input sizes[M];
    signal input marketPrices[M];
    signal input collateralPrices[C];
    signal input tierStart[M][T];
    signal input mmr[M][T];
    signal input haircut[C];
    signal output tvS;
    signal output mmS;
    signal output liquidatable;
    signal output open;

    var RS = RATE_SCALE();

    // Collateral: balance·Q·haircut (< 2^139.94 each).
    signal balanceValue[C];
    signal collateralValue[C];
    var collateralSum = 0;
    for (var c = 0; c < C; c++) {
        balanceValue[c] <== balances[c] * collateralPrices[c];
        collateralValue[c] <== balanceValue[c] * haircut[c];
        collateralSum += collateralValue[c];
    }

    // Markets: signed value size·P (< 2^119 in magnitude), notional N = |size|·P (< 2^120), the tier brackets.
    component absSize[M];
    signal positionValue[M];
    signal notional[M];
    signal mmBase[M];
    // Tier boundary j (1 ≤ j < T) lives at index j − 1.
    component below[M][T - 1];
    signal excess[M][T - 1];
    signal mmBracket[M][T - 1];
    var positionSum = 0;
    var mmSum = 0;
    var absSum = 0;
    for (var m = 0; m < M; m++) {
        absSize[m] = Abs(SIZE_BITS());
        absSize[m].in <== sizes[m];
        absSum += absSize[m].out;
        positionValue[m] <== sizes[m] * marketPrices[m];
        notional[m] <== absSize[m].out * marketPrices[m];
        positionSum += positionValue[m];
        mmBase[m] <== notional[m] * mmr[m][0];
        mmSum += mmBase[m];
        for (var j = 1; j < T; j++) {
            // range: LessThan(120) needs both inputs < 2^120: N ≤ 2^119 by the budget above (|size| ≤ 2^63 from Abs,
            // P < 2^56 by the precondition); tierStart is Uint120 by ConfigCheck (precondition).
            below[m][j - 1] = LessThan(TIER_START_BITS());
            below[m][j - 1].in[0] <== notional[m];
            below[m][j - 1].in[1] <== tierStart[m][j];
            // ge = 1 − below: the part of N at or above this tier's start, 0 while the tier is not reached.
            excess[m][j - 1] <== (1 - below[m][j - 1].out) * (notional[m] - tierStart[m][j]);
            mmBracket[m][j - 1] <== excess[m][j - 1] * (mmr[m][j] - mmr[m][j - 1]);
            mmSum += mmBracket[m][j - 1];
        }
    }

    tvS <== quote * RS + collateralSum + positionSum * RS;
    mmS <== mmSum;

    // range: SignedLessThan(154) needs TVs, MMs ∈ Int154: |TVs| < 2^153 and 0 ≤ MMs < 2^145 by the budgets above,
    // which follow from the preconditions on every input.
    component lt = SignedLessThan(154);
    lt.in[0] <== tvS;
    lt.in[1] <== mmS;
    liquidatable <== lt.out;

    // Σ|size| ≤ 2^69 cannot wrap, so it is zero exactly when every size is.
    component flat = IsZero();
    flat.in <== absSum;
    open <== 1 - flat.out;

    // Not needed: the signs (the products use sizes and |sizes| directly) and tier 0's start, which ConfigCheck pins
    // to 0 (the formula starts from N·mmr[0]).
    for (var m = 0; m < M; m++) {
        _ <== absSize[m].neg;
        _ <== tierStart[m][0];
    }
}
