// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {
    IllegalLiquidityMultiplier,
    InvalidParameter,
    LessThanMinimalBase,
    LessThanMinimalQuote,
    LiquidityMultiplierIsOne,
    MarketClosed,
    MoreThanMaximalBase,
    MoreThanMaximalQuote,
    OverTradingLimit,
    PriceAlreadyOverFluctuationLimit,
    PriceOverFluctuationLimit,
    Unauthorized
} from "./libraries/Errors.sol";
import {Curve} from "./libraries/Curve.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {IVamm} from "./interfaces/IVamm.sol";

/// @title Vamm
/// @notice One market's virtual AMM (twin of sim/vamm.ts): virtual reserves with Perp v1's ±1-wei
/// rounding, one reserve snapshot per block, the mark TWAP and the time-weighted reserves from
/// accumulators (an instant window takes the latest values), the exit notional on the 15-minute
/// time-weighted curve, Perp v1's exit-notional TWAP by the backward walk (a view), the
/// trade-limit and per-block fluctuation checks, the net trader position, k migration and
/// shutdown. Only the clearing house trades or changes it.
contract Vamm is IVamm {
    using FixedPoint for uint256;
    using SafeCast for uint256;

    /// @notice Reserves at the end of a block plus the running integrals of the spot price and of
    /// each reserve.
    /// @dev `cumulative` = Σ price·Δt up to `timestamp`, which gives the mark TWAP in O(log n) with
    /// exactly the sum the backward walk adds up; `cumulativeQuote`/`cumulativeBase` = Σ reserve·Δt
    /// give the time-weighted curve the TWAP valuation exits on (uint128: 540,000 years at a
    /// 2·10^25-wei quote reserve).
    struct Snapshot {
        uint128 quote;
        uint128 base;
        uint160 cumulative;
        uint48 timestamp;
        uint48 blockNumber;
        uint128 cumulativeQuote;
        uint128 cumulativeBase;
    }

    /// @dev A series the snapshots accumulate: the spot price, or one reserve.
    enum Series {
        Price,
        Quote,
        Base
    }

    address public immutable clearingHouse;

    uint256 public quoteReserve;
    uint256 public baseReserve;
    uint256 public tradeLimitRatio;
    uint256 public fluctuationLimitRatio;
    int256 public totalPositionSize;
    int256 public cumulativeNotional;
    bool public open = true;
    uint256 public settlementPrice;
    uint256 public liquidityHistoryIndex;

    Snapshot[] internal _snapshots;

    modifier onlyClearingHouse() {
        if (msg.sender != clearingHouse) revert Unauthorized();
        _;
    }

    constructor(address clearingHouse_, uint256 quoteReserve_, uint256 baseReserve_, uint256 tradeLimitRatio_, uint256 fluctuationLimitRatio_) {
        if (quoteReserve_ == 0 || baseReserve_ == 0) revert InvalidParameter();
        if (tradeLimitRatio_ == 0 || tradeLimitRatio_ > FixedPoint.ONE) revert InvalidParameter();
        clearingHouse = clearingHouse_;
        quoteReserve = quoteReserve_;
        baseReserve = baseReserve_;
        tradeLimitRatio = tradeLimitRatio_;
        fluctuationLimitRatio = fluctuationLimitRatio_;
        _snapshots.push(
            Snapshot({
                quote: quoteReserve_.toUint128(),
                base: baseReserve_.toUint128(),
                cumulative: 0,
                timestamp: block.timestamp.toUint48(),
                blockNumber: block.number.toUint48(),
                cumulativeQuote: 0,
                cumulativeBase: 0
            })
        );
    }

    // ------------------------------------------------------------------ swaps

    /// @notice Swaps a quote amount: add for a long, remove for a short; returns the base amount.
    /// @param add direction of quote from the AMM's point of view
    /// @param quoteAmount quote notional
    /// @param baseLimit 0 = none; a minimum for a long, a maximum for a short
    /// @param band whether the post-trade price must stay in this block's band, may leave it, or ignores it
    function swapInput(bool add, uint256 quoteAmount, uint256 baseLimit, Band band)
        external
        onlyClearingHouse
        returns (uint256 baseAmount)
    {
        _requireOpen();
        if (quoteAmount == 0) return 0;
        baseAmount = _inputAmount(add, quoteAmount);
        if (baseLimit != 0) {
            if (add) {
                if (baseAmount < baseLimit) revert LessThanMinimalBase();
            } else if (baseAmount > baseLimit) {
                revert MoreThanMaximalBase();
            }
        }
        _updateReserve(add, quoteAmount, baseAmount, band);
    }

    /// @notice What `swapInput` with no base limit and the band ignored (a liquidation's close)
    /// would return and leave, without swapping; reverts where that swap would, with its error.
    /// @param add direction of quote from the AMM's point of view
    /// @param quoteAmount quote notional
    /// @return baseAmount the base amount
    /// @return quoteAfter the quote reserve after the swap
    /// @return baseAfter the base reserve after the swap
    function previewSwapInput(bool add, uint256 quoteAmount) external view returns (uint256 baseAmount, uint256 quoteAfter, uint256 baseAfter) {
        _requireOpen();
        if (quoteAmount == 0) return (0, quoteReserve, baseReserve);
        baseAmount = _inputAmount(add, quoteAmount);
        (quoteAfter, baseAfter) = _reservesAfter(add, quoteAmount, baseAmount);
        // The reserve snapshot stores them as uint128.
        quoteAfter.toUint128();
        baseAfter.toUint128();
    }

    /// @dev Base for a quote swap, within the trade limit when quote leaves the AMM.
    function _inputAmount(bool add, uint256 quoteAmount) internal view returns (uint256) {
        if (!add && quoteReserve.mulD(tradeLimitRatio) < quoteAmount) revert OverTradingLimit();
        return Curve.inputPrice(add, quoteAmount, quoteReserve, baseReserve);
    }

    /// @notice Swaps a base amount (full closes and liquidations); may go over the band once, or
    /// ignore it (a liquidation).
    /// @param add direction of base from the AMM's point of view (add closes a long)
    /// @param baseAmount base to sell (add) or buy back (remove)
    /// @param quoteLimit 0 = none; a minimum when selling base, a maximum when buying
    /// @param band MayLeave or Ignore
    function swapOutput(bool add, uint256 baseAmount, uint256 quoteLimit, Band band) external onlyClearingHouse returns (uint256 quoteAmount) {
        _requireOpen();
        if (baseAmount == 0) return 0;
        if (!add && baseReserve.mulD(tradeLimitRatio) < baseAmount) revert OverTradingLimit();
        quoteAmount = Curve.outputPrice(add, baseAmount, quoteReserve, baseReserve);
        if (quoteLimit != 0) {
            if (add) {
                if (quoteAmount < quoteLimit) revert LessThanMinimalQuote();
            } else if (quoteAmount > quoteLimit) {
                revert MoreThanMaximalQuote();
            }
        }
        _updateReserve(!add, quoteAmount, baseAmount, band);
    }

    function _updateReserve(bool quoteAdd, uint256 quoteAmount, uint256 baseAmount, Band band) internal {
        if (band != Band.Ignore) _checkBlockFluctuationLimit(quoteAdd, quoteAmount, baseAmount, band == Band.MayLeave);
        (quoteReserve, baseReserve) = _reservesAfter(quoteAdd, quoteAmount, baseAmount);
        if (quoteAdd) {
            totalPositionSize += int256(baseAmount);
            cumulativeNotional += int256(quoteAmount);
        } else {
            totalPositionSize -= int256(baseAmount);
            cumulativeNotional -= int256(quoteAmount);
        }
        _addReserveSnapshot();
    }

    function _reservesAfter(bool quoteAdd, uint256 quoteAmount, uint256 baseAmount) internal view returns (uint256, uint256) {
        return quoteAdd
            ? (quoteReserve + quoteAmount, baseReserve.subU(baseAmount))
            : (quoteReserve.subU(quoteAmount), baseReserve + baseAmount);
    }

    /// @dev One snapshot per block: a later change in the same block overwrites it.
    function _addReserveSnapshot() internal {
        uint256 len = _snapshots.length;
        Snapshot storage latest = _snapshots[len - 1];
        if (latest.blockNumber == block.number) {
            latest.quote = quoteReserve.toUint128();
            latest.base = baseReserve.toUint128();
        } else {
            uint256 dt = block.timestamp - latest.timestamp;
            uint256 cumulative = latest.cumulative + Curve.spotPrice(latest.quote, latest.base) * dt;
            _snapshots.push(
                Snapshot({
                    quote: quoteReserve.toUint128(),
                    base: baseReserve.toUint128(),
                    cumulative: cumulative.toUint160(),
                    timestamp: block.timestamp.toUint48(),
                    blockNumber: block.number.toUint48(),
                    cumulativeQuote: (latest.cumulativeQuote + uint256(latest.quote) * dt).toUint128(),
                    cumulativeBase: (latest.cumulativeBase + uint256(latest.base) * dt).toUint128()
                })
            );
        }
    }

    // ------------------------------------------------------------------ fluctuation limit

    function _priceBoundsOfLastBlock(uint256 ratio) internal view returns (uint256 lower, uint256 upper) {
        uint256 len = _snapshots.length;
        Snapshot storage latest = _snapshots[len - 1];
        if (latest.blockNumber == block.number && len > 1) latest = _snapshots[len - 2];
        uint256 lastPrice = uint256(latest.quote).divD(latest.base);
        upper = lastPrice.mulD(FixedPoint.ONE + ratio);
        lower = lastPrice.mulD(FixedPoint.ONE.subU(ratio));
    }

    function _checkBlockFluctuationLimit(bool quoteAdd, uint256 quoteAmount, uint256 baseAmount, bool canOver) internal view {
        if (fluctuationLimitRatio == 0) return;
        (uint256 lower, uint256 upper) = _priceBoundsOfLastBlock(fluctuationLimitRatio);
        uint256 price = quoteReserve.divD(baseReserve);
        if (price > upper || price < lower) revert PriceAlreadyOverFluctuationLimit();
        if (!canOver) {
            uint256 afterPrice = quoteAdd
                ? (quoteReserve + quoteAmount).divD(baseReserve.subU(baseAmount))
                : quoteReserve.subU(quoteAmount).divD(baseReserve + baseAmount);
            if (afterPrice > upper || afterPrice < lower) revert PriceOverFluctuationLimit();
        }
    }

    /// @notice Whether closing `baseAmount` in direction `add` would move the price out of this block's band.
    function isOverFluctuationLimit(bool add, uint256 baseAmount) external view returns (bool) {
        if (fluctuationLimitRatio == 0) return false;
        (uint256 lower, uint256 upper) = _priceBoundsOfLastBlock(fluctuationLimitRatio);
        uint256 quoteBack = Curve.outputPrice(add, baseAmount, quoteReserve, baseReserve);
        uint256 price = add
            ? quoteReserve.subU(quoteBack).divD(baseReserve + baseAmount)
            : (quoteReserve + quoteBack).divD(baseReserve.subU(baseAmount));
        return !(price <= upper && price >= lower);
    }

    // ------------------------------------------------------------------ views

    /// @notice Base for `quoteAmount` of quote on the current reserves.
    function inputPrice(bool add, uint256 quoteAmount) external view returns (uint256) {
        return Curve.inputPrice(add, quoteAmount, quoteReserve, baseReserve);
    }

    /// @notice Quote for `baseAmount` of base on the current reserves.
    function outputPrice(bool add, uint256 baseAmount) external view returns (uint256) {
        return Curve.outputPrice(add, baseAmount, quoteReserve, baseReserve);
    }

    /// @notice Quote for `baseAmount` of base on the reserves (`quote`, `base`), e.g. a preview's.
    function outputPriceAt(bool add, uint256 baseAmount, uint256 quote, uint256 base) external pure returns (uint256) {
        return Curve.outputPrice(add, baseAmount, quote, base);
    }

    /// @notice Spot price Q/B.
    function spotPrice() external view returns (uint256) {
        return Curve.spotPrice(quoteReserve, baseReserve);
    }

    /// @notice Number of reserve snapshots (one per block with a change).
    function snapshotCount() external view returns (uint256) {
        return _snapshots.length;
    }

    /// @notice One reserve snapshot.
    function snapshot(uint256 index) external view returns (Snapshot memory) {
        return _snapshots[index];
    }

    /// @notice TWAP of the spot price over `interval` seconds (the mark TWAP).
    /// @dev Equal to the backward walk of sim/twap.ts: the integral over the window divided by the
    /// window, over the history that exists when it is shorter, the latest price for an instant.
    /// @param interval the window in seconds
    function twapPrice(uint256 interval) external view returns (uint256) {
        return _windowAverage(interval, Series.Price);
    }

    /// @notice Time-weighted average reserves over `interval` seconds, each floored (twin of
    /// sim/vamm.ts twapReserves); the current block's reserves weigh nothing until time passes.
    /// @param interval the window in seconds
    function twapReserves(uint256 interval) public view returns (uint256 quote, uint256 base) {
        return (_windowAverage(interval, Series.Quote), _windowAverage(interval, Series.Base));
    }

    /// @notice The design's TWAP valuation of a position: the exit notional of `baseAmount` on the
    /// curve of the time-weighted reserves (twin of sim/vamm.ts exitNotionalAtTwap). O(log n) in
    /// the snapshots, where Perp v1's walk below is O(n).
    /// @param add true to sell base (close a long), false to buy it back (close a short)
    /// @param baseAmount the position size
    /// @param interval the window in seconds
    function exitNotionalAtTwap(bool add, uint256 baseAmount, uint256 interval) external view returns (uint256) {
        if (baseAmount == 0) return 0;
        (uint256 quote, uint256 base) = twapReserves(interval);
        return Curve.outputPrice(add, baseAmount, quote, base);
    }

    /// @dev The average of one accumulated series over the window: the accumulator's difference
    /// and a binary search for the snapshot in force at the window's start.
    function _windowAverage(uint256 interval, Series series) internal view returns (uint256) {
        uint256 len = _snapshots.length;
        Snapshot memory latest = _snapshots[len - 1];
        uint256 latestValue = _value(latest, series);
        if (interval == 0) return latestValue;
        int256 baseTimestamp = int256(block.timestamp) - int256(interval);
        if (len == 1 || int256(uint256(latest.timestamp)) <= baseTimestamp) return latestValue;
        uint256 cumulativeNow = _cumulative(latest, series) + latestValue * (block.timestamp - latest.timestamp);
        // The last snapshot at or before the window's start, if any (timestamps never decrease).
        uint256 lo = 0;
        uint256 hi = len - 1; // snapshots[len-1] is after the start
        Snapshot memory oldest = _snapshots[0];
        if (int256(uint256(oldest.timestamp)) > baseTimestamp) {
            uint256 period = block.timestamp - oldest.timestamp;
            if (period == 0) return latestValue;
            return (cumulativeNow - _cumulative(oldest, series)) / period;
        }
        // invariant: ts[lo] <= base < ts[hi]
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (int256(uint256(_snapshots[mid].timestamp)) <= baseTimestamp) lo = mid;
            else hi = mid;
        }
        Snapshot memory start = _snapshots[lo];
        Snapshot memory next = _snapshots[hi];
        uint256 weighted =
            cumulativeNow - _cumulative(next, series) + _value(start, series) * uint256(int256(uint256(next.timestamp)) - baseTimestamp);
        return weighted / interval;
    }

    function _value(Snapshot memory s, Series series) internal pure returns (uint256) {
        if (series == Series.Price) return Curve.spotPrice(s.quote, s.base);
        return series == Series.Quote ? s.quote : s.base;
    }

    function _cumulative(Snapshot memory s, Series series) internal pure returns (uint256) {
        if (series == Series.Price) return s.cumulative;
        return series == Series.Quote ? s.cumulativeQuote : s.cumulativeBase;
    }

    /// @notice TWAP of the exit notional of `baseAmount` (Perp v1's getOutputTwap) by the backward walk.
    function outputTwap(bool add, uint256 baseAmount, uint256 interval) external view returns (uint256) {
        if (baseAmount == 0) return 0;
        uint256 index = _snapshots.length - 1;
        Snapshot memory current = _snapshots[index];
        uint256 value = Curve.outputPrice(add, baseAmount, current.quote, current.base);
        if (interval == 0) return value;
        int256 baseTimestamp = int256(block.timestamp) - int256(interval);
        if (index == 0 || int256(uint256(current.timestamp)) <= baseTimestamp) return value;
        uint256 latestValue = value;
        uint256 previousTimestamp = current.timestamp;
        uint256 period = block.timestamp - previousTimestamp;
        uint256 weighted = value * period;
        while (true) {
            if (index == 0) {
                if (period == 0) return latestValue;
                return weighted / period;
            }
            index--;
            current = _snapshots[index];
            value = Curve.outputPrice(add, baseAmount, current.quote, current.base);
            if (int256(uint256(current.timestamp)) <= baseTimestamp) {
                weighted += value * uint256(int256(previousTimestamp) - baseTimestamp);
                return weighted / interval;
            }
            uint256 fraction = previousTimestamp - current.timestamp;
            weighted += value * fraction;
            period += fraction;
            previousTimestamp = current.timestamp;
        }
        return 0; // unreachable
    }

    /// @notice The size whose exit on the current curve returns what `size` exits for on (fromQuote, fromBase).
    function baseAfterLiquidityMigration(int256 size, uint256 fromQuote, uint256 fromBase) public view returns (int256) {
        if (size == 0) return 0;
        bool isLong = size > 0;
        uint256 notional = Curve.outputPrice(isLong, FixedPoint.abs(size), fromQuote, fromBase);
        uint256 newSize = Curve.inputPrice(!isLong, notional, quoteReserve, baseReserve);
        return isLong ? int256(newSize) : -int256(newSize);
    }

    // ------------------------------------------------------------------ curve changes

    /// @notice Multiplies both reserves by `multiplier` (price unchanged, k·m²); the caller remaps positions.
    /// @param multiplier 18-decimal factor, not 1
    /// @param fluctuationLimitRatio_ the current price must lie in this band around the last block's (0 = no check)
    /// @return fromQuote reserves before the change
    /// @return fromBase reserves before the change
    function migrateLiquidity(uint256 multiplier, uint256 fluctuationLimitRatio_)
        external
        onlyClearingHouse
        returns (uint256 fromQuote, uint256 fromBase)
    {
        _requireOpen();
        if (multiplier == 0) revert InvalidParameter();
        if (multiplier == FixedPoint.ONE) revert LiquidityMultiplierIsOne();
        if (totalPositionSize > 0) {
            uint256 lowerBound = (uint256(totalPositionSize) + 1e9).divD(baseReserve);
            if (multiplier < lowerBound) revert IllegalLiquidityMultiplier();
        }
        if (fluctuationLimitRatio_ != 0) {
            (uint256 lower, uint256 upper) = _priceBoundsOfLastBlock(fluctuationLimitRatio_);
            uint256 price = quoteReserve.divD(baseReserve);
            if (price > upper || price < lower) revert PriceAlreadyOverFluctuationLimit();
        }
        fromQuote = quoteReserve;
        fromBase = baseReserve;
        quoteReserve = fromQuote.mulD(multiplier);
        baseReserve = fromBase.mulD(multiplier);
        totalPositionSize = baseAfterLiquidityMigration(totalPositionSize, fromQuote, fromBase);
        liquidityHistoryIndex += 1;
        _addReserveSnapshot();
    }

    /// @notice Sets the net trader position after the clearing house remapped positions.
    function setTotalPositionSize(int256 size) external onlyClearingHouse {
        totalPositionSize = size;
    }

    /// @notice Sets the quote reserve at fixed base (a repeg moves the peg).
    function setQuoteReserve(uint256 quote) external onlyClearingHouse {
        _requireOpen();
        if (quote == 0) revert InvalidParameter();
        quoteReserve = quote;
        _addReserveSnapshot();
    }

    /// @notice Closes the market at `price`.
    function shutdown(uint256 price) external onlyClearingHouse {
        settlementPrice = price;
        open = false;
    }

    /// @notice Sets the trade-limit and fluctuation-limit ratios.
    function setParams(uint256 tradeLimitRatio_, uint256 fluctuationLimitRatio_) external onlyClearingHouse {
        tradeLimitRatio = tradeLimitRatio_;
        fluctuationLimitRatio = fluctuationLimitRatio_;
    }

    function _requireOpen() internal view {
        if (!open) revert MarketClosed();
    }
}
