// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title MockYieldVault
/// @notice Test double of an ERC-4626 yield source whose assets can be made to vanish (an exploit).
contract MockYieldVault is ERC4626 {
    constructor(IERC20 asset_) ERC20("Yield USDC", "yUSDC") ERC4626(asset_) {}

    /// @notice Sends `units` of the underlying away, as a drained strategy would.
    function loseAssets(uint256 units) external {
        IERC20(asset()).transfer(address(0xdead), units);
    }
}
