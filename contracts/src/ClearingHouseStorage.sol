// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {InvalidParameter} from "./libraries/Errors.sol";
import {FixedPoint} from "./libraries/FixedPoint.sol";
import {IInsuranceFund} from "./interfaces/IInsuranceFund.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IVamm} from "./interfaces/IVamm.sol";
import {IVault} from "./interfaces/IVault.sol";

/// @title ClearingHouseStorage
/// @notice The clearing house's state (twin of sim/protocol-state.ts): markets and their books,
/// accounts with cross collateral, one position record per market, the treasury and the losses
/// on record; plus the events every state change logs (sim/events.ts).
abstract contract ClearingHouseStorage is Ownable2Step {
    /// @notice A trader's position in one market; `margin` is used by isolated positions only.
    struct Position {
        int256 size;
        uint256 margin;
        uint256 openNotional;
        int256 lastCumulativePremiumFraction;
        uint256 lastLossIndex;
        uint64 liquidityHistoryIndex;
        uint64 blockNumber;
        bool isolated;
        bool exists;
    }

    /// @notice A market's parameters kept by the clearing house (the vAMM and oracle hold theirs).
    struct MarketConfig {
        uint256 maxHoldingBaseAsset;
        uint256 openInterestNotionalCap;
        uint256 fundingPeriod;
        uint256 markTwapInterval;
        uint256 indexTwapInterval;
        uint256 convergencePeriod;
        uint256 fundingCapRatio;
        uint256 fundingCapWindow;
        uint256 feeRatio;
    }

    /// @notice One market: its vAMM and oracle, parameters and the clearing house's books.
    struct Market {
        IVamm vamm;
        IOracleAdapter oracle;
        MarketConfig config;
        int256 cumulativePremiumFraction;
        int256 fundingRate;
        uint256 nextFundingTime;
        uint256 lastRestrictionBlock;
        uint256 openInterestNotional;
        uint256 openNotionalLong;
        uint256 openNotionalShort;
        uint256 lossIndexLong;
        uint256 lossIndexShort;
        int256 ammFundingProfit;
        int256 traderFundingSettled;
        uint256 fundingRoundings;
        int256 settledPositionSize;
        Remap lastRemap;
    }

    /// @notice Clearing-house parameters of the `default` design (18-decimal ratios).
    struct Params {
        uint256 initMarginRatio;
        uint256 maintenanceMarginRatio;
        uint256 liquidationFeeRatio;
        uint256 fullLiquidationBelowNotional;
        uint256 partialCloseRatio;
        uint256 insuranceFundFeeShare;
        bool restrictionMode;
        uint256 maxOracleSpreadRatio;
    }

    /// @notice How positions follow a k change: none yet, remapped now, or left as they are.
    enum Remap {
        Unset,
        Eager,
        None
    }

    /// @notice How a position is valued: spot or 15-min TWAP exit notional, oracle, or the
    /// trader-favourable (Max) / least favourable (Min) of spot and TWAP.
    enum Valuation {
        Spot,
        Twap,
        Oracle,
        Max,
        Min
    }

    /// @notice A trader's choice of margin for a new position.
    enum MarginChoice {
        Unspecified,
        Cross,
        Isolated
    }

    /// @notice A k migration whose positions are being remapped a page at a time; the market pauses
    /// until the last page, which sets the net position and charges the cost.
    struct Migration {
        bool pending;
        uint64 newIndex;
        uint256 cursor;
        uint256 multiplier;
        uint256 fromQuote;
        uint256 fromBase;
        int256 total;
        int256 valueBefore;
    }

    /// @notice Why a loss was socialised.
    enum LossCause {
        BadDebt,
        Funding
    }

    /// @notice Fields of a PositionChanged event (a struct keeps the event within the stack).
    struct PositionChange {
        int256 margin;
        uint256 positionNotional;
        int256 exchangedPositionSize;
        uint256 fee;
        int256 positionSizeAfter;
        int256 realizedPnl;
        int256 unrealizedPnlAfter;
        uint256 badDebt;
        uint256 liquidationPenalty;
        uint256 spotPrice;
        int256 fundingPayment;
    }

    /// @notice Fields of a FundingSettled event.
    struct FundingSettlement {
        uint256 markTwap;
        uint256 indexTwap;
        int256 premiumFraction;
        int256 uncappedPremiumFraction;
        int256 fundingRate;
        int256 cumulativePremiumFraction;
        int256 ammFundingProfit;
    }

    event MarketAdded(bytes32 indexed market, address vamm, address oracle);
    event PositionChanged(address indexed trader, bytes32 indexed market, PositionChange change);
    event PositionLiquidated(
        address indexed trader,
        bytes32 indexed market,
        uint256 positionNotional,
        uint256 positionSize,
        uint256 liquidationFee,
        address liquidator,
        uint256 badDebt,
        bool isPartial
    );
    event MarginChanged(address indexed trader, bytes32 indexed market, int256 amount, int256 fundingPayment);
    event Deposited(address indexed trader, uint256 amount);
    event Withdrawn(address indexed trader, uint256 amount);
    event FundingSettled(bytes32 indexed market, FundingSettlement settlement);
    event BadDebtAbsorbed(
        address indexed trader, bytes32 indexed market, uint256 amount, uint256 coveredByInsuranceFund, uint256 socialised, uint256 uncovered
    );
    event SocialisedLoss(bytes32 indexed market, bool long, uint256 amount, uint256 indexDelta, LossCause cause);
    event RestrictionModeEntered(bytes32 indexed market);
    event LiquidityMigrated(bytes32 indexed market, uint256 multiplier, Remap remap, uint256 quoteReserve, uint256 baseReserve, int256 cost);
    event PositionAdjusted(address indexed trader, bytes32 indexed market, int256 oldSize, int256 newSize, uint256 oldIndex, uint256 newIndex);
    event Repegged(bytes32 indexed market, uint256 oldQuoteReserve, uint256 newQuoteReserve, int256 cost);
    event CurveCostCharged(bytes32 indexed market, int256 cost, int256 fromTreasury, uint256 fromInsuranceFund, uint256 unfunded);
    event Shutdown(bytes32 indexed market, uint256 settlementPrice);
    event PositionSettled(address indexed trader, bytes32 indexed market, int256 valueTransferred);
    event ParameterChanged(bytes32 indexed market, bytes32 name, uint256 value);
    event WhitelistChanged(address indexed account);
    event PayoutCredited(address indexed to, uint256 amount);

    uint256 internal constant TOKEN_SCALE = 1e12;
    /// @notice Seconds of the exit-notional TWAP used for PnL and margin.
    uint256 public constant PNL_TWAP_INTERVAL = 15 minutes;
    uint256 internal constant DEFAULT_REMAP_PAGE_SIZE = 100;

    IVault public immutable vault;
    IInsuranceFund public immutable insuranceFund;

    Params public params;
    mapping(bytes32 => Market) internal _markets;
    bytes32[] internal _marketIds;

    mapping(address => int256) public collateral;
    mapping(address => mapping(bytes32 => Position)) internal _positions;
    /// @dev Markets in which the account has a position record, in the order they were created.
    mapping(address => bytes32[]) internal _marketsOf;
    /// @dev Accounts in the order they were created.
    address[] internal _accounts;
    mapping(address => bool) internal _hasAccount;
    /// @dev Accounts with a position record in the market, in the order the records were created:
    /// the k-migration remap visits these, so accounts that only deposited cost it nothing.
    mapping(bytes32 => address[]) internal _holders;
    mapping(bytes32 => Migration) internal _migrations;
    /// @notice Most positions one migration call (or one remapPositions call) remaps: a gas bound
    /// whatever the number of accounts.
    uint256 public remapPageSize;

    /// @notice The fees' treasury share (18 decimals, held in the vault); the budget for curve costs.
    uint256 public treasury;
    /// @notice Bad debt neither the insurance fund nor a counterparty side could absorb.
    uint256 public uncoveredBadDebt;
    /// @notice Curve-change costs neither the treasury nor the insurance fund could pay.
    uint256 public unfundedCurveCost;
    /// @notice Exempt from the holding and open-interest caps.
    address public whitelist;

    constructor(address owner_, IVault vault_, IInsuranceFund insuranceFund_, Params memory params_) Ownable(owner_) {
        vault = vault_;
        insuranceFund = insuranceFund_;
        _validateParams(params_);
        params = params_;
        remapPageSize = DEFAULT_REMAP_PAGE_SIZE;
    }

    /// @dev Parameters no market can run on: ratios above 1, maintenance not below initial margin.
    function _validateParams(Params memory p) internal pure {
        if (
            p.initMarginRatio > FixedPoint.ONE || p.maintenanceMarginRatio >= p.initMarginRatio || p.liquidationFeeRatio > FixedPoint.ONE
                || p.partialCloseRatio > FixedPoint.ONE || p.insuranceFundFeeShare > FixedPoint.ONE
        ) revert InvalidParameter();
    }
}
