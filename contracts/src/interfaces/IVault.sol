// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IVault
/// @notice The collateral vault as the clearing house and the insurance fund use it.
interface IVault {
    function pullFrom(address from, uint256 units) external;
    function pushTo(address to, uint256 units) external;
    function totalAssets() external view returns (uint256);
    function canPay(uint256 units) external view returns (bool);
}
