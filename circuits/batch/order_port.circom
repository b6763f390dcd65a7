pragma circom 2.2.0;

// OrderPort(orderDepth) — one signed order filled in an op slot: every order-side rule of protocol/ops/common.ts
// fillOrder except the signature (SignatureCheck, on the message computed here) and the market/side relations
// (the op templates): the Order constructor's ranges, expiry [I15], the slot rule of PROTOCOL §4.2 [I9], the limit
// price, the fee cap [I16], and the order-slot update inside the account's order tree.
//
// Signals:
//   input  used                 {Bool}     the op fills this order (derived from the opcode by the caller)
//   input  accountIndex         {Uint<accountDepth>}  the account port's index: the order is signed for it
//   input  chainId, contract    {Uint64}, {Uint160}   the deployment (batch-wide, range-checked once)
//   input  market               {Uint8}    the slot's market (one-hot checked by the slot)
//   input  fill                 {Uint63}   slot fill (range-checked by the slot; > 0 checked by the op)
//   input  price                {Uint56}   slot price (range-checked by the slot)
//   input  fee                  {Uint95}   what this order's account pays (0 for a liquidator's order)
//   input  batchTime            {Uint40}   (range-checked once per batch)
//   input  order                OrderFields  slot, nonce, isBuy, size, limitPrice, expiry, flags, maxFee
//   input  slotNonce, slotFilled {Uint32}, {Uint63}  the slot's content before the fill (OrderSlotLeaf checks)
//   input  slotSiblings[orderDepth] {Field}
//   input  ordersRoot           {Field}    the account's order-tree root before (its leaf field)
//   output message              {Field}    H(DOMAIN_ORDER, chainId, contract, accountIndex, slot, nonce, market,
//                                          isBuy, size, limitPrice, expiry, flags, maxFee) — PROTOCOL §6
//   output ordersRootAfter      {Field}    used ? the root with (nonce, filled') in the slot : ordersRoot
//   output reduceOnly           {Bool}     flags bit 0
// NOTE: every rule is gated by `used`; an unused port (all-zero order, empty slot) is satisfiable and changes nothing.
// NOTE: IsZero inverse hints of the positivity checks are free when the value is 0 (an unused port); the outputs are
//       pinned regardless (documented in the batch test's wire sweep).
// Bit budgets: fill·price < 2^63·2^56 = 2^119; ·maxFee (≤ 10^6 < 2^20) < 2^139; fee·10^6 < 2^95·2^20 = 2^115. The
//              fee slack fill·price·maxFee − fee·10^6 is in (−2^115, 2^139): a negative value wraps to ≥ r − 2^115,
//              which has no 140-bit decomposition. size − filled' ∈ (−2^64, 2^63) likewise against 63 bits.
// Cost (test): ranges 32 + 63 + 56 + 40 + 3 + 40 + positivity 6, expiry 41, slot rule 33 + 3 + 63, limit 2·57,
//              fee 2 + 140, two OrderSlotLeaf 706, GatedMerkleUpdate(2) 968, message Poseidon(13) ≈ 540.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/constants.circom";
include "../lib/uint_range.circom";
include "../lib/order_slot_leaf.circom";
include "../lib/hash_tagged.circom";
include "buses.circom";
include "gated_merkle_update.circom";

