pragma circom 2.2.0;

// FundingSettleOp — the rule of FUNDING_SETTLE (opcode 6, PROTOCOL §7.6; protocol/ops/fundingSettle.ts): the account
// must be registered; the settlement itself is the slot's SettleFunding, written to port A (no margin check: settling
// moves value between the quote and unsettled funding only). OUT_OF_RANGE (a settled quote beyond Int96) is the
// written leaf's range check.
//
// Signals:
//   input  sel         {Bool}  opcode is FUNDING_SETTLE
//   input  registered  {Bool}  port A's leaf has a key
// NOTE: both inputs are booleans the slot derives.
// Cost: 1 constraint.
template FundingSettleOp() {
    signal input sel;
    signal input registered;

    sel * (1 - registered) === 0; // ACCOUNT_NOT_REGISTERED
}
