// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {InvalidParameter, UnderlyingPriceZero} from "../../src/libraries/Errors.sol";

/// @title ReplayAggregator
/// @notice Test double of a Chainlink aggregator that replays rounds with their real round ids and
/// timestamps (8 decimals). Checks as the model's ChainlinkFeed: positive answers, increasing ids,
/// non-decreasing times, prices exact in 8 decimals.
/// A fault can be injected: the feed reverts, or answers 0 or a negative price.
contract ReplayAggregator is AggregatorV3Interface {
    /// @notice An injected failure of the feed.
    enum Fault {
        None,
        Revert,
        Zero,
        Negative
    }

    /// @dev The feed is down (an injected fault).
    error FeedDown();

    event FaultSet(Fault fault);

    /// @notice Chainlink's aggregator events.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    string public description;
    mapping(uint80 => Round) internal _rounds;
    uint80 public latestRound;
    Fault public fault;

    constructor(string memory description_) {
        description = description_;
    }

    function decimals() external pure returns (uint8) {
        return 8;
    }

    function version() external pure returns (uint256) {
        return 4;
    }

    /// @notice Appends a round from an 18-decimal price; roundId 0 takes the next id.
    function pushPrice(uint256 priceWei, uint256 updatedAt, uint80 roundId) external returns (uint80 id) {
        if (priceWei % 1e10 != 0) revert InvalidParameter();
        int256 answer = int256(priceWei / 1e10);
        if (answer <= 0) revert UnderlyingPriceZero();
        id = roundId == 0 ? latestRound + 1 : roundId;
        if (latestRound != 0) {
            if (id <= latestRound) revert InvalidParameter();
            if (updatedAt < _rounds[latestRound].updatedAt) revert InvalidParameter();
        }
        _rounds[id] = Round(answer, updatedAt, updatedAt);
        latestRound = id;
        emit NewRound(id, msg.sender, updatedAt);
        emit AnswerUpdated(answer, id, updatedAt);
    }

    /// @notice Injects (or clears, with None) a failure of the feed.
    function setFault(Fault fault_) external {
        fault = fault_;
        emit FaultSet(fault_);
    }

    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        if (fault == Fault.Revert) revert FeedDown();
        Round memory r = _rounds[roundId];
        require(r.updatedAt != 0, "No data present");
        return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        if (fault == Fault.Revert) revert FeedDown();
        Round memory r = _rounds[latestRound];
        int256 answer = fault == Fault.Zero ? int256(0) : fault == Fault.Negative ? -r.answer : r.answer;
        return (latestRound, answer, r.startedAt, r.updatedAt, latestRound);
    }
}
