pragma circom 2.2.0;

// MarginChunk(depth, k, M, C, T, EMPTY_LEAF, TAG_EPOCH, TAG_CHUNK) — the margin proof for one chunk
// (docs/MARGIN_PROOF.md; model protocol/marginProof.ts marginChunk): the 2^k leaves of subtree `chunkIndex` of the
// settled account tree, proven under the epoch's account root, each settled virtually at the epoch's funding indices
// and judged at its prices; the accounts a LIQUIDATE could act on are flagged, and the flags are public. One public
// input:
//
//   epochHash       = H(TAG_EPOCH, chainId, contract, batchNumber, accountRoot, configHash, P[0..M−1], Q[0..C−1],
//                       I[0..M−1])
//   publicInputHash = H(TAG_CHUNK, epochHash, chunkIndex, rightEmpty, flagWords[0..W−1])
//
// flagWords pack the flags little-endian, 248 per word (leaf i → bit i mod 248 of word ⌊i/248⌋), W = ⌈2^k/248⌉.
// The flags, rightEmpty and configHash are computed, never inputs, so a proof that omits an account a LIQUIDATE
// could act on, or claims an empty right side that is not, does not exist.
//
// Parameters: depth — accountDepth; k — chunk depth (0 ≤ k < depth); EMPTY_LEAF — the set's empty account leaf;
//             TAG_EPOCH, TAG_CHUNK — the domain tags DOMAIN_MARGIN_EPOCH, DOMAIN_MARGIN (protocol/marginProof.ts;
//             parameters until spec/constants.json lists them, so that no witness can hash under another domain).
// Signals (inputs; the witness builder is circuits/tooling/marginWitness.ts):
//   publicInputHash {Field} PUBLIC
//   chainId, contract, batchNumber, accountRoot {Field}   hashed only (the contract supplies its own values)
//   chunkIndex {Uint<depth−k>}                            decomposed by ChunkPath
//   marketPrices[M], collateralPrices[C] {Uint56}         > 0, checked here
//   fundingIndices[M] {Int64}                             checked here
//   tierStart[M][T] {Uint120}, imr[M][T], mmr[M][T], liquidationFee[M], maxFundingStep[M], haircut[C] {Uint20}
//                                                         the config (§5.1), validated here by ConfigCheck
//   leaves[2^k] {AccountFields(M, C)}                     the chunk's leaf preimages, in index order
//   siblings[depth − k] {Field}                           the chunk's path above its subtree root
// NOTE: every input that reaches arithmetic is range-checked here, except the leaf fields, which are in range because
//       they open under accountRoot (MarginLeaf's StoredAccountLeaf argument). So the verifier must build epochHash
//       from a root a batch proof settled — the contract takes it from its own storage — never from a claimed one.
// Cost: per leaf MarginLeaf + one Poseidon(2) of the subtree; per chunk ConfigCheck, ConfigHash, price and index
// ranges, ChunkPath, two tagged hashes. Figures in docs/MARGIN_PROOF.md §M.6.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/constants.circom";
include "../lib/int_range.circom";
include "../lib/positive_uint.circom";
include "../lib/hash_tagged.circom";
include "../lib/config_check.circom";
include "../lib/config_hash.circom";
include "../batch/buses.circom";
include "margin_leaf.circom";
include "subtree_root.circom";
include "chunk_path.circom";
include "flag_words.circom";

