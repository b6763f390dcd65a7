pragma circom 2.2.0;

// BatchMain(accountDepth, orderDepth, M, C, T, S) — the batch proof (PROTOCOL §8, §9): S op slots applied under one
// set of oracle prices and funding indices, from oldRoot to newRoot, committed by exactly one public input.
//
//   publicInputHash = H(DOMAIN_PUBLIC, chainId, contract, batchNumber, oldRoot, newRoot, batchTime, configHash,
//                       depositHashOld, depositHashNew, forcedHashOld, forcedHashNew, l1EffectsHash,
//                       P[0..M−1], Q[0..C−1], I_old[0..M−1], I_new[0..M−1])
//
// Everything else is a private input pinned by that hash (the contract rebuilds it from its storage and calldata) or
// computed here: newRoot, configHash, the new deposit and forced hashes and l1EffectsHash are outputs of the slots,
// never inputs. Once per batch: the ranges of the header values (§2), the funding tick (§7.7), the config's validity
// (§5.1, ConfigCheck — the precondition of every AccountMargin) and hash, the insurance fund read from oldRoot into the
// register (§8 step 2) and written back after the slots (step 4).
//
// Signals (inputs; the witness builder is circuits/tooling/batchWitness.ts):
//   publicInputHash {Field} PUBLIC
//   chainId {Uint64}, contract {Uint160}, batchNumber {Uint64}, oldRoot {Field}, batchTime {Uint40}
//   depositHashOld, forcedHashOld {Field}
//   marketPrices[M], collateralPrices[C] {0 < p < 2^56}, fundingOld[M], fundingNew[M] {Int64}
//   tierStart[M][T] {Uint120}, imr[M][T] {Rate}, mmr[M][T] {Rate}                (§5.1, validated by ConfigCheck)
//   liquidationFee[M] {Rate}, maxFundingStep[M] {Rate}, haircut[C] {Rate}      (§5.1, validated by ConfigCheck)
//   fundBefore {AccountFields(M, C)}  the insurance fund's leaf at oldRoot
//   fundSiblingsBefore[accountDepth] {Field}  leaf 0's path under oldRoot
//   fundSiblingsAfter[accountDepth] {Field}   leaf 0's path in the tree after the slots
//   slots[S] {SlotInput}
// NOTE: none for the caller (every input is checked here); the witness is circuits/tooling/batchWitness.ts's.
// NOTE: batchNumber has no type in PROTOCOL §2; it is checked as Uint64 (the contract counts from 1).
// NOTE: "batch time never goes backwards" compares with the contract's last batch time, which is not a public
//       input: the contract checks it.
// Cost: S × OpSlot + the fixed part (ConfigCheck, ConfigHash, the fund read and write-back, header ranges, the public
// hash): test 10,250 + S × 32,269; prod 35,049 + S × 64,413 (circuits/tooling/batchCosts.ts, docs/CIRCUITS.md).
include "../lib/constants.circom";
include "../lib/uint_range.circom";
include "../lib/int_range.circom";
include "../lib/positive_uint.circom";
include "../lib/abs.circom";
include "../lib/hash_tagged.circom";
include "../lib/config_check.circom";
include "../lib/config_hash.circom";
include "../lib/account_leaf.circom";
include "../lib/merkle_root_from_bits.circom";
include "../lib/merkle_update.circom";
include "buses.circom";
include "stored_account_leaf.circom";
include "op_slot.circom";

