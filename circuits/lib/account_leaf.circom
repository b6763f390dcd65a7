pragma circom 2.1.0;

// AccountLeaf(M, C) — the account leaf hash H(DOMAIN_ACCOUNT, fields) of PROTOCOL §4.1, after range-checking every
// field against its §2 type, so that no leaf a circuit writes can hold an out-of-bound value [I11].
// Input names equal protocol/account.ts Account.toCircuitInputs(), so that object is this template's input.
//
// Signals (hash order):
//   input  pubKeyX, pubKeyY    {Field}    Baby Jubjub key; (0, 0) while unregistered
//   input  nonce               {Uint32}   next withdrawal nonce
//   input  salt                {Field}
//   input  ordersRoot          {Field}    root of the order-slot tree (§4.2)
//   input  quote               {Int96}    signed quote balance (Value)
//   input  balances[C]         {Uint64}   collateral balances
//   input  sizes[M]            {Int64}    signed positions
//   input  fundingIndices[M]   {Int64}    last-settled funding index per market
//   output out                 {Field}    the leaf
// Field order: pubKeyX, pubKeyY, nonce, salt, ordersRoot, quote, balances[0..C−1], then (sizes[m],
// fundingIndices[m]) interleaved per market — 6 + C + 2M fields.
// NOTE: none — every field is range-checked here; pubKeyX, pubKeyY, salt and ordersRoot are any field element.
// Cost: 32 + 96 + 64·C + 128·M range-check constraints + the Poseidon chain (test: one Poseidon(13)).
include "constants.circom";
include "uint_range.circom";
include "int_range.circom";
include "hash_tagged.circom";

template AccountLeaf(M, C) {
    signal input pubKeyX;
    signal input pubKeyY;
    signal input nonce;
    signal input salt;
    signal input ordersRoot;
    signal input quote;
    signal input balances[C];
    signal input sizes[M];
    signal input fundingIndices[M];
    signal output out;

    component nonceRange = UintRange(NONCE_BITS());
    nonceRange.in <== nonce;
    component quoteRange = IntRange(QUOTE_BITS());
    quoteRange.in <== quote;
    component balanceRange[C];
    for (var c = 0; c < C; c++) {
        balanceRange[c] = UintRange(BALANCE_BITS());
        balanceRange[c].in <== balances[c];
    }
    component sizeRange[M];
    component indexRange[M];
    for (var m = 0; m < M; m++) {
        sizeRange[m] = IntRange(SIZE_BITS());
        sizeRange[m].in <== sizes[m];
        indexRange[m] = IntRange(FUNDING_INDEX_BITS());
        indexRange[m].in <== fundingIndices[m];
    }

    component h = HashTagged(DOMAIN_ACCOUNT(), 6 + C + 2 * M);
    h.in[0] <== pubKeyX;
    h.in[1] <== pubKeyY;
    h.in[2] <== nonce;
    h.in[3] <== salt;
    h.in[4] <== ordersRoot;
    h.in[5] <== quote;
    for (var c = 0; c < C; c++) h.in[6 + c] <== balances[c];
    for (var m = 0; m < M; m++) {
        h.in[6 + C + 2 * m] <== sizes[m];
        h.in[6 + C + 2 * m + 1] <== fundingIndices[m];
    }
    out <== h.out;
    // Range checks only: no bits or signs are needed.
    _ <== nonceRange.bits;
    _ <== quoteRange.neg;
    for (var c = 0; c < C; c++) _ <== balanceRange[c].bits;
    for (var m = 0; m < M; m++) {
        _ <== sizeRange[m].neg;
        _ <== indexRange[m].neg;
    }
}
