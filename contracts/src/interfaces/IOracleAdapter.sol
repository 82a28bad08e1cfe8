// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IOracleAdapter
/// @notice A market's oracle as the clearing house reads it.
interface IOracleAdapter {
    function indexPrice() external view returns (uint256);
    function indexTwap(uint256 interval) external view returns (uint256);
    function referencePrice() external view returns (uint256);
    function isFresh() external view returns (bool);
    function isIndexFresh() external view returns (bool);
    function usablePrice() external view returns (bool usable, uint256 price);
    function setParams(uint256 stalenessLimit, uint256 fastMaxAge, uint256 fastMaxConfidenceRatio) external;
}
