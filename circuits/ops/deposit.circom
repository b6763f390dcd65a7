pragma circom 2.2.0;

// DepositOp — the rules of DEPOSIT (opcode 1, PROTOCOL §7.1; protocol/ops/deposit.ts): a deposit is never rejected
// once the contract queued it, only credited or refunded [I12]; this template computes which, as the model does.
//
//   leaf unregistered: register with the deposit's key (a zero key cannot register → refund)
//   leaf registered:   credit only if the deposit names the leaf's key (else refund)
//   credit:            settled quote += amount·10^8 (asset 0) or balance[asset−1] += amount, refunded instead when
//                      the settled, credited account would leave a bound (quote Int96, balance Uint64) [I11]
// Footprint (the slot's table): port A = accountIndex, written iff credited; the deposit hash always advances; a
// refund publishes (EFFECT_DEPOSIT_REFUND, l1Address, asset, amount). The credit itself is OpEffects'; the key and
// salt are set by the slot's port write when credited (salt only for an unregistered leaf).
//
// Signals:
//   input  sel              {Bool}    opcode is DEPOSIT
//   input  registered       {Bool}    port A's leaf has a key
//   input  keyMatch         {Bool}    the leaf's key equals the deposit's
//   input  opKeyZero        {Bool}    the deposit's key is (0, 0)
//   input  amountZero       {Bool}    amount = 0
//   input  proposedQuote    {Int135}  settled quote + the credit (|settled| < 2^134 by SettleFunding, credit < 2^90)
//   input  selectedBalance  {Uint64}  port A's stored balance of the asset (0 for the quote asset, so the balance
//                                     test below always passes for it: amount < 2^63)
//   input  amount           {Uint63}  (range-checked by the slot)
//   output credited, refund {Bool}    both 0 unless sel; credited + refund = sel
// NOTE: sel, registered, keyMatch, opKeyZero, amountZero are booleans the slot derives; amount is range-checked there.
// Cost: IntFits(96, 135) 138 + UintRange(65) 65 + 6.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/constants.circom";
include "../lib/uint_range.circom";
include "../batch/int_fits.circom";

template DepositOp() {
    signal input sel;
    signal input registered;
    signal input keyMatch;
    signal input opKeyZero;
    signal input amountZero;
    signal input proposedQuote;
    signal input selectedBalance;
    signal input amount;
    signal output credited;
    signal output refund;

    // The amount is positive (the contract refuses 0; the model rejects it).
    sel * amountZero === 0; // OUT_OF_RANGE

    // Key: the registered key must match; an unregistered leaf takes any non-zero key.
    signal keyKept;
    keyKept <== registered * keyMatch;
    signal keyNew;
    keyNew <== (1 - registered) * (1 - opKeyZero);
    signal keyOk;
    keyOk <== keyKept + keyNew;

    // Bounds after settlement and credit: quote Int96 (also when the asset is collateral — settlement alone may
    // move the quote out), and the credited balance Uint64 (selectedBalance + amount < 2^64 + 2^63 < 2^65).
    component quoteFits = IntFits(QUOTE_BITS(), QUOTE_BITS() + 39);
    quoteFits.in <== proposedQuote;
    component newBalance = UintRange(BALANCE_BITS() + 1);
    newBalance.in <== selectedBalance + amount;
    // Only the top bit decides; the others only complete the 65-bit decomposition.
    for (var j = 0; j < BALANCE_BITS(); j++) _ <== newBalance.bits[j];
    signal fits;
    fits <== quoteFits.out * (1 - newBalance.bits[BALANCE_BITS()]);

    signal ok;
    ok <== keyOk * fits;
    credited <== sel * ok;
    refund <== sel - credited;
}
