pragma circom 2.2.0;

// LiquidateOp — the rules of LIQUIDATE (opcode 4, PROTOCOL §7.4; protocol/ops/liquidate.ts): port A is the liquidated
// account L, port B the liquidator K (the insurance fund, index 0, unless K fills with a signed order). Each rule
// carries the model's rejection code:
//   INSURANCE_FUND_FORBIDDEN L ≠ 0
//   (structure)              without an order K is the fund; `liquidatorHasOrder`, `servesForced` are booleans that
//                            only a LIQUIDATE may set (pinned here, so they are never free)
//   SAME_ACCOUNT             K ≠ L
//   ACCOUNT_NOT_REGISTERED   L and K registered
//   NOT_LIQUIDATABLE         TVs_L < MMs_L after settling funding [I7]
//   NOT_REDUCING             s = size_L[m] ≠ 0 and fill ≤ |s|; L sells if long, buys if short (OpEffects)
//   SAME_SIDE                K's order takes the side opposite to L (buys iff L is long); its other checks are the
//                            port-B OrderPort (expiry, slot rule, limit, fee cap with fee 0) and signature
//   PENALTY_TOO_HIGH         penalty·10^6 ≤ fill·P[m]·liquidationFee[m]
//   HEALTH_WORSENED          TV'_L·MM_L ≥ TV_L·MM'_L (the zero-price bound) [I7]
//   UNDER_MARGINED           R(K)
//   OUT_OF_RANGE             fill > 0, price > 0 (here); ranges (slot); written fields in range [I11]
//   FORCED_MISMATCH          structural: with servesForced the slot hashes (FORCED_KIND_LIQUIDATION, L, request key,
//                            asset, amount, l1Address) into the forced queue, so a request of another kind or account
//                            gives another forced hash, which the public input binds to the contract's queue [I19]
// Footprint: ports A and B written; order port B and signature B iff liquidatorHasOrder; forced hash iff servesForced.
//   REDUCE_ONLY_VIOLATED     a reduce-only liquidator order does not increase or flip K's position [I17] (as in
//                            TradeOp: the port's riskIncreasing flag decides the reduce-only rule)
//
// Signals:
//   input  sel, hasOrder, servesForced     {Bool}  opcode is LIQUIDATE; slot fields liquidatorHasOrder, servesForced
//   input  isFund[2]                       {Bool}  port index = 0
//   input  registered[2], sameIndex        {Bool}
//   input  fillZero, priceZero             {Bool}
//   input  liquidatable                    {Bool}  L's settled margin
//   input  absL, negL                      {Uint64}, {Bool}  |size_L[m]| and its sign
//   input  fill                            {Uint63}
//   input  isBuyK                          {Bool}  K's order side
//   input  markPrice, liquidationFee       {Uint56}, {Rate ≤ MAX_LIQUIDATION_FEE_PPM}  P[m], the config's fee[m]
//   input  penalty                         {Uint95}
//   input  hrndL, fillOkK                  {Bool}  PortMarginRules of L and K
//   input  reduceOnlyK, riskIncreasingK    {Bool}  K's order flag bit 0 (OrderPort), K's PortMarginRules flag
// NOTE: fill, penalty are range-checked by the slot (Uint63, Uint95), markPrice and liquidationFee are the batch's
//       checked values selected at the market, absL/negL the slot's Abs(64); the flags are booleans it derives.
// Bit budgets: fill·P < 2^119, ·liquidationFee (≤ 10^5 < 2^17) < 2^136; penalty·10^6 < 2^115: the slack is in
//              (−2^115, 2^136), checked against 137 bits. |s| − fill ∈ (−2^63, 2^63] against 64 bits.
// Cost: IsZero 2 + UintRange(64) 64 + UintRange(137) 137 + 4 products + 15 gated equalities.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/constants.circom";
include "../lib/uint_range.circom";

template LiquidateOp() {
    signal input sel;
    signal input hasOrder;
    signal input servesForced;
    signal input isFund[2];
    signal input registered[2];
    signal input sameIndex;
    signal input fillZero;
    signal input priceZero;
    signal input liquidatable;
    signal input absL;
    signal input negL;
    signal input fill;
    signal input isBuyK;
    signal input markPrice;
    signal input liquidationFee;
    signal input penalty;
    signal input hrndL;
    signal input fillOkK;
    signal input reduceOnlyK;
    signal input riskIncreasingK;

    // The two LIQUIDATE-only flags: boolean, and 0 for every other opcode.
    hasOrder * (hasOrder - 1) === 0;
    hasOrder * (1 - sel) === 0;
    servesForced * (servesForced - 1) === 0;
    servesForced * (1 - sel) === 0;

    sel * isFund[0] === 0; // INSURANCE_FUND_FORBIDDEN
    // Without an order the liquidator is the fund (sel − hasOrder = sel·(1 − hasOrder) for hasOrder ≤ sel).
    (sel - hasOrder) * (1 - isFund[1]) === 0;
    sel * sameIndex === 0; // SAME_ACCOUNT
    sel * (1 - registered[0]) === 0; // ACCOUNT_NOT_REGISTERED (L)
    sel * (1 - registered[1]) === 0; // ACCOUNT_NOT_REGISTERED (K)
    sel * fillZero === 0; // OUT_OF_RANGE (fill)
    sel * priceZero === 0; // OUT_OF_RANGE (price)
    sel * (1 - liquidatable) === 0; // NOT_LIQUIDATABLE

    // NOT_REDUCING: s ≠ 0 (|s| = 0 iff s = 0) and fill ≤ |s|.
    component flat = IsZero();
    flat.in <== absL;
    sel * flat.out === 0; // NOT_REDUCING (no position)
    signal reduceSlack;
    reduceSlack <== sel * (absL - fill);
    component reduces = UintRange(SIZE_BITS());
    reduces.in <== reduceSlack; // NOT_REDUCING (fill beyond the position)

    // SAME_SIDE: K buys iff L is long (negL = 0).
    hasOrder * (isBuyK + negL - 1) === 0; // SAME_SIDE

    // PENALTY_TOO_HIGH (bit budget in the header).
    signal closedNotional;
    closedNotional <== fill * markPrice;
    signal penaltyCap;
    penaltyCap <== closedNotional * liquidationFee;
    signal penaltySlack;
    penaltySlack <== sel * (penaltyCap - penalty * RATE_SCALE());
    component penaltyOk = UintRange(137);
    penaltyOk.in <== penaltySlack; // PENALTY_TOO_HIGH
    // Range checks only: the bits are not needed.
    _ <== reduces.bits;
    _ <== penaltyOk.bits;

    sel * (1 - hrndL) === 0; // HEALTH_WORSENED
    sel * (1 - fillOkK) === 0; // UNDER_MARGINED (liquidator)
    signal reducingK;
    reducingK <== hasOrder * reduceOnlyK;
    reducingK * riskIncreasingK === 0; // REDUCE_ONLY_VIOLATED (liquidator order)
}
