// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ClearingHouse} from "../src/ClearingHouse.sol";
import {ClearingHouseAdmin} from "../src/ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "../src/ClearingHouseStorage.sol";
import {OracleAdapter} from "../src/OracleAdapter.sol";
import {Vamm} from "../src/Vamm.sol";
import {IInsuranceFund} from "../src/interfaces/IInsuranceFund.sol";
import {IOracleAdapter} from "../src/interfaces/IOracleAdapter.sol";
import {IPythLike} from "../src/interfaces/IPythLike.sol";
import {IVamm} from "../src/interfaces/IVamm.sol";
import {IVault} from "../src/interfaces/IVault.sol";
import {FixedPoint} from "../src/libraries/FixedPoint.sol";
import {ReplayAggregator} from "./doubles/ReplayAggregator.sol";
import {Fixture} from "./Fixture.sol";

// Defined here, not in test/doubles: the harness compiles the doubles with any git ref's contracts
// (the liveness audit's), and this one needs today's.
/// @notice The clearing house with test hooks, etched over the real one's code (same storage, same
/// immutables) so a test can run the liquidation's sizing rule by brute force: apply a partial
/// liquidation of any size for real and read the margin group's spot value. Each hook leaves what
/// it did applied; the test rolls the chain back.
contract ClearingHouseProbe is ClearingHouse {
    using FixedPoint for uint256;
    using FixedPoint for int256;

    constructor(address owner_, IVault vault_, IInsuranceFund insuranceFund_, Params memory params_, address admin_)
        ClearingHouse(owner_, vault_, insuranceFund_, params_, admin_)
    {}

    /// @notice The reduce a partial liquidation of `quote` starts with (swap, realised PnL, carry).
    /// @return feasible whether the position's margin can then pay the penalty (always, for a cross one)
    function reduceForLiquidation(address trader, bytes32 market, uint256 quote) external returns (bool feasible) {
        Position memory position = _positions[trader][market];
        PositionResp memory resp = _openReversePosition(
            _markets[market], market, trader, position.isolated, position.size < 0, quote, FixedPoint.ONE, 0, IVamm.Band.Ignore
        );
        uint256 penalty = resp.exchangedQuote.mulD(params.liquidationFeeRatio);
        feasible = !position.isolated || (resp.badDebt == 0 && resp.position.margin >= penalty);
    }

    /// @notice Closes `quote` of `trader`'s position in `market` as a partial liquidation does
    /// (swap, carry, penalty; no payout, no events of the liquidation).
    /// @return restores whether the margin group's spot ratio is back at maintenance
    function applyPartialLiquidation(address trader, bytes32 market, uint256 quote) external returns (bool restores) {
        _applyPartialLiquidation(trader, _markets[market], market, _positions[trader][market], quote);
        GroupValue memory v = _groupValue(trader, _marginGroup(trader, market), Valuation.Spot, false);
        restores = v.notional == 0 || v.value.divD(int256(v.notional)) >= int256(params.maintenanceMarginRatio);
    }

    /// @notice Value and notional at spot of the margin group that holds `trader`'s position in `market`.
    function spotGroupValue(address trader, bytes32 market) external view returns (int256 value, uint256 notional) {
        GroupValue memory v = _groupValue(trader, _marginGroup(trader, market), Valuation.Spot, false);
        return (v.value, v.notional);
    }
}

