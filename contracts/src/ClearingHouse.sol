// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {
    BadDebt,
    FreeCollateralNotEnough,
    InsufficientVaultBalance,
    InvalidParameter,
    InvalidTokenAmount,
    LessThanMinimalQuote,
    MarginNotEnough,
    MarketClosed,
    MoreThanMaximalQuote,
    OracleStale,
    PositionSizeZero,
    SettleFundingTooEarly,
    ZeroInput
} from "./libraries/Errors.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {IInsuranceFund} from "./interfaces/IInsuranceFund.sol";
import {IVamm} from "./interfaces/IVamm.sol";
import {IVault} from "./interfaces/IVault.sol";
import {ClearingHouseAdmin} from "./ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "./ClearingHouseStorage.sol";
import {PositionMechanics} from "./PositionMechanics.sol";

/// @title ClearingHouse
/// @notice The `default` design's clearing house (twin of sim/clearing-house.ts and
/// sim/liquidation.ts): collateral, trading, margin, funding and liquidation across many markets.
/// Admin operations (markets, k migration, repeg, shutdown, parameters) and read-outs live in
/// ClearingHouseAdmin, which runs on this contract's storage through the fallback.
contract ClearingHouse is PositionMechanics {
    using FixedPoint for uint256;
    using FixedPoint for int256;

    /// @notice The admin module (delegate-called for every selector this contract does not have).
    address public immutable admin;

    struct LiquidationResult {
        uint256 quoteAmount;
        bool isPartial;
        uint256 feeToLiquidator;
        uint256 badDebt;
    }

    constructor(address owner_, IVault vault_, IInsuranceFund insuranceFund_, Params memory params_, address admin_)
        ClearingHouseStorage(owner_, vault_, insuranceFund_, params_)
    {
        admin = admin_;
    }

    // ------------------------------------------------------------------ collateral

    /// @notice Moves collateral tokens from the caller's wallet into their cross account.
    /// @param amount 18 decimals, floored to token units (the caller approved the vault)
    function deposit(uint256 amount) external {
        address trader = msg.sender;
        uint256 units = amount / TOKEN_SCALE;
        if (units == 0) revert InvalidTokenAmount();
        vault.pullFrom(trader, units);
        _touchAccount(trader);
        collateral[trader] += int256(units * TOKEN_SCALE);
        emit Deposited(trader, units * TOKEN_SCALE);
    }

    /// @notice Withdraws free collateral (never unrealised profit) to the caller's wallet.
    /// @param amount 18 decimals, floored to token units
    function withdraw(uint256 amount) external {
        address trader = msg.sender;
        uint256 units = amount / TOKEN_SCALE;
        if (units == 0) revert InvalidTokenAmount();
        uint256 value = units * TOKEN_SCALE;
        bytes32[] memory list = _marketsOf[trader];
        for (uint256 i; i < list.length; ++i) {
            Position memory pos = _positions[trader][list[i]];
            if (!pos.isolated && pos.size != 0) _settleCarry(_markets[list[i]], list[i], trader, pos);
        }
        if (collateral[trader] < int256(value)) revert FreeCollateralNotEnough();
        collateral[trader] -= int256(value);
        if (_crossFreeCollateral(trader) < 0) revert FreeCollateralNotEnough();
        if (vault.totalAssets() < units) revert InsufficientVaultBalance();
        vault.pushTo(trader, units);
        emit Withdrawn(trader, value);
    }

    // ------------------------------------------------------------------ trading

    /// @notice Opens, increases, reduces or reverses the caller's position.
    /// @param market market id
    /// @param long side of the trade
    /// @param margin quote amount; the notional is margin × leverage (18 decimals)
    /// @param leverage 18 decimals, at most 1 / initial margin ratio
    /// @param baseLimit slippage limit on base (0 = none): minimum for a long, maximum for a short
    /// @param choice cross or isolated margin for a new position (unspecified = cross, or as it is)
    function openPosition(bytes32 market, bool long, uint256 margin, uint256 leverage, uint256 baseLimit, MarginChoice choice)
        external
        returns (PositionResp memory resp)
    {
        address trader = msg.sender;
        Market storage m = _market(market);
        if (!m.vamm.open()) revert MarketClosed();
        _requireNoMigration(market);
        if (margin / TOKEN_SCALE == 0) revert InvalidTokenAmount();
        if (leverage == 0) revert ZeroInput();
        _requireMoreMarginRatio(int256(FixedPoint.ONE.divD(leverage)), params.initMarginRatio, true);
        _requireNotRestrictionMode(m, market, trader);
        _touchAccount(trader);
        Position memory old = _positions[trader][market];
        bool isolated = _isolatedFor(old, choice);
        bool isNew = old.size == 0;
        bool sameSide = isNew || (old.size > 0) == long;
        resp = sameSide
            ? _increasePosition(m, market, trader, isolated, long, margin.mulD(leverage), baseLimit, leverage)
            : _openReversePosition(m, market, trader, isolated, long, margin, leverage, baseLimit, IVamm.Band.Within);
        _setPosition(m, market, trader, resp.position);
        if (!isolated) collateral[trader] += resp.collateralDelta;
        // Margin moves before the fee, as in Perp v1 (and the model): the free-collateral check
        // of an isolated position's margin comes before the fee is charged.
        uint256 fee;
        if (isolated) {
            if (!isNew && resp.position.size != 0) {
                _requireMoreMarginRatio(_marginRatio(trader, market, Valuation.Max), params.maintenanceMarginRatio, true);
            }
            if (resp.badDebt != 0) revert BadDebt();
            _settleMarginToVault(trader, resp.marginToVault);
            fee = _chargeFee(trader, m, resp.exchangedQuote);
            _requireCrossHealthy(trader, false);
        } else {
            fee = _chargeFee(trader, m, resp.exchangedQuote);
            _requireCrossHealthy(trader, _exposureGrew(old, resp.position));
        }
        _emitPositionChanged(trader, m, market, resp, fee, 0);
    }

    /// @notice Closes the caller's position (a quarter of it when a full close would break the
    /// fluctuation limit).
    /// @param quoteLimit slippage limit on quote (0 = none)
    function closePosition(bytes32 market, uint256 quoteLimit) external returns (PositionResp memory resp) {
        address trader = msg.sender;
        Market storage m = _market(market);
        if (!m.vamm.open()) revert MarketClosed();
        _requireNoMigration(market);
        _requireNotRestrictionMode(m, market, trader);
        Position memory position = _positions[trader][market];
        if (position.size == 0) revert PositionSizeZero();
        bool isolated = position.isolated;
        bool add = position.size > 0;
        if (m.vamm.isOverFluctuationLimit(add, position.size.abs()) && params.partialCloseRatio < FixedPoint.ONE) {
            uint256 notional = m.vamm.outputPrice(add, position.size.mulD(int256(params.partialCloseRatio)).abs());
            resp = _openReversePosition(m, market, trader, isolated, !add, notional, FixedPoint.ONE, 0, IVamm.Band.MayLeave);
            _setPosition(m, market, trader, resp.position);
        } else {
            resp = _closePosition(m, market, trader, quoteLimit, IVamm.Band.MayLeave);
        }
        if (!isolated) collateral[trader] += resp.collateralDelta;
        if (resp.badDebt != 0) revert BadDebt();
        if (isolated) _settleMarginToVault(trader, resp.marginToVault);
        uint256 fee = _chargeFee(trader, m, resp.exchangedQuote);
        _requireCrossHealthy(trader, false);
        _emitPositionChanged(trader, m, market, resp, fee, 0);
    }

    /// @notice Moves collateral into the caller's isolated position in `market`.
    /// @param amount 18 decimals (at least one token unit)
    function addMargin(bytes32 market, uint256 amount) external {
        address trader = msg.sender;
        (Market storage m, Position memory position) = _isolatedPositionForMargin(trader, market, amount);
        position.margin += amount;
        _setPosition(m, market, trader, position);
        _settleMarginToVault(trader, int256(amount));
        emit MarginChanged(trader, market, int256(amount), 0);
    }

    /// @notice Moves margin from the caller's isolated position back to their collateral; what
    /// stays must be free of the initial requirement.
    /// @param amount 18 decimals (at least one token unit)
    function removeMargin(bytes32 market, uint256 amount) external {
        address trader = msg.sender;
        (Market storage m, Position memory position) = _isolatedPositionForMargin(trader, market, amount);
        RemainMargin memory r = _calcRemainMarginWithFundingPayment(m, position, -int256(amount));
        if (r.badDebt != 0) revert MarginNotEnough();
        if (_isolatedFreeCollateral(m, position, int256(r.remainMargin)) < 0) revert FreeCollateralNotEnough();
        _recordFundingSettled(m, position, r.fundingPayment);
        position.margin = r.remainMargin;
        position.lastCumulativePremiumFraction = r.latestCumulativePremiumFraction;
        position.lastLossIndex = _lossIndex(m, position.size);
        _setPosition(m, market, trader, position);
        _settleMarginToVault(trader, -int256(amount));
        emit MarginChanged(trader, market, -int256(amount), r.fundingPayment);
    }

    /// @dev The checks margin changes share: an open market, at least one token unit, an open
    /// isolated position (a closed one has no margin to change).
    function _isolatedPositionForMargin(address trader, bytes32 market, uint256 amount)
        private
        view
        returns (Market storage m, Position memory position)
    {
        m = _market(market);
        if (!m.vamm.open()) revert MarketClosed();
        _requireNoMigration(market);
        if (amount / TOKEN_SCALE == 0) revert InvalidTokenAmount();
        position = _positions[trader][market];
        if (!position.isolated) revert InvalidParameter();
        if (position.size == 0) revert PositionSizeZero();
    }

    // ------------------------------------------------------------------ funding

    /// @notice Settles one funding period (permissionless): premium fraction = (mark TWAP − index
    /// TWAP)·period/convergence, capped; the insurance fund pays or receives the imbalance
    /// premiumFraction·totalPositionSize, and a shortfall is socialised to the receiving side.
    /// Reverts while the Chainlink index is stale.
    function settleFunding(bytes32 market) external returns (FundingSettlement memory s) {
        Market storage m = _market(market);
        if (!m.vamm.open()) revert MarketClosed();
        _requireNoMigration(market);
        if (block.timestamp < m.nextFundingTime) revert SettleFundingTooEarly();
        // The index TWAP is Chainlink's: a stale index must not set funding (a fresh fast price is no help).
        if (!m.oracle.isIndexFresh()) revert OracleStale();
        MarketConfig memory f = m.config;
        s.indexTwap = m.oracle.indexTwap(f.indexTwapInterval);
        s.markTwap = m.vamm.twapPrice(f.markTwapInterval);
        int256 premium = int256(s.markTwap) - int256(s.indexTwap);
        s.uncappedPremiumFraction = (premium * int256(f.fundingPeriod)) / int256(f.convergencePeriod);
        s.premiumFraction = s.uncappedPremiumFraction;
        if (f.fundingCapRatio > 0) {
            int256 capBound = int256((s.indexTwap.mulD(f.fundingCapRatio) * f.fundingPeriod) / f.fundingCapWindow);
            if (s.premiumFraction > capBound) s.premiumFraction = capBound;
            else if (s.premiumFraction < -capBound) s.premiumFraction = -capBound;
        }
        s.fundingRate = s.premiumFraction.divD(int256(s.indexTwap));
        m.fundingRate = s.fundingRate;
        uint256 onHour = ((m.nextFundingTime + f.fundingPeriod) / 3600) * 3600;
        uint256 minNext = block.timestamp + f.fundingPeriod / 2;
        m.nextFundingTime = onHour > minNext ? onHour : minNext;
        m.cumulativePremiumFraction += s.premiumFraction;
        s.cumulativePremiumFraction = m.cumulativePremiumFraction;
        s.ammFundingProfit = s.premiumFraction.mulD(m.vamm.totalPositionSize());
        m.ammFundingProfit += s.ammFundingProfit;
        m.fundingRoundings += 1;
        emit FundingSettled(market, s);
        if (s.ammFundingProfit < 0) {
            (, uint256 shortfall) = insuranceFund.pay(uint256(-s.ammFundingProfit), IInsuranceFund.Flow.Funding);
            if (shortfall > 0) _socialiseLoss(m, market, s.premiumFraction <= 0, shortfall, LossCause.Funding);
        } else if (s.ammFundingProfit > 0) {
            insuranceFund.receiveFrom(uint256(s.ammFundingProfit), IInsuranceFund.Flow.Funding);
        }
    }

    // ------------------------------------------------------------------ liquidation

    /// @notice Liquidates `trader`'s position in `market` when its margin group is below maintenance:
    /// the smallest close that restores maintenance (closed form on the curve, checked exactly), or
    /// all of it when it is small or at/below the penalty ratio. The caller receives half the penalty.
    /// Neither an oracle outage nor a close over this block's fluctuation band can block it.
    /// @param quoteLimit slippage limit on the closed notional (0 = none)
    function liquidate(address trader, bytes32 market, uint256 quoteLimit) external returns (LiquidationResult memory result) {
        Market storage m = _market(market);
        if (!m.vamm.open()) revert MarketClosed();
        _requireNoMigration(market);
        int256 sizeBefore = _positions[trader][market].size;
        if (sizeBefore == 0) revert PositionSizeZero();
        _requireMoreMarginRatio(_liquidationMarginRatio(trader, market), params.maintenanceMarginRatio, false);
        result = _liquidateMinimal(msg.sender, trader, m, market);
        if (quoteLimit != 0) {
            if (sizeBefore > 0) {
                if (result.quoteAmount < quoteLimit) revert LessThanMinimalQuote();
            } else if (result.quoteAmount > quoteLimit) {
                revert MoreThanMaximalQuote();
            }
        }
    }

    function _liquidateMinimal(address liquidator, address trader, Market storage m, bytes32 id)
        internal
        returns (LiquidationResult memory result)
    {
        uint256 p = params.liquidationFeeRatio;
        Position memory position = _positions[trader][id];
        uint256 quote = _liquidationQuote(trader, id);
        PositionResp memory resp;
        uint256 penalty;
        result.isPartial = quote > 0;
        if (result.isPartial) {
            (resp, result.feeToLiquidator, penalty) = _applyPartialLiquidation(trader, m, id, position, quote);
        } else {
            resp = _closePosition(m, id, trader, 0, IVamm.Band.Ignore);
            penalty = resp.exchangedQuote.mulD(p);
            result.feeToLiquidator = penalty / 2;
            if (position.isolated) {
                uint256 remain = uint256(-resp.marginToVault);
                result.badDebt = resp.badDebt;
                if (result.feeToLiquidator > remain) {
                    result.badDebt += result.feeToLiquidator - remain;
                    remain = 0;
                } else {
                    remain -= result.feeToLiquidator;
                }
                resp.marginToVault = 0;
                if (remain > 0) insuranceFund.receiveFrom(remain, IInsuranceFund.Flow.Penalty);
                if (result.badDebt > 0) _absorbBadDebt(trader, m, id, position.size, result.badDebt);
            } else {
                int256 available = collateral[trader] + resp.collateralDelta - int256(result.feeToLiquidator);
                int256 toFund = int256(penalty - result.feeToLiquidator);
                int256 paidToFund = available <= 0 ? int256(0) : available < toFund ? available : toFund;
                collateral[trader] = available - paidToFund;
                if (paidToFund > 0) insuranceFund.receiveFrom(uint256(paidToFund), IInsuranceFund.Flow.Penalty);
                result.badDebt = _realizeCrossBadDebtIfFlat(trader, m, id, position.size);
            }
        }
        _payOut(liquidator, result.feeToLiquidator);
        if (params.restrictionMode) _enterRestrictionMode(m, id);
        result.quoteAmount = resp.exchangedQuote;
        emit PositionLiquidated(
            trader, id, resp.exchangedQuote, resp.exchangedSize.abs(), result.feeToLiquidator, liquidator, result.badDebt, result.isPartial
        );
        resp.badDebt = result.badDebt;
        _emitPositionChanged(trader, m, id, resp, 0, penalty);
    }

    /// @dev The admin module's `liquidationQuote` (LiquidationSizing), run on this contract's storage.
    function _liquidationQuote(address trader, bytes32 id) internal returns (uint256) {
        (bool ok, bytes memory data) = admin.delegatecall(abi.encodeCall(ClearingHouseAdmin.liquidationQuote, (trader, id)));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(data, 32), mload(data))
            }
        }
        return abi.decode(data, (uint256));
    }

    /// @dev Closes `quote` of notional and charges the penalty on it; the fund's half is credited.
    /// `quote` is a size LiquidationSizing accepted, so an isolated margin can pay the penalty.
    function _applyPartialLiquidation(address trader, Market storage m, bytes32 id, Position memory position, uint256 quote)
        internal
        returns (PositionResp memory resp, uint256 feeToLiquidator, uint256 penalty)
    {
        resp = _openReversePosition(m, id, trader, position.isolated, position.size < 0, quote, FixedPoint.ONE, 0, IVamm.Band.Ignore);
        penalty = resp.exchangedQuote.mulD(params.liquidationFeeRatio);
        feeToLiquidator = penalty / 2;
        if (position.isolated) resp.position.margin -= penalty;
        else collateral[trader] = collateral[trader] + resp.collateralDelta - int256(penalty);
        _setPosition(m, id, trader, resp.position);
        insuranceFund.receiveFrom(penalty - feeToLiquidator, IInsuranceFund.Flow.Penalty);
    }

    // ------------------------------------------------------------------ admin module

    /// @dev Everything else (markets, curve changes, shutdown, parameters, read-outs) runs in the
    /// admin module on this contract's storage.
    fallback() external {
        address target = admin;
        // Memory-safe (past the free-memory pointer), so the compiler may move stack variables to memory.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := delegatecall(gas(), target, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
    }
}
