// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClearingHouse} from "../src/ClearingHouse.sol";
import {ClearingHouseAdmin} from "../src/ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "../src/ClearingHouseStorage.sol";
import {Vamm} from "../src/Vamm.sol";
import {MockUSDC} from "./doubles/MockUSDC.sol";
import {ReplayAggregator} from "./doubles/ReplayAggregator.sol";
import {Fixture} from "./Fixture.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice Drives the protocol with random actions for the invariant tests and records what an
/// invariant needs to see across calls (k before/after each swap, the ratio after liquidations).
contract Handler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    bytes32 internal constant ETH = "ETH";

    ClearingHouse internal immutable ch;
    Vamm internal immutable vamm;
    ReplayAggregator internal immutable aggregator;
    address[] public actors;

    uint256 public kDecreases;
    uint256 public liquidationsBelowMaintenance;
    uint256 public liquidations;
    uint256 public trades;
    uint256 public openCalls;

    constructor(ClearingHouse ch_, Vamm vamm_, ReplayAggregator aggregator_, address[] memory actors_) {
        ch = ch_;
        vamm = vamm_;
        aggregator = aggregator_;
        actors = actors_;
    }

    function _k() internal view returns (uint256) {
        return vamm.quoteReserve() * vamm.baseReserve() / 1e18;
    }

    function open(uint256 actor, bool long, uint256 margin, uint256 leverage, bool isolated) external {
        address a = actors[actor % actors.length];
        margin = 1e18 + (margin % 3_000e18);
        leverage = 1e18 + (leverage % 9e18);
        uint256 k = _k();
        openCalls++;
        vm.prank(a);
        try ch.openPosition(ETH, long, margin, leverage, 0, isolated ? ClearingHouseStorage.MarginChoice.Isolated : ClearingHouseStorage.MarginChoice.Unspecified) {
            trades++;
            if (_k() < k) kDecreases++;
        } catch {}
    }

    function close(uint256 actor) external {
        address a = actors[actor % actors.length];
        uint256 k = _k();
        vm.prank(a);
        try ch.closePosition(ETH, 0) {
            trades++;
            if (_k() < k) kDecreases++;
        } catch {}
    }

    function liquidate(uint256 actor) external {
        address a = actors[actor % actors.length];
        uint256 k = _k();
        try ch.liquidate(a, ETH, 0) returns (ClearingHouse.LiquidationResult memory r) {
            liquidations++;
            if (_k() < k) kDecreases++;
            if (r.isPartial && ClearingHouseAdmin(address(ch)).liquidationMarginRatio(a, ETH) < 0.0625e18) liquidationsBelowMaintenance++;
        } catch {}
    }

    function advance(uint256 secs, uint256 blocks) external {
        vm.warp(block.timestamp + 1 + (secs % 2 hours));
        vm.roll(block.number + 1 + (blocks % 100));
        // Chainlink's heartbeat: a round at the unchanged price, so the market does not go stale
        (, int256 answer,,,) = aggregator.latestRoundData();
        aggregator.pushPrice(uint256(answer) * 1e10, block.timestamp, 0);
    }

    function movePrice(int256 permille) external {
        (, int256 answer,,,) = aggregator.latestRoundData();
        int256 move = permille % 150;
        int256 next = answer + answer * move / 1000;
        if (next <= 0) return;
        aggregator.pushPrice(uint256(next) * 1e10, block.timestamp, 0);
    }

    function settleFunding() external {
        try ch.settleFunding(ETH) {} catch {}
    }
}

/// @notice Invariants of the seed, checked after every random call: the books are zero-sum, the
/// vault covers every claim, a partial liquidation restores maintenance, funding is conserved and
/// Q·B never falls below k across a swap.
contract InvariantTest is Fixture {
    Handler internal handler;
    address[] internal actors;

    function setUp() public override {
        super.setUp();
        actors.push(ALICE);
        actors.push(BOB);
        actors.push(CAROL);
        handler = new Handler(ch, vamm, aggregator, actors);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_zeroSum() public view {
        int256 longs;
        int256 shorts;
        uint256 onLong;
        uint256 onShort;
        for (uint256 i; i < actors.length; ++i) {
            ClearingHouseStorage.Position memory p = admin().getPosition(actors[i], ETH);
            if (p.size > 0) {
                longs += p.size;
                onLong += p.openNotional;
            } else if (p.size < 0) {
                shorts -= p.size;
                onShort += p.openNotional;
            }
        }
        assertEq(longs - shorts, vamm.totalPositionSize(), "sum of long exposure = sum of short exposure + net skew");
        ClearingHouseStorage.Market memory m = admin().getMarket(ETH);
        assertEq(m.openNotionalLong, onLong, "long open-notional book");
        assertEq(m.openNotionalShort, onShort, "short open-notional book");
    }

    function invariant_vaultCoversClaims() public view {
        int256 claims = int256(fund.balance()) + int256(ch.treasury());
        for (uint256 i; i < actors.length; ++i) {
            claims += ch.collateral(actors[i]);
            ClearingHouseStorage.Position memory p = admin().getPosition(actors[i], ETH);
            claims += int256(p.margin);
            (int256 funding, uint256 loss) = admin().pendingCarry(actors[i], ETH);
            claims -= funding + int256(loss);
        }
        int256 vaultWei = int256(usdc.balanceOf(address(vault)) * 1e12);
        ClearingHouseStorage.Market memory m = admin().getMarket(ETH);
        int256 slack = vaultWei - claims - admin().netTraderValue(ETH) + int256(ch.uncoveredBadDebt()) + int256(ch.unfundedCurveCost());
        assertGe(slack, -int256(m.fundingRoundings), "vault >= collateral + margins + insurance fund + treasury + net trader value");
    }

    function invariant_liquidationRestoresMaintenance() public view {
        assertEq(handler.liquidationsBelowMaintenance(), 0, "partial liquidations left below maintenance");
    }

    function invariant_fundingConserved() public view {
        ClearingHouseStorage.Market memory m = admin().getMarket(ETH);
        int256 pending;
        uint256 open;
        for (uint256 i; i < actors.length; ++i) {
            (int256 funding,) = admin().pendingCarry(actors[i], ETH);
            pending += funding;
            if (admin().getPosition(actors[i], ETH).size != 0) open++;
        }
        int256 diff = m.traderFundingSettled + pending - m.ammFundingProfit;
        int256 budget = int256(m.fundingRoundings + open);
        assertLe(diff, budget, "traders paid more funding than the AMM side is owed");
        assertGe(diff, -budget, "traders paid less funding than the AMM side is owed");
    }

    /// @dev After each run: a run that tried to open traded, so the invariants did not hold vacuously.
    function afterInvariant() public view {
        assertTrue(handler.openCalls() == 0 || handler.trades() > 0, "the run tried to open and never traded");
    }

    function invariant_kNeverFalls() public view {
        assertEq(handler.kDecreases(), 0, "Q*B fell below k across a swap");
    }
}
