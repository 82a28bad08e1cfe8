/**
 * Protocol parameters and the two profiles. Mechanisms that differ between the project's own
 * design (`default`) and Perpetual Protocol v1 (`perp-v1`) are fields here, read by the
 * clearing house at the few points where the designs part ways.
 */
import { ModelError } from './errors.ts';
import { ONE } from './math/fixed.ts';
import { toWei } from './math/units.ts';
import type { BandCheck } from './vamm.ts';

export type ProfileName = 'default' | 'perp-v1';

/**
 * The Perp v1 release whose rules `perp-v1` follows where releases differ: `head` (the last
 * deployed contracts, the profile's default) or `2.2.0` (the npm release whose bytecode the
 * twin replays on). docs/PERP_V1.md lists each rule and the release it follows.
 */
export type PerpV1Release = 'head' | '2.2.0';
export const PERP_V1_RELEASES: readonly PerpV1Release[] = ['head', '2.2.0'];
export const PROFILE_NAMES: readonly ProfileName[] = ['default', 'perp-v1'];

/** How a liquidation that does not close the whole position is sized. */
export type LiquidationSizing =
  /** Perp v1: a fixed share of the position (0 = full liquidation only). */
  | { readonly kind: 'fixed-ratio'; readonly partialLiquidationRatio: bigint }
  /** default: the smallest close that restores the maintenance ratio, solved on the curve. */
  | { readonly kind: 'minimal'; readonly fullLiquidationBelowNotional: bigint };

export interface ClearingHouseParams {
  readonly profile: ProfileName;
  /** `perp-v1`: which release's rules apply where Perp v1's releases differ. */
  readonly release: PerpV1Release;
  /** `cross`: one collateral balance backs an account's positions (isolated ones opt in). */
  readonly marginMode: 'cross' | 'isolated';
  /** Where trading fees are taken from. */
  readonly feeSource: 'collateral' | 'wallet';
  readonly initMarginRatio: bigint;
  readonly maintenanceMarginRatio: bigint;
  /** Liquidation penalty as a share of the liquidated notional (half to the liquidator). */
  readonly liquidationFeeRatio: bigint;
  readonly liquidation: LiquidationSizing;
  /**
   * `default`: share of a close that goes through when a full close would break the
   * fluctuation limit (`perp-v1` uses its partial liquidation ratio there, as Perp v1 does).
   */
  readonly partialCloseRatio: bigint;
  /** Share of trading fees credited to the insurance fund (rest to the treasury); `default`. */
  readonly insuranceFundFeeShare: bigint;
  /** `socialise`: IF, then counterparty side pro rata to open notional; `backstop`: Perp v1. */
  readonly badDebt: 'socialise' | 'backstop';
  /** Same-block restriction after a liquidation (Perp v1 issue #1471). */
  readonly restrictionMode: boolean;
  /** |spot − oracle| / oracle at which the oracle-based margin ratio protects the trader. */
  readonly maxOracleSpreadRatio: bigint;
  /** Where the insurance fund's money is: its own wallet (Perp v1) or an account in the vault. */
  readonly insuranceFundCustody: 'wallet' | 'vault';
  /**
   * `perp-v1` (wallet custody): backstop tokens (PERP) the fund sells per quote token it buys
   * when it mints to cover a shortfall, the fixed ratio of Perp v1's exchange test double.
   */
  readonly backstopExchangeRatio: bigint;
  /** Decimals of the index feed's answers: a Chainlink aggregator's 8, or Perp v1's L2PriceFeed's 18. */
  readonly indexFeedDecimals: number;
  /** `perp-v1`: average exit price from the last liquidity snapshot; `default`: exit value of the net position. */
  readonly settlementPrice: 'perp-v1' | 'exit-value';
  /**
   * A TWAP whose whole window was observed at the current timestamp (blocks sharing a
   * timestamp): Perp v1 reverts (division by zero); `default` takes the latest value.
   */
  readonly twapEmptyPeriod: 'revert' | 'latest';
  /**
   * The 15-minute TWAP valuation of a position: Perp v1's `walk` averages the exit notional
   * over every block's reserves in the window (one curve evaluation per traded block, on every
   * margin check); `twap-reserves` exits on the curve of the window's time-weighted reserves,
   * read from their accumulators in O(log n). Both value a position on the curve as it was, so
   * a trade is never valued on the depth it just created.
   */
  readonly exitTwap: 'walk' | 'twap-reserves';
  /**
   * How a liquidation treats this block's fluctuation band: `unchecked` (`default`: a close over
   * the band must not block liquidations for the rest of the block) or overshoot it `once`, from
   * inside it (Perp v1: after a close over the band, liquidations revert until the next block).
   */
  readonly liquidationBand: Exclude<BandCheck, 'within'>;
  /**
   * Which oracle price may protect a trader in the liquidation check (the oracle-based ratio when
   * the mark strays): `usable` only (`default`: a fresh fast price, else a fresh, positive
   * Chainlink answer; with neither the check values at the mark, and a failing feed cannot block
   * it), or the `latest` answer however old (Perp v1, which reverts when the feed does).
   */
  readonly liquidationOracle: 'usable' | 'latest';
  /** Most positions one k-migration call remaps (the rest follow in `remapPositions` calls). */
  readonly remapPageSize: number;
}

