// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev Perp v1 (solc 0.6.9) returns `Decimal.decimal` and `SignedDecimal.signedDecimal`, one-word
/// structs whose ABI encoding is that of a uint256 and an int256: these interfaces read them so.
interface IPerpV1Amm {
    function quoteAssetReserve() external view returns (uint256);
    function baseAssetReserve() external view returns (uint256);
    function totalPositionSize() external view returns (int256);
    function fundingRate() external view returns (int256);
    function nextFundingTime() external view returns (uint256);
    function open() external view returns (bool);
    function getSettlementPrice() external view returns (uint256);
    function getSnapshotLen() external view returns (uint256);
    function getCumulativeNotional() external view returns (int256);
    function getUnderlyingPrice() external view returns (uint256);
}

interface IPerpV1ClearingHouse {
    struct Position {
        int256 size;
        uint256 margin;
        uint256 openNotional;
        int256 lastUpdatedCumulativePremiumFraction;
        uint256 liquidityHistoryIndex;
        uint256 blockNumber;
    }

    function getUnadjustedPosition(address amm, address trader) external view returns (Position memory);
    function getLatestCumulativePremiumFraction(address amm) external view returns (int256);
    function openInterestNotionalMap(address amm) external view returns (uint256);
    function getPrepaidBadDebt(address token) external view returns (uint256);
    function getMarginRatio(address amm, address trader) external view returns (int256);
    function getPositionNotionalAndUnrealizedPnl(address amm, address trader, uint8 option) external view returns (uint256, int256);
    function isInRestrictMode(address amm, uint256 blockNumber) external view returns (bool);
    function mock_getCurrentBlockNumber() external view returns (uint256);
}

interface IBalance {
    function balanceOf(address holder) external view returns (uint256);
    function totalSupply() external view returns (uint256);
}

/// @title PerpV1Lens
/// @notice Reads the state the twin compares — every market, every trader's position and its
/// views, token balances, prepaid bad debt and the PERP minted — from Perp v1's contracts in one call.
contract PerpV1Lens {
    struct Market {
        uint256 quoteReserve;
        uint256 baseReserve;
        int256 totalPositionSize;
        int256 cumulativePremiumFraction;
        int256 fundingRate;
        uint256 nextFundingTime;
        bool open;
        uint256 settlementPrice;
        uint256 snapshots;
        int256 cumulativeNotional;
        uint256 openInterestNotional;
        bool restrictedThisBlock;
        uint256 indexPrice;
    }

    /// @dev A view that reverts (e.g. the margin ratio of a closed position) reads as `ok = false`.
    struct View {
        bool ok;
        int256 value;
    }

    struct PositionViews {
        View marginRatio;
        View spotNotional;
        View spotPnl;
        View twapNotional;
        View twapPnl;
    }

    struct State {
        Market[] markets;
        /// @dev positions[market * traders.length + trader]
        IPerpV1ClearingHouse.Position[] positions;
        PositionViews[] views;
        uint256[] balances;
        uint256 prepaidBadDebt;
        uint256 backstopTokensMinted;
    }

    /// @notice The whole state the twin compares.
    /// @param ch the ClearingHouseFake
    /// @param amms the markets' AmmFakes
    /// @param quoteToken the collateral token
    /// @param perpToken the backstop token the insurance fund mints
    /// @param holders addresses whose collateral-token balances are read
    /// @param traders addresses whose positions and views are read in every market
    function state(
        IPerpV1ClearingHouse ch,
        IPerpV1Amm[] calldata amms,
        IBalance quoteToken,
        IBalance perpToken,
        address[] calldata holders,
        address[] calldata traders
    ) external view returns (State memory s) {
        s.markets = new Market[](amms.length);
        s.positions = new IPerpV1ClearingHouse.Position[](amms.length * traders.length);
        s.views = new PositionViews[](amms.length * traders.length);
        uint256 blockNumber = ch.mock_getCurrentBlockNumber();
        for (uint256 m; m < amms.length; ++m) {
            IPerpV1Amm amm = amms[m];
            s.markets[m] = Market({
                quoteReserve: amm.quoteAssetReserve(),
                baseReserve: amm.baseAssetReserve(),
                totalPositionSize: amm.totalPositionSize(),
                cumulativePremiumFraction: ch.getLatestCumulativePremiumFraction(address(amm)),
                fundingRate: amm.fundingRate(),
                nextFundingTime: amm.nextFundingTime(),
                open: amm.open(),
                settlementPrice: amm.getSettlementPrice(),
                snapshots: amm.getSnapshotLen(),
                cumulativeNotional: amm.getCumulativeNotional(),
                openInterestNotional: ch.openInterestNotionalMap(address(amm)),
                restrictedThisBlock: ch.isInRestrictMode(address(amm), blockNumber),
                indexPrice: amm.getUnderlyingPrice()
            });
            for (uint256 t; t < traders.length; ++t) {
                uint256 i = m * traders.length + t;
                s.positions[i] = ch.getUnadjustedPosition(address(amm), traders[t]);
                if (s.positions[i].size != 0) s.views[i] = _views(ch, address(amm), traders[t]);
            }
        }
        s.balances = new uint256[](holders.length);
        for (uint256 h; h < holders.length; ++h) s.balances[h] = quoteToken.balanceOf(holders[h]);
        s.prepaidBadDebt = ch.getPrepaidBadDebt(address(quoteToken));
        s.backstopTokensMinted = perpToken.totalSupply();
    }

    function _views(IPerpV1ClearingHouse ch, address amm, address trader) private view returns (PositionViews memory v) {
        try ch.getMarginRatio(amm, trader) returns (int256 r) {
            v.marginRatio = View(true, r);
        } catch {}
        try ch.getPositionNotionalAndUnrealizedPnl(amm, trader, 0) returns (uint256 notional, int256 pnl) {
            v.spotNotional = View(true, int256(notional));
            v.spotPnl = View(true, pnl);
        } catch {}
        try ch.getPositionNotionalAndUnrealizedPnl(amm, trader, 1) returns (uint256 notional, int256 pnl) {
            v.twapNotional = View(true, int256(notional));
            v.twapPnl = View(true, pnl);
        } catch {}
    }
}
