// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AMOUNT_DECIMALS} from "./generated/ProtocolConstants.sol";

/// @notice PROTOCOL §2's mapping between ERC-20 token units and internal units (1e-8 of a whole token). A token
/// with d ≤ 8 decimals scales up exactly; one with d > 8 divides by 10^(d−8), and the contract decides what to do
/// with the remainder (docs/CONTRACTS.md "Token units").
library TokenUnits {
    /// Largest decimals accepted: 10^(d−8) must stay far from overflow when multiplied by a uint64 amount.
    uint8 internal constant MAX_DECIMALS = 36;

    /// Token units per internal unit (1 when d ≤ 8).
    function tokenPerInternal(uint8 decimals) internal pure returns (uint256) {
        return decimals > AMOUNT_DECIMALS ? 10 ** (decimals - AMOUNT_DECIMALS) : 1;
    }

    /// Internal units per token unit (1 when d ≥ 8).
    function internalPerToken(uint8 decimals) internal pure returns (uint256) {
        return decimals < AMOUNT_DECIMALS ? 10 ** (AMOUNT_DECIMALS - decimals) : 1;
    }

    /// Splits a token amount into whole internal units and the token-unit remainder that cannot be represented.
    function toInternal(uint256 tokenAmount, uint8 decimals) internal pure returns (uint256 internalAmount, uint256 dust) {
        uint256 div = tokenPerInternal(decimals);
        internalAmount = (tokenAmount / div) * internalPerToken(decimals);
        dust = tokenAmount % div;
    }

    /// The exact token amount of `internalAmount` internal units.
    function toToken(uint256 internalAmount, uint8 decimals) internal pure returns (uint256) {
        // internalAmount is a multiple of internalPerToken whenever it came from toInternal; a batch effect's amount
        // need not be, and is then rounded down — in the contract's favour, never the recipient's.
        return (internalAmount / internalPerToken(decimals)) * tokenPerInternal(decimals);
    }
}
