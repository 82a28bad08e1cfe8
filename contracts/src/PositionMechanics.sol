// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {
    OpenNotionalNotPositive,
    OracleStale,
    OverOpenInterestLimit,
    PositionSizeUpperBound,
    PositionSizeZero,
    ReduceUnderwaterPosition
} from "./libraries/Errors.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {IVamm} from "./interfaces/IVamm.sol";
import {MoneyFlows} from "./MoneyFlows.sol";

/// @title PositionMechanics
/// @notice Perp v1's position mechanics (twin of sim/position-mechanics.ts): increase, reduce, close,
/// and close-then-reverse, each returning the swap, the realised PnL, the new open notional and the
/// margin effect (isolated margin, or a change to the cross collateral).
abstract contract PositionMechanics is MoneyFlows {
    using FixedPoint for uint256;
    using FixedPoint for int256;

    /// @dev The outcome of a position change (Perp v1's PositionResp).
    struct PositionResp {
        Position position;
        uint256 exchangedQuote;
        uint256 badDebt;
        int256 exchangedSize;
        int256 fundingPayment;
        int256 realizedPnl;
        int256 marginToVault;
        int256 unrealizedPnlAfter;
        int256 collateralDelta;
    }

    function _increasePosition(
        Market storage m,
        bytes32 id,
        address trader,
        bool isolated,
        bool long,
        uint256 openNotional,
        uint256 minPositionSize,
        uint256 leverage
    ) internal returns (PositionResp memory resp) {
        if (!m.oracle.isFresh()) revert OracleStale();
        Position memory old = _positions[trader][id];
        int256 exchangedSize = _swapInput(m, long, openNotional, minPositionSize, IVamm.Band.Within);
        int256 newSize = old.size + exchangedSize;
        _updateOpenInterestNotional(m, trader, int256(openNotional));
        if (trader != whitelist && m.config.maxHoldingBaseAsset > 0 && newSize.abs() > m.config.maxHoldingBaseAsset) {
            revert PositionSizeUpperBound();
        }
        resp.position = old;
        (, resp.unrealizedPnlAfter) = _valuePosition(m, old, Valuation.Spot);
        resp.exchangedQuote = openNotional;
        resp.exchangedSize = exchangedSize;
        uint256 margin;
        if (isolated) {
            uint256 increaseMarginRequirement = openNotional.divD(leverage);
            RemainMargin memory r = _calcRemainMarginWithFundingPayment(m, old, int256(increaseMarginRequirement));
            margin = r.remainMargin;
            resp.fundingPayment = r.fundingPayment;
            resp.marginToVault = int256(increaseMarginRequirement);
            resp.badDebt = r.badDebt;
        } else {
            Carry memory carry = _crossCarry(m, old);
            resp.fundingPayment = carry.funding;
            resp.collateralDelta = -carry.funding - int256(carry.loss);
        }
        _recordFundingSettled(m, old, resp.fundingPayment);
        resp.position = Position({
            size: newSize,
            margin: margin,
            openNotional: old.openNotional + openNotional,
            lastCumulativePremiumFraction: m.cumulativePremiumFraction,
            lastLossIndex: _lossIndex(m, newSize),
            liquidityHistoryIndex: old.liquidityHistoryIndex,
            blockNumber: uint64(block.number),
            isolated: isolated,
            exists: true
        });
    }

    function _openReversePosition(
        Market storage m,
        bytes32 id,
        address trader,
        bool isolated,
        bool long,
        uint256 quoteAmount,
        uint256 leverage,
        uint256 baseLimit,
        IVamm.Band band
    ) internal returns (PositionResp memory resp) {
        uint256 openNotional = quoteAmount.mulD(leverage);
        Position memory old = _positions[trader][id];
        (uint256 oldPositionNotional, int256 unrealizedPnl) = _valuePosition(m, old, Valuation.Spot);
        if (oldPositionNotional <= openNotional) {
            return _closeAndOpenReversePosition(m, id, trader, isolated, long, quoteAmount, leverage, baseLimit);
        }
        _updateOpenInterestNotional(m, trader, -int256(openNotional));
        resp.position = old;
        resp.exchangedSize = _swapInput(m, long, openNotional, baseLimit, band);
        if (old.size != 0) resp.realizedPnl = unrealizedPnl.mulD(int256(resp.exchangedSize.abs())).divD(int256(old.size.abs()));
        uint256 margin;
        if (isolated) {
            RemainMargin memory r = _calcRemainMarginWithFundingPayment(m, old, resp.realizedPnl);
            margin = r.remainMargin;
            resp.badDebt = r.badDebt;
            resp.fundingPayment = r.fundingPayment;
        } else {
            Carry memory carry = _crossCarry(m, old);
            resp.fundingPayment = carry.funding;
            resp.collateralDelta = resp.realizedPnl - carry.funding - int256(carry.loss);
        }
        _recordFundingSettled(m, old, resp.fundingPayment);
        resp.unrealizedPnlAfter = unrealizedPnl - resp.realizedPnl;
        resp.exchangedQuote = openNotional;
        int256 remainOpenNotional = old.size > 0
            ? int256(oldPositionNotional) - int256(openNotional) - resp.unrealizedPnlAfter
            : resp.unrealizedPnlAfter + int256(oldPositionNotional) - int256(openNotional);
        if (remainOpenNotional <= 0) revert OpenNotionalNotPositive();
        int256 newSize = old.size + resp.exchangedSize;
        resp.position = Position({
            size: newSize,
            margin: margin,
            openNotional: uint256(remainOpenNotional),
            lastCumulativePremiumFraction: m.cumulativePremiumFraction,
            lastLossIndex: _lossIndex(m, newSize),
            liquidityHistoryIndex: old.liquidityHistoryIndex,
            blockNumber: uint64(block.number),
            isolated: isolated,
            exists: true
        });
    }

    function _closeAndOpenReversePosition(
        Market storage m,
        bytes32 id,
        address trader,
        bool isolated,
        bool long,
        uint256 quoteAmount,
        uint256 leverage,
        uint256 baseLimit
    ) internal returns (PositionResp memory) {
        PositionResp memory close = _closePosition(m, id, trader, 0, IVamm.Band.MayLeave);
        if (close.badDebt != 0) revert ReduceUnderwaterPosition();
        uint256 openNotional = quoteAmount.mulD(leverage).subU(close.exchangedQuote);
        if (openNotional.divD(leverage) == 0) return close;
        uint256 closedSize = close.exchangedSize.abs();
        uint256 updatedBaseLimit = baseLimit > closedSize ? baseLimit - closedSize : 0;
        PositionResp memory increase = _increasePosition(m, id, trader, isolated, long, openNotional, updatedBaseLimit, leverage);
        increase.exchangedQuote += close.exchangedQuote;
        increase.badDebt += close.badDebt;
        increase.fundingPayment += close.fundingPayment;
        increase.exchangedSize += close.exchangedSize;
        increase.realizedPnl += close.realizedPnl;
        increase.unrealizedPnlAfter = 0;
        increase.marginToVault += close.marginToVault;
        increase.collateralDelta += close.collateralDelta;
        return increase;
    }

    function _closePosition(Market storage m, bytes32 id, address trader, uint256 quoteLimit, IVamm.Band band)
        internal
        returns (PositionResp memory resp)
    {
        Position memory old = _positions[trader][id];
        if (old.size == 0) revert PositionSizeZero();
        (, int256 unrealizedPnl) = _valuePosition(m, old, Valuation.Spot);
        if (old.isolated) {
            RemainMargin memory r = _calcRemainMarginWithFundingPayment(m, old, unrealizedPnl);
            resp.badDebt = r.badDebt;
            resp.fundingPayment = r.fundingPayment;
            resp.marginToVault = -int256(r.remainMargin);
        } else {
            Carry memory carry = _crossCarry(m, old);
            resp.fundingPayment = carry.funding;
            resp.collateralDelta = unrealizedPnl - carry.funding - int256(carry.loss);
        }
        _recordFundingSettled(m, old, resp.fundingPayment);
        resp.exchangedSize = -old.size;
        resp.realizedPnl = unrealizedPnl;
        resp.exchangedQuote = m.vamm.swapOutput(old.size > 0, old.size.abs(), quoteLimit, band);
        _updateOpenInterestNotional(m, trader, -(unrealizedPnl + int256(resp.badDebt) + int256(old.openNotional)));
        _clearPosition(m, id, trader, old.isolated);
        resp.position = _positions[trader][id];
    }

    function _swapInput(Market storage m, bool long, uint256 quote, uint256 baseLimit, IVamm.Band band) internal returns (int256) {
        uint256 base = m.vamm.swapInput(long, quote, baseLimit, band);
        return long ? int256(base) : -int256(base);
    }

    function _updateOpenInterestNotional(Market storage m, address trader, int256 amount) internal {
        uint256 cap = m.config.openInterestNotionalCap;
        if (cap == 0) return;
        int256 updated = int256(m.openInterestNotional) + amount;
        if (updated < 0) updated = 0;
        if (amount > 0 && uint256(updated) > cap && trader != whitelist) revert OverOpenInterestLimit();
        m.openInterestNotional = uint256(updated);
    }

    function _emitPositionChanged(address trader, Market storage m, bytes32 id, PositionResp memory resp, uint256 fee, uint256 penalty)
        internal
    {
        emit PositionChanged(
            trader,
            id,
            PositionChange({
                margin: resp.position.isolated ? int256(resp.position.margin) : collateral[trader],
                positionNotional: resp.exchangedQuote,
                exchangedPositionSize: resp.exchangedSize,
                fee: fee,
                positionSizeAfter: resp.position.size,
                realizedPnl: resp.realizedPnl,
                unrealizedPnlAfter: resp.unrealizedPnlAfter,
                badDebt: resp.badDebt,
                liquidationPenalty: penalty,
                spotPrice: m.vamm.spotPrice(),
                fundingPayment: resp.fundingPayment
            })
        );
    }
}