template OrderPort(orderDepth) {
    signal input used;
    signal input accountIndex;
    signal input chainId;
    signal input contract;
    signal input market;
    signal input fill;
    signal input price;
    signal input fee;
    signal input batchTime;
    input OrderFields() order;
    signal input slotNonce;
    signal input slotFilled;
    signal input slotSiblings[orderDepth];
    signal input ordersRoot;
    signal output message;
    signal output ordersRootAfter;
    signal output reduceOnly;

    // Order constructor ranges (protocol/order.ts): nonce ≥ 1, size ≥ 1, limitPrice ≥ 1, expiry Uint40, flags
    // Uint3, maxFee ≤ 10^6, isBuy boolean. The slot index range is the Merkle decomposition below (checkSlot).
    component nonceRange = UintRange(NONCE_BITS());
    nonceRange.in <== order.nonce; // OUT_OF_RANGE (order nonce)
    component sizeRange = UintRange(AMOUNT_BITS());
    sizeRange.in <== order.size; // OUT_OF_RANGE (order size)
    component limitRange = UintRange(PRICE_BITS());
    limitRange.in <== order.limitPrice; // OUT_OF_RANGE (limit price)
    component expiryRange = UintRange(TIME_BITS());
    expiryRange.in <== order.expiry; // OUT_OF_RANGE (expiry)
    component flagBits = UintRange(FLAG_BITS());
    flagBits.in <== order.flags; // OUT_OF_RANGE (flags)
    component maxFeeRange = UintRange(RATE_BITS());
    maxFeeRange.in <== order.maxFee; // OUT_OF_RANGE (maxFee)
    component maxFeeCap = UintRange(RATE_BITS());
    maxFeeCap.in <== RATE_SCALE() - order.maxFee; // OUT_OF_RANGE (maxFee > 1)
    order.isBuy * (order.isBuy - 1) === 0;
    component nonceZero = IsZero();
    nonceZero.in <== order.nonce;
    used * nonceZero.out === 0; // OUT_OF_RANGE (order nonce 0)
    component sizeZero = IsZero();
    sizeZero.in <== order.size;
    used * sizeZero.out === 0; // OUT_OF_RANGE (order size 0)
    component limitZero = IsZero();
    limitZero.in <== order.limitPrice;
    used * limitZero.out === 0; // OUT_OF_RANGE (limit price 0)
    reduceOnly <== flagBits.bits[0];
    // Range checks only (post-only and IOC, flag bits 1 and 2, are the sequencer's): the bits are not needed.
    _ <== nonceRange.bits;
    _ <== sizeRange.bits;
    _ <== limitRange.bits;
    _ <== expiryRange.bits;
    _ <== flagBits.bits[1];
    _ <== flagBits.bits[2];
    _ <== maxFeeRange.bits;
    _ <== maxFeeCap.bits;

    // ORDER_EXPIRED: valid while batchTime < expiry (both Uint40: batch check, expiryRange) [I15].
    component live = LessThan(TIME_BITS()); // range: batchTime Uint40 by BatchMain, expiry by expiryRange
    live.in[0] <== batchTime;
    live.in[1] <== order.expiry;
    used * (1 - live.out) === 0; // ORDER_EXPIRED

    // Slot rule (PROTOCOL §4.2) [I9]. slotNonce is Uint32 by OrderSlotLeaf, order.nonce by nonceRange.
    component slotBefore = OrderSlotLeaf();
    slotBefore.nonce <== slotNonce;
    slotBefore.filled <== slotFilled;
    component replayed = LessThan(NONCE_BITS()); // range: order.nonce by nonceRange, slotNonce by slotBefore (OrderSlotLeaf)
    replayed.in[0] <== order.nonce;
    replayed.in[1] <== slotNonce;
    used * replayed.out === 0; // ORDER_REPLAYED
    component sameOrder = IsEqual();
    sameOrder.in[0] <== order.nonce;
    sameOrder.in[1] <== slotNonce;
    // n == slotNonce continues the order; n > slotNonce starts afresh (the older order is dead for good).
    signal filledBefore;
    filledBefore <== sameOrder.out * slotFilled;
    signal filledAfter;
    filledAfter <== filledBefore + fill;
    // OVERFILL: filled' ≤ size.
    signal sizeSlack;
    sizeSlack <== used * (order.size - filledAfter);
    component overfill = UintRange(AMOUNT_BITS());
    overfill.in <== sizeSlack; // OVERFILL
    component slotAfter = OrderSlotLeaf();
    slotAfter.nonce <== order.nonce;
    slotAfter.filled <== filledAfter;
    component slotUpdate = GatedMerkleUpdate(orderDepth);
    slotUpdate.enabled <== used;
    slotUpdate.index <== order.slot;
    slotUpdate.oldLeaf <== slotBefore.out;
    slotUpdate.newLeaf <== slotAfter.out;
    slotUpdate.siblings <== slotSiblings;
    slotUpdate.oldRoot <== ordersRoot; // wrong order-slot path
    ordersRootAfter <== slotUpdate.newRoot;

    // PRICE_OUTSIDE_LIMIT: a buyer pays at most, a seller receives at least, the limit (both Uint56).
    component aboveLimit = LessThan(PRICE_BITS()); // range: limitPrice by limitRange, price Uint56 by the slot
    aboveLimit.in[0] <== order.limitPrice;
    aboveLimit.in[1] <== price;
    component belowLimit = LessThan(PRICE_BITS()); // range: price Uint56 by the slot, limitPrice by limitRange
    belowLimit.in[0] <== price;
    belowLimit.in[1] <== order.limitPrice;
    signal buyerViolation;
    buyerViolation <== order.isBuy * (aboveLimit.out - belowLimit.out);
    used * (buyerViolation + belowLimit.out) === 0; // PRICE_OUTSIDE_LIMIT

    // FEE_TOO_HIGH: fee·10^6 ≤ fill·price·maxFee [I16] (bit budget in the header).
    signal notional;
    notional <== fill * price;
    signal feeCap;
    feeCap <== notional * order.maxFee;
    signal feeSlack;
    feeSlack <== used * (feeCap - fee * RATE_SCALE());
    component feeOk = UintRange(140);
    feeOk.in <== feeSlack; // FEE_TOO_HIGH
    _ <== feeOk.bits;
    _ <== overfill.bits;

    component msg = HashTagged(DOMAIN_ORDER(), 12);
    msg.in[0] <== chainId;
    msg.in[1] <== contract;
    msg.in[2] <== accountIndex;
    msg.in[3] <== order.slot;
    msg.in[4] <== order.nonce;
    msg.in[5] <== market;
    msg.in[6] <== order.isBuy;
    msg.in[7] <== order.size;
    msg.in[8] <== order.limitPrice;
    msg.in[9] <== order.expiry;
    msg.in[10] <== order.flags;
    msg.in[11] <== order.maxFee;
    message <== msg.out;
}
