pragma circom 2.2.0;

// ForcedWithdrawOp — FORCED_WITHDRAW (opcode 7, PROTOCOL §7.8; protocol/ops/forcedWithdraw.ts): the registered owner's
// withdrawal filed on L1, served in queue order whatever its outcome [I19]. Executed iff all of:
//   the leaf is registered with the request's key (the contract's registry key)
//   amount > 0
//   the settled balance covers it (quote never below 0)
//   TVs' ≥ IMs' on the settled, debited account
// otherwise rejected: no state change, no L1 effect. Either way the forced hash advances (the slot).
// Footprint: port A written iff executed; L1 effect (EFFECT_WITHDRAWAL, l1Address, asset, amount) iff executed. No
// signature and no nonce: the contract authenticated the owner. A settled quote beyond Int96 makes an executed
// request unprovable, as the model's write refuses it (OUT_OF_RANGE).
//
// Signals:
//   input  sel         {Bool}  opcode is FORCED_WITHDRAW
//   input  registered  {Bool}  port A's leaf has a key
//   input  keyMatch    {Bool}  the leaf's key equals the request's
//   input  amountZero  {Bool}  amount = 0
//   input  sufficient  {Bool}  the settled balance covers the amount
//   input  imOk        {Bool}  TVs' ≥ IMs' on the proposed state (port A's PortMarginRules)
//   output executed    {Bool}  0 unless sel
// NOTE: every input is a boolean the slot derives.
// Cost: 5 products.
template ForcedWithdrawOp() {
    signal input sel;
    signal input registered;
    signal input keyMatch;
    signal input amountZero;
    signal input sufficient;
    signal input imOk;
    signal output executed;

    signal isRegistered;
    isRegistered <== sel * registered;
    signal owner;
    owner <== isRegistered * keyMatch;
    signal nonZero;
    nonZero <== owner * (1 - amountZero);
    signal covered;
    covered <== nonZero * sufficient;
    executed <== covered * imOk;
}
