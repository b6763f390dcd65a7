pragma circom 2.2.0;

// ForcedLiquidationCheckOp — FORCED_LIQUIDATION_CHECK (opcode 8, PROTOCOL §7.8;
// protocol/ops/forcedLiquidationCheck.ts): serves a forced-liquidation request by proving the named account healthy at
// the batch prices after settling funding (TVs ≥ MMs; an unregistered leaf is trivially healthy). An unhealthy
// account can only be served by a LIQUIDATE with servesForced [I19].
// Footprint: port A read, not written; the forced hash advances (kind FORCED_KIND_LIQUIDATION, the slot).
//
// Signals:
//   input  sel           {Bool}  opcode is FORCED_LIQUIDATION_CHECK
//   input  liquidatable  {Bool}  TVs < MMs of port A's settled account
// NOTE: both inputs are booleans the slot derives.
// Cost: 1 constraint.
template ForcedLiquidationCheckOp() {
    signal input sel;
    signal input liquidatable;

    sel * liquidatable === 0; // LIQUIDATABLE
}
