// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {InvalidParameter, InvalidTokenAmount, Unauthorized} from "./libraries/Errors.sol";
import {IInsuranceFund} from "./interfaces/IInsuranceFund.sol";
import {IVault} from "./interfaces/IVault.sol";

/// @title InsuranceFund
/// @notice The insurance fund (twin of sim/insurance-fund.ts, vault custody): an account inside the
/// vault that takes the fee share, penalties and funding received, and pays bad debt, funding
/// imbalances, curve costs and yield-source losses for as long as it has money; the clearing house
/// socialises the rest, the vault records a yield shortfall.
contract InsuranceFund is IInsuranceFund, Ownable2Step {
    /// @notice Money in (+) or out (−) of the fund, and the balance after, in 18 decimals.
    event InsuranceFundFlow(Flow indexed reason, int256 amount, uint256 balanceAfter);
    event ClearingHouseSet(address clearingHouse);

    uint256 internal constant TOKEN_SCALE = 1e12;

    IVault public immutable vault;
    address public clearingHouse;
    /// @notice Balance in 18 decimals (the tokens are in the vault).
    uint256 public balance;

    modifier onlyClearingHouse() {
        if (msg.sender != clearingHouse) revert Unauthorized();
        _;
    }

    constructor(address owner_, IVault vault_) Ownable(owner_) {
        vault = vault_;
    }

    /// @notice Sets the clearing house once.
    function setClearingHouse(address clearingHouse_) external onlyOwner {
        if (clearingHouse != address(0) || clearingHouse_ == address(0)) revert InvalidParameter();
        clearingHouse = clearingHouse_;
        emit ClearingHouseSet(clearingHouse_);
    }

    /// @notice Credits money that is already in the vault.
    /// @param amount 18 decimals; 0 is a no-op
    /// @param reason why it arrives
    function receiveFrom(uint256 amount, Flow reason) external onlyClearingHouse {
        if (amount == 0) return;
        balance += amount;
        emit InsuranceFundFlow(reason, int256(amount), balance);
    }

    /// @notice Pays up to `amount` to the vault's claims; returns what it paid and the shortfall.
    /// The clearing house pays bad debt, funding and curve costs; the vault charges a recognised
    /// yield-source loss.
    function pay(uint256 amount, Flow reason) external returns (uint256 paid, uint256 shortfall) {
        if (msg.sender != clearingHouse && msg.sender != address(vault)) revert Unauthorized();
        if (amount == 0) return (0, 0);
        paid = amount < balance ? amount : balance;
        balance -= paid;
        if (paid > 0) emit InsuranceFundFlow(reason, -int256(paid), balance);
        shortfall = amount - paid;
    }

    /// @notice Seeds the fund with collateral tokens from the caller (who approved the vault).
    /// @param amount 18 decimals, floored to token units
    function seed(uint256 amount) external {
        uint256 units = amount / TOKEN_SCALE;
        if (units == 0) revert InvalidTokenAmount();
        vault.pullFrom(msg.sender, units);
        balance += units * TOKEN_SCALE;
        emit InsuranceFundFlow(Flow.Seed, int256(units * TOKEN_SCALE), balance);
    }
}
