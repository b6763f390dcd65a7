pragma circom 2.2.0;

// Buses of the batch circuit: the shapes of what one op slot reads, so that the witness JSON mirrors the protocol
// objects (an AccountFields bus is exactly protocol/account.ts Account.toCircuitInputs(); an OrderFields bus is
// Order.toCircuitInputs() without accountIndex and market, which the circuit takes from the slot instead, so an
// order can only ever be signed for the account and market it is filled on). Buses carry no constraints: every
// field is range-checked where it enters (see docs/CIRCUITS.md, "Who range-checks what").

// PROTOCOL §4.1, in hash order. Types: nonce Uint32, quote Int96, balances Uint64, sizes Int64, fundingIndices Int64.
bus AccountFields(M, C) {
    signal pubKeyX;
    signal pubKeyY;
    signal nonce;
    signal salt;
    signal ordersRoot;
    signal quote;
    signal balances[C];
    signal sizes[M];
    signal fundingIndices[M];
}

// PROTOCOL §6 order fields (accountIndex and market come from the slot).
bus OrderFields() {
    signal slot;
    signal nonce;
    signal isBuy;
    signal size;
    signal limitPrice;
    signal expiry;
    signal flags;
    signal maxFee;
}

// EdDSA-Poseidon signature (protocol/eddsa.ts Signature).
bus Signature() {
    signal R8x;
    signal R8y;
    signal S;
}

// Everything one op slot takes besides the batch-wide values and the threaded state. Port 0 ("A") and port 1 ("B")
// are the accounts an op touches, in the order protocol/batch.ts writes them (docs/CIRCUITS.md, "Op slot").
// Fields an op does not use are 0 (the witness builder's convention; the circuit pins what matters by selector).
bus SlotInput(accountDepth, orderDepth, M, C) {
    signal opcode;
    // Fill ops (TRADE, LIQUIDATE, DELEVERAGE).
    signal fill;
    signal price;
    signal market;
    signal feeA;
    signal feeB;
    signal penalty;
    signal liquidatorHasOrder;
    signal servesForced;
    // L1-facing fields (DEPOSIT, WITHDRAW, forced requests).
    signal amount;
    signal asset;
    signal l1Address;
    signal pubKeyX;
    signal pubKeyY;
    signal salt;
    signal nonce;
    // The two account ports.
    signal index[2];
    AccountFields(M, C) before[2];
    signal siblings[2][accountDepth];
    // The two order ports (port k's order belongs to account port k) and signatures.
    OrderFields() order[2];
    Signature() sig[2];
    signal slotNonce[2];
    signal slotFilled[2];
    signal slotSiblings[2][orderDepth];
}
