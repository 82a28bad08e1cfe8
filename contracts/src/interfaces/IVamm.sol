// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IVamm
/// @notice One market's virtual AMM as the clearing house uses it.
interface IVamm {
    /// @notice How a swap treats this block's fluctuation band: stay within it, leave it once (the
    /// price must start inside it), or ignore it (liquidations, which a close over the band must
    /// not block).
    enum Band {
        Within,
        MayLeave,
        Ignore
    }

    function swapInput(bool add, uint256 quoteAmount, uint256 baseLimit, Band band) external returns (uint256);
    function swapOutput(bool add, uint256 baseAmount, uint256 quoteLimit, Band band) external returns (uint256);
    function migrateLiquidity(uint256 multiplier, uint256 fluctuationLimitRatio) external returns (uint256 fromQuote, uint256 fromBase);
    function setTotalPositionSize(int256 size) external;
    function setQuoteReserve(uint256 quote) external;
    function shutdown(uint256 price) external;
    function setParams(uint256 tradeLimitRatio, uint256 fluctuationLimitRatio) external;

    function quoteReserve() external view returns (uint256);
    function baseReserve() external view returns (uint256);
    function totalPositionSize() external view returns (int256);
    function open() external view returns (bool);
    function settlementPrice() external view returns (uint256);
    function liquidityHistoryIndex() external view returns (uint256);
    function inputPrice(bool add, uint256 quoteAmount) external view returns (uint256);
    function outputPrice(bool add, uint256 baseAmount) external view returns (uint256);
    function previewSwapInput(bool add, uint256 quoteAmount) external view returns (uint256 baseAmount, uint256 quoteAfter, uint256 baseAfter);
    function outputPriceAt(bool add, uint256 baseAmount, uint256 quote, uint256 base) external pure returns (uint256);
    function spotPrice() external view returns (uint256);
    function twapPrice(uint256 interval) external view returns (uint256);
    function twapReserves(uint256 interval) external view returns (uint256 quote, uint256 base);
    function exitNotionalAtTwap(bool add, uint256 baseAmount, uint256 interval) external view returns (uint256);
    function outputTwap(bool add, uint256 baseAmount, uint256 interval) external view returns (uint256);
    function isOverFluctuationLimit(bool add, uint256 baseAmount) external view returns (bool);
    function baseAfterLiquidityMigration(int256 size, uint256 fromQuote, uint256 fromBase) external view returns (int256);
}
