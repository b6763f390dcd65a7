// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PoseidonHasher} from "../libraries/PoseidonHasher.sol";
import {PublicInputs} from "../libraries/PublicInputs.sol";

/// @notice TEST ONLY: exposes the rollup's hashing libraries so tests compare them with protocol/ directly.
contract HashHarness {
    address[17] private _hashers;

    constructor(address[17] memory hashers) {
        _hashers = hashers;
    }

    function poseidon(uint256[] memory xs) external view returns (uint256) {
        return PoseidonHasher.hash(_hashers[xs.length], xs);
    }

    function hashTagged(uint256 tag, uint256[] memory xs) external view returns (uint256) {
        return PoseidonHasher.hashTagged(_hashers, tag, xs);
    }

    function publicInputHash(PublicInputs.Fields memory f) external view returns (uint256) {
        return PublicInputs.publicInputHash(_hashers, f);
    }

    function fieldList(PublicInputs.Fields memory f) external pure returns (uint256[] memory) {
        return PublicInputs.fieldList(f);
    }

    function l1EffectStep(uint256 prev, uint8 kind, address l1Address, uint8 asset, uint64 amount) external view returns (uint256) {
        return PublicInputs.l1EffectStep(_hashers, prev, kind, l1Address, asset, amount);
    }
}
