// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Errors of the generated wide Poseidon hashers (contracts/poseidon/generated), which read their round
/// constants from data-only contracts and pin those contracts' code hashes at construction.
interface IPoseidonDataErrors {
    /// A constants contract whose code is not the expected table.
    error PoseidonBadChunk(uint256 index, address chunk);
}
