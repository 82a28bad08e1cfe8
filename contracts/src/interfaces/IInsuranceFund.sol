// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IInsuranceFund
/// @notice The insurance fund's account in the vault, as the clearing house moves it.
interface IInsuranceFund {
    /// @notice Why money moved in or out of the fund (the model's InsuranceFundFlow reasons).
    enum Flow {
        Fee,
        Penalty,
        Funding,
        BadDebt,
        CurveCost,
        PrepaidBadDebt,
        Seed,
        YieldLoss
    }

    function balance() external view returns (uint256);
    function receiveFrom(uint256 amount, Flow reason) external;
    function pay(uint256 amount, Flow reason) external returns (uint256 paid, uint256 shortfall);
}
