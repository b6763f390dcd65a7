// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The rollup's only view of a proof system: a Groth16 verifier over the single public input
/// `publicInputHash` (PROTOCOL §9). snarkjs's exported verifier has exactly this function, so a generated verifier
/// (the stand-in today, the batch circuit's tomorrow) plugs in without an adapter or a change to the rollup.
/// It returns false for a bad proof instead of reverting; the caller must check the result.
interface IBatchVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[1] calldata pubSignals
    ) external view returns (bool);
}
