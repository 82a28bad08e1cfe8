// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Curve} from "../src/libraries/Curve.sol";
import {ClearingHouseStorage} from "../src/ClearingHouseStorage.sol";
import {IVamm} from "../src/interfaces/IVamm.sol";
import {Fixture} from "./Fixture.sol";

/// @dev Exposes the curve library for the fuzzer (reverts surface as failed calls).
contract CurveHarness {
    function input(bool add, uint256 q, uint256 quote, uint256 base) external pure returns (uint256) {
        return Curve.inputPrice(add, q, quote, base);
    }

    function output(bool add, uint256 b, uint256 quote, uint256 base) external pure returns (uint256) {
        return Curve.outputPrice(add, b, quote, base);
    }
}

/// @notice Fuzz tests: rounding always favours the AMM; a round trip never profits; TWAPs stay
/// within the prices they average.
contract FuzzTest is Fixture {
    CurveHarness internal curve;

    function setUp() public override {
        super.setUp();
        curve = new CurveHarness();
    }

    function testFuzz_swapNeverLowersK(uint256 quote, uint256 base, uint256 amount, bool add, bool byQuote) public view {
        quote = bound(quote, 1e18, 1e30);
        base = bound(base, 1e15, 1e27);
        uint256 k = quote * base / 1e18;
        if (byQuote) {
            amount = bound(amount, 1, add ? quote * 10 : quote - 1);
            try curve.input(add, amount, quote, base) returns (uint256 b) {
                uint256 q2 = add ? quote + amount : quote - amount;
                uint256 b2 = add ? base - b : base + b;
                assertGe(q2 * b2 / 1e18, k, "k after an input swap");
            } catch {}
        } else {
            amount = bound(amount, 1, add ? base * 10 : base - 1);
            try curve.output(add, amount, quote, base) returns (uint256 q) {
                uint256 b2 = add ? base + amount : base - amount;
                uint256 q2 = add ? quote - q : quote + q;
                assertGe(q2 * b2 / 1e18, k, "k after an output swap");
            } catch {}
        }
    }

    function testFuzz_roundTripNeverProfits(uint256 margin, uint256 leverage, bool long) public {
        margin = bound(margin, 1e18, 2_000e18);
        leverage = bound(leverage, 1e18, 10e18);
        int256 before = ch.collateral(ALICE);
        open(ALICE, long, margin, leverage);
        advance(12, 1);
        vm.prank(ALICE);
        ch.closePosition(ETH, 0);
        assertLe(ch.collateral(ALICE), before, "a round trip on a still market cannot profit");
        assertEq(vamm.totalPositionSize(), 0, "flat");
    }

    function testFuzz_markTwapWithinTradedPrices(uint256 margin, uint256 waitA, uint256 waitB) public {
        margin = bound(margin, 10e18, 3_000e18);
        waitA = bound(waitA, 1, 4 hours);
        waitB = bound(waitB, 1, 4 hours);
        uint256 p0 = vamm.spotPrice();
        advance(waitA, 1);
        aggregator.pushPrice(2000e18, block.timestamp, 0);
        open(ALICE, true, margin, 5e18);
        uint256 p1 = vamm.spotPrice();
        advance(waitB, 1);
        uint256 twap = vamm.twapPrice(8 hours);
        assertGe(twap, p0, "twap >= lowest price");
        assertGe(p1, twap, "twap <= highest price");
    }

    function testFuzz_twapValuationExitsOnTheTimeWeightedCurve(uint256 margin, uint256 wait, bool long) public {
        margin = bound(margin, 10e18, 2_000e18);
        wait = bound(wait, 0, 30 minutes);
        open(BOB, !long, 3_000e18, 5e18);
        advance(wait, 1);
        aggregator.pushPrice(2000e18, block.timestamp, 0);
        open(ALICE, long, margin, 5e18);
        advance(12, 1);
        int256 size = admin().getPosition(ALICE, ETH).size;
        uint256 abs = uint256(size > 0 ? size : -size);
        (uint256 quote, uint256 base) = vamm.twapReserves(15 minutes);
        uint256 expected = curve.output(size > 0, abs, quote, base);
        assertEq(vamm.exitNotionalAtTwap(size > 0, abs, 15 minutes), expected, "exit on the time-weighted curve");
        (uint256 notional,) = admin().positionValue(ALICE, ETH, ClearingHouseStorage.Valuation.Twap);
        assertEq(notional, expected, "the TWAP valuation");
    }

    function testFuzz_twapReservesAverageTheWindow(uint256 waitA, uint256 waitB) public {
        waitA = bound(waitA, 15 minutes, 2 hours); // a full window of history before the trade
        waitB = bound(waitB, 1, 20 minutes);
        advance(waitA, 1);
        aggregator.pushPrice(2000e18, block.timestamp, 0);
        uint256 q0 = vamm.quoteReserve();
        open(ALICE, true, 1_000e18, 5e18);
        uint256 q1 = vamm.quoteReserve();
        // Zero weight for the block that traded: the window still sees the curve before it.
        (uint256 quoteNow,) = vamm.twapReserves(15 minutes);
        assertEq(quoteNow, q0, "same block");
        advance(waitB, 1);
        (uint256 quote,) = vamm.twapReserves(15 minutes);
        uint256 w1 = waitB < 15 minutes ? waitB : 15 minutes;
        assertEq(quote, (q1 * w1 + q0 * (15 minutes - w1)) / 15 minutes, "time-weighted");
    }

    /// @dev The liquidation's size check previews its close: the preview must be the swap, its
    /// amount, reserves and revert, whatever the amount and trade limit.
    function testFuzz_previewSwapInputIsTheSwap(uint256 amount, uint256 tradeLimitRatio, bool add) public {
        amount = bound(amount, 1, 400_000e18);
        vm.prank(address(ch));
        vamm.setParams(bound(tradeLimitRatio, 1, 1e18), 0);
        (bool previewed, bytes memory preview) =
            address(vamm).staticcall(abi.encodeCall(IVamm.previewSwapInput, (add, amount)));
        vm.prank(address(ch));
        (bool swapped, bytes memory swap) = address(vamm).call(abi.encodeCall(IVamm.swapInput, (add, amount, 0, IVamm.Band.Ignore)));
        assertTrue(previewed == swapped, "both succeed or both revert");
        if (!swapped) {
            assertEq(uint256(keccak256(preview)), uint256(keccak256(swap)), "the same revert");
            return;
        }
        (uint256 base, uint256 quoteAfter, uint256 baseAfter) = abi.decode(preview, (uint256, uint256, uint256));
        assertEq(base, abi.decode(swap, (uint256)), "base amount");
        assertEq(vamm.quoteReserve(), quoteAfter, "quote reserve after");
        assertEq(vamm.baseReserve(), baseAfter, "base reserve after");
    }
}
