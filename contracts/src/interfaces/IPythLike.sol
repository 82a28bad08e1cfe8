// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPythLike
/// @notice The part of Pyth's IPyth the oracle adapter reads: the latest price without an age check.
interface IPythLike {
    /// @dev Pyth's PythStructs.Price: price and confidence scaled by 10^expo.
    struct Price {
        int64 price;
        uint64 conf;
        int32 expo;
        uint256 publishTime;
    }

    function getPriceUnsafe(bytes32 id) external view returns (Price memory price);
}
