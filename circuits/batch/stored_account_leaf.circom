pragma circom 2.2.0;

// StoredAccountLeaf(M, C) — the leaf hash H(DOMAIN_ACCOUNT, fields) of PROTOCOL §4.1 WITHOUT range checks, for a
// leaf the circuit only reads (the "before" of an account port, the insurance fund at batch start).
//
// Soundness: every leaf under a state root was written by a batch circuit through AccountLeaf, which range-checks
// each field, or is the empty account (all fields 0 but ordersRoot) or a genesis leaf, both in range. A prover who
// opens such a leaf with out-of-range fields would need a second Poseidon preimage of the stored hash. So the fields
// read here are in range whenever the Merkle opening holds — which is exactly when they matter: a port whose Merkle
// check is disabled (inactive, or the fund, whose fields are constrained equal to the in-circuit register) writes
// nothing and its values reach no rule.
// NOTE: only for leaves proven under a root (or equal to the register). A leaf that is WRITTEN must go through
//       AccountLeaf. Saves 32 + 96 + 64·C + 128·M constraints per read (1,408 at prod).
//
// Signals:
//   input  acct  AccountFields(M, C)  the leaf preimage (protocol Account.toCircuitInputs())
//   output out   {Field}              the leaf hash
// Cost: the Poseidon chain over 6 + C + 2M fields (test: one Poseidon(13), 540).
include "../lib/constants.circom";
include "../lib/hash_tagged.circom";
include "buses.circom";

template StoredAccountLeaf(M, C) {
    input AccountFields(M, C) acct;
    signal output out;

    component h = HashTagged(DOMAIN_ACCOUNT(), 6 + C + 2 * M);
    h.in[0] <== acct.pubKeyX;
    h.in[1] <== acct.pubKeyY;
    h.in[2] <== acct.nonce;
    h.in[3] <== acct.salt;
    h.in[4] <== acct.ordersRoot;
    h.in[5] <== acct.quote;
    for (var c = 0; c < C; c++) h.in[6 + c] <== acct.balances[c];
    for (var m = 0; m < M; m++) {
        h.in[6 + C + 2 * m] <== acct.sizes[m];
        h.in[6 + C + 2 * m + 1] <== acct.fundingIndices[m];
    }
    out <== h.out;
}
