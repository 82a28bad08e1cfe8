// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ClearingHouse} from "../src/ClearingHouse.sol";
import {ClearingHouseAdmin} from "../src/ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "../src/ClearingHouseStorage.sol";
import {OracleAdapter} from "../src/OracleAdapter.sol";
import {Vamm} from "../src/Vamm.sol";
import {Vault} from "../src/Vault.sol";
import {IPythLike} from "../src/interfaces/IPythLike.sol";
import {MockPyth} from "./doubles/MockPyth.sol";
import {MockUSDC} from "./doubles/MockUSDC.sol";
import {MockYieldVault} from "./doubles/MockYieldVault.sol";
import {ReplayAggregator} from "./doubles/ReplayAggregator.sol";
import {Fixture} from "./Fixture.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice Drives the protocol with random actions and injected faults — a reverting or
/// non-positive feed, stale feeds, fast prices from the future, a fluctuation band with closes
/// over it, a yield source that loses assets or lets nothing leave, and its breaker — and checks
/// every liquidation attempt against the design's rule, computed here from the feeds: below
/// maintenance on the trader-favourable valuation of the usable prices ⇒ it succeeds; at or above
/// ⇒ it reverts.
contract LivenessHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    bytes32 internal constant ETH = "ETH";
    address internal constant KEEPER = address(0x4EE9E2);
    address internal constant GUARDIAN = address(0x6A2D);

    ClearingHouse internal immutable ch;
    Vamm internal immutable vamm;
    ReplayAggregator internal immutable aggregator;
    MockPyth internal immutable pyth;
    OracleAdapter internal immutable oracle;
    Vault internal immutable vault;
    MockYieldVault public immutable source;
    MockUSDC internal immutable usdc;
    address[] public actors;

    uint256 public livenessViolations;
    uint256 public safetyViolations;
    uint256 public liquidations;
    uint256 public faultedLiquidations;
    uint256 public dustAccounts;

    constructor(ClearingHouse ch_, Vamm vamm_, ReplayAggregator aggregator_, MockPyth pyth_, OracleAdapter oracle_, Vault vault_, MockUSDC usdc_, address[] memory actors_) {
        ch = ch_;
        vamm = vamm_;
        aggregator = aggregator_;
        pyth = pyth_;
        oracle = oracle_;
        vault = vault_;
        usdc = usdc_;
        actors = actors_;
        source = new MockYieldVault(usdc_);
    }

    function admin() internal view returns (ClearingHouseAdmin) {
        return ClearingHouseAdmin(address(ch));
    }

    function open(uint256 actor, bool long, uint256 margin, uint256 leverage, bool isolated) external {
        address a = actors[actor % actors.length];
        vm.prank(a);
        try ch.openPosition(
            ETH,
            long,
            1e18 + (margin % 3_000e18),
            1e18 + (leverage % 9e18),
            0,
            isolated ? ClearingHouseStorage.MarginChoice.Isolated : ClearingHouseStorage.MarginChoice.Unspecified
        ) {} catch {}
    }

    function close(uint256 actor) external {
        vm.prank(actors[actor % actors.length]);
        try ch.closePosition(ETH, 0) {} catch {}
    }

    /// @dev The liveness check: the attempt's outcome against the rule computed from the feeds.
    function liquidate(uint256 actor) external {
        address a = actors[actor % actors.length];
        if (admin().getPosition(a, ETH).size == 0 || !vamm.open()) return;
        (bool valued, bool below) = belowMaintenance(a);
        if (!valued) return;
        bool faulted = aggregator.fault() != ReplayAggregator.Fault.None || !oracle.isFresh() || source.liquidity() == 0;
        vm.prank(KEEPER);
        try ch.liquidate(a, ETH, 0) {
            liquidations++;
            if (faulted) faultedLiquidations++;
            if (!below) safetyViolations++;
        } catch {
            if (below) livenessViolations++;
        }
    }

    /// @notice Below maintenance on max(spot, 15-min TWAP) and, when the mark strays from a usable
    /// oracle price by the spread limit, the oracle's valuation (single-market cross or isolated).
    function belowMaintenance(address a) public view returns (bool valued, bool below) {
        ClearingHouseAdmin c = admin();
        int256 best;
        try c.marginRatio(a, ETH, ClearingHouseStorage.Valuation.Spot) returns (int256 s) {
            best = s;
        } catch {
            return (false, false);
        }
        int256 t = c.marginRatio(a, ETH, ClearingHouseStorage.Valuation.Twap);
        if (t > best) best = t;
        (bool usable, uint256 price) = usableOraclePrice();
        if (usable) {
            int256 spread = ((int256(vamm.spotPrice()) - int256(price)) * 1e18) / int256(price);
            (,,,,,,, uint256 maxSpread) = ch.params();
            if ((spread < 0 ? -spread : spread) >= int256(maxSpread)) {
                int256 o = c.marginRatio(a, ETH, ClearingHouseStorage.Valuation.Oracle);
                if (o > best) best = o;
            }
        }
        (, uint256 mmr,,,,,,) = ch.params();
        return (true, best < int256(mmr));
    }

    /// @notice A fresh, tight fast price, else a fresh, positive Chainlink answer — read from the feeds.
    function usableOraclePrice() public view returns (bool, uint256) {
        IPythLike.Price memory p = pyth.getPriceUnsafe(ETH);
        if (p.price > 0 && p.publishTime <= block.timestamp && block.timestamp - p.publishTime <= oracle.fastMaxAge()) {
            uint256 scale = 10 ** uint256(int256(18) + p.expo);
            uint256 price = uint256(uint64(p.price)) * scale;
            if (uint256(p.conf) * scale * 1e18 <= price * oracle.fastMaxConfidenceRatio()) return (true, price);
        }
        try aggregator.latestRoundData() returns (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
            if (answer <= 0 || updatedAt == 0) return (false, 0);
            if (oracle.stalenessLimit() != 0 && block.timestamp - updatedAt > oracle.stalenessLimit()) return (false, 0);
            return (true, uint256(answer) * 1e10);
        } catch {
            return (false, 0);
        }
    }

    function advance(uint256 secs, uint256 blocks, bool heartbeat) external {
        vm.warp(block.timestamp + 1 + (secs % 2 hours));
        vm.roll(block.number + 1 + (blocks % 100));
        if (heartbeat && aggregator.fault() == ReplayAggregator.Fault.None) {
            (, int256 answer,,,) = aggregator.latestRoundData();
            aggregator.pushPrice(uint256(answer) * 1e10, block.timestamp, 0);
        }
    }

    function movePrice(int256 permille) external {
        if (aggregator.fault() != ReplayAggregator.Fault.None) return;
        (, int256 answer,,,) = aggregator.latestRoundData();
        int256 next = answer + answer * (permille % 300) / 1000;
        if (next > 0) aggregator.pushPrice(uint256(next) * 1e10, block.timestamp, 0);
    }

    function injectFeedFault(uint8 fault) external {
        aggregator.setFault(ReplayAggregator.Fault(fault % 4));
    }

    function fastPrice(int256 offsetPermille, uint256 age, bool future) external {
        int256 spot = int256(vamm.spotPrice() / 1e10);
        int64 price = int64(spot + spot * (offsetPermille % 200) / 1000);
        if (price <= 0) return;
        uint256 t = future ? block.timestamp + 1 + age % 600 : block.timestamp - age % 120;
        pyth.updatePrice(ETH, price, uint64(uint64(price) / 200), -8, t);
    }

    function band(uint256 percent, bool fullClose) external {
        ClearingHouseAdmin.ParamChange[] memory changes = new ClearingHouseAdmin.ParamChange[](1);
        changes[0] = ClearingHouseAdmin.ParamChange("fluctuationLimitRatio", [uint256(0), 0.03e18, 0.1e18][percent % 3]);
        admin().setMarketParams(ETH, changes);
        admin().setParam("partialCloseRatio", fullClose ? 1e18 : 0.25e18);
    }

    function yieldDeposit(uint256 percent) external {
        if (address(vault.yieldSource()) == address(0)) vault.setYieldSource(IERC4626(address(source)), 0.05e18);
        uint256 units = usdc.balanceOf(address(vault)) * (1 + percent % 100) / 100;
        try vault.depositToYield(units) {} catch {}
    }

    function yieldLoss(uint256 percent) external {
        uint256 assets = usdc.balanceOf(address(source));
        if (assets > 0) source.loseAssets(assets * (1 + percent % 60) / 100);
    }

    function yieldLiquidity(uint256 percent) external {
        source.setLiquidity(percent % 4 == 0 ? type(uint256).max : usdc.balanceOf(address(source)) * (percent % 100) / 100);
    }

    function breaker(bool guardian) external {
        vm.prank(guardian ? GUARDIAN : KEEPER);
        try vault.tripCircuitBreaker() {} catch {}
    }

    function recognize() external {
        vault.recognizeYieldLoss();
    }

    function dust(uint256 count) external {
        for (uint256 i; i < 1 + count % 5; ++i) {
            address a = address(uint160(0xD0570000 + dustAccounts++));
            usdc.mint(a, 1);
            vm.startPrank(a);
            usdc.approve(address(vault), 1);
            ch.deposit(1e12);
            vm.stopPrank();
        }
    }
}

