// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClearingHouse} from "../src/ClearingHouse.sol";
import {Fixture} from "./Fixture.sol";

/// @notice Gas per operation for the snapshot CI checks (contracts/.gas-snapshot): each test
/// meters only its one operation (set-up runs with gas metering paused). Two histories: a fresh
/// market, and one with a trade in each of the last 600 one-second blocks, all inside the
/// 15-minute TWAP window (the walk's worst case; the accumulator's binary search barely notices).
abstract contract GasFixture is Fixture {
    function test_gas_openPosition() public {
        open(ALICE, true, 1000e18, 5e18);
    }

    function test_gas_openPosition_sameBlockSecondTrade() public {
        vm.pauseGasMetering();
        open(BOB, false, 500e18, 2e18);
        vm.resumeGasMetering();
        open(ALICE, true, 1000e18, 5e18);
    }

    function test_gas_increasePosition() public {
        vm.pauseGasMetering();
        open(ALICE, true, 1000e18, 5e18);
        advance(12, 1);
        vm.resumeGasMetering();
        open(ALICE, true, 500e18, 5e18);
    }

    function test_gas_closePosition() public {
        vm.pauseGasMetering();
        open(ALICE, true, 1000e18, 5e18);
        advance(12, 1);
        vm.resumeGasMetering();
        vm.prank(ALICE);
        ch.closePosition(ETH, 0);
    }

    function test_gas_settleFunding() public {
        vm.pauseGasMetering();
        open(ALICE, true, 1000e18, 5e18);
        advance(3600, 300);
        aggregator.pushPrice(2000e18, block.timestamp, 0);
        vm.resumeGasMetering();
        ch.settleFunding(ETH);
    }

    function test_gas_exitNotionalAtTwap() public view {
        vamm.exitNotionalAtTwap(true, 1e18, 15 minutes);
    }

    function test_gas_outputTwapWalk() public view {
        vamm.outputTwap(true, 1e18, 15 minutes);
    }
}

/// @notice A fresh market: one block of history.
contract GasFreshTest is GasFixture {
    function setUp() public override {
        super.setUp();
        advance(12, 1);
    }
}

/// @notice A trade in each of the last 600 one-second blocks.
contract GasHistoryTest is GasFixture {
    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 600; i++) {
            advance(1, 1);
            open(CAROL, i % 2 == 0, 10e18, 2e18);
        }
        advance(1, 1);
    }
}

/// @notice Liquidations (set up in setUp, which the snapshot does not meter: pausing gas
/// metering inside a test changes what the liquidation's gas-forwarding trial sees).
abstract contract GasLiquidationFixture is Fixture {
    /// @dev ALICE at 10x on 1,500 of collateral, then BOB's short moves the mark down and the
    /// oracle follows: ALICE is liquidatable (partially, or in full with bad debt).
    function liquidatable(bool full) internal {
        vm.prank(ALICE);
        ch.withdraw(8_500e18);
        open(ALICE, true, 1000e18, 10e18);
        advance(900, 75);
        if (full) open(BOB, false, 4000e18, 5e18);
        else open(BOB, false, 2000e18, 6e18);
        advance(900, 75);
        aggregator.pushPrice(full ? 1850e18 : 1960e18, block.timestamp, 0);
    }
}

contract GasLiquidatePartialTest is GasLiquidationFixture {
    function setUp() public override {
        super.setUp();
        liquidatable(false);
    }

    function test_gas_liquidate_partial() public {
        vm.prank(CAROL);
        ch.liquidate(ALICE, ETH, 0);
    }
}

contract GasLiquidateFullTest is GasLiquidationFixture {
    function setUp() public override {
        super.setUp();
        liquidatable(true);
    }

    function test_gas_liquidate_fullWithBadDebt() public {
        vm.prank(KEEPER);
        ClearingHouse.LiquidationResult memory r = ch.liquidate(ALICE, ETH, 0);
        assertTrue(!r.isPartial && r.badDebt > 0, "full, with bad debt");
    }
}
