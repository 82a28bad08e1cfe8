// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title MockYieldVault
/// @notice Test double of an ERC-4626 yield source with injectable faults: assets that vanish (a
/// drained strategy) and a liquidity budget (a withdrawal queue) beyond which nothing leaves.
contract MockYieldVault is ERC4626 {
    event LiquiditySet(uint256 units);

    /// @notice Underlying that may still leave; type(uint256).max = fully liquid.
    uint256 public liquidity = type(uint256).max;

    constructor(IERC20 asset_) ERC20("Yield USDC", "yUSDC") ERC4626(asset_) {}

    /// @notice Sends `units` of the underlying away, as a drained strategy would.
    function loseAssets(uint256 units) external {
        IERC20(asset()).transfer(address(0xdead), units);
    }

    /// @notice At most `units` may leave from now on (type(uint256).max: fully liquid again).
    function setLiquidity(uint256 units) external {
        liquidity = units;
        emit LiquiditySet(units);
    }

    function maxWithdraw(address owner) public view override returns (uint256) {
        return Math.min(super.maxWithdraw(owner), liquidity);
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        uint256 max = super.maxRedeem(owner);
        if (liquidity == type(uint256).max) return max;
        return Math.min(max, _convertToShares(liquidity, Math.Rounding.Floor));
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares) internal override {
        if (liquidity != type(uint256).max) liquidity -= assets;
        super._withdraw(caller, receiver, owner, assets, shares);
    }
}
