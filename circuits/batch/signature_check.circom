pragma circom 2.2.0;

// SignatureCheck — EdDSA-Poseidon verification (PROTOCOL §6) exactly as protocol/eddsa.ts verifySignature accepts:
// circomlib's EdDSAPoseidonVerifier (S < subgroup order, 8·A ≠ identity, S·B8 = R8 + 8·H(R8, A, M)·A) plus the two
// curve-membership checks the model makes (babyJub.inCurve on A and R8) and the circomlib template does not.
//
// Signals:
//   input  enabled     {Bool}   derived by the caller from the opcode selectors; never a free witness (PROTOCOL §6)
//   input  Ax, Ay      {Field}  signer's public key (the account leaf's key)
//   input  R8x, R8y    {Field}
//   input  S           {Uint253} (circomlib decomposes S into 253 bits even when disabled: the caller passes 0)
//   input  M           {Field}  the signed message
// NOTE: when disabled nothing is checked; the witness must still be computable, which holds for the zero signature
//       and any A (circomlib's EscalarMulAny substitutes a base point for x = 0).
// Cost: EdDSAPoseidonVerifier (4,217 per BRIEF) + 2 × 4 for the curve checks.
include "../../node_modules/circomlib/circuits/eddsaposeidon.circom";

template SignatureCheck() {
    signal input enabled;
    signal input Ax;
    signal input Ay;
    signal input R8x;
    signal input R8y;
    signal input S;
    signal input M;

    component v = EdDSAPoseidonVerifier();
    v.enabled <== enabled;
    v.Ax <== Ax;
    v.Ay <== Ay;
    v.R8x <== R8x;
    v.R8y <== R8y;
    v.S <== S;
    v.M <== M; // BAD_SIGNATURE

    // Baby Jubjub a·x² + y² = 1 + d·x²·y² (a = 168700, d = 168696), for A and R8, when enabled.
    var A_COEF = 168700;
    var D_COEF = 168696;
    signal ax2;
    signal ay2;
    signal axy;
    ax2 <== Ax * Ax;
    ay2 <== Ay * Ay;
    axy <== ax2 * ay2;
    enabled * (A_COEF * ax2 + ay2 - 1 - D_COEF * axy) === 0; // BAD_SIGNATURE (key off the curve)
    signal rx2;
    signal ry2;
    signal rxy;
    rx2 <== R8x * R8x;
    ry2 <== R8y * R8y;
    rxy <== rx2 * ry2;
    enabled * (A_COEF * rx2 + ry2 - 1 - D_COEF * rxy) === 0; // BAD_SIGNATURE (R8 off the curve)
}
