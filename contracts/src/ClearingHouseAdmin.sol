// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {
    InsufficientFeeBudget,
    InvalidParameter,
    InvalidRepegDirection,
    MarketClosed,
    MarketOpen,
    MigrationPending,
    PositionSizeZero,
    Unauthorized
} from "./libraries/Errors.sol";
import {Curve} from "./libraries/Curve.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {IInsuranceFund} from "./interfaces/IInsuranceFund.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IVamm} from "./interfaces/IVamm.sol";
import {IVault} from "./interfaces/IVault.sol";
import {ClearingHouseStorage} from "./ClearingHouseStorage.sol";
import {LiquidationSizing} from "./LiquidationSizing.sol";
import {MoneyFlows} from "./MoneyFlows.sol";

/// @title ClearingHouseAdmin
/// @notice The clearing house's admin module and read-outs (twin of sim/market-admin.ts): markets,
/// k migration with the eager or no remap, repeg charged to the treasury then the fund, shutdown at
/// the net position's exit-value price and settlement, parameters, the whitelist; views of positions
/// and margins. It runs only by delegatecall from the ClearingHouse, on the clearing house's storage.
contract ClearingHouseAdmin is MoneyFlows, LiquidationSizing {
    using FixedPoint for uint256;
    using FixedPoint for int256;

    /// @notice One market-parameter change (leaf names as in the model's MarketParams).
    struct ParamChange {
        bytes32 name;
        uint256 value;
    }

    address private immutable _self;

    modifier onlyDelegated() {
        if (address(this) == _self) revert Unauthorized();
        _;
    }

    constructor(address owner_, IVault vault_, IInsuranceFund insuranceFund_, Params memory params_)
        ClearingHouseStorage(owner_, vault_, insuranceFund_, params_)
    {
        _self = address(this);
    }

    // ------------------------------------------------------------------ markets

    /// @notice Lists a market: its vAMM (deployed in this block) and oracle, with its parameters.
    function addMarket(bytes32 id, IVamm vamm_, IOracleAdapter oracle_, MarketConfig calldata config) external onlyDelegated onlyOwner {
        if (address(_markets[id].vamm) != address(0) || address(vamm_) == address(0)) revert InvalidParameter();
        if (config.fundingPeriod == 0 || config.convergencePeriod == 0 || config.fundingCapWindow == 0) revert InvalidParameter();
        Market storage m = _markets[id];
        m.vamm = vamm_;
        m.oracle = oracle_;
        m.config = config;
        m.nextFundingTime = ((block.timestamp + config.fundingPeriod) / 3600) * 3600;
        _marketIds.push(id);
        emit MarketAdded(id, address(vamm_), address(oracle_));
    }

    /// @notice Changes the depth: Q·m, B·m at the same price. `Eager` remaps every position so its exit
    /// notional is preserved (funding and loss settled first); `None` leaves sizes as they are.
    /// Positions are remapped at most `remapPageSize` per call: the market pauses until
    /// `remapPositions` (anyone's) has done the rest, and the last page charges the change in the net
    /// trader position's value to the treasury, then the fund.
    /// @return cost the protocol's cost (negative: revenue) once complete; 0 while pages remain
    function migrateLiquidity(bytes32 id, uint256 multiplier, Remap remap, uint256 fluctuationLimitRatio)
        external
        onlyDelegated
        onlyOwner
        returns (int256 cost)
    {
        if (remap == Remap.Unset) revert InvalidParameter();
        Market storage m = _market(id);
        Migration storage g = _migrations[id];
        if (g.pending) revert MigrationPending();
        int256 before = _netTraderValue(m);
        (uint256 fromQuote, uint256 fromBase) = m.vamm.migrateLiquidity(multiplier, fluctuationLimitRatio);
        m.lastRemap = remap;
        g.pending = true;
        g.newIndex = uint64(m.vamm.liquidityHistoryIndex());
        g.cursor = 0;
        g.multiplier = multiplier;
        g.fromQuote = fromQuote;
        g.fromBase = fromBase;
        g.total = 0;
        g.valueBefore = before;
        return _remapPage(m, id, g);
    }

    /// @notice Remaps the next page of a pending k migration (permissionless); the last page sets the
    /// net position and charges the migration's cost.
    /// @return cost as migrateLiquidity's
    function remapPositions(bytes32 id) external onlyDelegated returns (int256 cost) {
        Market storage m = _market(id);
        Migration storage g = _migrations[id];
        if (!g.pending) revert InvalidParameter();
        return _remapPage(m, id, g);
    }

    function _remapPage(Market storage m, bytes32 id, Migration storage g) internal returns (int256 cost) {
        address[] storage holders = _holders[id];
        uint256 end = g.cursor + remapPageSize;
        if (end > holders.length) end = holders.length;
        bool eager = m.lastRemap == Remap.Eager;
        int256 total = g.total;
        for (uint256 i = g.cursor; i < end; ++i) {
            address trader = holders[i];
            Position memory pos = _positions[trader][id];
            if (pos.size == 0 || !eager) {
                total += pos.size;
                pos.liquidityHistoryIndex = g.newIndex;
                _setPosition(m, id, trader, pos);
                continue;
            }
            // _settleCarry returns the same memory record, so keep what the event reports first.
            int256 oldSize = pos.size;
            uint64 oldIndex = pos.liquidityHistoryIndex;
            Position memory settled = _settleCarry(m, id, trader, pos);
            int256 newSize = m.vamm.baseAfterLiquidityMigration(oldSize, g.fromQuote, g.fromBase);
            total += newSize;
            settled.size = newSize;
            settled.liquidityHistoryIndex = g.newIndex;
            _setPosition(m, id, trader, settled);
            emit PositionAdjusted(trader, id, oldSize, newSize, oldIndex, g.newIndex);
        }
        g.total = total;
        g.cursor = end;
        if (end < holders.length) return 0;
        g.pending = false;
        m.vamm.setTotalPositionSize(total);
        cost = _netTraderValue(m) - g.valueBefore;
        _chargeCurveCost(id, cost);
        emit LiquidityMigrated(id, g.multiplier, m.lastRemap, m.vamm.quoteReserve(), m.vamm.baseReserve(), cost);
    }

    /// @notice Moves the peg toward the oracle by setting Q = price·B; the change in what the net
    /// trader position is worth is charged to the treasury (which must cover it), then the fund.
    function repeg(bytes32 id, uint256 targetPrice) external onlyDelegated onlyOwner returns (int256 cost) {
        Market storage m = _market(id);
        _requireNoMigration(id);
        if (targetPrice == 0) revert InvalidParameter();
        int256 oracle = int256(m.oracle.referencePrice());
        int256 spot = int256(m.vamm.spotPrice());
        int256 target = int256(targetPrice);
        bool towardOracle = (target - oracle).abs() < (spot - oracle).abs() && (target - oracle) * (spot - oracle) >= 0;
        if (!towardOracle) revert InvalidRepegDirection();
        int256 before = _netTraderValue(m);
        uint256 oldQuote = m.vamm.quoteReserve();
        m.vamm.setQuoteReserve(targetPrice.mulD(m.vamm.baseReserve()));
        cost = _netTraderValue(m) - before;
        if (cost > 0 && uint256(cost) > treasury) revert InsufficientFeeBudget();
        _chargeCurveCost(id, cost);
        emit Repegged(id, oldQuote, m.vamm.quoteReserve(), cost);
    }

    /// @notice Closes the market at the average exit price of the net trader position.
    function shutdown(bytes32 id) external onlyDelegated onlyOwner returns (uint256 price) {
        Market storage m = _market(id);
        if (!m.vamm.open()) revert MarketClosed();
        _requireNoMigration(id);
        int256 total = m.vamm.totalPositionSize();
        if (total.abs() > 100) {
            price = Curve.exitValue(total, m.vamm.quoteReserve(), m.vamm.baseReserve()).abs().divD(total.abs());
        }
        m.vamm.shutdown(price);
        emit Shutdown(id, price);
    }

    /// @notice Settles a position of a shut-down market at the settlement price into its owner's
    /// collateral (permissionless); a flat account left owing is bad debt for the insurance fund.
    function settlePosition(address trader, bytes32 id) external onlyDelegated returns (int256 value) {
        Market storage m = _market(id);
        if (m.vamm.open()) revert MarketOpen();
        Position memory pos = _positions[trader][id];
        if (pos.size == 0) revert PositionSizeZero();
        _clearPosition(m, id, trader, pos.isolated);
        m.settledPositionSize += pos.size;
        int256 price = int256(m.vamm.settlementPrice());
        Carry memory owed = _crossCarry(m, pos);
        _recordFundingSettled(m, pos, owed.funding);
        if (pos.isolated) {
            // margin + PnL − funding and loss owed; what the margin cannot cover is bad debt
            int256 settled = int256(pos.margin) - owed.funding - int256(owed.loss);
            if (price != 0) settled += pos.size.mulD(price - int256(pos.openNotional).divD(int256(pos.size.abs())));
            if (settled < 0) {
                _absorbBadDebt(trader, m, id, pos.size, uint256(-settled));
                settled = 0;
            }
            if (settled > 0) collateral[trader] += settled;
            emit PositionSettled(trader, id, settled);
            return settled;
        }
        value = price == 0 ? int256(0) : pos.size.mulD(price - int256(pos.openNotional).divD(int256(pos.size.abs())));
        collateral[trader] += value - owed.funding - int256(owed.loss);
        emit PositionSettled(trader, id, value);
        // A flat account left owing is bad debt, absorbed as a liquidation's would be.
        _realizeCrossBadDebtIfFlat(trader, m, id, pos.size);
    }

    // ------------------------------------------------------------------ parameters

    /// @notice Sets a clearing-house parameter by name (ratios and amounts in 18 decimals,
    /// restrictionMode 0/1); ratios above 1 and a maintenance margin not below the initial one
    /// are refused.
    function setParam(bytes32 name, uint256 value) external onlyDelegated onlyOwner {
        Params storage p = params;
        if (name == "initMarginRatio") p.initMarginRatio = value;
        else if (name == "maintenanceMarginRatio") p.maintenanceMarginRatio = value;
        else if (name == "liquidationFeeRatio") p.liquidationFeeRatio = value;
        else if (name == "fullLiquidationBelowNotional") p.fullLiquidationBelowNotional = value;
        else if (name == "partialCloseRatio") p.partialCloseRatio = value;
        else if (name == "insuranceFundFeeShare") p.insuranceFundFeeShare = value;
        else if (name == "restrictionMode") p.restrictionMode = value != 0;
        else if (name == "maxOracleSpreadRatio") p.maxOracleSpreadRatio = value;
        else if (name == "remapPageSize" && value > 0) remapPageSize = value;
        else revert InvalidParameter();
        _validateParams(p);
        emit ParameterChanged(bytes32(0), name, value);
    }

    /// @notice Changes market parameters at once (names as in the model's MarketParams leaves);
    /// the vAMM's and the oracle's parameters are forwarded to them. Zero funding periods and
    /// ratios above 1 are refused.
    function setMarketParams(bytes32 id, ParamChange[] calldata changes) external onlyDelegated onlyOwner {
        Market storage m = _market(id);
        MarketConfig memory c = m.config;
        uint256 tradeLimitRatio = _vammParam(m, true);
        uint256 fluctuationLimitRatio = _vammParam(m, false);
        (uint256 stalenessLimit, uint256 fastMaxAge, uint256 fastMaxConfidenceRatio) = _oracleParams(m);
        for (uint256 i; i < changes.length; ++i) {
            bytes32 n = changes[i].name;
            uint256 v = changes[i].value;
            if (n == "tradeLimitRatio") tradeLimitRatio = v;
            else if (n == "fluctuationLimitRatio") fluctuationLimitRatio = v;
            else if (n == "maxHoldingBaseAsset") c.maxHoldingBaseAsset = v;
            else if (n == "openInterestNotionalCap") c.openInterestNotionalCap = v;
            else if (n == "fundingPeriod") c.fundingPeriod = v;
            else if (n == "markTwapInterval") c.markTwapInterval = v;
            else if (n == "indexTwapInterval") c.indexTwapInterval = v;
            else if (n == "convergencePeriod") c.convergencePeriod = v;
            else if (n == "fundingCapRatio") c.fundingCapRatio = v;
            else if (n == "fundingCapWindow") c.fundingCapWindow = v;
            else if (n == "feeRatio") c.feeRatio = v;
            else if (n == "stalenessLimit") stalenessLimit = v;
            else if (n == "fastMaxAge") fastMaxAge = v;
            else if (n == "fastMaxConfidenceRatio") fastMaxConfidenceRatio = v;
            else revert InvalidParameter();
        }
        if (tradeLimitRatio == 0 || tradeLimitRatio > FixedPoint.ONE || fluctuationLimitRatio > FixedPoint.ONE) revert InvalidParameter();
        if (c.fundingPeriod == 0 || c.convergencePeriod == 0 || c.fundingCapWindow == 0) revert InvalidParameter();
        if (c.fundingCapRatio > FixedPoint.ONE || c.feeRatio > FixedPoint.ONE) revert InvalidParameter();
        m.config = c;
        m.vamm.setParams(tradeLimitRatio, fluctuationLimitRatio);
        m.oracle.setParams(stalenessLimit, fastMaxAge, fastMaxConfidenceRatio);
        for (uint256 i; i < changes.length; ++i) {
            emit ParameterChanged(id, changes[i].name, changes[i].value);
        }
    }

    /// @notice Sets the account exempt from the holding and open-interest caps (0 = none).
    function setWhitelist(address account) external onlyDelegated onlyOwner {
        whitelist = account;
        emit WhitelistChanged(account);
    }

    function _vammParam(Market storage m, bool tradeLimit) internal view returns (uint256) {
        (bool ok, bytes memory data) =
            address(m.vamm).staticcall(abi.encodeWithSignature(tradeLimit ? "tradeLimitRatio()" : "fluctuationLimitRatio()"));
        if (!ok) revert InvalidParameter();
        return abi.decode(data, (uint256));
    }

    function _oracleParams(Market storage m) internal view returns (uint256 a, uint256 b, uint256 c) {
        address o = address(m.oracle);
        (, bytes memory d1) = o.staticcall(abi.encodeWithSignature("stalenessLimit()"));
        (, bytes memory d2) = o.staticcall(abi.encodeWithSignature("fastMaxAge()"));
        (, bytes memory d3) = o.staticcall(abi.encodeWithSignature("fastMaxConfidenceRatio()"));
        return (abi.decode(d1, (uint256)), abi.decode(d2, (uint256)), abi.decode(d3, (uint256)));
    }

    // ------------------------------------------------------------------ read-outs

    /// @notice Ids of all markets, in the order they were added.
    function marketIds() external view returns (bytes32[] memory) {
        return _marketIds;
    }

    /// @notice A market's vAMM, oracle, parameters and books.
    function getMarket(bytes32 id) external view returns (Market memory) {
        return _markets[id];
    }

    /// @notice All accounts, in the order they were created.
    function getAccounts() external view returns (address[] memory) {
        return _accounts;
    }

    /// @notice Markets in which `trader` has a position record, in the order they were created.
    function getAccountMarkets(address trader) external view returns (bytes32[] memory) {
        return _marketsOf[trader];
    }

    /// @notice Accounts with a position record in market `id`, in the order the k-migration remap visits them.
    function getHolders(bytes32 id) external view returns (address[] memory) {
        return _holders[id];
    }

    /// @notice The k migration of market `id` in progress (pending = false when there is none).
    function getMigration(bytes32 id) external view returns (Migration memory) {
        return _migrations[id];
    }

    /// @notice The stored position record of `trader` in market `id`.
    function getPosition(address trader, bytes32 id) external view returns (Position memory) {
        return _positions[trader][id];
    }

    /// @notice Margin ratio of the margin group that holds the position (Max = trader-favourable).
    function marginRatio(address trader, bytes32 id, Valuation valuation) external view returns (int256) {
        return _marginRatio(trader, id, valuation);
    }

    /// @notice The ratio the liquidation check uses (the oracle's when the market strays).
    function liquidationMarginRatio(address trader, bytes32 id) external view returns (int256) {
        return _liquidationMarginRatio(trader, id);
    }

    /// @notice The notional a liquidation of `trader`'s position in `id` would close now, were it
    /// liquidatable: the smallest partial close that restores maintenance, or 0 for the whole
    /// position. The clearing house's `liquidate` sizes with it.
    function liquidationQuote(address trader, bytes32 id) external view returns (uint256) {
        _market(id);
        if (_positions[trader][id].size == 0) revert PositionSizeZero();
        return _liquidationQuote(trader, id);
    }

    /// @notice Notional and unrealised PnL of one position under a valuation.
    function positionValue(address trader, bytes32 id, Valuation valuation) external view returns (uint256 notional, int256 pnl) {
        return _valuePosition(_market(id), _positions[trader][id], valuation);
    }

    /// @notice Funding (+ owed) and socialised loss the position has yet to settle.
    function pendingCarry(address trader, bytes32 id) external view returns (int256 funding, uint256 loss) {
        Carry memory c = _crossCarry(_market(id), _positions[trader][id]);
        return (c.funding, c.loss);
    }

    /// @notice Free collateral: what an isolated position could release, or what the cross account could withdraw.
    function freeCollateral(address trader, bytes32 id) external view returns (int256) {
        Market storage m = _market(id);
        Position memory pos = _positions[trader][id];
        if (pos.isolated) {
            RemainMargin memory r = _calcRemainMarginWithFundingPayment(m, pos, 0);
            return _isolatedFreeCollateral(m, pos, int256(r.remainMargin) - int256(r.badDebt));
        }
        return _crossFreeCollateral(trader);
    }

    /// @notice Margin minus pending funding and loss, floored at 0 (isolated positions).
    function marginWithFundingPayment(address trader, bytes32 id) external view returns (uint256) {
        Market storage m = _market(id);
        Position memory pos = _positions[trader][id];
        int256 value = int256(pos.margin) - _pendingFunding(m, pos) - int256(_pendingLoss(m, pos));
        return value > 0 ? uint256(value) : 0;
    }

    /// @notice What the net trader position is worth against the books (the protocol's exposure).
    function netTraderValue(bytes32 id) external view returns (int256) {
        return _netTraderValue(_market(id));
    }
}
