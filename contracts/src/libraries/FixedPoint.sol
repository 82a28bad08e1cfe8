// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DivisionByZero, SubtractionOverflow} from "./Errors.sol";

/// @title FixedPoint
/// @notice 18-decimal fixed point with the model's rounding (sim/math/fixed.ts): unsigned division
/// floors, signed division truncates toward zero, and failures revert with the model's reasons.
library FixedPoint {
    uint256 internal constant ONE = 1e18;
    int256 internal constant IONE = 1e18;

    function mulD(uint256 x, uint256 y) internal pure returns (uint256) {
        return (x * y) / ONE;
    }

    function mulD(int256 x, int256 y) internal pure returns (int256) {
        return (x * y) / IONE;
    }

    function divD(uint256 x, uint256 y) internal pure returns (uint256) {
        if (y == 0) revert DivisionByZero();
        return (x * ONE) / y;
    }

    function divD(int256 x, int256 y) internal pure returns (int256) {
        if (y == 0) revert DivisionByZero();
        return (x * IONE) / y;
    }

    /// @dev Ceiling division for non-negative operands; the model reverts otherwise.
    function ceilDiv(int256 x, int256 y) internal pure returns (uint256) {
        if (y <= 0 || x < 0) revert DivisionByZero();
        return x == 0 ? 0 : uint256((x - 1) / y + 1);
    }

    function subU(uint256 x, uint256 y) internal pure returns (uint256) {
        if (y > x) revert SubtractionOverflow();
        return x - y;
    }

    function abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }
}