template MarginChunk(depth, k, M, C, T, EMPTY_LEAF, TAG_EPOCH, TAG_CHUNK) {
    assert(k >= 0 && k < depth);
    var N = 2 ** k;
    // FlagWords' word count: 248 flags a word.
    var W = (N + 247) \ 248;

    signal input publicInputHash;
    signal input chainId;
    signal input contract;
    signal input batchNumber;
    signal input accountRoot;
    signal input chunkIndex;
    signal input marketPrices[M];
    signal input collateralPrices[C];
    signal input fundingIndices[M];
    signal input tierStart[M][T];
    signal input imr[M][T];
    signal input mmr[M][T];
    signal input liquidationFee[M];
    signal input maxFundingStep[M];
    signal input haircut[C];
    input AccountFields(M, C) leaves[N];
    signal input siblings[depth - k];

    // ---- The epoch's values that reach arithmetic: prices (BAD_PRICE), indices (Int64), the config (BAD_CONFIG).
    component marketPriceRange[M];
    component indexRange[M];
    for (var m = 0; m < M; m++) {
        marketPriceRange[m] = PositiveUint(PRICE_BITS());
        marketPriceRange[m].in <== marketPrices[m];
        indexRange[m] = IntRange(FUNDING_INDEX_BITS());
        indexRange[m].in <== fundingIndices[m];
        // Range check only: the sign is not needed.
        _ <== indexRange[m].neg;
    }
    component collateralPriceRange[C];
    for (var c = 0; c < C; c++) {
        collateralPriceRange[c] = PositiveUint(PRICE_BITS());
        collateralPriceRange[c].in <== collateralPrices[c];
    }
    component configCheck = ConfigCheck(M, C, T);
    configCheck.tierStart <== tierStart;
    configCheck.imr <== imr;
    configCheck.mmr <== mmr;
    configCheck.liquidationFee <== liquidationFee;
    configCheck.maxFundingStep <== maxFundingStep;
    configCheck.haircut <== haircut;
    component configHash = ConfigHash(M, C, T);
    configHash.tierStart <== tierStart;
    configHash.imr <== imr;
    configHash.mmr <== mmr;
    configHash.liquidationFee <== liquidationFee;
    configHash.maxFundingStep <== maxFundingStep;
    configHash.haircut <== haircut;

    // ---- The leaves: hash, virtual settlement, health, flag. Only leaf 0 of chunk 0 is the insurance fund.
    component chunkIsZero = IsZero();
    chunkIsZero.in <== chunkIndex;
    component leaf[N];
    component subtree = SubtreeRoot(k);
    for (var i = 0; i < N; i++) {
        leaf[i] = MarginLeaf(M, C, T);
        leaf[i].acct <== leaves[i];
        leaf[i].marketPrices <== marketPrices;
        leaf[i].collateralPrices <== collateralPrices;
        leaf[i].fundingIndices <== fundingIndices;
        leaf[i].tierStart <== tierStart;
        leaf[i].mmr <== mmr;
        leaf[i].haircut <== haircut;
        if (i == 0) {
            leaf[i].eligible <== 1 - chunkIsZero.out;
        } else {
            leaf[i].eligible <== 1;
        }
        subtree.leaves[i] <== leaf[i].leaf;
    }

    // ---- The chunk's place under the epoch's root.
    component path = ChunkPath(depth, k, EMPTY_LEAF);
    path.subtreeRoot <== subtree.root;
    path.chunkIndex <== chunkIndex;
    path.siblings <== siblings;
    path.root === accountRoot;

    // ---- Flags, 248 to a word (each flag is a product of booleans, as FlagWords requires).
    component flagWords = FlagWords(N);
    for (var i = 0; i < N; i++) flagWords.flags[i] <== leaf[i].flagged;

    // ---- The one public input.
    component epoch = HashTagged(TAG_EPOCH, 5 + 2 * M + C);
    epoch.in[0] <== chainId;
    epoch.in[1] <== contract;
    epoch.in[2] <== batchNumber;
    epoch.in[3] <== accountRoot;
    epoch.in[4] <== configHash.out;
    for (var m = 0; m < M; m++) epoch.in[5 + m] <== marketPrices[m];
    for (var c = 0; c < C; c++) epoch.in[5 + M + c] <== collateralPrices[c];
    for (var m = 0; m < M; m++) epoch.in[5 + M + C + m] <== fundingIndices[m];
    component pub = HashTagged(TAG_CHUNK, 3 + W);
    pub.in[0] <== epoch.out;
    pub.in[1] <== chunkIndex;
    pub.in[2] <== path.rightEmpty;
    for (var w = 0; w < W; w++) pub.in[3 + w] <== flagWords.words[w];
    publicInputHash === pub.out;
}
