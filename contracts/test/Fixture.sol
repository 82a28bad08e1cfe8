// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ClearingHouse} from "../src/ClearingHouse.sol";
import {ClearingHouseAdmin} from "../src/ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "../src/ClearingHouseStorage.sol";
import {InsuranceFund} from "../src/InsuranceFund.sol";
import {OracleAdapter} from "../src/OracleAdapter.sol";
import {Vamm} from "../src/Vamm.sol";
import {Vault} from "../src/Vault.sol";
import {IInsuranceFund} from "../src/interfaces/IInsuranceFund.sol";
import {IOracleAdapter} from "../src/interfaces/IOracleAdapter.sol";
import {IPythLike} from "../src/interfaces/IPythLike.sol";
import {IVamm} from "../src/interfaces/IVamm.sol";
import {IVault} from "../src/interfaces/IVault.sol";
import {MockPyth} from "./doubles/MockPyth.sol";
import {MockUSDC} from "./doubles/MockUSDC.sol";
import {ReplayAggregator} from "./doubles/ReplayAggregator.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice The `default` design deployed with one ETH market (Q 200,000, B 100, index 2,000), an
/// insurance fund of 10,000 and three funded traders, as test/helpers/world.ts builds it.
abstract contract Fixture is TestBase {
    bytes32 internal constant ETH = "ETH";
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA201);
    address internal constant KEEPER = address(0x4EE9E2);

    MockUSDC internal usdc;
    Vault internal vault;
    InsuranceFund internal fund;
    ClearingHouse internal ch;
    ClearingHouseAdmin internal chAdmin;
    ReplayAggregator internal aggregator;
    MockPyth internal pyth;
    Vamm internal vamm;
    OracleAdapter internal oracle;

    function defaultParams() internal pure returns (ClearingHouseStorage.Params memory) {
        return ClearingHouseStorage.Params({
            initMarginRatio: 0.1e18,
            maintenanceMarginRatio: 0.0625e18,
            liquidationFeeRatio: 0.025e18,
            fullLiquidationBelowNotional: 500e18,
            partialCloseRatio: 0.25e18,
            insuranceFundFeeShare: 0.2e18,
            restrictionMode: true,
            maxOracleSpreadRatio: 0.1e18
        });
    }

    function defaultConfig() internal pure returns (ClearingHouseStorage.MarketConfig memory) {
        return ClearingHouseStorage.MarketConfig({
            maxHoldingBaseAsset: 0,
            openInterestNotionalCap: 0,
            fundingPeriod: 3600,
            markTwapInterval: 8 hours,
            indexTwapInterval: 8 hours,
            convergencePeriod: 8 hours,
            fundingCapRatio: 0.001e18,
            fundingCapWindow: 8 hours,
            feeRatio: 0.001e18
        });
    }

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        usdc = new MockUSDC();
        vault = new Vault(address(this), usdc);
        fund = new InsuranceFund(address(this), IVault(address(vault)));
        chAdmin = new ClearingHouseAdmin(address(this), IVault(address(vault)), IInsuranceFund(address(fund)), defaultParams());
        ch = new ClearingHouse(address(this), IVault(address(vault)), IInsuranceFund(address(fund)), defaultParams(), address(chAdmin));
        vault.setOperators(address(ch), address(fund));
        fund.setClearingHouse(address(ch));
        pyth = new MockPyth();
        aggregator = new ReplayAggregator("ETH / USD");
        aggregator.pushPrice(2000e18, block.timestamp, 0);
        vamm = new Vamm(address(ch), 200_000e18, 100e18, 0.9e18, 0);
        oracle = new OracleAdapter(address(ch), AggregatorV3Interface(address(aggregator)), IPythLike(address(pyth)), ETH, 3900, 60, 0.01e18);
        ClearingHouseAdmin(address(ch)).addMarket(ETH, IVamm(address(vamm)), IOracleAdapter(address(oracle)), defaultConfig());
        usdc.mint(address(this), 10_000e6);
        usdc.approve(address(vault), type(uint256).max);
        fund.seed(10_000e18);
        fund_(ALICE, 10_000e18);
        fund_(BOB, 10_000e18);
        fund_(CAROL, 10_000e18);
    }

    function fund_(address trader, uint256 amount) internal {
        usdc.mint(trader, amount / 1e12);
        vm.startPrank(trader);
        usdc.approve(address(vault), type(uint256).max);
        ch.deposit(amount);
        vm.stopPrank();
    }

    function admin() internal view returns (ClearingHouseAdmin) {
        return ClearingHouseAdmin(address(ch));
    }

    function open(address trader, bool long, uint256 margin, uint256 leverage) internal {
        vm.prank(trader);
        ch.openPosition(ETH, long, margin, leverage, 0, ClearingHouseStorage.MarginChoice.Unspecified);
    }

    function openIsolated(address trader, bool long, uint256 margin, uint256 leverage) internal {
        vm.prank(trader);
        ch.openPosition(ETH, long, margin, leverage, 0, ClearingHouseStorage.MarginChoice.Isolated);
    }

    function position(address trader) internal view returns (ClearingHouseStorage.Position memory) {
        return admin().getPosition(trader, ETH);
    }

    /// @dev A whale's trades leave Alice's short with bad debt larger than the insurance fund (seeded
    /// with 10,000 more); her liquidation socialises the rest to the longs, Carol's isolated 8x
    /// long of `carolMargin` among them (issue 17's liveness finding).
    function socialiseBadDebtOntoCarol(uint256 carolMargin) internal {
        address whale = address(0xB16);
        fund_(whale, 200_000e18);
        usdc.mint(address(this), 10_000e6);
        fund.seed(10_000e18);
        open(whale, false, 2060e18, 3e18);
        open(whale, false, 19_020e18, 4e18);
        open(ALICE, false, 1798e18, 10e18);
        vm.prank(whale);
        ch.closePosition(ETH, 0);
        open(BOB, true, 1210e18, 8e18);
        openIsolated(CAROL, true, carolMargin, 8e18);
        vm.prank(BOB);
        ch.closePosition(ETH, 0);
        ch.liquidate(ALICE, ETH, 0);
    }

    function advance(uint256 secs, uint256 blocks) internal {
        vm.warp(block.timestamp + secs);
        vm.roll(block.number + blocks);
    }
}
