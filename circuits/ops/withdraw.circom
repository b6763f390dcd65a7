pragma circom 2.2.0;

// WithdrawOp — the rules of WITHDRAW (opcode 2, PROTOCOL §7.2; protocol/ops/withdraw.ts), each tagged with the
// model's rejection code:
//   ACCOUNT_NOT_REGISTERED   the leaf has a key
//   BAD_SIGNATURE            the slot's port-A verifier, enabled by this opcode, over H(DOMAIN_WITHDRAW, chainId,
//                            contract, accountIndex, asset, amount, l1Address, nonce)
//   BAD_NONCE                nonce = the leaf's nonce [I9] (the slot's port write then stores nonce + 1, which the
//                            written leaf's Uint32 check bounds)
//   INSUFFICIENT_BALANCE     quote − amount·10^8 ≥ 0 (never borrow quote) or balance[asset−1] ≥ amount, after settling
//   UNDER_MARGINED           TVs' ≥ IMs' on the settled, debited account [I5]
//   OUT_OF_RANGE             amount > 0 (here); amount Uint63, l1Address Uint160, asset ≤ C, index < 2^depth (slot)
// Footprint: port A written; L1 effect (EFFECT_WITHDRAWAL, l1Address, asset, amount).
//
// Signals:
//   input  sel         {Bool}  opcode is WITHDRAW
//   input  registered  {Bool}  port A's leaf has a key
//   input  amountZero  {Bool}  amount = 0
//   input  nonceMatch  {Bool}  the op's nonce equals the leaf's
//   input  sufficient  {Bool}  the settled balance covers the amount
//   input  imOk        {Bool}  TVs' ≥ IMs' (port A's PortMarginRules on the proposed state)
// NOTE: every input is a boolean the slot derives.
// Cost: 5 constraints.
template WithdrawOp() {
    signal input sel;
    signal input registered;
    signal input amountZero;
    signal input nonceMatch;
    signal input sufficient;
    signal input imOk;

    sel * (1 - registered) === 0; // ACCOUNT_NOT_REGISTERED
    sel * amountZero === 0; // OUT_OF_RANGE
    sel * (1 - nonceMatch) === 0; // BAD_NONCE
    sel * (1 - sufficient) === 0; // INSUFFICIENT_BALANCE
    sel * (1 - imOk) === 0; // UNDER_MARGINED
}
