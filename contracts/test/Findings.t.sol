// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ClearingHouseAdmin} from "../src/ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "../src/ClearingHouseStorage.sol";
import "../src/libraries/Errors.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ClearingHouse} from "../src/ClearingHouse.sol";
import {MockYieldVault} from "./doubles/MockYieldVault.sol";
import {ReplayAggregator} from "./doubles/ReplayAggregator.sol";
import {Fixture} from "./Fixture.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice The independent review's findings on the `default` design (issue 17), each as the test
/// that failed on the contracts as filed (git 2d8cf93) and passes on the fix. The model's twin
/// tests are in test/review-findings.test.ts.
contract FindingsTest is Fixture {
    function setMarket(bytes32 name, uint256 value) internal {
        ClearingHouseAdmin.ParamChange[] memory changes = new ClearingHouseAdmin.ParamChange[](1);
        changes[0] = ClearingHouseAdmin.ParamChange(name, value);
        admin().setMarketParams(ETH, changes);
    }

    // ------------------------------------------------------------------ finding 1

    /// @dev Alice 10x long (1,500 of collateral) at ~2,100 with the index at 2,200; bob's short takes the mark to ~1,805:
    /// bankrupt on spot and on the 15-min TWAP once it has caught up.
    function crashWithIndexAt2200() internal {
        vm.prank(ALICE);
        ch.withdraw(8_500e18);
        fund_(BOB, 100_000e18);
        open(ALICE, true, 1000e18, 10e18);
        aggregator.pushPrice(2200e18, block.timestamp, 0);
        advance(12, 1);
        open(BOB, false, 6000e18, 5e18);
    }

    function test_f1a_bothFeedsStale_bankruptPositionIsLiquidated() public {
        crashWithIndexAt2200();
        advance(4000, 300); // no Chainlink round and no fast price since: both sources are stale
        assertTrue(!oracle.isFresh(), "stale");
        assertTrue(admin().marginRatio(ALICE, ETH, ClearingHouseStorage.Valuation.Max) < 0, "bankrupt on spot and TWAP");
        vm.prank(CAROL);
        ch.liquidate(ALICE, ETH, 0); // was MarginRatioNotMet: the stale 2,200 valued her as healthy
        assertEq(position(ALICE).size, 0, "liquidated");
    }

    function test_f1b_revertingFeed_bankruptPositionIsLiquidated() public {
        crashWithIndexAt2200();
        advance(900, 75);
        aggregator.setFault(ReplayAggregator.Fault.Revert);
        vm.prank(CAROL);
        ch.liquidate(ALICE, ETH, 0); // was the feed's revert
        assertEq(position(ALICE).size, 0, "liquidated");
    }

    function test_f1b_nonPositiveAnswer_bankruptPositionIsLiquidated() public {
        crashWithIndexAt2200();
        advance(900, 75);
        aggregator.setFault(ReplayAggregator.Fault.Zero);
        vm.prank(CAROL);
        ch.liquidate(ALICE, ETH, 0); // was UnderlyingPriceZero
        assertEq(position(ALICE).size, 0, "liquidated");
        aggregator.setFault(ReplayAggregator.Fault.Negative);
        vm.expectRevert(OracleStale.selector);
        open(BOB, false, 10e18, 1e18); // and opening pauses with a clear reason
    }

    function test_f1_noLiquidationOfAHealthyPositionOnABadPrice() public {
        crashWithIndexAt2200(); // the mark fell in this block: the 15-min TWAP still values alice as healthy
        aggregator.setFault(ReplayAggregator.Fault.Revert);
        assertTrue(admin().marginRatio(ALICE, ETH, ClearingHouseStorage.Valuation.Spot) < 0.0625e18, "below on spot");
        vm.prank(CAROL);
        vm.expectRevert(MarginRatioNotMet.selector);
        ch.liquidate(ALICE, ETH, 0);
    }

    // ------------------------------------------------------------------ finding 3

    MockYieldVault internal source;
    address internal constant GUARDIAN = address(0x6A2D);

    function withYieldSource(uint256 units) internal {
        source = new MockYieldVault(usdc);
        vault.setYieldSource(IERC4626(address(source)), 0.05e18);
        vault.setGuardian(GUARDIAN);
        vault.depositToYield(units);
    }

    function test_f3_aYieldLossIsChargedToTheInsuranceFund() public {
        withYieldSource(20_000e6);
        source.loseAssets(1_500e6); // 7.5 % of principal: anyone may trip the breaker
        uint256 fundBefore = fund.balance();
        vm.prank(ALICE);
        vault.tripCircuitBreaker();
        assertEq(fund.balance(), fundBefore - 1_500e18, "the insurance fund bears the loss");
        assertEq(vault.yieldShortfall(), 0, "nothing uncovered");
        uint256 claims = uint256(ch.collateral(ALICE) + ch.collateral(BOB) + ch.collateral(CAROL)) + fund.balance();
        assertEq(usdc.balanceOf(address(vault)) * 1e12, claims, "every claim is backed by a token");
    }

    function test_f3_aLossBeyondTheFundIsRecordedAsAShortfall() public {
        withYieldSource(35_000e6);
        source.loseAssets(15_000e6);
        vm.prank(GUARDIAN);
        vault.tripCircuitBreaker();
        assertEq(fund.balance(), 0, "the fund paid what it had");
        assertEq(vault.yieldShortfall(), 5_000e18, "the rest is on record");
    }

    function test_f3_anyoneRecognisesASmallLoss() public {
        withYieldSource(20_000e6);
        source.loseAssets(200e6); // 1 %: below the breaker's threshold
        vm.prank(ALICE);
        vault.recognizeYieldLoss();
        assertEq(fund.balance(), 10_000e18 - 200e18, "charged to the fund");
        assertEq(vault.principal(), 19_800e6, "principal at what the shares are worth");
    }

    function test_f3_theBreakerRedeemsWhatItCanAndStrandsNothing() public {
        withYieldSource(20_000e6);
        source.setLiquidity(5_000e6);
        vm.prank(GUARDIAN);
        vault.tripCircuitBreaker();
        assertEq(usdc.balanceOf(address(vault)), 25_000e6, "what the source let go came back");
        assertTrue(address(vault.yieldSource()) == address(source), "the rest stays attached, not stranded");
        assertEq(vault.principal(), 15_000e6, "at book value");
        vm.expectRevert(InvalidParameter.selector);
        vault.depositToYield(1e6); // no new deposits once tripped
        source.setLiquidity(type(uint256).max);
        vm.prank(ALICE);
        vault.tripCircuitBreaker(); // anyone may finish
        assertEq(usdc.balanceOf(address(vault)), 40_000e6, "every token back");
        assertTrue(address(vault.yieldSource()) == address(0), "detached");
    }

    function test_f3_anIlliquidSourceCannotBlockALiquidation() public {
        crashWithIndexAt2200();
        advance(900, 75);
        aggregator.pushPrice(1600e18, block.timestamp, 0);
        source = new MockYieldVault(usdc);
        vault.setYieldSource(IERC4626(address(source)), 0.05e18);
        vault.depositToYield(usdc.balanceOf(address(vault)));
        source.setLiquidity(0);
        vm.prank(CAROL);
        ClearingHouse.LiquidationResult memory r = ch.liquidate(ALICE, ETH, 0); // was InsufficientVaultBalance
        assertEq(position(ALICE).size, 0, "liquidated");
        assertEq(ch.collateral(CAROL), 10_000e18 + int256(r.feeToLiquidator), "the fee waits in the liquidator's collateral");
    }

    // ------------------------------------------------------------------ finding 4

    function test_f4_dustAccountsDoNotPriceOutAMigration() public {
        open(ALICE, true, 1000e18, 5e18);
        open(BOB, false, 500e18, 3e18);
        advance(12, 1);
        uint256 state = vm.snapshotState();
        uint256 g0 = gasleft();
        admin().migrateLiquidity(ETH, 2e18, ClearingHouseStorage.Remap.Eager, 0);
        uint256 clean = g0 - gasleft();
        vm.revertToState(state);
        for (uint256 i; i < 300; ++i) fund_(address(uint160(0x10000 + i)), 1e12); // 1e-6 USDC each
        g0 = gasleft();
        admin().migrateLiquidity(ETH, 2e18, ClearingHouseStorage.Remap.Eager, 0);
        assertLe(g0 - gasleft(), clean + 20_000, "300 dust accounts add nothing to the migration's gas");
    }

    function test_f4_aMigrationPagesThroughPositionsInBoundedGas() public {
        admin().setParam("remapPageSize", 2);
        for (uint256 i; i < 5; ++i) {
            address t = address(uint160(0x20000 + i));
            fund_(t, 1_000e18);
            open(t, i % 2 == 0, 100e18, 2e18);
        }
        advance(12, 1);
        int256 cost = admin().migrateLiquidity(ETH, 2e18, ClearingHouseStorage.Remap.Eager, 0);
        assertEq(cost, 0, "the cost is charged once every position is remapped");
        vm.prank(address(0x20000));
        vm.expectRevert(MigrationPending.selector);
        ch.closePosition(ETH, 0);
        vm.expectRevert(MigrationPending.selector);
        ch.liquidate(address(0x20000), ETH, 0);
        vm.prank(KEEPER);
        admin().remapPositions(ETH); // anyone may page on
        vm.recordLogs();
        admin().remapPositions(ETH);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 migrated = keccak256("LiquidityMigrated(bytes32,uint256,uint8,uint256,uint256,int256)");
        assertTrue(logs[logs.length - 1].topics[0] == migrated, "the last page completes the migration");
        int256 sum;
        for (uint256 i; i < 5; ++i) sum += admin().getPosition(address(uint160(0x20000 + i)), ETH).size;
        assertEq(sum, vamm.totalPositionSize(), "zero-sum after the remap");
        vm.expectRevert(InvalidParameter.selector);
        admin().remapPositions(ETH);
        vm.prank(address(0x20000));
        ch.closePosition(ETH, 0); // trading resumes
    }

    // ------------------------------------------------------------------ finding 5

    function test_f5_aCloseOverTheBandCannotBlockLiquidations() public {
        vm.prank(ALICE);
        ch.withdraw(8_500e18);
        fund_(BOB, 100_000e18);
        open(ALICE, true, 1000e18, 10e18);
        open(CAROL, true, 5000e18, 2e18);
        open(BOB, false, 6000e18, 5e18); // alice is bankrupt on spot
        setMarket("fluctuationLimitRatio", 0.05e18);
        admin().setParam("partialCloseRatio", 1e18);
        advance(900, 75);
        aggregator.pushPrice(1800e18, block.timestamp, 0);
        vm.prank(CAROL);
        ch.closePosition(ETH, 0); // takes the mark more than 5 % below the last block's
        vm.prank(KEEPER);
        ch.liquidate(ALICE, ETH, 0); // was PriceAlreadyOverFluctuationLimit for the rest of the block
        assertEq(position(ALICE).size, 0, "liquidated in the same block");
    }

    // ------------------------------------------------------------------ found by the liveness properties

    /// @dev The fund runs out on alice's bad debt and the rest is socialised to the longs: carol's
    /// isolated long, in profit, owes more socialised loss than its margin, just below maintenance.
    function test_isolatedPositionOwingMoreThanItsMarginIsStillLiquidated() public {
        socialiseBadDebtOntoCarol(700e18);
        (, uint256 loss) = admin().pendingCarry(CAROL, ETH);
        assertTrue(loss > position(CAROL).margin, "carol owes more socialised loss than her margin");
        assertTrue(admin().liquidationMarginRatio(CAROL, ETH) < 0.0625e18, "below maintenance");
        advance(12, 1);
        vm.prank(KEEPER);
        ClearingHouse.LiquidationResult memory r = ch.liquidate(CAROL, ETH, 0); // was SubtractionOverflow in the trial
        assertTrue(r.quoteAmount > 0, "liquidated");
        assertTrue(position(CAROL).size == 0 || admin().liquidationMarginRatio(CAROL, ETH) >= 0.0625e18, "closed or back at maintenance");
    }

    // ------------------------------------------------------------------ finding 2

    function test_f2_shutdownAbsorbsCrossBadDebt() public {
        vm.prank(ALICE);
        ch.withdraw(9_000e18);
        fund_(BOB, 100_000e18);
        open(ALICE, true, 1000e18, 9e18);
        advance(12, 1);
        open(BOB, false, 60_000e18, 1e18); // alice is far underwater
        advance(12, 1);
        admin().shutdown(ETH);
        uint256 fundBefore = fund.balance();
        int256 collateral = ch.collateral(ALICE);
        int256 value = admin().settlePosition(ALICE, ETH);
        int256 debt = -(collateral + value);
        assertTrue(debt > 0, "underwater at the settlement price");
        assertEq(ch.collateral(ALICE), 0, "the account's debt is realised");
        assertEq(fund.balance(), fundBefore - uint256(debt), "and absorbed by the insurance fund");
    }

    // ------------------------------------------------------------------ finding 7

    function test_f7_noMarginOnAClosedIsolatedPosition() public {
        openIsolated(ALICE, true, 400e18, 5e18);
        vm.startPrank(ALICE);
        ch.closePosition(ETH, 0);
        vm.expectRevert(PositionSizeZero.selector);
        ch.addMargin(ETH, 100e18);
        vm.expectRevert(PositionSizeZero.selector);
        ch.removeMargin(ETH, 100e18);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ finding 8

    function test_f8_settersValidate() public {
        ClearingHouseAdmin.ParamChange[] memory changes = new ClearingHouseAdmin.ParamChange[](1);
        changes[0] = ClearingHouseAdmin.ParamChange("fundingCapWindow", 0);
        vm.expectRevert(InvalidParameter.selector);
        admin().setMarketParams(ETH, changes);
        changes[0] = ClearingHouseAdmin.ParamChange("fluctuationLimitRatio", 1.1e18);
        vm.expectRevert(InvalidParameter.selector);
        admin().setMarketParams(ETH, changes);
        changes[0] = ClearingHouseAdmin.ParamChange("feeRatio", 1.5e18);
        vm.expectRevert(InvalidParameter.selector);
        admin().setMarketParams(ETH, changes);
        vm.expectRevert(InvalidParameter.selector);
        admin().setParam("insuranceFundFeeShare", 1.1e18);
        vm.expectRevert(InvalidParameter.selector);
        admin().setParam("maintenanceMarginRatio", 0.1e18);
        vm.expectRevert(InvalidParameter.selector);
        admin().setParam("initMarginRatio", 0.05e18);
        vm.expectRevert(InvalidParameter.selector);
        admin().setParam("liquidationFeeRatio", 2e18);
        admin().setParam("maintenanceMarginRatio", 0.08e18);
        setMarket("fluctuationLimitRatio", 1e18);
    }

    function test_f8_fundingCapWindowZeroCannotBrickFunding() public {
        changesFundingCapWindowToZero();
        advance(3600, 300);
        aggregator.pushPrice(2000e18, block.timestamp, 0);
        ch.settleFunding(ETH); // would divide by zero had the setter accepted 0
    }

    function changesFundingCapWindowToZero() internal {
        ClearingHouseAdmin.ParamChange[] memory changes = new ClearingHouseAdmin.ParamChange[](1);
        changes[0] = ClearingHouseAdmin.ParamChange("fundingCapWindow", 0);
        try admin().setMarketParams(ETH, changes) {} catch {}
    }

    // ------------------------------------------------------------------ finding 9

    function test_f9_fundingNeedsAFreshIndex() public {
        open(ALICE, true, 1000e18, 5e18);
        advance(4000, 300); // the Chainlink heartbeat (3600 s) plus grace (300 s) has passed
        pyth.updatePrice(ETH, 2000e8, 1e8, -8, block.timestamp); // a fresh fast feed does not make the index TWAP fresh
        vm.expectRevert(OracleStale.selector);
        ch.settleFunding(ETH);
        aggregator.pushPrice(2000e18, block.timestamp, 0);
        ch.settleFunding(ETH);
    }

    // ------------------------------------------------------------------ also

    function test_fastFeedFromTheFutureIsNotFresh() public {
        advance(4000, 300);
        pyth.updatePrice(ETH, 2000e8, 1e8, -8, block.timestamp + 600);
        assertTrue(!oracle.isFresh(), "a publish time in the future is not fresh");
        vm.prank(ALICE);
        vm.expectRevert(OracleStale.selector);
        ch.openPosition(ETH, true, 10e18, 1e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
    }

    function test_setWhitelistLogsTheChange() public {
        vm.recordLogs();
        admin().setWhitelist(ALICE);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertTrue(logs[0].topics[0] == keccak256("WhitelistChanged(address)"), "WhitelistChanged");
        assertEq(uint256(logs[0].topics[1]), uint256(uint160(ALICE)), "the account");
    }

    function test_ownershipMovesInTwoSteps() public {
        Ownable2StepLike[3] memory owned = [Ownable2StepLike(address(ch)), Ownable2StepLike(address(vault)), Ownable2StepLike(address(fund))];
        for (uint256 i; i < owned.length; ++i) {
            Ownable2StepLike c = owned[i];
            c.transferOwnership(ALICE);
            assertTrue(c.owner() == address(this), "the owner stays until the new one accepts");
            assertTrue(c.pendingOwner() == ALICE, "pending");
            vm.prank(BOB);
            vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, BOB));
            c.acceptOwnership();
            vm.prank(ALICE);
            c.acceptOwnership();
            assertTrue(c.owner() == ALICE, "accepted");
        }
    }
}

/// @dev OpenZeppelin's Ownable2Step as the test drives it.
interface Ownable2StepLike {
    function owner() external view returns (address);
    function pendingOwner() external view returns (address);
    function transferOwnership(address newOwner) external;
    function acceptOwnership() external;
}