/// @notice Liveness under injected faults: bankrupt positions stay liquidatable and healthy ones
/// are never liquidated on a bad price, the vault's claims stay covered or the shortfall is on
/// record, and admin operations stay within a gas bound whatever the number of accounts.
contract LivenessTest is Fixture {
    LivenessHandler internal handler;
    address[] internal actors;

    function setUp() public override {
        super.setUp();
        actors.push(ALICE);
        actors.push(BOB);
        actors.push(CAROL);
        fund_(BOB, 200_000e18);
        handler = new LivenessHandler(ch, vamm, aggregator, pyth, oracle, vault, usdc, actors);
        vault.setGuardian(address(0x6A2D));
        ch.transferOwnership(address(handler));
        vault.transferOwnership(address(handler));
        vm.prank(address(handler));
        ch.acceptOwnership();
        vm.prank(address(handler));
        vault.acceptOwnership();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_bankruptPositionsAreLiquidatable() public view {
        assertEq(handler.livenessViolations(), 0, "a position below maintenance could not be liquidated");
    }

    function invariant_noLiquidationOnABadPrice() public view {
        assertEq(handler.safetyViolations(), 0, "a position at or above maintenance was liquidated");
    }

    /// @dev Idle tokens plus the yield source at book value, and the losses on record, cover every
    /// claim; a flat account's debt is no asset.
    function invariant_claimsCoveredOrRecorded() public view {
        int256 claims = int256(fund.balance()) + int256(ch.treasury());
        address[] memory accounts = admin().getAccounts();
        for (uint256 i; i < accounts.length; ++i) {
            ClearingHouseStorage.Position memory p = admin().getPosition(accounts[i], ETH);
            int256 c = ch.collateral(accounts[i]);
            claims += p.size != 0 || c > 0 ? c : int256(0);
            claims += int256(p.margin);
            (int256 funding, uint256 loss) = admin().pendingCarry(accounts[i], ETH);
            claims -= funding + int256(loss);
        }
        int256 assets = int256((usdc.balanceOf(address(vault)) + vault.principal()) * 1e12);
        int256 recorded = int256(ch.uncoveredBadDebt() + ch.unfundedCurveCost() + vault.yieldShortfall());
        ClearingHouseStorage.Market memory m = admin().getMarket(ETH);
        assertGe(assets + recorded - claims - admin().netTraderValue(ETH), -int256(m.fundingRoundings), "the vault's claims are neither covered nor on record");
    }

    /// @dev The handler's check can fail: a bankrupt position, a reverting feed, a liquidation that
    /// must (and does) go through — on the contracts as filed it reverted with the feed.
    function test_handlerLiquidatesUnderAFault() public {
        vm.prank(ALICE);
        ch.withdraw(8_500e18);
        handler.open(0, true, 999e18, 8e18, false); // alice 9x on 1,500 of collateral
        handler.advance(11, 0, true);
        handler.open(1, false, 2999e18, 8e18, false); // bob 9x short on 3,000: the mark falls ~20 %
        handler.advance(899, 74, false);
        handler.injectFeedFault(1); // the feed reverts
        handler.liquidate(0);
        assertEq(handler.faultedLiquidations(), 1, "liquidated under the fault");
        assertEq(handler.livenessViolations(), 0, "no liveness violation");
    }
}

/// @notice Admin operations within a gas bound whatever the number of accounts (finding 4).
contract AdminGasTest is Fixture {
    uint256 internal constant GAS_BOUND = 15_000_000;

    /// @notice k migration and every page of it stay under the gas bound, however many dust
    /// accounts and dust positions there are.
    function testFuzz_adminGasBoundedWhateverTheAccounts(uint256 dustAccounts, uint256 dustPositions) public {
        dustAccounts = bound(dustAccounts, 0, 600);
        dustPositions = bound(dustPositions, 0, 250);
        open(ALICE, true, 1000e18, 5e18);
        open(BOB, false, 500e18, 3e18);
        for (uint256 i; i < dustAccounts; ++i) fund_(address(uint160(0x30000 + i)), 1e12);
        for (uint256 i; i < dustPositions; ++i) {
            address a = address(uint160(0x40000 + i));
            fund_(a, 1e12);
            open(a, true, 1e12, 1e18);
        }
        advance(12, 1);
        uint256 g0 = gasleft();
        admin().migrateLiquidity(ETH, 2e18, ClearingHouseStorage.Remap.Eager, 0);
        assertLe(g0 - gasleft(), GAS_BOUND, "migrateLiquidity");
        while (admin().getMigration(ETH).pending) {
            g0 = gasleft();
            admin().remapPositions(ETH);
            assertLe(g0 - gasleft(), GAS_BOUND, "remapPositions");
        }
    }
}
