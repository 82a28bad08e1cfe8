/**
 * Typed model errors. Each `reason` is the name of the custom error the Solidity contracts
 * revert with; `legacyReason` is Perpetual Protocol v1's revert string for the same check, so a
 * `perp-v1` replay can be matched against the original tests.
 */
export const REVERT_REASONS = {
  MarketNotFound: 'amm not found',
  MarketClosed: 'amm was closed',
  MarketOpen: 'amm is open',
  ZeroInput: 'input is 0',
  InvalidTokenAmount: 'invalid token amount',
  PositionSizeZero: 'positionSize is 0',
  MarginRatioNotMet: 'Margin ratio not meet criteria',
  BadDebt: 'bad debt',
  OnlyOneActionAllowed: 'only one action allowed',
  OverTradingLimit: 'over trading limit',
  LessThanMinimalBase: 'Less than minimal base token',
  MoreThanMaximalBase: 'More than maximal base token',
  LessThanMinimalQuote: 'Less than minimal quote token',
  MoreThanMaximalQuote: 'More than maximal quote token',
  PriceAlreadyOverFluctuationLimit: 'price is already over fluctuation limit',
  PriceOverFluctuationLimit: 'price is over fluctuation limit',
  QuoteReserveDepleted: 'quote asset after is 0',
  BaseReserveDepleted: 'base asset after is 0',
  SettleFundingTooEarly: 'settle funding too early',
  PositionSizeUpperBound: 'hit position size upper bound',
  OverOpenInterestLimit: 'over limit',
  MarginNotEnough: 'margin is not enough',
  FreeCollateralNotEnough: 'free collateral is not enough',
  NotBackstopLiquidityProvider: 'not backstop LP',
  ReduceUnderwaterPosition: 'reduce an underwater position',
  OpenNotionalNotPositive: 'value of openNotional <= 0',
  IllegalLiquidityMultiplier: 'illegal liquidity multiplier',
  InvalidPartialLiquidationRatio: 'invalid partial liquidation ratio',
  InsufficientBalance: 'ERC20: transfer amount exceeds balance',
  SubtractionOverflow: 'SafeMath: subtraction overflow',
  DivisionByZero: 'SafeMath: division by zero',
  UnderlyingPriceZero: 'underlying price is 0',
  OracleStale: 'oracle price is stale',
  InsufficientFeeBudget: 'fee budget cannot cover the cost',
  InvalidRepegDirection: 'repeg must move the price toward the oracle',
  InsufficientVaultBalance: 'vault balance too low',
  InvalidParameter: 'invalid parameter',
  NotSupported: 'not supported by this profile',
  LiquidityMultiplierIsOne: 'liquidity multiplier is 1',
  FundNotEnough: 'Fund not enough',
  ExchangeSwapError: 'Exchange swap error',
  MigrationPending: 'a k migration is remapping positions',
  Unauthorized: 'unauthorized',
} as const;

export type RevertReason = keyof typeof REVERT_REASONS;

/** Amounts a revert carries (e.g. the bad debt that blocked a close), 18 decimals unless named otherwise. */
export type RevertValues = Readonly<Record<string, bigint>>;

export class ModelError extends Error {
  override name = 'ModelError';
  readonly reason: RevertReason;
  readonly legacyReason: string;
  readonly detail: string;
  readonly values: RevertValues;

  constructor(reason: RevertReason, detail = '', values: RevertValues = {}) {
    // A revert is the model's control flow, as in the contracts (thousands a run, caught where
    // the transaction ends), and is reported by its reason: capturing a stack cost ~7 µs each.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail ? `${reason}: ${detail}` : reason);
    Error.stackTraceLimit = limit;
    this.reason = reason;
    this.legacyReason = REVERT_REASONS[reason];
    this.detail = detail;
    this.values = values;
  }
}

/** Throws `reason` unless `condition` holds: the model's `require`. */
export function requireThat(condition: boolean, reason: RevertReason, detail = ''): asserts condition {
  if (!condition) throw new ModelError(reason, detail);
}

/** `requireThat` for a revert that carries amounts; `values` is built only when it fails. */
export function requireWith(condition: boolean, reason: RevertReason, values: () => RevertValues): asserts condition {
  if (!condition) {
    const v = values();
    throw new ModelError(reason, Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', '), v);
  }
}

export function isModelError(e: unknown): e is ModelError {
  return e instanceof ModelError;
}
