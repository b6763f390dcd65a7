// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

interface ITokenHook {
    function onTokenHook(address from, address to, uint256 value) external;
}

/// @notice TEST ONLY: a malicious re-entrant token. Like ERC-777's hooks, every transfer calls the sender and the
/// recipient back (when they are contracts), which lets a hostile holder re-enter the rollup mid-transfer.
contract HookToken is ERC20 {
    constructor() ERC20("Hook token", "HOOK") {}

    function decimals() public pure override returns (uint8) {
        return 18;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        _hook(from, from, to, value);
        _hook(to, from, to, value);
    }

    function _hook(address who, address from, address to, uint256 value) private {
        if (who.code.length == 0) return;
        // Failures are ignored: the rollup itself has no hook.
        (bool ok, ) = who.call(abi.encodeCall(ITokenHook.onTokenHook, (from, to, value)));
        ok;
    }
}
