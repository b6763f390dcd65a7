pragma circom 2.1.0;

// ConfigHash(M, C, T) — configHash of PROTOCOL §5.1 (protocol/config.ts RiskConfig.hash), the commitment to the
// risk parameters that the batch public inputs carry.
//
// Signals:
//   input  tierStart[M][T]    {Uint120}  tier start (Notional), per market and tier
//   input  imr[M][T]          {Rate}     initial margin rate (ppm)
//   input  mmr[M][T]          {Rate}     maintenance margin rate (ppm)
//   input  liquidationFee[M]  {Rate}
//   input  maxFundingStep[M]  {Rate}
//   input  haircut[C]         {Rate}
//   output out                {Field}    H(DOMAIN_CONFIG, [for m: (tierStart[k], imr[k], mmr[k]) for k < T,
//                                        liquidationFee[m], maxFundingStep[m]] ++ [for c: haircut[c]])
// NOTE: hashing checks no ranges; ConfigCheck(M, C, T) on the same signals enforces §5.1's validity rules, which
//       AccountMargin's bit budgets and tier logic rely on.
// Cost: the Poseidon chain over M·(3T + 2) + C fields (test: 18 fields, 2 Poseidons; prod: 92 fields, 7).
include "constants.circom";
include "hash_tagged.circom";

template ConfigHash(M, C, T) {
    signal input tierStart[M][T];
    signal input imr[M][T];
    signal input mmr[M][T];
    signal input liquidationFee[M];
    signal input maxFundingStep[M];
    signal input haircut[C];
    signal output out;

    var PER_MARKET = 3 * T + 2;
    component h = HashTagged(DOMAIN_CONFIG(), M * PER_MARKET + C);
    for (var m = 0; m < M; m++) {
        for (var k = 0; k < T; k++) {
            h.in[m * PER_MARKET + 3 * k] <== tierStart[m][k];
            h.in[m * PER_MARKET + 3 * k + 1] <== imr[m][k];
            h.in[m * PER_MARKET + 3 * k + 2] <== mmr[m][k];
        }
        h.in[m * PER_MARKET + 3 * T] <== liquidationFee[m];
        h.in[m * PER_MARKET + 3 * T + 1] <== maxFundingStep[m];
    }
    for (var c = 0; c < C; c++) h.in[M * PER_MARKET + c] <== haircut[c];
    out <== h.out;
}
