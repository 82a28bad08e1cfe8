// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {
    BadDebt, InvalidParameter, MarginRatioNotMet, MarketNotFound, MigrationPending, OnlyOneActionAllowed, PositionSizeZero
} from "./libraries/Errors.sol";
import {Curve} from "./libraries/Curve.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {ClearingHouseStorage} from "./ClearingHouseStorage.sol";

/// @title AccountBalance
/// @notice Positions and margin (twin of sim/margin-book.ts): what a position is worth (spot, the
/// 15-minute exit-notional TWAP, the oracle; trader-favourable or not), the funding and socialised
/// loss it owes, the margin group that backs it — its isolated margin, or the account's cross
/// collateral behind every cross position — margin ratios, free collateral and health checks.
abstract contract AccountBalance is ClearingHouseStorage {
    using FixedPoint for uint256;
    using FixedPoint for int256;

    /// @dev The positions behind one margin requirement.
    struct MarginGroup {
        bool isolated;
        int256 base;
        bytes32[] members;
    }

    struct GroupValue {
        int256 value;
        uint256 notional;
        int256 pnl;
    }

    struct Carry {
        int256 funding;
        uint256 loss;
    }

    struct RemainMargin {
        uint256 remainMargin;
        uint256 badDebt;
        int256 fundingPayment;
        int256 latestCumulativePremiumFraction;
    }

    // ------------------------------------------------------------------ storage helpers

    function _market(bytes32 id) internal view returns (Market storage m) {
        m = _markets[id];
        if (address(m.vamm) == address(0)) revert MarketNotFound();
    }

    function _touchAccount(address trader) internal {
        if (!_hasAccount[trader]) {
            _hasAccount[trader] = true;
            _accounts.push(trader);
        }
    }

    function _setPosition(Market storage m, bytes32 id, address trader, Position memory next) internal {
        _touchAccount(trader);
        Position storage stored = _positions[trader][id];
        if (stored.exists) {
            _addOpenNotional(m, stored.size, stored.openNotional, false);
        } else {
            _marketsOf[trader].push(id);
            _holders[id].push(trader);
        }
        _addOpenNotional(m, next.size, next.openNotional, true);
        next.exists = true;
        _positions[trader][id] = next;
    }

    function _clearPosition(Market storage m, bytes32 id, address trader, bool isolated) internal {
        Position memory empty;
        empty.blockNumber = uint64(block.number);
        empty.isolated = isolated;
        _setPosition(m, id, trader, empty);
    }

    function _addOpenNotional(Market storage m, int256 size, uint256 openNotional, bool add) internal {
        if (size > 0) m.openNotionalLong = add ? m.openNotionalLong + openNotional : m.openNotionalLong - openNotional;
        else if (size < 0) m.openNotionalShort = add ? m.openNotionalShort + openNotional : m.openNotionalShort - openNotional;
    }

    /// @dev A market whose k migration is still remapping positions takes no trades, margin changes,
    /// liquidations or funding until the last page (anyone may page on: remapPositions).
    function _requireNoMigration(bytes32 id) internal view {
        if (_migrations[id].pending) revert MigrationPending();
    }

    /// @dev A position not yet remapped by its market's pending migration cannot be valued.
    function _requireRemapped(bytes32 id, uint64 liquidityHistoryIndex) internal view {
        Migration storage g = _migrations[id];
        if (g.pending && liquidityHistoryIndex < g.newIndex) revert MigrationPending();
    }

    function _requireMoreMarginRatio(int256 ratio, uint256 base, bool largerThanOrEqualTo) internal pure {
        int256 remaining = ratio - int256(base);
        if (largerThanOrEqualTo ? remaining < 0 : remaining >= 0) revert MarginRatioNotMet();
    }

    function _requireNotRestrictionMode(Market storage m, bytes32 id, address trader) internal view {
        if (!params.restrictionMode) return;
        if (block.number == m.lastRestrictionBlock && _positions[trader][id].blockNumber == block.number) revert OnlyOneActionAllowed();
    }

    function _enterRestrictionMode(Market storage m, bytes32 id) internal {
        m.lastRestrictionBlock = block.number;
        emit RestrictionModeEntered(id);
    }

    // ------------------------------------------------------------------ carry

    function _pendingFunding(Market storage m, Position memory pos) internal view returns (int256) {
        if (pos.size == 0) return 0;
        return (m.cumulativePremiumFraction - pos.lastCumulativePremiumFraction).mulD(pos.size);
    }

    /// @dev Socialised loss owed: the side's index growth times the open notional, rounded up.
    function _pendingLoss(Market storage m, Position memory pos) internal view returns (uint256) {
        if (pos.size == 0) return 0;
        int256 delta = int256(_lossIndex(m, pos.size)) - int256(pos.lastLossIndex);
        return delta == 0 ? 0 : FixedPoint.ceilDiv(delta * int256(pos.openNotional), FixedPoint.IONE);
    }

    function _lossIndex(Market storage m, int256 size) internal view returns (uint256) {
        return size > 0 ? m.lossIndexLong : size < 0 ? m.lossIndexShort : 0;
    }

    function _crossCarry(Market storage m, Position memory pos) internal view returns (Carry memory c) {
        c.funding = _pendingFunding(m, pos);
        c.loss = _pendingLoss(m, pos);
    }

    function _recordFundingSettled(Market storage m, Position memory pos, int256 funding) internal {
        if (pos.size == 0 || pos.lastCumulativePremiumFraction == m.cumulativePremiumFraction) return;
        m.traderFundingSettled += funding;
        m.fundingRoundings += 1;
    }

    /// @dev Margin after a change with funding and socialised loss settled; a negative result is bad debt.
    function _calcRemainMarginWithFundingPayment(Market storage m, Position memory pos, int256 marginDelta)
        internal
        view
        returns (RemainMargin memory r)
    {
        r.fundingPayment = _pendingFunding(m, pos);
        uint256 loss = _pendingLoss(m, pos);
        int256 signedRemain = marginDelta - r.fundingPayment - int256(loss) + int256(pos.margin);
        if (signedRemain < 0) r.badDebt = uint256(-signedRemain);
        else r.remainMargin = uint256(signedRemain);
        r.latestCumulativePremiumFraction = m.cumulativePremiumFraction;
    }

    function _isolatedFor(Position memory old, MarginChoice requested) internal pure returns (bool) {
        if (old.size != 0) {
            if (requested != MarginChoice.Unspecified && (requested == MarginChoice.Isolated) != old.isolated) revert InvalidParameter();
            return old.isolated;
        }
        return requested == MarginChoice.Isolated;
    }

    // ------------------------------------------------------------------ valuation

    /// @dev Notional and unrealised PnL of a position; Max/Min pick by PnL between spot and TWAP.
    function _valuePosition(Market storage m, Position memory pos, Valuation valuation) internal view returns (uint256 notional, int256 pnl) {
        if (pos.size == 0) return (0, 0);
        if (valuation == Valuation.Max || valuation == Valuation.Min) {
            (uint256 spotNotional, int256 spotPnl) = _valuePosition(m, pos, Valuation.Spot);
            (uint256 twapNotional, int256 twapPnl) = _valuePosition(m, pos, Valuation.Twap);
            return (valuation == Valuation.Max) == (spotPnl > twapPnl) ? (spotNotional, spotPnl) : (twapNotional, twapPnl);
        }
        uint256 size = pos.size.abs();
        bool add = pos.size > 0;
        if (valuation == Valuation.Twap) notional = m.vamm.exitNotionalAtTwap(add, size, PNL_TWAP_INTERVAL);
        else if (valuation == Valuation.Spot) notional = m.vamm.outputPrice(add, size);
        else notional = size.mulD(m.oracle.referencePrice());
        pnl = pos.size < 0 ? int256(pos.openNotional) - int256(notional) : int256(notional) - int256(pos.openNotional);
    }

    function _marginGroup(address trader, bytes32 id) internal view returns (MarginGroup memory g) {
        _market(id);
        Position memory pos = _positions[trader][id];
        if (pos.isolated) {
            if (pos.size == 0) revert PositionSizeZero();
            g.isolated = true;
            g.base = int256(pos.margin);
            g.members = new bytes32[](1);
            g.members[0] = id;
            return g;
        }
        bytes32[] storage list = _marketsOf[trader];
        bytes32[] memory members = new bytes32[](list.length);
        uint256 n;
        for (uint256 i; i < list.length; ++i) {
            Position storage p = _positions[trader][list[i]];
            if (p.isolated || p.size == 0) continue;
            _requireRemapped(list[i], p.liquidityHistoryIndex);
            members[n++] = list[i];
        }
        if (n == 0) revert PositionSizeZero();
        assembly ("memory-safe") {
            mstore(members, n)
        }
        g.base = collateral[trader];
        g.members = members;
    }

    /// @dev oracleWhenOverSpread: members whose spot strays from the oracle are valued at the oracle.
    function _groupValue(address trader, MarginGroup memory g, Valuation valuation, bool oracleWhenOverSpread)
        internal
        view
        returns (GroupValue memory v)
    {
        v.value = g.base;
        for (uint256 i; i < g.members.length; ++i) {
            Market storage m = _markets[g.members[i]];
            Position memory pos = _positions[trader][g.members[i]];
            Valuation use = oracleWhenOverSpread && _isOverSpreadLimit(m) ? Valuation.Oracle : valuation;
            (uint256 notional, int256 pnl) = _valuePosition(m, pos, use);
            v.value += pnl - _pendingFunding(m, pos) - int256(_pendingLoss(m, pos));
            v.notional += notional;
            v.pnl += pnl;
        }
    }

    function _marginRatio(address trader, bytes32 id, Valuation valuation) internal view returns (int256) {
        GroupValue memory v = _groupValue(trader, _marginGroup(trader, id), valuation, false);
        return v.value.divD(int256(v.notional));
    }

    /// @dev |spot − oracle| / oracle ≥ the max spread ratio, for a usable oracle price only: with
    /// none (both feeds stale, the feed reverting or answering ≤ 0) the mark values the position, so
    /// a stale price cannot keep a bankrupt position alive nor a failing feed block its liquidation.
    function _isOverSpreadLimit(Market storage m) internal view returns (bool) {
        (bool usable, uint256 price) = m.oracle.usablePrice();
        if (!usable) return false;
        int256 oraclePrice = int256(price);
        int256 spread = (int256(m.vamm.spotPrice()) - oraclePrice).divD(oraclePrice);
        return spread.abs() >= params.maxOracleSpreadRatio;
    }

    /// @dev Margin ratio for the liquidation check: trader-favourable, and the oracle's when the market strays.
    function _liquidationMarginRatio(address trader, bytes32 id) internal view returns (int256 ratio) {
        MarginGroup memory g = _marginGroup(trader, id);
        GroupValue memory best = _groupValue(trader, g, Valuation.Max, false);
        ratio = best.value.divD(int256(best.notional));
        bool anyOver;
        for (uint256 i; i < g.members.length && !anyOver; ++i) {
            anyOver = _isOverSpreadLimit(_markets[g.members[i]]);
        }
        if (anyOver) {
            GroupValue memory withOracle = _groupValue(trader, g, Valuation.Max, true);
            int256 oracleRatio = withOracle.value.divD(int256(withOracle.notional));
            if (oracleRatio > ratio) ratio = oracleRatio;
        }
    }

    /// @dev Perp v1's calcFreeCollateral for an isolated position given its margin with funding.
    function _isolatedFreeCollateral(Market storage m, Position memory pos, int256 marginWithFunding) internal view returns (int256) {
        (uint256 notional, int256 pnl) = _valuePosition(m, pos, Valuation.Min);
        int256 accountValue = pnl + marginWithFunding;
        int256 minCollateral = pnl > 0 ? marginWithFunding : accountValue;
        uint256 requirement = pos.size > 0 ? pos.openNotional.mulD(params.initMarginRatio) : notional.mulD(params.initMarginRatio);
        return minCollateral - int256(requirement);
    }

    /// @dev min(collateral, collateral + PnL) − initial requirement, over the cross positions.
    function _crossFreeCollateral(address trader) internal view returns (int256) {
        int256 carry;
        int256 pnl;
        uint256 requirement;
        bytes32[] storage list = _marketsOf[trader];
        for (uint256 i; i < list.length; ++i) {
            Position memory pos = _positions[trader][list[i]];
            if (pos.isolated || pos.size == 0) continue;
            _requireRemapped(list[i], pos.liquidityHistoryIndex);
            Market storage m = _markets[list[i]];
            (uint256 notional, int256 p) = _valuePosition(m, pos, Valuation.Min);
            carry += _pendingFunding(m, pos) + int256(_pendingLoss(m, pos));
            pnl += p;
            requirement += (pos.size > 0 ? pos.openNotional : notional).mulD(params.initMarginRatio);
        }
        int256 c = collateral[trader] - carry;
        return (pnl > 0 ? c : c + pnl) - int256(requirement);
    }

    function _firstCrossMarket(address trader) internal view returns (bool found, bytes32 id) {
        bytes32[] storage list = _marketsOf[trader];
        for (uint256 i; i < list.length; ++i) {
            Position storage p = _positions[trader][list[i]];
            if (!p.isolated && p.size != 0) return (true, list[i]);
        }
    }

    /// @dev After a cross trade: a grown book meets the initial ratio on its least favourable
    /// valuation, any book the maintenance ratio, and a flat account owes nothing.
    function _requireCrossHealthy(address trader, bool exposureGrew) internal view {
        (bool found, bytes32 anyMarket) = _firstCrossMarket(trader);
        if (!found) {
            if (collateral[trader] < 0) revert BadDebt();
            return;
        }
        if (exposureGrew) _requireMoreMarginRatio(_marginRatio(trader, anyMarket, Valuation.Min), params.initMarginRatio, true);
        else _requireMoreMarginRatio(_marginRatio(trader, anyMarket, Valuation.Max), params.maintenanceMarginRatio, true);
    }

    function _exposureGrew(Position memory old, Position memory next) internal pure returns (bool) {
        if (next.size == 0) return false;
        if (old.size == 0 || (old.size > 0) != (next.size > 0)) return true;
        return next.size.abs() > old.size.abs();
    }

    /// @dev What the net trader position is worth against the books: its exit value on the
    /// current curve (the settlement price once shut down) minus Σ signed open notional.
    function _netTraderValue(Market storage m) internal view returns (int256) {
        int256 size = m.vamm.totalPositionSize() - m.settledPositionSize;
        int256 openNotional = int256(m.openNotionalLong) - int256(m.openNotionalShort);
        if (!m.vamm.open()) {
            uint256 price = m.vamm.settlementPrice();
            return price == 0 ? int256(0) : size.mulD(int256(price)) - openNotional;
        }
        return Curve.exitValue(size, m.vamm.quoteReserve(), m.vamm.baseReserve()) - openNotional;
    }
}
