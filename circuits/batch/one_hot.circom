pragma circom 2.2.0;

// OneHot(n) — out[k] = (in == k) for k < n, with Σ out = 1: a value outside [0, n) has no witness. Used for the
// opcode (PROTOCOL §7: an unknown opcode is unprovable), the market (UNKNOWN_MARKET) and the asset (UNKNOWN_ASSET).
//
// Signals:
//   input  in      {Field}  the selector value
//   output out[n]  {Bool}   one-hot; out[in] = 1
// Pinned by: out[k]·(in − k) = 0 forces out[k] = 0 for every k ≠ in; Σ out = 1 then forces out[in] = 1 (and is
// unsatisfiable when in ∉ [0, n), where every out[k] is forced to 0). No output is boolean-constrained separately:
// each is 0 except one, which the sum makes 1. No hint is left free (unlike an IsEqual per value, whose IsZero
// inverse is free when its input is 0).
// NOTE: none (any field element is a valid input; one outside [0, n) simply has no witness).
// Cost: n + 1 constraints.
template OneHot(n) {
    assert(n >= 1);
    signal input in;
    signal output out[n];

    var sum = 0;
    for (var k = 0; k < n; k++) {
        out[k] <-- in == k ? 1 : 0; // constrained by: out[k]·(in − k) = 0 below and Σ out = 1
        out[k] * (in - k) === 0;
        sum += out[k];
    }
    sum === 1;
}
