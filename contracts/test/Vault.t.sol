// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {InvalidParameter, Unauthorized} from "../src/libraries/Errors.sol";
import {MockYieldVault} from "./doubles/MockYieldVault.sol";
import {MockUSDC} from "./doubles/MockUSDC.sol";
import {Fixture} from "./Fixture.sol";

/// @notice The vault's optional ERC-4626 yield source and its guardian circuit breaker.
contract VaultTest is Fixture {
    MockYieldVault internal source;
    address internal constant GUARDIAN = address(0x6A2D);

    function setUp() public override {
        super.setUp();
        source = new MockYieldVault(usdc);
        vault.setYieldSource(IERC4626(address(source)), 0.05e18);
        vault.setGuardian(GUARDIAN);
    }

    function test_yieldSourceMustHoldTheCollateralToken() public {
        MockYieldVault other = new MockYieldVault(new MockUSDC());
        vm.expectRevert(InvalidParameter.selector);
        vault.setYieldSource(IERC4626(address(other)), 0.05e18); // one is already active, and the asset differs
    }

    function test_depositToYieldKeepsTotalAssetsAndRecallsOnPayout() public {
        uint256 total = vault.totalAssets();
        vault.depositToYield(35_000e6);
        assertEq(vault.totalAssets(), total, "assets unchanged by moving them");
        assertEq(usdc.balanceOf(address(vault)), total - 35_000e6, "idle");
        vm.prank(ALICE);
        ch.withdraw(9_000e18); // more than is idle: recalled from the yield source
        assertEq(usdc.balanceOf(ALICE), 9_000e6, "paid");
    }

    function test_onlyOwnerManagesTheYieldSource() public {
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ALICE));
        vault.depositToYield(1e6);
    }

    function test_guardianTripsTheBreakerAnyTime() public {
        vault.depositToYield(20_000e6);
        vm.prank(ALICE);
        vm.expectRevert(Unauthorized.selector);
        vault.tripCircuitBreaker();
        vm.prank(GUARDIAN);
        vault.tripCircuitBreaker();
        assertTrue(address(vault.yieldSource()) == address(0), "disabled");
        assertEq(usdc.balanceOf(address(vault)), 40_000e6, "every token back");
        assertEq(vault.principal(), 0, "no principal out");
    }

    function test_anyoneTripsTheBreakerOnALoss() public {
        vault.depositToYield(20_000e6);
        source.loseAssets(1_500e6); // 7.5 % of principal lost > 5 % allowed
        assertTrue(vault.yieldAnomaly(), "anomaly");
        vm.prank(ALICE);
        vault.tripCircuitBreaker();
        assertEq(usdc.balanceOf(address(vault)), 40_000e6 - 1_500e6, "what was left came back");
    }
}