/// @notice The minimal partial liquidation's size and the state it leaves, against the rule run by
/// brute force: the closed form ⌈(m·N − V)/(m − p)⌉, then q + 1, q + 5, q + 21, … each applied for
/// real (ClearingHouseProbe, etched over the clearing house) and rolled back, until one brings the
/// margin group's spot ratio back to maintenance (sim/liquidation-size.ts). The liquidation must
/// choose that size and leave that state, or revert with the first failing candidate's error, or
/// close the whole position when no candidate restores. Sweeps of positions around the boundary,
/// cross and isolated, long and short, with funding and socialised loss owed, two markets.
contract LiquidationSizeTest is Fixture {
    using FixedPoint for int256;

    bytes32 internal constant BTC = "BTC";
    uint256 internal constant MMR = 0.0625e18;
    uint256 internal constant PENALTY = 0.025e18;

    ClearingHouseProbe internal probe;

    /// @dev What the brute-force rule expects of one liquidation.
    struct Expected {
        bool reverts;
        bytes revertData;
        uint256 quote; // 0: the whole position closes
        uint256 candidates;
        bool infeasibleCandidate;
        ClearingHouseStorage.Position position;
        int256 collateral;
        uint256 quoteReserve;
        uint256 baseReserve;
    }

    /// @dev How the checked liquidations were decided, so each test can assert it met the edges it is
    /// for (kept in memory: rolling the chain back between cases rolls back this contract's storage too).
    struct Seen {
        uint256 nudged;
        uint256 partialAfterInfeasible;
        uint256 noCandidateRestores;
        uint256 direct;
        uint256 reverted;
    }

    function setUp() public override {
        super.setUp();
        probe = new ClearingHouseProbe(
            address(this), IVault(address(vault)), IInsuranceFund(address(fund)), defaultParams(), address(chAdmin)
        );
        fund_(BOB, 200_000e18);
        fund_(CAROL, 200_000e18);
    }

    // ------------------------------------------------------------------ sweeps

    /// @dev Alice 10x on the ETH market (cross on 1,500 of collateral, or isolated on 1,000 of
    /// margin), Bob trades `push` of notional against her, and 15 minutes later the index follows
    /// the mark (optionally after a funding settlement with the index `fundingSkew` above it).
    function sweep(Seen memory seen, bool long, bool isolated, uint256 from, uint256 to, uint256 step, int256 fundingSkew) internal {
        for (uint256 push = from; push <= to; push += step) {
            uint256 state = vm.snapshotState();
            if (isolated) {
                openIsolated(ALICE, long, 1000e18, 10e18);
            } else {
                vm.prank(ALICE);
                ch.withdraw(8_500e18);
                open(ALICE, long, 1000e18, 10e18);
            }
            advance(900, 75);
            open(BOB, !long, push, 1e18);
            advance(900, 75);
            if (fundingSkew != 0) {
                advance(3600, 300);
                pushIndex(aggregator, uint256(int256(vamm.spotPrice()) + fundingSkew));
                ch.settleFunding(ETH);
            }
            pushIndex(aggregator, vamm.spotPrice());
            checkLiquidation(seen, ALICE, ETH, vamm);
            vm.revertToState(state);
        }
    }

    function test_crossLong_sweep() public {
        Seen memory seen;
        sweep(seen, true, false, 9_800e18 + 7, 15_000e18, 87.3e18, 0);
        assertTrue(seen.nudged > 0 && seen.direct > 0, "nudged partial and direct full liquidations");
    }

    function test_crossShort_sweep() public {
        Seen memory seen;
        sweep(seen, false, false, 6_000e18 + 13, 11_500e18, 87.3e18, 0);
        assertTrue(seen.nudged > 0 && seen.direct > 0, "nudged partial and direct full liquidations");
    }

    function test_isolatedLong_sweep() public {
        Seen memory seen;
        sweep(seen, true, true, 3_800e18 + 3, 8_500e18, 83.1e18, 0);
        assertTrue(seen.nudged > 0, "nudged partial liquidations");
    }

    function test_isolatedShort_sweep() public {
        Seen memory seen;
        sweep(seen, false, true, 3_000e18 + 5, 7_000e18, 83.1e18, 0);
        assertTrue(seen.nudged > 0, "nudged partial liquidations");
    }

    function test_withFundingOwed_sweep() public {
        Seen memory seen;
        sweep(seen, true, false, 9_800e18 + 7, 14_500e18, 311.7e18, 30e18);
        sweep(seen, false, true, 3_000e18 + 5, 7_000e18, 311.7e18, -30e18);
        assertTrue(seen.nudged > 0, "partial liquidations with funding owed");
    }

    // ------------------------------------------------------------------ edges

    /// @dev The fund runs out on Alice's bad debt and the rest is socialised to the longs: Carol's
    /// isolated long owes socialised loss close to or above her margin, so small closes cannot pay
    /// their penalty (the construction of FindingsTest's liveness finding), at several margins.
    function test_socialisedLossOwed_infeasibleCandidates() public {
        Seen memory seen;
        for (uint256 i; i < 12; ++i) {
            uint256 state = vm.snapshotState();
            socialiseBadDebtOntoCarol(700e18 + i * 61.7e18);
            advance(12, 1);
            checkLiquidation(seen, CAROL, ETH, vamm);
            vm.revertToState(state);
        }
        assertTrue(seen.noCandidateRestores > 0, "no candidate restores: the margin cannot pay their penalty");
        assertTrue(seen.partialAfterInfeasible > 0, "a larger candidate after ones the margin cannot pay");
    }

    /// @dev A cross account in two markets: a small ETH long beside a BTC long that fell. Liquidating
    /// BTC sizes the close against the whole account (the ETH position is the rest of the group);
    /// liquidating ETH cannot restore it, so the whole ETH position closes.
    function test_twoMarkets() public {
        Seen memory seen;
        (Vamm btc, ReplayAggregator btcIndex) = addBtcMarket();
        for (uint256 i; i < 8; ++i) {
            uint256 state = vm.snapshotState();
            vm.prank(ALICE);
            ch.withdraw(8_200e18);
            open(ALICE, true, 600e18, 1e18);
            vm.prank(ALICE);
            ch.openPosition(BTC, true, 1000e18, 9e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
            advance(900, 75);
            vm.prank(BOB);
            ch.openPosition(BTC, false, 12_000e18 + i * 1_000.3e18, 1e18, 0, ClearingHouseStorage.MarginChoice.Unspecified);
            advance(900, 75);
            pushIndex(btcIndex, btc.spotPrice());
            pushIndex(aggregator, vamm.spotPrice());
            uint256 bothOpen = vm.snapshotState();
            checkLiquidation(seen, ALICE, BTC, btc);
            vm.revertToState(bothOpen);
            checkLiquidation(seen, ALICE, ETH, vamm);
            vm.revertToState(state);
        }
        assertTrue(seen.nudged > 0 && seen.direct > 0, "partial liquidations of one of two markets, and full ones");
    }

    /// @dev A trade limit below the minimal close: the first candidate's swap reverts, and so does the liquidation.
    function test_tradeLimitBelowTheMinimalClose_reverts() public {
        Seen memory seen;
        vm.prank(ALICE);
        ch.withdraw(8_500e18);
        open(ALICE, true, 1000e18, 10e18);
        advance(900, 75);
        open(BOB, false, 12_000e18, 1e18);
        advance(900, 75);
        pushIndex(aggregator, vamm.spotPrice());
        ClearingHouseAdmin.ParamChange[] memory changes = new ClearingHouseAdmin.ParamChange[](1);
        changes[0] = ClearingHouseAdmin.ParamChange("tradeLimitRatio", 0.001e18);
        admin().setMarketParams(ETH, changes);
        checkLiquidation(seen, ALICE, ETH, vamm);
        assertEq(seen.reverted, 1, "the liquidation reverts with the candidate's error");
    }

    // ------------------------------------------------------------------ the check

    function checkLiquidation(Seen memory seen, address trader, bytes32 market, Vamm v) internal {
        if (admin().liquidationMarginRatio(trader, market) >= int256(MMR)) return;
        Expected memory e = expectedLiquidation(trader, market, v);
        vm.prank(KEEPER);
        try ch.liquidate(trader, market, 0) returns (ClearingHouse.LiquidationResult memory r) {
            assertTrue(!e.reverts, "the rule reverts here");
            ClearingHouseStorage.Position memory p = admin().getPosition(trader, market);
            if (e.quote == 0) {
                assertTrue(!r.isPartial, "a full liquidation");
                assertEq(p.size, 0, "closed");
                if (e.candidates == 0) seen.direct++;
                else seen.noCandidateRestores++;
                return;
            }
            assertTrue(r.isPartial, "a partial liquidation");
            assertEq(r.quoteAmount, e.quote, "the size the rule chose");
            assertEq(p.size, e.position.size, "size after");
            assertEq(p.margin, e.position.margin, "margin after");
            assertEq(p.openNotional, e.position.openNotional, "open notional after");
            assertEq(p.lastCumulativePremiumFraction, e.position.lastCumulativePremiumFraction, "funding checkpoint after");
            assertEq(p.lastLossIndex, e.position.lastLossIndex, "loss checkpoint after");
            assertEq(ch.collateral(trader), e.collateral, "collateral after");
            assertEq(v.quoteReserve(), e.quoteReserve, "quote reserve after");
            assertEq(v.baseReserve(), e.baseReserve, "base reserve after");
            if (e.candidates > 1) seen.nudged++;
            if (e.infeasibleCandidate) seen.partialAfterInfeasible++;
        } catch (bytes memory err) {
            assertTrue(e.reverts, "the rule finds a size here");
            assertEq(uint256(keccak256(err)), uint256(keccak256(e.revertData)), "the candidate's revert");
            seen.reverted++;
        }
    }

    /// @dev The rule by brute force on the probe; the chain is as it was afterwards (code included).
    function expectedLiquidation(address trader, bytes32 market, Vamm v) internal returns (Expected memory e) {
        bytes32 codeHash = address(ch).codehash;
        uint256 start = vm.snapshotState();
        vm.etch(address(ch), address(probe).code);
        ClearingHouseProbe p = ClearingHouseProbe(address(ch));
        int256 size = admin().getPosition(trader, market).size;
        uint256 positionNotional = v.outputPrice(size > 0, FixedPoint.abs(size));
        (int256 value, uint256 notional) = p.spotGroupValue(trader, market);
        int256 shortfall = int256(MMR * notional) - value * 1e18;
        if (positionNotional >= 500e18 && value.divD(int256(notional)) > int256(PENALTY) && shortfall > 0) {
            uint256 quote = FixedPoint.ceilDiv(shortfall, int256(MMR - PENALTY));
            for (uint256 step = 1; quote < positionNotional; step *= 4) {
                e.candidates++;
                uint256 before = vm.snapshotState();
                (bool failed, bytes memory err, bool restores) = tryCandidate(p, trader, market, quote, e);
                if (failed) {
                    e.reverts = true;
                    e.revertData = err;
                    break;
                }
                if (restores) {
                    e.quote = quote;
                    e.position = admin().getPosition(trader, market);
                    e.collateral = ch.collateral(trader);
                    e.quoteReserve = v.quoteReserve();
                    e.baseReserve = v.baseReserve();
                    break;
                }
                vm.revertToState(before);
                quote += step;
            }
        }
        vm.revertToState(start);
        assertEq(uint256(address(ch).codehash), uint256(codeHash), "the clearing house's own code is back");
    }

    /// @dev One candidate, applied for real and left applied when it restores: the reduce (its
    /// margin must pay the penalty), then the whole partial liquidation from the state before it.
    function tryCandidate(ClearingHouseProbe p, address trader, bytes32 market, uint256 quote, Expected memory e)
        internal
        returns (bool failed, bytes memory err, bool restores)
    {
        uint256 before = vm.snapshotState();
        try p.reduceForLiquidation(trader, market, quote) returns (bool feasible) {
            vm.revertToState(before);
            if (!feasible) {
                e.infeasibleCandidate = true;
                return (false, "", false);
            }
        } catch (bytes memory reason) {
            return (true, reason, false);
        }
        try p.applyPartialLiquidation(trader, market, quote) returns (bool ok) {
            return (false, "", ok);
        } catch (bytes memory reason) {
            return (true, reason, false);
        }
    }

    /// @dev A round at `price` (the feed's 8 decimals) now.
    function pushIndex(ReplayAggregator index, uint256 price) internal {
        index.pushPrice(price / 1e10 * 1e10, block.timestamp, 0);
    }

    function addBtcMarket() internal returns (Vamm btc, ReplayAggregator index) {
        index = new ReplayAggregator("BTC / USD");
        index.pushPrice(20_000e18, block.timestamp, 0);
        btc = new Vamm(address(ch), 200_000e18, 10e18, 0.9e18, 0);
        OracleAdapter oracle_ = new OracleAdapter(
            address(ch), AggregatorV3Interface(address(index)), IPythLike(address(pyth)), BTC, 3900, 60, 0.01e18
        );
        admin().addMarket(BTC, IVamm(address(btc)), IOracleAdapter(address(oracle_)), defaultConfig());
    }
}
