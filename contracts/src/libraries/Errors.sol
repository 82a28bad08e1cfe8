// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The protocol's custom errors. Each name is a key of the model's REVERT_REASONS (sim/errors.ts),
// so a revert on chain and a ModelError in the simulator carry the same reason.

error MarketNotFound();
error MarketClosed();
error MarketOpen();
error ZeroInput();
error InvalidTokenAmount();
error PositionSizeZero();
error MarginRatioNotMet();
error BadDebt();
error OnlyOneActionAllowed();
error OverTradingLimit();
error LessThanMinimalBase();
error MoreThanMaximalBase();
error LessThanMinimalQuote();
error MoreThanMaximalQuote();
error PriceAlreadyOverFluctuationLimit();
error PriceOverFluctuationLimit();
error QuoteReserveDepleted();
error BaseReserveDepleted();
error SettleFundingTooEarly();
error PositionSizeUpperBound();
error OverOpenInterestLimit();
error MarginNotEnough();
error FreeCollateralNotEnough();
error ReduceUnderwaterPosition();
error OpenNotionalNotPositive();
error IllegalLiquidityMultiplier();
error InsufficientBalance();
error SubtractionOverflow();
error DivisionByZero();
error UnderlyingPriceZero();
error OracleStale();
error InsufficientFeeBudget();
error InvalidRepegDirection();
error InsufficientVaultBalance();
error InvalidParameter();
error NotSupported();
error LiquidityMultiplierIsOne();
error MigrationPending();

/// @dev Access control: the caller is not the contract allowed to make this call.
error Unauthorized();
