// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {InvalidParameter, UnderlyingPriceZero} from "./libraries/Errors.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IPythLike} from "./interfaces/IPythLike.sol";

/// @title OracleAdapter
/// @notice A market's oracle (twin of sim/oracle/composite-oracle.ts): Chainlink for the index, its
/// TWAP and settlement; a Pyth-style fast feed for real-time checks when it is fresh and tight,
/// Chainlink otherwise. The market is stale, and opening pauses, when neither source is fresh.
/// Every read of the feed is guarded: a reverting feed or an answer ≤ 0 is an unusable index,
/// never a revert of the caller.
/// @dev The index TWAP walks Chainlink rounds backward through getRoundData(roundId − 1), as Perp
/// v1's ChainlinkPriceFeed does; history ends at the first missing round id.
contract OracleAdapter is IOracleAdapter, Ownable2Step {
    AggregatorV3Interface public immutable aggregator;
    IPythLike public immutable fastFeed;
    bytes32 public immutable fastFeedId;
    uint256 internal immutable _answerScale;

    /// @notice A Chainlink answer older than this (s) is stale; 0 = never stale.
    uint256 public stalenessLimit;
    /// @notice A fast-feed price older than this (s) is not used.
    uint256 public fastMaxAge;
    /// @notice A fast-feed price whose confidence/price exceeds this ratio is not used.
    uint256 public fastMaxConfidenceRatio;

    struct Round {
        uint80 roundId;
        uint256 value;
        uint256 updatedAt;
    }

    constructor(
        address owner_,
        AggregatorV3Interface aggregator_,
        IPythLike fastFeed_,
        bytes32 fastFeedId_,
        uint256 stalenessLimit_,
        uint256 fastMaxAge_,
        uint256 fastMaxConfidenceRatio_
    ) Ownable(owner_) {
        uint8 decimals = aggregator_.decimals();
        if (decimals > 18) revert InvalidParameter();
        aggregator = aggregator_;
        fastFeed = fastFeed_;
        fastFeedId = fastFeedId_;
        _answerScale = 10 ** (18 - decimals);
        stalenessLimit = stalenessLimit_;
        fastMaxAge = fastMaxAge_;
        fastMaxConfidenceRatio = fastMaxConfidenceRatio_;
    }

    /// @notice Sets the staleness and fast-feed limits (the clearing house forwards market parameters
    /// and logs the change).
    function setParams(uint256 stalenessLimit_, uint256 fastMaxAge_, uint256 fastMaxConfidenceRatio_) external onlyOwner {
        stalenessLimit = stalenessLimit_;
        fastMaxAge = fastMaxAge_;
        fastMaxConfidenceRatio = fastMaxConfidenceRatio_;
    }

    /// @notice The index price: Chainlink's latest answer in 18 decimals.
    function indexPrice() public view returns (uint256) {
        (bool exists, Round memory r) = _latestRound();
        if (!exists) revert UnderlyingPriceZero();
        return r.value;
    }

    /// @notice TWAP of Chainlink answers over `interval` seconds (the funding index) by the backward walk.
    function indexTwap(uint256 interval) external view returns (uint256) {
        (bool exists, Round memory current) = _latestRound();
        if (!exists) revert UnderlyingPriceZero();
        uint256 latestValue = current.value;
        if (interval == 0) return latestValue;
        int256 baseTimestamp = int256(block.timestamp) - int256(interval);
        (bool hasPrevious, Round memory previous) = _previousRound(current.roundId);
        if (!hasPrevious || int256(current.updatedAt) <= baseTimestamp) return latestValue;
        uint256 previousTimestamp = current.updatedAt;
        int256 period = int256(block.timestamp) - int256(previousTimestamp);
        int256 weighted = int256(latestValue) * period;
        while (true) {
            if (!hasPrevious) {
                if (period == 0) return latestValue;
                return uint256(weighted / period);
            }
            current = previous;
            (hasPrevious, previous) = _previousRound(current.roundId);
            if (int256(current.updatedAt) <= baseTimestamp) {
                weighted += int256(current.value) * (int256(previousTimestamp) - baseTimestamp);
                return uint256(weighted / int256(interval));
            }
            int256 fraction = int256(previousTimestamp) - int256(current.updatedAt);
            weighted += int256(current.value) * fraction;
            period += fraction;
            previousTimestamp = current.updatedAt;
        }
        return 0; // unreachable
    }

    /// @notice The real-time reference price: the fast feed when usable, else the index.
    function referencePrice() external view returns (uint256) {
        (bool usable, uint256 fast) = _fastPrice();
        if (usable) return fast;
        uint256 price = indexPrice();
        if (price == 0) revert UnderlyingPriceZero();
        return price;
    }

    /// @notice Fresh when either source is fresh; always fresh with the staleness limit off.
    function isFresh() external view returns (bool) {
        if (stalenessLimit == 0) return true;
        (bool fresh,) = _freshIndex();
        if (fresh) return true;
        (bool usable,) = _fastPrice();
        return usable;
    }

    /// @notice Whether Chainlink's latest answer is readable, positive and fresh (the index TWAP may
    /// set funding); always with the staleness limit off.
    function isIndexFresh() external view returns (bool fresh) {
        if (stalenessLimit == 0) return true;
        (fresh,) = _freshIndex();
    }

    /// @notice A price that may be trusted now: the fast feed when usable, else a fresh Chainlink
    /// answer; usable = false when there is neither. Never reverts.
    function usablePrice() external view returns (bool usable, uint256 price) {
        (usable, price) = _fastPrice();
        if (usable) return (true, price);
        (bool fresh, Round memory r) = _freshIndex();
        return fresh ? (true, r.value) : (false, 0);
    }

    /// @notice Whether the fast feed may be used now, and its price in 18 decimals.
    function fastPrice() external view returns (bool usable, uint256 price) {
        return _fastPrice();
    }

    function _latestRound() internal view returns (bool exists, Round memory r) {
        try aggregator.latestRoundData() returns (uint80 roundId, int256 answer, uint256, uint256 updatedAt, uint80) {
            if (updatedAt == 0 || answer <= 0) return (false, r);
            return (true, Round(roundId, uint256(answer) * _answerScale, updatedAt));
        } catch {
            return (false, r);
        }
    }

    function _freshIndex() internal view returns (bool fresh, Round memory r) {
        bool exists;
        (exists, r) = _latestRound();
        if (!exists) return (false, r);
        fresh = stalenessLimit == 0 || int256(block.timestamp) - int256(r.updatedAt) <= int256(stalenessLimit);
    }

    function _previousRound(uint80 roundId) internal view returns (bool exists, Round memory r) {
        if (roundId <= 1) return (false, r);
        try aggregator.getRoundData(roundId - 1) returns (uint80 id, int256 answer, uint256, uint256 updatedAt, uint80) {
            if (updatedAt == 0 || answer <= 0) return (false, r);
            return (true, Round(id, uint256(answer) * _answerScale, updatedAt));
        } catch {
            return (false, r);
        }
    }

    function _fastPrice() internal view returns (bool usable, uint256 price) {
        if (address(fastFeed) == address(0)) return (false, 0);
        IPythLike.Price memory p;
        try fastFeed.getPriceUnsafe(fastFeedId) returns (IPythLike.Price memory got) {
            p = got;
        } catch {
            return (false, 0);
        }
        if (p.price <= 0 || p.expo < -18 || p.expo > 18) return (false, 0);
        uint256 scale = 10 ** uint256(int256(18) + p.expo);
        price = uint256(uint64(p.price)) * scale;
        uint256 confidence = uint256(p.conf) * scale;
        // A publish time in the future is not fresh (a misbehaving publisher would otherwise pin it).
        if (p.publishTime > block.timestamp || block.timestamp - p.publishTime > fastMaxAge) return (false, price);
        return (confidence * FixedPoint.ONE <= price * fastMaxConfidenceRatio, price);
    }
}
