// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IZkMarginRollupErrors, IZkMarginRollupTypes} from "../interfaces/IZkMarginRollup.sol";
import {PRICE_BITS} from "./generated/ProtocolConstants.sol";

/// @notice Turns a batch's signed oracle reports into the prices the proof is checked against (docs/CONTRACTS.md
/// "Oracle reports"). Each registered signer signs its own EIP-712 report, bound to the chain id and the rollup's
/// address through the domain separator; a quorum of distinct signers is required and each price is the median
/// across them, so fewer than half of the quorum cannot move a price on their own.
library OracleLib {
    bytes32 internal constant PRICE_REPORT_TYPEHASH =
        keccak256("PriceReport(uint64 timestamp,uint64[] marketPrices,uint64[] collateralPrices)");

    struct Rules {
        uint256 markets;
        uint256 collaterals;
        uint256 quorum;
        uint256 maxAge;
        uint256 maxDeviationPpm;
    }

    function digest(bytes32 domainSeparator, IZkMarginRollupTypes.PriceReport calldata r) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                PRICE_REPORT_TYPEHASH,
                r.timestamp,
                keccak256(abi.encodePacked(r.marketPrices)),
                keccak256(abi.encodePacked(r.collateralPrices))
            )
        );
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    /// Checks every report and returns the median prices: markets first, then collateral assets (PROTOCOL §9's
    /// P then Q). `last` holds the last settled prices in the same order (all zero before the first batch).
    function medianPrices(
        IZkMarginRollupTypes.PriceReport[] calldata reports,
        bytes32 domainSeparator,
        mapping(address => bool) storage isSigner,
        uint64[] storage last,
        Rules memory rules
    ) internal view returns (uint256[] memory prices) {
        uint256 k = reports.length;
        if (k < rules.quorum) revert IZkMarginRollupErrors.OracleQuorumNotMet(k, rules.quorum);
        address previous = address(0);
        for (uint256 i = 0; i < k; i++) {
            IZkMarginRollupTypes.PriceReport calldata r = reports[i];
            if (r.marketPrices.length != rules.markets || r.collateralPrices.length != rules.collaterals) {
                revert IZkMarginRollupErrors.OraclePriceCount(i, r.marketPrices.length, r.collateralPrices.length);
            }
            if (r.timestamp > block.timestamp) revert IZkMarginRollupErrors.OracleReportFromFuture(r.timestamp, block.timestamp);
            if (block.timestamp - r.timestamp > rules.maxAge) {
                revert IZkMarginRollupErrors.OracleReportStale(r.timestamp, block.timestamp);
            }
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest(domainSeparator, r), r.signature);
            if (err != ECDSA.RecoverError.NoError) revert IZkMarginRollupErrors.OracleSignatureInvalid(i);
            if (!isSigner[signer]) revert IZkMarginRollupErrors.OracleSignerUnknown(signer);
            // Strictly ascending signers: one signer cannot count twice toward the quorum or the median.
            if (signer <= previous) revert IZkMarginRollupErrors.OracleSignersNotAscending(previous, signer);
            previous = signer;
        }
        uint256 n = rules.markets + rules.collaterals;
        prices = new uint256[](n);
        uint256[] memory column = new uint256[](k);
        for (uint256 a = 0; a < n; a++) {
            for (uint256 i = 0; i < k; i++) {
                column[i] = a < rules.markets ? reports[i].marketPrices[a] : reports[i].collateralPrices[a - rules.markets];
            }
            uint256 p = lowerMedian(column);
            if (p == 0 || p >= 1 << PRICE_BITS) revert IZkMarginRollupErrors.PriceOutOfRange(a, p);
            uint256 prev = last[a];
            if (prev != 0) {
                uint256 move = p > prev ? p - prev : prev - p;
                if (move * 1e6 > prev * rules.maxDeviationPpm) {
                    revert IZkMarginRollupErrors.PriceDeviationTooLarge(a, prev, p);
                }
            }
            prices[a] = p;
        }
    }

    /// The ⌊(k−1)/2⌋-th smallest value: a real sample (no averaging, so no rounding) and, for even k, the lower one.
    function lowerMedian(uint256[] memory xs) internal pure returns (uint256) {
        uint256 k = xs.length;
        for (uint256 i = 1; i < k; i++) {
            uint256 x = xs[i];
            uint256 j = i;
            while (j > 0 && xs[j - 1] > x) {
                xs[j] = xs[j - 1];
                j--;
            }
            xs[j] = x;
        }
        return xs[(k - 1) / 2];
    }
}