template BatchMain(accountDepth, orderDepth, M, C, T, S) {
    assert(S >= 1);
    signal input publicInputHash;
    signal input chainId;
    signal input contract;
    signal input batchNumber;
    signal input oldRoot;
    signal input batchTime;
    signal input depositHashOld;
    signal input forcedHashOld;
    signal input marketPrices[M];
    signal input collateralPrices[C];
    signal input fundingOld[M];
    signal input fundingNew[M];
    signal input tierStart[M][T];
    signal input imr[M][T];
    signal input mmr[M][T];
    signal input liquidationFee[M];
    signal input maxFundingStep[M];
    signal input haircut[C];
    input AccountFields(M, C) fundBefore;
    signal input fundSiblingsBefore[accountDepth];
    signal input fundSiblingsAfter[accountDepth];
    input SlotInput(accountDepth, orderDepth, M, C) slots[S];

    // ---- Header ranges (PROTOCOL §2; BAD_PRICE for prices).
    component chainRange = UintRange(CHAIN_ID_BITS());
    chainRange.in <== chainId; // OUT_OF_RANGE (chainId)
    component contractRange = UintRange(ADDRESS_BITS());
    contractRange.in <== contract; // OUT_OF_RANGE (contract)
    component batchNumberRange = UintRange(64);
    batchNumberRange.in <== batchNumber; // OUT_OF_RANGE (batchNumber)
    component timeRange = UintRange(TIME_BITS());
    timeRange.in <== batchTime; // OUT_OF_RANGE (batchTime)
    // Range checks only: the bits are not needed.
    _ <== chainRange.bits;
    _ <== contractRange.bits;
    _ <== batchNumberRange.bits;
    _ <== timeRange.bits;
    component marketPriceRange[M];
    for (var m = 0; m < M; m++) {
        marketPriceRange[m] = PositiveUint(PRICE_BITS());
        marketPriceRange[m].in <== marketPrices[m]; // BAD_PRICE
    }
    component collateralPriceRange[C];
    for (var c = 0; c < C; c++) {
        collateralPriceRange[c] = PositiveUint(PRICE_BITS());
        collateralPriceRange[c].in <== collateralPrices[c]; // BAD_PRICE
    }

    // ---- Config (§5.1): valid, and committed as configHash.
    component configCheck = ConfigCheck(M, C, T);
    configCheck.tierStart <== tierStart;
    configCheck.imr <== imr;
    configCheck.mmr <== mmr;
    configCheck.liquidationFee <== liquidationFee;
    configCheck.maxFundingStep <== maxFundingStep;
    configCheck.haircut <== haircut; // BAD_CONFIG
    component configHash = ConfigHash(M, C, T);
    configHash.tierStart <== tierStart;
    configHash.imr <== imr;
    configHash.mmr <== mmr;
    configHash.liquidationFee <== liquidationFee;
    configHash.maxFundingStep <== maxFundingStep;
    configHash.haircut <== haircut;

    // ---- Funding tick (§7.7): I' ∈ Int64 and |I' − I|·10^6 ≤ P·maxFundingStep (FUNDING_STEP_TOO_LARGE).
    // |I' − I| < 2^64 (Abs(65) of an Int65), ·10^6 < 2^84; P·step < 2^56·2^20 = 2^76: a violation wraps the slack
    // to ≥ r − 2^84, which has no 77-bit decomposition.
    component oldIndexRange[M];
    component newIndexRange[M];
    component step[M];
    signal stepCap[M];
    component stepOk[M];
    for (var m = 0; m < M; m++) {
        oldIndexRange[m] = IntRange(FUNDING_INDEX_BITS());
        oldIndexRange[m].in <== fundingOld[m]; // OUT_OF_RANGE (funding index)
        newIndexRange[m] = IntRange(FUNDING_INDEX_BITS());
        newIndexRange[m].in <== fundingNew[m]; // OUT_OF_RANGE (funding index)
        step[m] = Abs(FUNDING_INDEX_BITS() + 1);
        step[m].in <== fundingNew[m] - fundingOld[m];
        stepCap[m] <== marketPrices[m] * maxFundingStep[m];
        stepOk[m] = UintRange(PRICE_BITS() + RATE_BITS() + 1);
        stepOk[m].in <== stepCap[m] - step[m].out * RATE_SCALE(); // FUNDING_STEP_TOO_LARGE
        // Range checks and a magnitude only: signs and bits are not needed.
        _ <== oldIndexRange[m].neg;
        _ <== newIndexRange[m].neg;
        _ <== step[m].neg;
        _ <== stepOk[m].bits;
    }

    // ---- §8 step 2: the insurance fund (leaf 0) under oldRoot becomes the register. Its fields were range-checked
    // when the previous batch wrote them (StoredAccountLeaf's argument), as the register's users require.
    component fundLeafBefore = StoredAccountLeaf(M, C);
    fundLeafBefore.acct <== fundBefore;
    component fundRead = MerkleRootFromBits(accountDepth);
    fundRead.leaf <== fundLeafBefore.out;
    for (var j = 0; j < accountDepth; j++) fundRead.pathBits[j] <== 0;
    fundRead.siblings <== fundSiblingsBefore;
    fundRead.root === oldRoot; // wrong oldRoot or fund leaf

    // ---- §8 step 3: the slots, threading the root, the three rolling hashes and the register.
    component slot[S];
    for (var i = 0; i < S; i++) {
        slot[i] = OpSlot(accountDepth, orderDepth, M, C, T);
        slot[i].chainId <== chainId;
        slot[i].contract <== contract;
        slot[i].batchTime <== batchTime;
        slot[i].marketPrices <== marketPrices;
        slot[i].collateralPrices <== collateralPrices;
        slot[i].fundingIndices <== fundingNew;
        slot[i].tierStart <== tierStart;
        slot[i].imr <== imr;
        slot[i].mmr <== mmr;
        slot[i].liquidationFee <== liquidationFee;
        slot[i].haircut <== haircut;
        slot[i].op <== slots[i];
        if (i == 0) {
            slot[i].rootIn <== oldRoot;
            slot[i].depositHashIn <== depositHashOld;
            slot[i].forcedHashIn <== forcedHashOld;
            slot[i].l1EffectsHashIn <== 0;
            slot[i].fundIn <== fundBefore;
        } else {
            slot[i].rootIn <== slot[i - 1].rootOut;
            slot[i].depositHashIn <== slot[i - 1].depositHashOut;
            slot[i].forcedHashIn <== slot[i - 1].forcedHashOut;
            slot[i].l1EffectsHashIn <== slot[i - 1].l1EffectsHashOut;
            slot[i].fundIn <== slot[i - 1].fundOut;
        }
    }

    // ---- §8 step 4: write the register back to leaf 0, which still holds fundBefore (no port opens index 0 through
    // its own path [I13]), along the path in the tree after the slots.
    component fundLeafAfter = AccountLeaf(M, C);
    fundLeafAfter.pubKeyX <== slot[S - 1].fundOut.pubKeyX;
    fundLeafAfter.pubKeyY <== slot[S - 1].fundOut.pubKeyY;
    fundLeafAfter.nonce <== slot[S - 1].fundOut.nonce;
    fundLeafAfter.salt <== slot[S - 1].fundOut.salt;
    fundLeafAfter.ordersRoot <== slot[S - 1].fundOut.ordersRoot;
    fundLeafAfter.quote <== slot[S - 1].fundOut.quote;
    fundLeafAfter.balances <== slot[S - 1].fundOut.balances;
    fundLeafAfter.sizes <== slot[S - 1].fundOut.sizes;
    fundLeafAfter.fundingIndices <== slot[S - 1].fundOut.fundingIndices;
    component fundWrite = MerkleUpdate(accountDepth);
    fundWrite.index <== 0;
    fundWrite.oldLeaf <== fundLeafBefore.out;
    fundWrite.newLeaf <== fundLeafAfter.out;
    fundWrite.siblings <== fundSiblingsAfter;
    fundWrite.oldRoot <== slot[S - 1].rootOut;
    signal newRoot;
    newRoot <== fundWrite.newRoot;

    // ---- §9: the one public input.
    component pub = HashTagged(DOMAIN_PUBLIC(), 12 + 3 * M + C);
    pub.in[0] <== chainId;
    pub.in[1] <== contract;
    pub.in[2] <== batchNumber;
    pub.in[3] <== oldRoot;
    pub.in[4] <== newRoot;
    pub.in[5] <== batchTime;
    pub.in[6] <== configHash.out;
    pub.in[7] <== depositHashOld;
    pub.in[8] <== slot[S - 1].depositHashOut;
    pub.in[9] <== forcedHashOld;
    pub.in[10] <== slot[S - 1].forcedHashOut;
    pub.in[11] <== slot[S - 1].l1EffectsHashOut;
    for (var m = 0; m < M; m++) pub.in[12 + m] <== marketPrices[m];
    for (var c = 0; c < C; c++) pub.in[12 + M + c] <== collateralPrices[c];
    for (var m = 0; m < M; m++) {
        pub.in[12 + M + C + m] <== fundingOld[m];
        pub.in[12 + 2 * M + C + m] <== fundingNew[m];
    }
    publicInputHash === pub.out; // public input mismatch
}
