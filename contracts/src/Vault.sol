// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {InsufficientBalance, InsufficientVaultBalance, InvalidParameter, Unauthorized} from "./libraries/Errors.sol";
import {IInsuranceFund} from "./interfaces/IInsuranceFund.sol";
import {IVault} from "./interfaces/IVault.sol";

/// @title Vault
/// @notice Holds all collateral (a USDC-style 6-decimal token): traders' deposits, isolated margins,
/// the insurance fund and the treasury are claims on it, kept in 18 decimals by the clearing house
/// and the insurance fund (twin of sim/vault.ts). Optionally, idle tokens earn yield in an ERC-4626
/// vault, held at book value (`principal`). A loss of the source is recognised — by anyone, by the
/// breaker, or by any move in or out of the source — and charged to the insurance fund, the rest
/// recorded as `yieldShortfall`: the claims are always covered or the shortfall is on record. A
/// guardian (or anyone, once the source has lost more than the allowed share of principal) trips a
/// circuit breaker that redeems what the source lets go; shares it cannot redeem yet stay attached
/// (no new deposits) until anyone finishes. Off by default.
contract Vault is IVault, Ownable2Step {
    using SafeERC20 for IERC20;

    event OperatorsSet(address clearingHouse, address insuranceFund);
    event YieldSourceSet(address yieldSource, uint256 maxLossRatio);
    event GuardianSet(address guardian);
    event YieldDeposited(uint256 units, uint256 shares);
    event YieldWithdrawn(uint256 units);
    /// @notice `principal`: the book value left in the source after the redemption.
    event CircuitBreakerTripped(address indexed by, uint256 unitsRecovered, uint256 principal);
    /// @notice A recognised yield-source loss (18 decimals): what the insurance fund paid, and the shortfall on record.
    event YieldLossRecognised(uint256 loss, uint256 coveredByInsuranceFund, uint256 shortfall);

    uint256 internal constant TOKEN_SCALE = 1e12;

    IERC20 public immutable token;
    address public clearingHouse;
    address public insuranceFund;

    IERC4626 public yieldSource;
    address public guardian;
    /// @notice Units deposited into the yield source and not yet withdrawn.
    uint256 public principal;
    /// @notice Loss of principal (18-decimal ratio) beyond which anyone may trip the breaker.
    uint256 public maxLossRatio;
    /// @notice The breaker has tripped and shares are left to redeem: no new deposits, anyone may finish.
    bool public breakerTripped;
    /// @notice Recognised yield loss the insurance fund could not pay (18 decimals).
    uint256 public yieldShortfall;

    modifier onlyOperator() {
        if (msg.sender != clearingHouse && msg.sender != insuranceFund) revert Unauthorized();
        _;
    }

    constructor(address owner_, IERC20 token_) Ownable(owner_) {
        token = token_;
    }

    /// @notice Sets the clearing house and insurance fund once.
    function setOperators(address clearingHouse_, address insuranceFund_) external onlyOwner {
        if (clearingHouse != address(0) || clearingHouse_ == address(0) || insuranceFund_ == address(0)) revert InvalidParameter();
        clearingHouse = clearingHouse_;
        insuranceFund = insuranceFund_;
        emit OperatorsSet(clearingHouse_, insuranceFund_);
    }

    /// @notice Moves `units` from `from` (who approved this vault) into the vault.
    function pullFrom(address from, uint256 units) external onlyOperator {
        if (units == 0) return;
        if (token.balanceOf(from) < units) revert InsufficientBalance();
        token.safeTransferFrom(from, address(this), units);
    }

    /// @notice Pays `units` out of the vault, recalling them from the yield source when needed.
    function pushTo(address to, uint256 units) external {
        if (msg.sender != clearingHouse) revert Unauthorized();
        if (units == 0) return;
        uint256 idle = token.balanceOf(address(this));
        if (idle < units) {
            if (address(yieldSource) == address(0)) revert InsufficientVaultBalance();
            uint256 missing = units - idle;
            if (yieldSource.maxWithdraw(address(this)) < missing) revert InsufficientVaultBalance();
            yieldSource.withdraw(missing, address(this), address(this));
            principal = principal > missing ? principal - missing : 0;
        }
        token.safeTransfer(to, units);
    }

    /// @notice Whether `units` can be paid out now: idle, or recalled from the yield source.
    function canPay(uint256 units) external view returns (bool) {
        uint256 idle = token.balanceOf(address(this));
        if (idle >= units) return true;
        return address(yieldSource) != address(0) && yieldSource.maxWithdraw(address(this)) >= units - idle;
    }

    /// @notice Tokens the vault controls: idle plus what the yield source would return.
    function totalAssets() public view returns (uint256) {
        uint256 assets = token.balanceOf(address(this));
        if (address(yieldSource) != address(0)) assets += yieldSource.previewRedeem(yieldSource.balanceOf(address(this)));
        return assets;
    }

    // ------------------------------------------------------------------ yield source (optional)

    /// @notice Sets the guardian who may trip the circuit breaker at any time.
    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @notice Enables an ERC-4626 yield source for the collateral token (none may be active).
    /// @param maxLossRatio_ loss of principal (18 decimals, < 1) that lets anyone trip the breaker
    function setYieldSource(IERC4626 yieldSource_, uint256 maxLossRatio_) external onlyOwner {
        if (address(yieldSource) != address(0) || yieldSource_.asset() != address(token) || maxLossRatio_ >= 1e18) revert InvalidParameter();
        yieldSource = yieldSource_;
        maxLossRatio = maxLossRatio_;
        emit YieldSourceSet(address(yieldSource_), maxLossRatio_);
    }

    /// @notice Puts idle tokens to work in the yield source.
    function depositToYield(uint256 units) external onlyOwner {
        if (address(yieldSource) == address(0) || units == 0 || breakerTripped) revert InvalidParameter();
        _recognizeLoss();
        token.forceApprove(address(yieldSource), units);
        uint256 shares = yieldSource.deposit(units, address(this));
        principal += units;
        emit YieldDeposited(units, shares);
    }

    /// @notice Recalls tokens from the yield source.
    function withdrawFromYield(uint256 units) external onlyOwner {
        if (address(yieldSource) == address(0) || units == 0) revert InvalidParameter();
        _recognizeLoss();
        yieldSource.withdraw(units, address(this), address(this));
        principal = principal > units ? principal - units : 0;
        emit YieldWithdrawn(units);
    }

    /// @notice Whether the yield source has lost more than the allowed share of principal.
    function yieldAnomaly() public view returns (bool) {
        if (address(yieldSource) == address(0) || principal == 0) return false;
        uint256 assets = yieldSource.previewRedeem(yieldSource.balanceOf(address(this)));
        return assets * 1e18 < principal * (1e18 - maxLossRatio);
    }

    /// @notice Marks the principal down to what the shares are worth and charges the loss to the
    /// insurance fund, the rest to `yieldShortfall` (permissionless).
    function recognizeYieldLoss() external {
        _recognizeLoss();
    }

    /// @notice Circuit breaker: recognises the loss, redeems what the source lets go and, once every
    /// share is out, detaches it; shares it cannot redeem yet stay attached (no new deposits) for
    /// anyone to finish. The guardian or owner may trip it at any time, anyone while
    /// `yieldAnomaly()` holds or once it has tripped.
    function tripCircuitBreaker() external {
        if (msg.sender != guardian && msg.sender != owner() && !breakerTripped && !yieldAnomaly()) revert Unauthorized();
        IERC4626 source = yieldSource;
        if (address(source) == address(0)) revert InvalidParameter();
        _recognizeLoss();
        uint256 shares = source.balanceOf(address(this));
        uint256 redeemable = source.maxRedeem(address(this));
        uint256 recovered;
        if (redeemable > 0) recovered = source.redeem(redeemable < shares ? redeemable : shares, address(this), address(this));
        principal = principal > recovered ? principal - recovered : 0;
        emit CircuitBreakerTripped(msg.sender, recovered, principal);
        if (source.balanceOf(address(this)) > 0) {
            breakerTripped = true;
            return;
        }
        // Every share is out: what the book still says the source held is lost.
        uint256 residual = principal;
        principal = 0;
        if (residual > 0) _charge(residual);
        yieldSource = IERC4626(address(0));
        breakerTripped = false;
    }

    function _recognizeLoss() internal {
        IERC4626 source = yieldSource;
        if (address(source) == address(0)) return;
        uint256 value = source.previewRedeem(source.balanceOf(address(this)));
        if (value >= principal) return;
        uint256 loss = principal - value;
        principal = value;
        _charge(loss);
    }

    function _charge(uint256 units) internal {
        (uint256 paid, uint256 shortfall) = IInsuranceFund(insuranceFund).pay(units * TOKEN_SCALE, IInsuranceFund.Flow.YieldLoss);
        yieldShortfall += shortfall;
        emit YieldLossRecognised(units * TOKEN_SCALE, paid, shortfall);
    }
}
