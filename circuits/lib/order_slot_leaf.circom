pragma circom 2.1.0;

// OrderSlotLeaf — the order-slot leaf H(DOMAIN_ORDER_SLOT, nonce, filled) of PROTOCOL §4.2 (protocol/account.ts
// orderSlotHash), after range-checking both fields, so a written slot never holds an out-of-bound value [I9][I11].
//
// Signals:
//   input  nonce   {Uint32}  the slot's order nonce (0 for the empty slot)
//   input  filled  {Uint63}  amount filled under that nonce (an Amount)
//   output out     {Field}
// NOTE: none — both fields are range-checked here.
// Cost: 32 + 63 + Poseidon(3).
include "constants.circom";
include "uint_range.circom";
include "hash_tagged.circom";

template OrderSlotLeaf() {
    signal input nonce;
    signal input filled;
    signal output out;

    component nonceRange = UintRange(NONCE_BITS());
    nonceRange.in <== nonce;
    component filledRange = UintRange(AMOUNT_BITS());
    filledRange.in <== filled;

    component h = HashTagged(DOMAIN_ORDER_SLOT(), 2);
    h.in[0] <== nonce;
    h.in[1] <== filled;
    out <== h.out;
    // Range checks only: the bits are not needed.
    _ <== nonceRange.bits;
    _ <== filledRange.bits;
}
