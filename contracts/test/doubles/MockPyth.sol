// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPythLike} from "../../src/interfaces/IPythLike.sol";

/// @title MockPyth
/// @notice Test double of a Pyth price feed: the latest price per id, set directly.
contract MockPyth is IPythLike {
    event PriceFeedUpdate(bytes32 indexed id, uint64 publishTime, int64 price, uint64 conf);

    mapping(bytes32 => Price) internal _prices;

    /// @notice Sets the latest price of `id`.
    function updatePrice(bytes32 id, int64 price, uint64 conf, int32 expo, uint256 publishTime) external {
        _prices[id] = Price(price, conf, expo, publishTime);
        emit PriceFeedUpdate(id, uint64(publishTime), price, conf);
    }

    function getPriceUnsafe(bytes32 id) external view returns (Price memory) {
        return _prices[id];
    }
}
