pragma circom 2.2.0;

// MarginLeaf(M, C, T) — one account of a margin chunk (docs/MARGIN_PROOF.md; protocol/marginProof.ts isFlagged): the
// leaf hash of its preimage, its funding settled virtually at the epoch's indices, its health at the epoch's prices,
// and whether the proof must flag it — exactly when a LIQUIDATE could act on it (PROTOCOL §7.4): TVs < MMs, some
// position open, and not the insurance fund.
//
// Signals:
//   input  acct                 AccountFields(M, C)  the leaf preimage (protocol Account.toCircuitInputs())
//   input  marketPrices[M]      {Uint56}   > 0
//   input  collateralPrices[C]  {Uint56}   > 0
//   input  fundingIndices[M]    {Int64}    the epoch's cumulative indices I[m]
//   input  tierStart[M][T]      {Uint120}
//   input  mmr[M][T]            {Uint20}
//   input  haircut[C]           {Uint20}
//   input  eligible             {Bool}     0 for the insurance fund (leaf 0 of the tree), else 1
//   output leaf                 {Field}    H(DOMAIN_ACCOUNT, acct)
//   output flagged              {Bool}     eligible ∧ open ∧ TVs < MMs
// NOTE: `leaf` must be proven under the epoch's account root by the caller: the fields are not range-checked here
//       (StoredAccountLeaf's argument — every leaf under a settled root was range-checked by AccountLeaf when a batch
//       wrote it, or is the empty or genesis leaf, so out-of-range fields need a second Poseidon preimage), and
//       AccountHealth's bit budgets rely on those ranges. Prices must be checked as (0, 2^56), the indices as Int64,
//       the config by ConfigCheck(M, C, T) — once per chunk, by the caller. `eligible` must be constrained boolean
//       by the caller (a constant, or 1 − IsZero).
// Cost: the leaf hash (test: one Poseidon(13), 540) + M (funding) + AccountHealth + 1 (the flag's product with
// `eligible`, linear when the caller passes a constant). test (2, 2, 2): 1,087; dev: 1,777; prod (8, 4, 3): 3,797.
include "../batch/buses.circom";
include "../batch/stored_account_leaf.circom";
include "../lib/settle_funding.circom";
include "account_health.circom";

template MarginLeaf(M, C, T) {
    input AccountFields(M, C) acct;
    signal input marketPrices[M];
    signal input collateralPrices[C];
    signal input fundingIndices[M];
    signal input tierStart[M][T];
    signal input mmr[M][T];
    signal input haircut[C];
    signal input eligible;
    signal output leaf;
    signal output flagged;

    component hash = StoredAccountLeaf(M, C);
    hash.acct <== acct;
    leaf <== hash.out;

    // Virtual settlement (§7): the leaf is not rewritten, only its quote is moved for the margin decision.
    component settle = SettleFunding(M);
    settle.quote <== acct.quote;
    settle.sizes <== acct.sizes;
    settle.fundingIndices <== acct.fundingIndices;
    settle.indices <== fundingIndices;

    component health = AccountHealth(M, C, T);
    health.quote <== settle.newQuote;
    health.balances <== acct.balances;
    health.sizes <== acct.sizes;
    health.marketPrices <== marketPrices;
    health.collateralPrices <== collateralPrices;
    health.tierStart <== tierStart;
    health.mmr <== mmr;
    health.haircut <== haircut;

    signal liquidatableOpen;
    liquidatableOpen <== health.liquidatable * health.open;
    flagged <== liquidatableOpen * eligible;

    // The settled indices equal the epoch's (nothing is written), and the figures feed only the decision.
    _ <== settle.newFundingIndices;
    _ <== health.tvS;
    _ <== health.mmS;
}