export interface FundingParams {
  /** Seconds between settlements. */
  readonly fundingPeriod: number;
  /** Window of the mark TWAP. */
  readonly markTwapInterval: number;
  /** Window of the index TWAP. */
  readonly indexTwapInterval: number;
  /** The premium converges over this many seconds: fraction = premium·period/convergence. */
  readonly convergencePeriod: number;
  /** Max |premium fraction| as a share of the index per `capWindow`; 0 = uncapped. */
  readonly fundingCapRatio: bigint;
  readonly fundingCapWindow: number;
}

export interface FeeParams {
  /** `default`: fee on exchanged notional, split IF/treasury by insuranceFundFeeShare. */
  readonly feeRatio: bigint;
  /** `perp-v1`: toll to the fee pool, spread to the insurance fund. */
  readonly tollRatio: bigint;
  readonly spreadRatio: bigint;
}

export interface OracleLimits {
  readonly stalenessLimit: number;
  readonly fastMaxAge: number;
  readonly fastMaxConfidenceRatio: bigint;
}

export interface MarketParams {
  readonly tradeLimitRatio: bigint;
  readonly fluctuationLimitRatio: bigint;
  readonly maxHoldingBaseAsset: bigint;
  readonly openInterestNotionalCap: bigint;
  readonly funding: FundingParams;
  readonly fees: FeeParams;
  readonly oracle: OracleLimits;
}

export interface Profile {
  readonly clearingHouse: ClearingHouseParams;
  readonly market: MarketParams;
}

const w = toWei;

export const DEFAULT_PROFILE: Profile = {
  clearingHouse: {
    profile: 'default',
    release: 'head',
    marginMode: 'cross',
    feeSource: 'collateral',
    initMarginRatio: w('0.1'),
    maintenanceMarginRatio: w('0.0625'),
    liquidationFeeRatio: w('0.025'),
    liquidation: { kind: 'minimal', fullLiquidationBelowNotional: w('500') },
    partialCloseRatio: w('0.25'),
    insuranceFundFeeShare: w('0.2'),
    badDebt: 'socialise',
    restrictionMode: true,
    maxOracleSpreadRatio: w('0.1'),
    insuranceFundCustody: 'vault',
    backstopExchangeRatio: w('1'),
    indexFeedDecimals: 8,
    settlementPrice: 'exit-value',
    twapEmptyPeriod: 'latest',
    exitTwap: 'twap-reserves',
    liquidationBand: 'unchecked',
    liquidationOracle: 'usable',
    remapPageSize: 100,
  },
  market: {
    tradeLimitRatio: w('0.9'),
    fluctuationLimitRatio: 0n,
    maxHoldingBaseAsset: 0n,
    openInterestNotionalCap: 0n,
    funding: {
      fundingPeriod: 3600,
      markTwapInterval: 8 * 3600,
      indexTwapInterval: 8 * 3600,
      convergencePeriod: 8 * 3600,
      fundingCapRatio: w('0.001'),
      fundingCapWindow: 8 * 3600,
    },
    fees: { feeRatio: w('0.001'), tollRatio: 0n, spreadRatio: 0n },
    oracle: { stalenessLimit: 3600 + 300, fastMaxAge: 60, fastMaxConfidenceRatio: w('0.01') },
  },
};

/** Perp v1 as deployed (publish/contract/DeployConfig.ts, docs.perp.fi), hourly funding over 1 day. */
export const PERP_V1_PROFILE: Profile = {
  clearingHouse: {
    profile: 'perp-v1',
    release: 'head',
    marginMode: 'isolated',
    feeSource: 'wallet',
    initMarginRatio: w('0.1'),
    maintenanceMarginRatio: w('0.0625'),
    liquidationFeeRatio: w('0.025'),
    liquidation: { kind: 'fixed-ratio', partialLiquidationRatio: w('0.25') },
    partialCloseRatio: w('0.25'),
    insuranceFundFeeShare: 0n,
    badDebt: 'backstop',
    restrictionMode: true,
    maxOracleSpreadRatio: w('0.1'),
    insuranceFundCustody: 'wallet',
    backstopExchangeRatio: w('1'),
    indexFeedDecimals: 18,
    settlementPrice: 'perp-v1',
    twapEmptyPeriod: 'revert',
    exitTwap: 'walk',
    liquidationBand: 'once',
    liquidationOracle: 'latest',
    remapPageSize: 100,
  },
  market: {
    tradeLimitRatio: w('0.9'),
    fluctuationLimitRatio: w('0.012'),
    maxHoldingBaseAsset: 0n,
    openInterestNotionalCap: 0n,
    funding: {
      fundingPeriod: 3600,
      markTwapInterval: 3600,
      indexTwapInterval: 3600,
      convergencePeriod: 86400,
      fundingCapRatio: 0n,
      fundingCapWindow: 86400,
    },
    fees: { feeRatio: 0n, tollRatio: 0n, spreadRatio: w('0.001') },
    oracle: { stalenessLimit: 0, fastMaxAge: 60, fastMaxConfidenceRatio: w('0.01') },
  },
};

