// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ClearingHouseAdmin} from "../ClearingHouseAdmin.sol";
import {ClearingHouseStorage} from "../ClearingHouseStorage.sol";
import {InsuranceFund} from "../InsuranceFund.sol";
import {OracleAdapter} from "../OracleAdapter.sol";
import {Vamm} from "../Vamm.sol";
import {Vault} from "../Vault.sol";

/// @title ProtocolLens
/// @notice Reads the whole protocol state in one call: every market (vAMM reserves and snapshots,
/// the clearing house's books, the latest Chainlink round), every account with its position
/// records, token balances of the given holders, the insurance fund, vault (with its yield source)
/// and treasury, and any k migration in progress. For
/// dashboards, monitoring and the cross-check harness.
contract ProtocolLens {
    struct MarketState {
        bytes32 id;
        uint256 quoteReserve;
        uint256 baseReserve;
        int256 totalPositionSize;
        int256 cumulativeNotional;
        bool open;
        uint256 settlementPrice;
        uint256 liquidityHistoryIndex;
        uint256 snapshotCount;
        ClearingHouseStorage.Market books;
        ClearingHouseStorage.Migration migration;
        uint80 roundId;
        int256 answer;
        uint256 updatedAt;
    }

    struct PositionState {
        bytes32 market;
        ClearingHouseStorage.Position position;
    }

    struct AccountState {
        address account;
        int256 collateral;
        PositionState[] positions;
    }

    struct State {
        MarketState[] markets;
        AccountState[] accounts;
        uint256[] balances;
        uint256 totalSupply;
        uint256 insuranceFund;
        uint256 treasury;
        uint256 uncoveredBadDebt;
        uint256 unfundedCurveCost;
        VaultState vault;
    }

    /// @notice The vault's yield source: book value, recorded shortfall, breaker, shares.
    struct VaultState {
        address yieldSource;
        uint256 principal;
        uint256 yieldShortfall;
        bool breakerTripped;
        uint256 shares;
        uint256 totalShares;
    }

    /// @notice One view of a position: its value, or ok = false when the view reverts.
    struct View {
        bool ok;
        int256 value;
    }

    /// @notice The valuations of one position (the model's per-position views).
    struct PositionViews {
        address trader;
        bytes32 market;
        View positionNotional;
        View unrealizedPnl;
        View unrealizedPnlTwap;
        View fundingOwed;
        View lossOwed;
        View marginRatio;
        View marginRatioSpot;
        View marginWithFundingPayment;
        View freeCollateral;
    }

    /// @notice Valuations of every open position: notional and PnL at spot, PnL at the 15-min
    /// TWAP, funding and loss owed, margin ratio (trader-favourable and spot), margin with funding
    /// and free collateral; a view that reverts is reported as not ok.
    function positionViews(address ch) external view returns (PositionViews[] memory out) {
        ClearingHouseAdmin c = ClearingHouseAdmin(ch);
        address[] memory accounts = c.getAccounts();
        uint256 n;
        for (uint256 i; i < accounts.length; ++i) {
            bytes32[] memory list = c.getAccountMarkets(accounts[i]);
            for (uint256 j; j < list.length; ++j) if (c.getPosition(accounts[i], list[j]).size != 0) n++;
        }
        out = new PositionViews[](n);
        n = 0;
        for (uint256 i; i < accounts.length; ++i) {
            bytes32[] memory list = c.getAccountMarkets(accounts[i]);
            for (uint256 j; j < list.length; ++j) {
                if (c.getPosition(accounts[i], list[j]).size == 0) continue;
                out[n++] = _views(c, accounts[i], list[j]);
            }
        }
    }

    function _views(ClearingHouseAdmin c, address t, bytes32 id) internal view returns (PositionViews memory v) {
        v.trader = t;
        v.market = id;
        try c.positionValue(t, id, ClearingHouseStorage.Valuation.Spot) returns (uint256 notional, int256 pnl) {
            v.positionNotional = View(true, int256(notional));
            v.unrealizedPnl = View(true, pnl);
        } catch {}
        try c.positionValue(t, id, ClearingHouseStorage.Valuation.Twap) returns (uint256, int256 pnl) {
            v.unrealizedPnlTwap = View(true, pnl);
        } catch {}
        try c.pendingCarry(t, id) returns (int256 funding, uint256 loss) {
            v.fundingOwed = View(true, funding);
            v.lossOwed = View(true, int256(loss));
        } catch {}
        try c.marginRatio(t, id, ClearingHouseStorage.Valuation.Max) returns (int256 r) {
            v.marginRatio = View(true, r);
        } catch {}
        try c.marginRatio(t, id, ClearingHouseStorage.Valuation.Spot) returns (int256 r) {
            v.marginRatioSpot = View(true, r);
        } catch {}
        try c.marginWithFundingPayment(t, id) returns (uint256 m) {
            v.marginWithFundingPayment = View(true, int256(m));
        } catch {}
        try c.freeCollateral(t, id) returns (int256 f) {
            v.freeCollateral = View(true, f);
        } catch {}
    }

    /// @notice The state of the clearing house `ch` and the token balances of `holders`.
    function state(address ch, address[] calldata holders) external view returns (State memory s) {
        ClearingHouseAdmin c = ClearingHouseAdmin(ch);
        return _state(c, c.getAccounts(), holders);
    }

    /// @notice The same state with only the accounts in `only` (those the clearing house knows),
    /// for reading what one block touched.
    function stateOf(address ch, address[] calldata only, address[] calldata holders) external view returns (State memory s) {
        ClearingHouseAdmin c = ClearingHouseAdmin(ch);
        address[] memory all = c.getAccounts();
        address[] memory accounts = new address[](only.length);
        uint256 n;
        for (uint256 i; i < all.length; ++i) {
            for (uint256 j; j < only.length; ++j) {
                if (all[i] == only[j]) {
                    accounts[n++] = all[i];
                    break;
                }
            }
        }
        assembly ("memory-safe") {
            mstore(accounts, n)
        }
        return _state(c, accounts, holders);
    }

    /// @notice The same state with only `accounts`, each one the clearing house already has (its
    /// account list only grows): no scan of the whole list, for reading what one block touched.
    function stateOfAccounts(address ch, address[] calldata accounts, address[] calldata holders) external view returns (State memory s) {
        return _state(ClearingHouseAdmin(ch), accounts, holders);
    }

    function _state(ClearingHouseAdmin c, address[] memory accounts, address[] calldata holders) internal view returns (State memory s) {
        bytes32[] memory ids = c.marketIds();
        s.markets = new MarketState[](ids.length);
        for (uint256 i; i < ids.length; ++i) s.markets[i] = _market(c, ids[i]);
        s.accounts = new AccountState[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            bytes32[] memory list = c.getAccountMarkets(accounts[i]);
            AccountState memory a = s.accounts[i];
            a.account = accounts[i];
            a.collateral = c.collateral(accounts[i]);
            a.positions = new PositionState[](list.length);
            for (uint256 j; j < list.length; ++j) a.positions[j] = PositionState(list[j], c.getPosition(accounts[i], list[j]));
        }
        Vault vault = Vault(address(c.vault()));
        IERC20 token = vault.token();
        s.balances = new uint256[](holders.length);
        for (uint256 i; i < holders.length; ++i) s.balances[i] = token.balanceOf(holders[i]);
        s.totalSupply = token.totalSupply();
        s.insuranceFund = InsuranceFund(address(c.insuranceFund())).balance();
        s.treasury = c.treasury();
        s.uncoveredBadDebt = c.uncoveredBadDebt();
        s.unfundedCurveCost = c.unfundedCurveCost();
        s.vault = _vault(vault);
    }

    function _vault(Vault vault) internal view returns (VaultState memory v) {
        IERC20 source = IERC20(address(vault.yieldSource()));
        v.yieldSource = address(source);
        v.principal = vault.principal();
        v.yieldShortfall = vault.yieldShortfall();
        v.breakerTripped = vault.breakerTripped();
        if (address(source) != address(0)) {
            v.shares = source.balanceOf(address(vault));
            v.totalShares = source.totalSupply();
        }
    }

    function _market(ClearingHouseAdmin c, bytes32 id) internal view returns (MarketState memory m) {
        m.id = id;
        m.books = c.getMarket(id);
        m.migration = c.getMigration(id);
        Vamm v = Vamm(address(m.books.vamm));
        m.quoteReserve = v.quoteReserve();
        m.baseReserve = v.baseReserve();
        m.totalPositionSize = v.totalPositionSize();
        m.cumulativeNotional = v.cumulativeNotional();
        m.open = v.open();
        m.settlementPrice = v.settlementPrice();
        m.liquidityHistoryIndex = v.liquidityHistoryIndex();
        m.snapshotCount = v.snapshotCount();
        AggregatorV3Interface aggregator = OracleAdapter(address(m.books.oracle)).aggregator();
        try aggregator.latestRoundData() returns (uint80 roundId, int256 answer, uint256, uint256 updatedAt, uint80) {
            (m.roundId, m.answer, m.updatedAt) = (roundId, answer, updatedAt);
        } catch {} // a reverting feed reads as no round
    }
}
