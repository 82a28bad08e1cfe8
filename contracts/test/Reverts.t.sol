// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ClearingHouseAdmin} from "../src/ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "../src/ClearingHouseStorage.sol";
import {OracleAdapter} from "../src/OracleAdapter.sol";
import {Vamm} from "../src/Vamm.sol";
import {IOracleAdapter} from "../src/interfaces/IOracleAdapter.sol";
import {IPythLike} from "../src/interfaces/IPythLike.sol";
import {IVamm} from "../src/interfaces/IVamm.sol";
import "../src/libraries/Errors.sol";
import {ReplayAggregator} from "./doubles/ReplayAggregator.sol";
import {Fixture} from "./Fixture.sol";

/// @notice One test per remaining revert reason, each triggered the way a trader or admin would.
contract RevertsTest is Fixture {
    function setMarket(bytes32 name, uint256 value) internal {
        ClearingHouseAdmin.ParamChange[] memory changes = new ClearingHouseAdmin.ParamChange[](1);
        changes[0] = ClearingHouseAdmin.ParamChange(name, value);
        admin().setMarketParams(ETH, changes);
    }

    function test_slippageLimitsOnBaseAndQuote() public {
        vm.prank(ALICE);
        vm.expectRevert(MoreThanMaximalBase.selector);
        ch.openPosition(ETH, false, 100e18, 1e18, 1, ClearingHouseStorage.MarginChoice.Unspecified);
        open(ALICE, true, 100e18, 2e18);
        open(BOB, false, 100e18, 2e18);
        advance(12, 1);
        vm.prank(ALICE);
        vm.expectRevert(LessThanMinimalQuote.selector);
        ch.closePosition(ETH, 1e30);
        vm.prank(BOB);
        vm.expectRevert(MoreThanMaximalQuote.selector);
        ch.closePosition(ETH, 1);
    }

    function test_tradeLimit() public {
        fund_(ALICE, 200_000e18);
        vm.prank(ALICE);
        vm.expectRevert(OverTradingLimit.selector);
        ch.openPosition(ETH, false, 19_000e18, 10e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
    }

    function test_fluctuationBand() public {
        setMarket("fluctuationLimitRatio", 0.03e18);
        advance(12, 1);
        open(ALICE, true, 1000e18, 2e18); // +2 %
        vm.prank(BOB);
        vm.expectRevert(PriceOverFluctuationLimit.selector);
        ch.openPosition(ETH, true, 1000e18, 2e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
    }

    function test_holdingAndOpenInterestCaps() public {
        setMarket("maxHoldingBaseAsset", 1e18);
        vm.prank(ALICE);
        vm.expectRevert(PositionSizeUpperBound.selector);
        ch.openPosition(ETH, true, 1050e18, 2e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
        setMarket("maxHoldingBaseAsset", 0);
        setMarket("openInterestNotionalCap", 1000e18);
        vm.prank(ALICE);
        vm.expectRevert(OverOpenInterestLimit.selector);
        ch.openPosition(ETH, true, 600e18, 2e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
        admin().setWhitelist(ALICE);
        open(ALICE, true, 600e18, 2e18); // the whitelist is exempt
    }

    function test_illegalLiquidityMultiplier() public {
        open(ALICE, true, 1000e18, 5e18);
        vm.expectRevert(IllegalLiquidityMultiplier.selector);
        admin().migrateLiquidity(ETH, 0.02e18, ClearingHouseStorage.Remap.Eager, 0);
    }

    function test_repegBeyondTheFeeBudget() public {
        open(ALICE, true, 1000e18, 5e18);
        aggregator.pushPrice(2300e18, block.timestamp, 0);
        vm.expectRevert(InsufficientFeeBudget.selector);
        admin().repeg(ETH, 2200e18); // toward the oracle, but the longs would gain more than the treasury holds
    }

    function test_settleOnlyAfterShutdown() public {
        open(ALICE, true, 100e18, 2e18);
        vm.expectRevert(MarketOpen.selector);
        admin().settlePosition(ALICE, ETH);
    }

    function test_fundingNeedsAnIndex() public {
        ReplayAggregator empty = new ReplayAggregator("BTC / USD");
        Vamm btc = new Vamm(address(ch), 300_000e18, 10e18, 0.9e18, 0);
        OracleAdapter o = new OracleAdapter(address(ch), AggregatorV3Interface(address(empty)), IPythLike(address(pyth)), "BTC", 0, 60, 0.01e18);
        admin().addMarket("BTC", IVamm(address(btc)), IOracleAdapter(address(o)), defaultConfig());
        advance(3600, 300);
        vm.expectRevert(UnderlyingPriceZero.selector);
        ch.settleFunding("BTC");
    }

    function test_crossCloseCannotLeaveDebt() public {
        vm.prank(ALICE);
        ch.withdraw(8_500e18);
        open(ALICE, true, 1000e18, 10e18);
        advance(900, 75);
        open(BOB, false, 4000e18, 5e18);
        advance(900, 75);
        vm.prank(ALICE);
        vm.expectRevert(BadDebt.selector);
        ch.closePosition(ETH, 0);
    }

    function test_cannotReverseAnUnderwaterPosition() public {
        openIsolated(CAROL, true, 1000e18, 10e18);
        advance(900, 75);
        open(BOB, false, 4000e18, 5e18);
        advance(900, 75);
        vm.prank(CAROL);
        vm.expectRevert(ReduceUnderwaterPosition.selector);
        ch.openPosition(ETH, false, 1000e18, 10e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
    }

    function test_positionsCannotSwitchMargin() public {
        open(ALICE, true, 100e18, 2e18);
        vm.prank(ALICE);
        vm.expectRevert(InvalidParameter.selector);
        ch.openPosition(ETH, true, 100e18, 2e18, 0, ClearingHouseStorage.MarginChoice.Isolated);
    }
}