export function profileByName(name: ProfileName): Profile {
  return name === 'default' ? DEFAULT_PROFILE : PERP_V1_PROFILE;
}

/**
 * What turns a run's OracleRound answer into wei: rounds carry the index feed's own decimals
 * (a Chainlink aggregator's 8 under `default`, Perp v1's L2PriceFeed's 18 under `perp-v1`).
 */
export function indexAnswerScale(profile: string): bigint {
  const decimals = (profile === 'perp-v1' ? PERP_V1_PROFILE : DEFAULT_PROFILE).clearingHouse.indexFeedDecimals;
  return 10n ** BigInt(18 - decimals);
}

/**
 * A clearing house's own copy of its parameters, built by one literal: a spread
 * (`{ ...params }`) takes a hidden class that depends on the source's and on whether the
 * constructor runs optimised, so a worker's 9th or 11th run met another class and threw every
 * optimised reader of `params` back to the interpreter (docs/PERFORMANCE.md: the batch's late
 * deoptimisations, twelfth session).
 */
export function ownClearingHouseParams(p: ClearingHouseParams): ClearingHouseParams {
  return {
    profile: p.profile,
    release: p.release,
    marginMode: p.marginMode,
    feeSource: p.feeSource,
    initMarginRatio: p.initMarginRatio,
    maintenanceMarginRatio: p.maintenanceMarginRatio,
    liquidationFeeRatio: p.liquidationFeeRatio,
    liquidation: p.liquidation,
    partialCloseRatio: p.partialCloseRatio,
    insuranceFundFeeShare: p.insuranceFundFeeShare,
    badDebt: p.badDebt,
    restrictionMode: p.restrictionMode,
    maxOracleSpreadRatio: p.maxOracleSpreadRatio,
    insuranceFundCustody: p.insuranceFundCustody,
    backstopExchangeRatio: p.backstopExchangeRatio,
    indexFeedDecimals: p.indexFeedDecimals,
    settlementPrice: p.settlementPrice,
    twapEmptyPeriod: p.twapEmptyPeriod,
    exitTwap: p.exitTwap,
    liquidationBand: p.liquidationBand,
    liquidationOracle: p.liquidationOracle,
    remapPageSize: p.remapPageSize,
  };
}

/**
 * Refuses clearing-house parameters no market can run on (the contracts' setters check the same):
 * ratios above 1, and a maintenance margin that is not below the initial margin.
 */
export function validateClearingHouseParams(p: ClearingHouseParams): void {
  const bad = (why: string) => {
    throw new ModelError('InvalidParameter', why);
  };
  if (p.initMarginRatio > ONE) bad('initMarginRatio must be at most 1');
  if (p.maintenanceMarginRatio >= p.initMarginRatio) bad('maintenanceMarginRatio must be below initMarginRatio');
  if (p.liquidationFeeRatio > ONE) bad('liquidationFeeRatio must be at most 1');
  if (p.partialCloseRatio > ONE) bad('partialCloseRatio must be at most 1');
  if (p.insuranceFundFeeShare > ONE) bad('insuranceFundFeeShare must be at most 1');
  if (!Number.isSafeInteger(p.remapPageSize) || p.remapPageSize < 1) bad('remapPageSize must be a positive integer');
}

/** Refuses market parameters that brick a market: a zero funding window, ratios above 1. */
export function validateMarketParams(p: MarketParams): void {
  const bad = (why: string) => {
    throw new ModelError('InvalidParameter', why);
  };
  if (p.tradeLimitRatio <= 0n || p.tradeLimitRatio > ONE) bad('tradeLimitRatio in (0, 1]');
  if (p.fluctuationLimitRatio > ONE) bad('fluctuationLimitRatio must be at most 1');
  const f = p.funding;
  if (f.fundingPeriod <= 0 || f.convergencePeriod <= 0 || f.fundingCapWindow <= 0) bad('funding periods must be positive');
  if (f.fundingCapRatio > ONE) bad('fundingCapRatio must be at most 1');
  if (p.fees.feeRatio > ONE || p.fees.tollRatio > ONE || p.fees.spreadRatio > ONE) bad('fee ratios must be at most 1');
}
