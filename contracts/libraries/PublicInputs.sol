// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IZkMarginRollupErrors} from "../interfaces/IZkMarginRollup.sol";
import {PoseidonHasher} from "./PoseidonHasher.sol";
import {DOMAIN_DEPOSIT, DOMAIN_FORCED, DOMAIN_L1_EFFECT, DOMAIN_PUBLIC} from "./generated/ProtocolConstants.sol";

/// @notice The rollup's side of every hash the circuit also computes: the deposit and forced-request queue steps,
/// the L1-effect chain and the batch's single public input (PROTOCOL §7.1, §7.8, §8, §9). Field order and tags
/// follow protocol/ (depositHashStep, forcedHashStep, l1EffectHashStep, publicInputFields); tests compare each.
library PublicInputs {
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// Everything hashed into publicInputHash, in PROTOCOL §9 order.
    struct Fields {
        uint256 chainId;
        uint256 contractAddress;
        uint256 batchNumber;
        uint256 oldRoot;
        uint256 newRoot;
        uint256 batchTime;
        uint256 configHash;
        uint256 depositHashOld;
        uint256 depositHashNew;
        uint256 forcedHashOld;
        uint256 forcedHashNew;
        uint256 l1EffectsHash;
        /// P[0..M−1] then Q[0..C−1].
        uint256[] prices;
        int64[] fundingOld;
        int64[] fundingNew;
    }

    /// A signed integer as the field element x mod r (PROTOCOL §1).
    function signedToField(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : FIELD_MODULUS - uint256(-x);
    }

    /// The flat field list (protocol/batch.ts publicInputFields); reverts unless every element is below r, since
    /// the verifier would otherwise reduce a value and accept a proof made for a different one.
    function fieldList(Fields memory f) internal pure returns (uint256[] memory xs) {
        uint256 m = f.fundingOld.length;
        xs = new uint256[](12 + f.prices.length + 2 * m);
        xs[0] = f.chainId;
        xs[1] = f.contractAddress;
        xs[2] = f.batchNumber;
        xs[3] = f.oldRoot;
        xs[4] = f.newRoot;
        xs[5] = f.batchTime;
        xs[6] = f.configHash;
        xs[7] = f.depositHashOld;
        xs[8] = f.depositHashNew;
        xs[9] = f.forcedHashOld;
        xs[10] = f.forcedHashNew;
        xs[11] = f.l1EffectsHash;
        uint256 at = 12;
        for (uint256 i = 0; i < f.prices.length; i++) xs[at++] = f.prices[i];
        for (uint256 i = 0; i < m; i++) xs[at++] = signedToField(f.fundingOld[i]);
        for (uint256 i = 0; i < m; i++) xs[at++] = signedToField(f.fundingNew[i]);
        for (uint256 i = 0; i < xs.length; i++) {
            if (xs[i] >= FIELD_MODULUS) revert IZkMarginRollupErrors.NotAFieldElement(xs[i]);
        }
    }

    function publicInputHash(address[17] storage hashers, Fields memory f) internal view returns (uint256) {
        return PoseidonHasher.hashTagged(hashers, DOMAIN_PUBLIC, fieldList(f));
    }

    /// depositHash' = H(DOMAIN_DEPOSIT, prev, l1Address, accountIndex, pubKeyX, pubKeyY, asset, amount).
    function depositStep(
        address[17] storage hashers,
        uint256 prev,
        address l1Address,
        uint256 accountIndex,
        uint256 pubKeyX,
        uint256 pubKeyY,
        uint8 asset,
        uint64 amount
    ) internal view returns (uint256) {
        uint256[] memory xs = new uint256[](7);
        xs[0] = prev;
        xs[1] = uint256(uint160(l1Address));
        xs[2] = accountIndex;
        xs[3] = pubKeyX;
        xs[4] = pubKeyY;
        xs[5] = asset;
        xs[6] = amount;
        return PoseidonHasher.hashTagged(hashers, DOMAIN_DEPOSIT, xs);
    }

    /// forcedHash' = H(DOMAIN_FORCED, prev, kind, accountIndex, pubKeyX, pubKeyY, asset, amount, l1Address).
    function forcedStep(
        address[17] storage hashers,
        uint256 prev,
        uint8 kind,
        uint256 accountIndex,
        uint256 pubKeyX,
        uint256 pubKeyY,
        uint8 asset,
        uint64 amount,
        address l1Address
    ) internal view returns (uint256) {
        uint256[] memory xs = new uint256[](8);
        xs[0] = prev;
        xs[1] = kind;
        xs[2] = accountIndex;
        xs[3] = pubKeyX;
        xs[4] = pubKeyY;
        xs[5] = asset;
        xs[6] = amount;
        xs[7] = uint256(uint160(l1Address));
        return PoseidonHasher.hashTagged(hashers, DOMAIN_FORCED, xs);
    }

    /// h' = H(DOMAIN_L1_EFFECT, h, kind, l1Address, asset, amount), starting from 0 for each batch.
    function l1EffectStep(
        address[17] storage hashers,
        uint256 prev,
        uint8 kind,
        address l1Address,
        uint8 asset,
        uint64 amount
    ) internal view returns (uint256) {
        uint256[] memory xs = new uint256[](5);
        xs[0] = prev;
        xs[1] = kind;
        xs[2] = uint256(uint160(l1Address));
        xs[3] = asset;
        xs[4] = amount;
        return PoseidonHasher.hashTagged(hashers, DOMAIN_L1_EFFECT, xs);
    }
}
