pragma circom 2.2.0;

// PortWrite(accountDepth, M, C) — the write half of an account port: the after-state (the op's proposal when the op
// writes this port, the unchanged leaf otherwise), its range-checked leaf, and where it goes — the account tree
// through the port's own Merkle path, or the insurance-fund register when the port names index 0 (PROTOCOL §4.3, §8:
// account 0 lives in the register during a batch, and a port naming it is bound to the register field by field).
//
// Signals:
//   input  active              {Bool}    the op touches this port (derived from the opcode)
//   input  fundPort            {Bool}    active and index = 0
//   input  written             {Bool}    the op writes this port (derived from the opcode and its outcome)
//   input  index               {Uint<accountDepth>}  (decomposed by the Merkle update)
//   input  before              AccountFields(M, C)   the leaf as read (the register's copy for the fund)
//   input  beforeHash          {Field}   StoredAccountLeaf(before)
//   input  siblings[accountDepth] {Field}
//   input  rootIn              {Field}   the account root before this port's write
//   input  quote               {Int135}  proposed quote (settled quote + OpEffects' delta; AccountLeaf bounds it)
//   input  balances[C]         {Uint65}  proposed balances (AccountLeaf bounds them when written)
//   input  sizes[M]            {Int65}   proposed sizes (likewise)
//   input  ordersRoot          {Field}   the order port's root after (= before.ordersRoot when no order is filled)
//   input  setKey, setSalt, incNonce {Bool}  DEPOSIT registration and WITHDRAW's nonce step (0 for port B)
//   input  pubKeyX, pubKeyY, salt {Field} the deposit's key and salt
//   input  fundingIndices[M]   {Int64}   the batch's new indices: a written account is settled
//   input  regIn               AccountFields(M, C)   the register before this port
//   output rootOut             {Field}
//   output regOut              AccountFields(M, C)   the register after this port (= after for the fund port)
// NOTE: the after-state (an internal bus `after`) always goes through AccountLeaf (every field range-checked), so no written field can leave its
//       type [I11]; when nothing is written, after = before, which is in range (StoredAccountLeaf's argument).
// Cost: AccountLeaf(M, C) + GatedMerkleUpdate(accountDepth) + 3·(6 + C + 2M) + 3.
include "../lib/account_leaf.circom";
include "buses.circom";
include "gated_merkle_update.circom";

template PortWrite(accountDepth, M, C) {
    signal input active;
    signal input fundPort;
    signal input written;
    signal input index;
    input AccountFields(M, C) before;
    signal input beforeHash;
    signal input siblings[accountDepth];
    signal input rootIn;
    signal input quote;
    signal input balances[C];
    signal input sizes[M];
    signal input ordersRoot;
    signal input setKey;
    signal input setSalt;
    signal input incNonce;
    signal input pubKeyX;
    signal input pubKeyY;
    signal input salt;
    signal input fundingIndices[M];
    input AccountFields(M, C) regIn;
    signal output rootOut;
    output AccountFields(M, C) regOut;

    // The fund port reads the register, not a leaf: every field equal [I13].
    fundPort * (before.pubKeyX - regIn.pubKeyX) === 0;
    fundPort * (before.pubKeyY - regIn.pubKeyY) === 0;
    fundPort * (before.nonce - regIn.nonce) === 0;
    fundPort * (before.salt - regIn.salt) === 0;
    fundPort * (before.ordersRoot - regIn.ordersRoot) === 0;
    fundPort * (before.quote - regIn.quote) === 0;
    for (var c = 0; c < C; c++) fundPort * (before.balances[c] - regIn.balances[c]) === 0;
    for (var m = 0; m < M; m++) {
        fundPort * (before.sizes[m] - regIn.sizes[m]) === 0;
        fundPort * (before.fundingIndices[m] - regIn.fundingIndices[m]) === 0;
    }

    // Proposed key, salt and nonce (the rest of the proposal comes in settled).
    signal keyX;
    keyX <== before.pubKeyX + setKey * (pubKeyX - before.pubKeyX);
    signal keyY;
    keyY <== before.pubKeyY + setKey * (pubKeyY - before.pubKeyY);
    signal newSalt;
    newSalt <== before.salt + setSalt * (salt - before.salt);

    AccountFields(M, C) after;
    after.pubKeyX <== before.pubKeyX + written * (keyX - before.pubKeyX);
    after.pubKeyY <== before.pubKeyY + written * (keyY - before.pubKeyY);
    after.nonce <== before.nonce + written * incNonce;
    after.salt <== before.salt + written * (newSalt - before.salt);
    after.ordersRoot <== before.ordersRoot + written * (ordersRoot - before.ordersRoot);
    after.quote <== before.quote + written * (quote - before.quote);
    for (var c = 0; c < C; c++) after.balances[c] <== before.balances[c] + written * (balances[c] - before.balances[c]);
    for (var m = 0; m < M; m++) {
        after.sizes[m] <== before.sizes[m] + written * (sizes[m] - before.sizes[m]);
        after.fundingIndices[m] <== before.fundingIndices[m] + written * (fundingIndices[m] - before.fundingIndices[m]);
    }

    component leaf = AccountLeaf(M, C);
    leaf.pubKeyX <== after.pubKeyX;
    leaf.pubKeyY <== after.pubKeyY;
    leaf.nonce <== after.nonce;
    leaf.salt <== after.salt;
    leaf.ordersRoot <== after.ordersRoot;
    leaf.quote <== after.quote;
    leaf.balances <== after.balances;
    leaf.sizes <== after.sizes;
    leaf.fundingIndices <== after.fundingIndices; // OUT_OF_RANGE (written leaf)

    // A non-fund active port opens its leaf under rootIn and writes the after leaf (the same leaf when not written).
    component path = GatedMerkleUpdate(accountDepth);
    path.enabled <== active - fundPort;
    path.index <== index;
    path.oldLeaf <== beforeHash;
    path.newLeaf <== leaf.out;
    path.siblings <== siblings;
    path.oldRoot <== rootIn; // wrong account path
    rootOut <== path.newRoot;

    regOut.pubKeyX <== regIn.pubKeyX + fundPort * (after.pubKeyX - regIn.pubKeyX);
    regOut.pubKeyY <== regIn.pubKeyY + fundPort * (after.pubKeyY - regIn.pubKeyY);
    regOut.nonce <== regIn.nonce + fundPort * (after.nonce - regIn.nonce);
    regOut.salt <== regIn.salt + fundPort * (after.salt - regIn.salt);
    regOut.ordersRoot <== regIn.ordersRoot + fundPort * (after.ordersRoot - regIn.ordersRoot);
    regOut.quote <== regIn.quote + fundPort * (after.quote - regIn.quote);
    for (var c = 0; c < C; c++) regOut.balances[c] <== regIn.balances[c] + fundPort * (after.balances[c] - regIn.balances[c]);
    for (var m = 0; m < M; m++) {
        regOut.sizes[m] <== regIn.sizes[m] + fundPort * (after.sizes[m] - regIn.sizes[m]);
        regOut.fundingIndices[m] <== regIn.fundingIndices[m] + fundPort * (after.fundingIndices[m] - regIn.fundingIndices[m]);
    }
}
