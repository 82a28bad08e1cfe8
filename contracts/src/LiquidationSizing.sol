// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OpenNotionalNotPositive, PositionSizeZero} from "./libraries/Errors.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {IVamm} from "./interfaces/IVamm.sol";
import {AccountBalance} from "./AccountBalance.sol";

/// @title LiquidationSizing
/// @notice The size of the `default` design's minimal liquidation (twin of sim/liquidation.ts's
/// sizing and sim/liquidation-size.ts): the closed form on the curve, then each candidate checked
/// exactly by working out what applying it would leave — the vAMM swap (previewed by the vAMM),
/// the realised PnL, the carry, the penalty and the margin group's spot ratio — with the same
/// rounding, and the same revert, as applying it, and nothing written. The admin module holds the
/// code (the clearing house's is near the 24 KB limit); `liquidate` runs it there on its storage.
abstract contract LiquidationSizing is AccountBalance {
    using FixedPoint for uint256;
    using FixedPoint for int256;

    /// @dev What every candidate close starts from.
    struct CloseTrial {
        IVamm vamm;
        int256 size;
        uint256 margin;
        bool isolated;
        uint256 positionNotional;
        int256 unrealizedPnl;
        int256 funding;
        uint256 loss;
        // The margin group at spot without this position's PnL and carry (its base and other members).
        int256 restValue;
        uint256 restNotional;
        bool restHasMembers;
        uint256 maintenance;
        uint256 penaltyRatio;
    }

    /// @dev The notional a liquidation of `trader`'s position in `id` closes: the smallest partial
    /// close that restores maintenance, or 0 for the whole position (a small one, one at or below
    /// the penalty ratio, or one no partial close restores).
    function _liquidationQuote(address trader, bytes32 id) internal view returns (uint256) {
        Market storage m = _markets[id];
        Position memory position = _positions[trader][id];
        uint256 positionNotional = m.vamm.outputPrice(position.size > 0, position.size.abs());
        MarginGroup memory group = _marginGroup(trader, id);
        GroupValue memory spot = _groupValue(trader, group, Valuation.Spot, false);
        int256 spotRatio = spot.value.divD(int256(spot.notional));
        if (positionNotional < params.fullLiquidationBelowNotional || spotRatio <= int256(params.liquidationFeeRatio)) return 0;
        return _quoteForMaintenance(m, position, group, spot, positionNotional);
    }

    /// @dev The smallest notional q with (V − p·q)/(N − q) ≥ m, rounded up and then nudged up by the
    /// rounding the closed form cannot see (q + 1, q + 5, q + 21, …), each candidate checked exactly;
    /// 0 when none below the position's notional restores maintenance.
    function _quoteForMaintenance(
        Market storage m,
        Position memory position,
        MarginGroup memory group,
        GroupValue memory spot,
        uint256 positionNotional
    ) private view returns (uint256) {
        int256 mmr = int256(params.maintenanceMarginRatio);
        int256 p = int256(params.liquidationFeeRatio);
        if (mmr <= p || positionNotional == 0) return 0;
        int256 shortfall = mmr * int256(spot.notional) - spot.value * FixedPoint.IONE;
        if (shortfall <= 0) return 0;
        uint256 quote = FixedPoint.ceilDiv(shortfall, mmr - p);
        if (quote >= positionNotional) return 0;
        CloseTrial memory t = _closeTrial(m, position, group, spot, positionNotional);
        for (uint256 step = 1; quote < positionNotional; step *= 4) {
            if (_closeRestoresMaintenance(t, quote)) return quote;
            quote += step;
        }
        return 0;
    }

    function _closeTrial(
        Market storage m,
        Position memory position,
        MarginGroup memory group,
        GroupValue memory spot,
        uint256 positionNotional
    ) private view returns (CloseTrial memory t) {
        t.vamm = m.vamm;
        t.size = position.size;
        t.margin = position.margin;
        t.isolated = position.isolated;
        t.positionNotional = positionNotional;
        t.unrealizedPnl = position.size < 0
            ? int256(position.openNotional) - int256(positionNotional)
            : int256(positionNotional) - int256(position.openNotional);
        t.funding = _pendingFunding(m, position);
        t.loss = _pendingLoss(m, position);
        t.restValue = spot.value - (t.unrealizedPnl - t.funding - int256(t.loss));
        t.restNotional = spot.notional - positionNotional;
        t.restHasMembers = group.members.length > 1;
        t.maintenance = params.maintenanceMarginRatio;
        t.penaltyRatio = params.liquidationFeeRatio;
    }

    /// @dev Whether closing `quote` as a partial liquidation (ClearingHouse._applyPartialLiquidation)
    /// would bring the margin group's spot ratio back to maintenance; false when the position's
    /// margin could not pay the penalty. Reverts where applying it would, with the same error.
    function _closeRestoresMaintenance(CloseTrial memory t, uint256 quote) private view returns (bool) {
        // The close's swap: buy back a short, sell a long.
        bool addQuote = t.size < 0;
        (uint256 base, uint256 quoteReserve, uint256 baseReserve) = t.vamm.previewSwapInput(addQuote, quote);
        // The reduce (PositionMechanics._openReversePosition).
        int256 realizedPnl = t.unrealizedPnl.mulD(int256(base)).divD(int256(t.size.abs()));
        int256 unrealizedPnlAfter = t.unrealizedPnl - realizedPnl;
        int256 openNotional = t.size > 0
            ? int256(t.positionNotional) - int256(quote) - unrealizedPnlAfter
            : unrealizedPnlAfter + int256(t.positionNotional) - int256(quote);
        if (openNotional <= 0) revert OpenNotionalNotPositive();
        // Realised PnL less the carry settled, into the isolated margin or the cross collateral.
        int256 settled = realizedPnl - t.funding - int256(t.loss);
        uint256 penalty = quote.mulD(t.penaltyRatio);
        if (t.isolated && settled + int256(t.margin) < int256(penalty)) return false;
        // The group after: its rest, what was settled less the penalty, the position left at spot
        // on the new curve (its carry settled).
        int256 value = t.restValue + settled - int256(penalty);
        uint256 notional = t.restNotional;
        int256 sizeAfter = t.size + (addQuote ? int256(base) : -int256(base));
        if (sizeAfter == 0) {
            if (!t.restHasMembers) revert PositionSizeZero();
        } else {
            uint256 exit = t.vamm.outputPriceAt(sizeAfter > 0, sizeAfter.abs(), quoteReserve, baseReserve);
            notional += exit;
            value += sizeAfter > 0 ? int256(exit) - openNotional : openNotional - int256(exit);
        }
        if (notional == 0) return true;
        return value.divD(int256(notional)) >= int256(t.maintenance);
    }
}
