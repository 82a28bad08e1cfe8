// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ClearingHouse} from "../src/ClearingHouse.sol";
import {ClearingHouseAdmin} from "../src/ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "../src/ClearingHouseStorage.sol";
import {IVamm} from "../src/interfaces/IVamm.sol";
import "../src/libraries/Errors.sol";
import {Fixture} from "./Fixture.sol";

/// @notice Unit tests: every clearing-house operation, its reverts and its access control.
contract ClearingHouseTest is Fixture {
    // ------------------------------------------------------------------ collateral

    function test_deposit_creditsCollateralAndVault() public view {
        assertEq(uint256(ch.collateral(ALICE)), 10_000e18, "collateral");
        assertEq(usdc.balanceOf(address(vault)), 40_000e6, "vault holds deposits and the fund");
        assertEq(fund.balance(), 10_000e18, "fund");
    }

    function test_deposit_revertsBelowOneTokenUnit() public {
        vm.prank(ALICE);
        vm.expectRevert(InvalidTokenAmount.selector);
        ch.deposit(1e12 - 1);
    }

    function test_deposit_revertsWithoutBalance() public {
        vm.prank(ALICE);
        vm.expectRevert(InsufficientBalance.selector);
        ch.deposit(1e18);
    }

    function test_withdraw_paysOutAndRefusesMoreThanFree() public {
        open(ALICE, true, 1000e18, 5e18);
        vm.prank(ALICE);
        vm.expectRevert(FreeCollateralNotEnough.selector);
        ch.withdraw(9_500e18);
        vm.prank(ALICE);
        ch.withdraw(1_000e18);
        assertEq(usdc.balanceOf(ALICE), 1_000e6, "wallet");
    }

    // ------------------------------------------------------------------ trading

    function test_open_movesReservesChargesFeeAndSplitsIt() public {
        open(ALICE, true, 1000e18, 5e18);
        assertEq(vamm.quoteReserve(), 205_000e18, "quote reserve");
        ClearingHouseStorage.Position memory p = position(ALICE);
        assertTrue(p.size > 0, "long");
        assertEq(p.openNotional, 5000e18, "open notional");
        assertEq(uint256(ch.collateral(ALICE)), 10_000e18 - 5e18, "fee from collateral");
        assertEq(fund.balance(), 10_000e18 + 1e18, "fund share 20 %");
        assertEq(ch.treasury(), 4e18, "treasury 80 %");
        assertEq(uint256(vamm.totalPositionSize()), uint256(p.size), "zero-sum");
    }

    function test_open_reverts() public {
        vm.startPrank(ALICE);
        vm.expectRevert(MarginRatioNotMet.selector);
        ch.openPosition(ETH, true, 100e18, 11e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
        vm.expectRevert(ZeroInput.selector);
        ch.openPosition(ETH, true, 100e18, 0, 0, ClearingHouseStorage.MarginChoice.Unspecified);
        vm.expectRevert(InvalidTokenAmount.selector);
        ch.openPosition(ETH, true, 1, 1e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
        vm.expectRevert(MarketNotFound.selector);
        ch.openPosition("BTC", true, 100e18, 1e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
        vm.expectRevert(LessThanMinimalBase.selector);
        ch.openPosition(ETH, true, 100e18, 1e18, 1e18, ClearingHouseStorage.MarginChoice.Unspecified);
        vm.stopPrank();
    }

    function test_open_pausesWhenOracleStaleButCloseGoesOn() public {
        open(ALICE, true, 1000e18, 2e18);
        advance(3901, 300);
        vm.prank(BOB);
        vm.expectRevert(OracleStale.selector);
        ch.openPosition(ETH, true, 100e18, 1e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
        vm.prank(ALICE);
        ch.closePosition(ETH, 0);
        assertEq(position(ALICE).size, 0, "closed while stale");
        pyth.updatePrice(ETH, 2000e8, 1e8, -8, block.timestamp);
        open(BOB, true, 100e18, 1e18); // the fast feed is fresh again
    }

    function test_close_roundTripLosesOnlyFeesAndRounding() public {
        open(ALICE, true, 1000e18, 5e18);
        advance(12, 1);
        vm.prank(ALICE);
        ch.closePosition(ETH, 0);
        int256 c = ch.collateral(ALICE);
        assertLe(c, 10_000e18 - 10e18, "paid two fees");
        assertGe(c, 10_000e18 - 10e18 - 1e6, "and at most dust of rounding");
        assertEq(vamm.totalPositionSize(), 0, "flat market");
    }

    function test_close_revertsWithoutPosition() public {
        vm.prank(ALICE);
        vm.expectRevert(PositionSizeZero.selector);
        ch.closePosition(ETH, 0);
    }

    function test_reverse_closesAndOpensTheOtherSide() public {
        open(ALICE, true, 100e18, 2e18);
        advance(12, 1);
        open(ALICE, false, 300e18, 2e18);
        assertTrue(position(ALICE).size < 0, "now short");
    }

    function test_isolatedMargin_addAndRemove() public {
        openIsolated(ALICE, true, 1000e18, 2e18);
        assertEq(position(ALICE).margin, 1000e18, "isolated margin");
        vm.startPrank(ALICE);
        ch.addMargin(ETH, 500e18);
        assertEq(position(ALICE).margin, 1500e18, "added");
        ch.removeMargin(ETH, 200e18);
        assertEq(position(ALICE).margin, 1300e18, "removed");
        vm.expectRevert(FreeCollateralNotEnough.selector);
        ch.removeMargin(ETH, 1200e18);
        vm.expectRevert(MarginNotEnough.selector);
        ch.removeMargin(ETH, 5000e18);
        vm.stopPrank();
        open(BOB, true, 100e18, 1e18);
        vm.prank(BOB);
        vm.expectRevert(InvalidParameter.selector);
        ch.addMargin(ETH, 1e18);
    }

    // ------------------------------------------------------------------ funding

    function test_settleFunding_onTheHourAndCapped() public {
        vm.prank(KEEPER);
        vm.expectRevert(SettleFundingTooEarly.selector);
        ch.settleFunding(ETH);
        open(ALICE, true, 5000e18, 10e18); // pushes the mark far above the index
        advance(3600, 300);
        aggregator.pushPrice(2000e18, block.timestamp, 0);
        uint256 fundBefore = fund.balance();
        vm.prank(KEEPER);
        ClearingHouseStorage.FundingSettlement memory s = ch.settleFunding(ETH);
        int256 cap = int256((uint256(s.indexTwap) * 0.001e18 / 1e18) * 3600 / 8 hours);
        assertEq(s.premiumFraction, cap, "capped at 0.1 % per 8 h, pro rata");
        assertTrue(s.uncappedPremiumFraction > cap, "uncapped is larger");
        assertEq(fund.balance(), fundBefore + uint256(s.ammFundingProfit), "the net long pays the fund");
        vm.prank(KEEPER);
        vm.expectRevert(SettleFundingTooEarly.selector);
        ch.settleFunding(ETH);
    }

    // ------------------------------------------------------------------ liquidation

    function test_liquidate_minimalRestoresMaintenance() public {
        vm.prank(ALICE);
        ch.withdraw(8_500e18);
        open(ALICE, true, 1000e18, 10e18);
        vm.prank(BOB);
        vm.expectRevert(MarginRatioNotMet.selector);
        ch.liquidate(ALICE, ETH, 0);
        advance(900, 75);
        open(BOB, false, 2000e18, 6e18); // the mark falls
        advance(900, 75);
        aggregator.pushPrice(1960e18, block.timestamp, 0);
        vm.prank(CAROL);
        ClearingHouse.LiquidationResult memory r = ch.liquidate(ALICE, ETH, 0);
        assertTrue(r.isPartial, "partial");
        assertGe(admin().liquidationMarginRatio(ALICE, ETH), int256(0.0625e18), "back at maintenance");
        assertEq(usdc.balanceOf(CAROL), r.feeToLiquidator / 1e12, "liquidator paid half the penalty");
        vm.prank(ALICE);
        vm.expectRevert(OnlyOneActionAllowed.selector);
        ch.closePosition(ETH, 0);
    }

    function test_liquidate_fullWithBadDebtPaidByTheFund() public {
        vm.prank(ALICE);
        ch.withdraw(8_500e18);
        open(ALICE, true, 1000e18, 10e18);
        advance(900, 75);
        open(BOB, false, 4000e18, 5e18);
        advance(900, 75);
        aggregator.pushPrice(1850e18, block.timestamp, 0);
        uint256 fundBefore = fund.balance();
        vm.prank(KEEPER);
        ClearingHouse.LiquidationResult memory r = ch.liquidate(ALICE, ETH, 0);
        assertTrue(!r.isPartial, "full");
        assertTrue(r.badDebt > 0, "bad debt");
        assertEq(position(ALICE).size, 0, "closed");
        assertEq(ch.collateral(ALICE), 0, "bad debt realised");
        assertEq(fund.balance(), fundBefore - r.badDebt, "the fund absorbed it");
    }

    // ------------------------------------------------------------------ admin

    function test_adminFunctionsAreOwnerOnly() public {
        vm.startPrank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ALICE));
        admin().setParam("initMarginRatio", 0.2e18);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ALICE));
        admin().migrateLiquidity(ETH, 2e18, ClearingHouseStorage.Remap.Eager, 0);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ALICE));
        admin().repeg(ETH, 2000e18);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ALICE));
        admin().shutdown(ETH);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ALICE));
        admin().setWhitelist(ALICE);
        vm.expectRevert(Unauthorized.selector);
        vamm.swapInput(true, 1e18, 0, IVamm.Band.Within);
        vm.stopPrank();
        vm.expectRevert(Unauthorized.selector);
        chAdmin.setParam("initMarginRatio", 0.2e18); // the module itself holds no state
        vm.expectRevert(InvalidParameter.selector);
        admin().setParam("noSuchParameter", 1);
    }

    function test_migrateLiquidity_eagerKeepsBooksZeroSum() public {
        open(ALICE, true, 1000e18, 5e18);
        open(BOB, false, 500e18, 3e18);
        advance(12, 1);
        int256 cost = admin().migrateLiquidity(ETH, 2e18, ClearingHouseStorage.Remap.Eager, 0);
        assertEq(vamm.quoteReserve(), 2 * (200_000e18 + 5000e18 - 1500e18), "Q doubled");
        assertEq(position(ALICE).size + position(BOB).size, vamm.totalPositionSize(), "zero-sum after the remap");
        assertTrue(cost != 0, "a deeper curve changes what the net position is worth");
        vm.expectRevert(LiquidityMultiplierIsOne.selector);
        admin().migrateLiquidity(ETH, 1e18, ClearingHouseStorage.Remap.Eager, 0);
    }

    function test_repeg_onlyTowardTheOracle() public {
        open(ALICE, true, 1000e18, 5e18); // spot above the index
        advance(12, 1);
        vm.expectRevert(InvalidRepegDirection.selector);
        admin().repeg(ETH, 2200e18);
        admin().repeg(ETH, 2020e18);
        assertEq(vamm.spotPrice(), 2020e18 * vamm.baseReserve() / 1e18 * 1e18 / vamm.baseReserve(), "new peg");
    }

    function test_shutdownAndSettle() public {
        open(ALICE, true, 1000e18, 5e18);
        advance(12, 1);
        uint256 price = admin().shutdown(ETH);
        assertTrue(price > 0, "settlement price");
        vm.prank(ALICE);
        vm.expectRevert(MarketClosed.selector);
        ch.closePosition(ETH, 0);
        admin().settlePosition(ALICE, ETH);
        assertEq(position(ALICE).size, 0, "settled");
        vm.expectRevert(PositionSizeZero.selector);
        admin().settlePosition(ALICE, ETH);
    }
}

