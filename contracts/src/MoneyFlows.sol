// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FreeCollateralNotEnough} from "./libraries/Errors.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {IInsuranceFund} from "./interfaces/IInsuranceFund.sol";
import {AccountBalance} from "./AccountBalance.sol";

/// @title MoneyFlows
/// @notice Money that moves (twin of sim/money-flows.ts): trading fees and their split, funding and
/// socialised loss settled into collateral or margin, isolated margin to and from the cross
/// collateral, payouts from the vault, bad debt through the insurance fund to the counterparty
/// side, and the cost of curve changes.
abstract contract MoneyFlows is AccountBalance {
    using FixedPoint for uint256;
    using FixedPoint for int256;

    /// @dev Settles accrued funding and socialised loss into the collateral (cross) or the margin
    /// (isolated; what it cannot cover is bad debt) and stores the settled position.
    function _settleCarry(Market storage m, bytes32 id, address trader, Position memory pos) internal returns (Position memory settled) {
        Carry memory carry = _crossCarry(m, pos);
        _recordFundingSettled(m, pos, carry.funding);
        uint256 margin = pos.margin;
        if (pos.isolated) {
            RemainMargin memory r = _calcRemainMarginWithFundingPayment(m, pos, 0);
            margin = r.remainMargin;
            if (r.badDebt > 0) _absorbBadDebt(trader, m, id, pos.size, r.badDebt);
        } else {
            collateral[trader] -= carry.funding + int256(carry.loss);
        }
        settled = pos;
        settled.margin = margin;
        settled.lastCumulativePremiumFraction = m.cumulativePremiumFraction;
        settled.lastLossIndex = _lossIndex(m, pos.size);
        _setPosition(m, id, trader, settled);
    }

    /// @dev Fee on exchanged notional from the cross collateral: the fund's share, the rest to the treasury.
    function _chargeFee(address trader, Market storage m, uint256 notional) internal returns (uint256 fee) {
        if (notional == 0) return 0;
        fee = notional.mulD(m.config.feeRatio);
        if (fee == 0) return 0;
        uint256 toFund = fee.mulD(params.insuranceFundFeeShare);
        collateral[trader] -= int256(fee);
        treasury += fee - toFund;
        insuranceFund.receiveFrom(toFund, IInsuranceFund.Flow.Fee);
    }

    /// @dev Isolated margin comes from and returns to the cross collateral (+ in, − out).
    function _settleMarginToVault(address trader, int256 marginToVault) internal {
        if (marginToVault == 0) return;
        collateral[trader] -= marginToVault;
        if (marginToVault > 0 && _crossFreeCollateral(trader) < 0) revert FreeCollateralNotEnough();
    }

    /// @dev Pays a liquidator from the vault, floored to token units; what the vault cannot pay now
    /// (an illiquid yield source) is credited to the payee's collateral, so a liquidation never
    /// waits for liquidity.
    function _payOut(address to, uint256 amount) internal {
        if (amount == 0) return;
        uint256 units = amount / TOKEN_SCALE;
        if (vault.canPay(units)) {
            vault.pushTo(to, units);
            return;
        }
        _touchAccount(to);
        collateral[to] += int256(amount);
        emit PayoutCredited(to, amount);
    }

    /// @dev Bad debt of a closed position: the insurance fund, then the counterparty side, then on record.
    function _absorbBadDebt(address trader, Market storage m, bytes32 id, int256 closedSize, uint256 amount) internal {
        if (amount == 0) return;
        (uint256 covered, uint256 shortfall) = insuranceFund.pay(amount, IInsuranceFund.Flow.BadDebt);
        uint256 socialised;
        uint256 uncovered;
        if (shortfall > 0) {
            socialised = _socialiseLoss(m, id, closedSize <= 0, shortfall, LossCause.BadDebt);
            uncovered = shortfall - socialised;
        }
        emit BadDebtAbsorbed(trader, id, amount, covered, socialised, uncovered);
    }

    /// @dev A flat cross account with negative collateral has bad debt: zero it and absorb the debt.
    function _realizeCrossBadDebtIfFlat(address trader, Market storage m, bytes32 id, int256 closedSize) internal returns (uint256 debt) {
        int256 c = collateral[trader];
        if (c >= 0) return 0;
        (bool found,) = _firstCrossMarket(trader);
        if (found) return 0;
        debt = uint256(-c);
        collateral[trader] = 0;
        _absorbBadDebt(trader, m, id, closedSize, debt);
    }

    /// @dev Spreads a loss over one side pro rata to open notional through a per-side index
    /// (rounded up); with nobody on that side it stays uncovered. Returns what was socialised.
    function _socialiseLoss(Market storage m, bytes32 id, bool long, uint256 amount, LossCause cause) internal returns (uint256) {
        uint256 weight = long ? m.openNotionalLong : m.openNotionalShort;
        if (weight == 0) {
            uncoveredBadDebt += amount;
            return 0;
        }
        uint256 indexDelta = FixedPoint.ceilDiv(int256(amount * FixedPoint.ONE), int256(weight));
        if (long) m.lossIndexLong += indexDelta;
        else m.lossIndexShort += indexDelta;
        emit SocialisedLoss(id, long, amount, indexDelta, cause);
        return amount;
    }

    /// @dev Charges a curve change to the fee budget: treasury, then insurance fund, else on record.
    function _chargeCurveCost(bytes32 id, int256 cost) internal {
        if (cost < 0) {
            treasury += uint256(-cost);
            emit CurveCostCharged(id, cost, cost, 0, 0);
            return;
        }
        if (cost == 0) return;
        uint256 rest = uint256(cost);
        uint256 fromTreasury = rest < treasury ? rest : treasury;
        treasury -= fromTreasury;
        rest -= fromTreasury;
        uint256 fromInsuranceFund;
        if (rest > 0) {
            (fromInsuranceFund,) = insuranceFund.pay(rest, IInsuranceFund.Flow.CurveCost);
            rest -= fromInsuranceFund;
        }
        if (rest > 0) unfundedCurveCost += rest;
        emit CurveCostCharged(id, cost, int256(fromTreasury), fromInsuranceFund, rest);
    }
}
