/**
 * Events the model emits, one per state change the contracts log. They carry 18-decimal
 * amounts (token-unit amounts say so in their name) and the block they happened in.
 */
export type Side = 'long' | 'short';

interface Stamp {
  readonly blockNumber: number;
  readonly timestamp: number;
}

export type ProtocolEvent = Stamp &
  (
    | {
        readonly type: 'PositionChanged';
        readonly trader: string;
        readonly market: string;
        readonly margin: bigint;
        readonly positionNotional: bigint;
        readonly exchangedPositionSize: bigint;
        readonly fee: bigint;
        readonly positionSizeAfter: bigint;
        readonly realizedPnl: bigint;
        readonly unrealizedPnlAfter: bigint;
        readonly badDebt: bigint;
        readonly liquidationPenalty: bigint;
        readonly spotPrice: bigint;
        readonly fundingPayment: bigint;
      }
    | {
        readonly type: 'PositionLiquidated';
        readonly trader: string;
        readonly market: string;
        readonly positionNotional: bigint;
        readonly positionSize: bigint;
        readonly liquidationFee: bigint;
        readonly liquidator: string;
        readonly badDebt: bigint;
        readonly partial: boolean;
      }
    | { readonly type: 'MarginChanged'; readonly trader: string; readonly market: string; readonly amount: bigint; readonly fundingPayment: bigint }
    | { readonly type: 'Deposited' | 'Withdrawn'; readonly trader: string; readonly amount: bigint }
    | {
        readonly type: 'FundingSettled';
        readonly market: string;
        readonly markTwap: bigint;
        readonly indexTwap: bigint;
        readonly premiumFraction: bigint;
        readonly uncappedPremiumFraction: bigint;
        /** The cap's bound on |premiumFraction| at this settlement (0 when uncapped): reports draw the rate against it. */
        readonly premiumFractionCap: bigint;
        readonly fundingRate: bigint;
        readonly cumulativePremiumFraction: bigint;
        /** premiumFraction·totalPositionSize: + the traders paid the AMM side (to the insurance fund). */
        readonly ammFundingProfit: bigint;
      }
    | {
        readonly type: 'InsuranceFundFlow';
        readonly reason: 'fee' | 'penalty' | 'funding' | 'bad-debt' | 'curve-cost' | 'prepaid-bad-debt' | 'seed' | 'yield-loss';
        /** + into the fund, − out of it. */
        readonly amount: bigint;
        readonly balanceAfter: bigint;
      }
    | {
        readonly type: 'BadDebt';
        readonly trader: string;
        readonly market: string;
        readonly amount: bigint;
        readonly coveredByInsuranceFund: bigint;
        readonly socialised: bigint;
        readonly uncovered: bigint;
      }
    | { readonly type: 'SocialisedLoss'; readonly market: string; readonly side: Side; readonly amount: bigint; readonly indexDelta: bigint; readonly cause: 'bad-debt' | 'funding' }
    /** The fund minted backstop tokens and sold them: `amount` the quote it received (18 decimals). */
    | { readonly type: 'BackstopDilution'; readonly amount: bigint; readonly backstopTokensMinted: bigint }
    | { readonly type: 'RestrictionModeEntered'; readonly market: string }
    | {
        readonly type: 'LiquidityMigrated';
        readonly market: string;
        readonly multiplier: bigint;
        readonly remap: 'eager' | 'lazy' | 'none';
        readonly quoteReserve: bigint;
        readonly baseReserve: bigint;
        readonly cost: bigint;
      }
    | { readonly type: 'PositionAdjusted'; readonly trader: string; readonly market: string; readonly oldSize: bigint; readonly newSize: bigint; readonly oldIndex: number; readonly newIndex: number }
    | { readonly type: 'Repegged'; readonly market: string; readonly oldQuoteReserve: bigint; readonly newQuoteReserve: bigint; readonly cost: bigint }
    | { readonly type: 'CurveCostCharged'; readonly market: string; readonly cost: bigint; readonly fromTreasury: bigint; readonly fromInsuranceFund: bigint; readonly unfunded: bigint }
    | { readonly type: 'Shutdown'; readonly market: string; readonly settlementPrice: bigint }
    | { readonly type: 'PositionSettled'; readonly trader: string; readonly market: string; readonly valueTransferred: bigint }
    | { readonly type: 'ParameterChanged'; readonly market: string | null; readonly name: string; readonly value: string }
    | { readonly type: 'WhitelistChanged'; readonly account: string | null }
    /** A liquidator's fee the vault could not pay out now (an illiquid yield source): credited to its collateral. */
    | { readonly type: 'PayoutCredited'; readonly to: string; readonly amount: bigint }
    | { readonly type: 'YieldDeposited'; readonly units: bigint; readonly shares: bigint }
    | { readonly type: 'YieldWithdrawn'; readonly units: bigint }
    /** `principal`: the book value left in the source after the redemption (units). */
    | { readonly type: 'CircuitBreakerTripped'; readonly by: string; readonly unitsRecovered: bigint; readonly principal: bigint }
    /** A yield-source loss (18 decimals): what the insurance fund paid, and the shortfall on record. */
    | { readonly type: 'YieldLossRecognised'; readonly loss: bigint; readonly coveredByInsuranceFund: bigint; readonly shortfall: bigint }
    | { readonly type: 'OracleRound'; readonly market: string; readonly roundId: bigint; readonly answer: bigint; readonly updatedAt: number }
  );

export type EventType = ProtocolEvent['type'];
export type EventOf<T extends EventType> = Extract<ProtocolEvent, { type: T }>;

/** Every event type, checked complete by the compiler (expectation paths name them). */
const EVENT_TYPE_SET: Record<EventType, true> = {
  PositionChanged: true,
  PositionLiquidated: true,
  MarginChanged: true,
  Deposited: true,
  Withdrawn: true,
  FundingSettled: true,
  InsuranceFundFlow: true,
  BadDebt: true,
  SocialisedLoss: true,
  BackstopDilution: true,
  RestrictionModeEntered: true,
  LiquidityMigrated: true,
  PositionAdjusted: true,
  Repegged: true,
  CurveCostCharged: true,
  Shutdown: true,
  PositionSettled: true,
  ParameterChanged: true,
  OracleRound: true,
  WhitelistChanged: true,
  PayoutCredited: true,
  YieldDeposited: true,
  YieldWithdrawn: true,
  CircuitBreakerTripped: true,
  YieldLossRecognised: true,
};
export const EVENT_TYPES = Object.keys(EVENT_TYPE_SET) as EventType[];
