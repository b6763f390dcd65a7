// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PublicInputs} from "./PublicInputs.sol";

/// @title Baby Jubjub key validity (PROTOCOL §6, I20)
/// @notice A key is valid when it is on the curve a·x² + y² = 1 + d·x²·y² and not of small order (8·A ≠ identity).
/// A small-order key drops out of EdDSA's verification equation, so anybody could sign for it off-chain while the
/// circuit (circomlib's 8·A ≠ 0 check) refuses every signature under it: registering one would let a forged op stall
/// the rollup. The same formulas run in protocol/eddsa.ts (isOnCurve, isLowOrder).
library BabyJubKey {
    uint256 internal constant Q = PublicInputs.FIELD_MODULUS;
    uint256 internal constant A = 168700;
    uint256 internal constant D = 168696;

    /// @dev Coordinates must already be < Q (the caller's field check).
    function isValid(uint256 x, uint256 y) internal pure returns (bool) {
        return isOnCurve(x, y) && !isLowOrder(x, y);
    }

    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 x2 = mulmod(x, x, Q);
        uint256 y2 = mulmod(y, y, Q);
        uint256 lhs = addmod(mulmod(A, x2, Q), y2, Q);
        uint256 rhs = addmod(1, mulmod(D, mulmod(x2, y2, Q), Q), Q);
        return lhs == rhs;
    }

    /// @dev Three projective doublings (no inversion): 8·P = (X : Y : Z) is the identity iff X = 0 and Y = Z.
    /// Doubling in projective twisted Edwards coordinates: B = (X+Y)², C = X², D' = Y², E = a·C, F = E + D',
    /// H = Z², J = F − 2H; X' = (B − C − D')·J, Y' = F·(E − D'), Z' = F·J.
    function isLowOrder(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 X = x;
        uint256 Y = y;
        uint256 Z = 1;
        for (uint256 i = 0; i < 3; ++i) {
            uint256 s = addmod(X, Y, Q);
            uint256 b = mulmod(s, s, Q);
            uint256 c = mulmod(X, X, Q);
            uint256 d = mulmod(Y, Y, Q);
            uint256 e = mulmod(A, c, Q);
            uint256 f = addmod(e, d, Q);
            uint256 h = mulmod(Z, Z, Q);
            uint256 j = addmod(f, Q - addmod(h, h, Q), Q);
            X = mulmod(addmod(b, Q - addmod(c, d, Q), Q), j, Q);
            Y = mulmod(f, addmod(e, Q - d, Q), Q);
            Z = mulmod(f, j, Q);
        }
        return X == 0 && Y == Z && Z != 0;
    }
}
