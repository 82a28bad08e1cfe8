// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "./Vm.sol";

/// @notice Assertions and helpers in the style of forge-std's Test, written here because
/// forge-std does not install offline. A failed assertion reverts with both values.
abstract contract TestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string what, int256 left, int256 right);
    error AssertionFailedU(string what, uint256 left, uint256 right);

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert AssertionFailedU(what, a, b);
    }

    function assertEq(int256 a, int256 b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(what, a, b);
    }

    function assertTrue(bool c, string memory what) internal pure {
        if (!c) revert AssertionFailedU(what, 0, 1);
    }

    function assertGe(uint256 a, uint256 b, string memory what) internal pure {
        if (a < b) revert AssertionFailedU(what, a, b);
    }

    function assertGe(int256 a, int256 b, string memory what) internal pure {
        if (a < b) revert AssertionFailed(what, a, b);
    }

    function assertLe(int256 a, int256 b, string memory what) internal pure {
        if (a > b) revert AssertionFailed(what, a, b);
    }

    function assertLe(uint256 a, uint256 b, string memory what) internal pure {
        if (a > b) revert AssertionFailedU(what, a, b);
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (hi <= lo) return lo;
        return lo + (x % (hi - lo + 1));
    }
}
