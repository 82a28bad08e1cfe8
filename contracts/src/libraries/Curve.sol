// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BaseReserveDepleted, DivisionByZero, QuoteReserveDepleted, SubtractionOverflow} from "./Errors.sol";
import {FixedPoint} from "./FixedPoint.sol";

/// @title Curve
/// @notice x·y=k swap math on virtual reserves with Perp v1's rounding: k and the new reserve are
/// floored, then the amount moves one wei in the AMM's favour when the division is not exact.
/// `add` is the direction from the AMM's point of view (ADD = into the AMM).
library Curve {
    using FixedPoint for uint256;

    /// @notice Base received (add: a long) or owed (remove: a short) for `quoteAmount` of quote.
    function inputPrice(bool add, uint256 quoteAmount, uint256 quote, uint256 base) internal pure returns (uint256) {
        if (quoteAmount == 0) return 0;
        uint256 k = quote.mulD(base);
        uint256 quoteAfter;
        if (add) {
            quoteAfter = quote + quoteAmount;
        } else {
            if (quoteAmount > quote) revert SubtractionOverflow();
            quoteAfter = quote - quoteAmount;
        }
        if (quoteAfter == 0) revert QuoteReserveDepleted();
        uint256 scaled = k * FixedPoint.ONE;
        uint256 baseAfter = scaled / quoteAfter;
        uint256 bought = baseAfter > base ? baseAfter - base : base - baseAfter;
        if (scaled % quoteAfter != 0) {
            if (add) {
                if (bought == 0) revert SubtractionOverflow();
                bought -= 1;
            } else {
                bought += 1;
            }
        }
        return bought;
    }

    /// @notice Quote received (add: selling base) or paid (remove: buying base) for `baseAmount`.
    function outputPrice(bool add, uint256 baseAmount, uint256 quote, uint256 base) internal pure returns (uint256) {
        if (baseAmount == 0) return 0;
        uint256 k = quote.mulD(base);
        uint256 baseAfter;
        if (add) {
            baseAfter = base + baseAmount;
        } else {
            if (baseAmount > base) revert SubtractionOverflow();
            baseAfter = base - baseAmount;
        }
        if (baseAfter == 0) revert BaseReserveDepleted();
        uint256 scaled = k * FixedPoint.ONE;
        uint256 quoteAfter = scaled / baseAfter;
        uint256 sold = quoteAfter > quote ? quoteAfter - quote : quote - quoteAfter;
        if (scaled % baseAfter != 0) {
            if (add) {
                if (sold == 0) revert SubtractionOverflow();
                sold -= 1;
            } else {
                sold += 1;
            }
        }
        return sold;
    }

    /// @notice Spot price Q/B, floored.
    function spotPrice(uint256 quote, uint256 base) internal pure returns (uint256) {
        if (base == 0) revert DivisionByZero();
        return (quote * FixedPoint.ONE) / base;
    }

    /// @notice What closing a signed position returns (a long, positive) or costs (a short, negative).
    function exitValue(int256 size, uint256 quote, uint256 base) internal pure returns (int256) {
        if (size == 0) return 0;
        return size > 0
            ? int256(outputPrice(true, uint256(size), quote, base))
            : -int256(outputPrice(false, uint256(-size), quote, base));
    }
}
