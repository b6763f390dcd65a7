// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITokenHook} from "./HookToken.sol";

/// @notice TEST ONLY: a hostile depositor / payee. It acts through `execute` like an EOA, and when called back
/// (token hook or plain ether) it fires one armed call at the rollup and records how that call ended, so tests
/// can assert the re-entry was refused and nothing was paid twice.
contract ReentrantAttacker is ITokenHook {
    address public target;
    bytes public payload;
    bool public armed;
    bool public attempted;
    bool public reentryOk;
    bytes public reentryData;

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        armed = true;
    }

    function execute(address to, bytes calldata data) external payable returns (bytes memory ret) {
        bool ok;
        (ok, ret) = to.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function onTokenHook(address, address, uint256) external {
        _fire();
    }

    receive() external payable {
        _fire();
    }

    function _fire() private {
        if (!armed) return;
        armed = false;
        attempted = true;
        (reentryOk, reentryData) = target.call(payload);
    }
}
