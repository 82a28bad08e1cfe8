/**
 * The scripted-scenario format: a deterministic list of timed steps (advance the clock, move
 * the oracle, call any clearing-house operation) with expectations on the state after each.
 * Money is written as human decimal strings and becomes wei exactly; expectations are the
 * integer strings the state view prints.
 */
import { z } from 'zod';
import { parseUnits } from '../sim/math/units.ts';
import { CHAINLINK_FAULTS, type ChainlinkFault } from '../sim/oracle/chainlink-feed.ts';
import { PERP_V1_RELEASES, PROFILE_NAMES } from '../sim/params.ts';

/** A human decimal ("25", "45.18072289") as 18-decimal wei; integers may be JSON numbers. */
const wei = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) {
    ctx.addIssue({ code: 'custom', message: `write ${v} as a decimal string ("${v}"): JSON numbers must be safe integers` });
    return z.NEVER;
  }
  try {
    return parseUnits(v, 18);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
const positiveWei = wei.refine((v) => v > 0n, 'must be greater than 0');
const nonNegativeWei = wei.refine((v) => v >= 0n, 'must not be negative');
const ratio = nonNegativeWei.refine((v) => v <= 10n ** 18n, 'a ratio must be between 0 and 1');
const seconds = z.number().int().nonnegative();
const name = z.string().min(1);
const side = z.enum(['long', 'short']);
const dir = z.enum(['ADD', 'REMOVE']);

export const MarketSchema = z.strictObject({
  id: name,
  quoteReserve: positiveWei,
  baseReserve: positiveWei,
  indexPrice: positiveWei.optional(),
  tradeLimitRatio: ratio.optional(),
  fluctuationLimitRatio: ratio.optional(),
  maxHoldingBaseAsset: nonNegativeWei.optional(),
  openInterestNotionalCap: nonNegativeWei.optional(),
  funding: z
    .strictObject({
      fundingPeriod: seconds.positive().optional(),
      markTwapInterval: seconds.optional(),
      indexTwapInterval: seconds.optional(),
      convergencePeriod: seconds.positive().optional(),
      fundingCapRatio: ratio.optional(),
      fundingCapWindow: seconds.positive().optional(),
    })
    .optional(),
  fees: z.strictObject({ feeRatio: ratio.optional(), tollRatio: ratio.optional(), spreadRatio: ratio.optional() }).optional(),
  oracle: z
    .strictObject({ stalenessLimit: seconds.optional(), fastMaxAge: seconds.optional(), fastMaxConfidenceRatio: ratio.optional() })
    .optional(),
});

export const ClearingHouseOverridesSchema = z.strictObject({
  initMarginRatio: ratio.optional(),
  maintenanceMarginRatio: ratio.optional(),
  liquidationFeeRatio: ratio.optional(),
  partialLiquidationRatio: ratio.optional(),
  fullLiquidationBelowNotional: nonNegativeWei.optional(),
  partialCloseRatio: ratio.optional(),
  insuranceFundFeeShare: ratio.optional(),
  restrictionMode: z.boolean().optional(),
  maxOracleSpreadRatio: nonNegativeWei.optional(),
  /** `perp-v1`: the Perp v1 release whose rules apply where releases differ. */
  release: z.enum(PERP_V1_RELEASES as [string, ...string[]]).optional(),
  /** `perp-v1`: PERP the insurance fund sells per quote token when it mints to cover a shortfall. */
  backstopExchangeRatio: positiveWei.optional(),
  /** Most positions one k-migration call remaps (a gas bound; the rest follow in remapPositions). */
  remapPageSize: z.number().int().positive().optional(),
});

const marketRef = { market: name };
const traderRef = { trader: name, market: name };

/** Each action's arguments; a step holds exactly one action key. */
export const ACTIONS = {
  advance: z.strictObject({
    seconds: seconds.optional(),
    blocks: seconds.optional(),
    /** Jump to the market's next funding time (the block stays unless `blocks` is given). */
    toNextFundingTime: name.optional(),
  }),
  setOraclePrice: z.strictObject({ ...marketRef, price: positiveWei, updatedAt: seconds.optional(), roundId: z.string().regex(/^\d+$/).optional() }),
  setIndexTwap: z.strictObject({ ...marketRef, price: nonNegativeWei }),
  /** Fault injection: the Chainlink feed reverts, answers 0 or a negative price, or (none) works again. */
  setOracleFault: z.strictObject({ ...marketRef, fault: z.enum(CHAINLINK_FAULTS as [ChainlinkFault, ...ChainlinkFault[]]) }),
  /** publishTime: when the price was published (default: now); a feed may lag the block. */
  setFastPrice: z.strictObject({ ...marketRef, price: positiveWei, confidence: nonNegativeWei, publishTime: seconds.optional() }),
  mint: z.strictObject({ to: name, amount: positiveWei }),
  /** An ERC-20 transfer of the collateral token between wallets. */
  transfer: z.strictObject({ from: name, to: name, amount: positiveWei }),
  deposit: z.strictObject({ trader: name, amount: positiveWei }),
  withdraw: z.strictObject({ trader: name, amount: positiveWei }),
  openPosition: z.strictObject({
    ...traderRef,
    side,
    margin: positiveWei,
    leverage: positiveWei,
    baseLimit: nonNegativeWei.optional(),
    isolated: z.boolean().optional(),
  }),
  closePosition: z.strictObject({ ...traderRef, quoteLimit: nonNegativeWei.optional() }),
  addMargin: z.strictObject({ ...traderRef, amount: positiveWei }),
  removeMargin: z.strictObject({ ...traderRef, amount: positiveWei }),
  liquidate: z.strictObject({ ...traderRef, liquidator: name, quoteLimit: nonNegativeWei.optional() }),
  settleFunding: z.strictObject({ ...marketRef }),
  migrateLiquidity: z.strictObject({
    ...marketRef,
    multiplier: positiveWei,
    remap: z.enum(['eager', 'lazy', 'none']).optional(),
    fluctuationLimitRatio: ratio.optional(),
    /** Page through every position (default), or stop after the first page (then remapPositions). */
    complete: z.boolean().optional(),
  }),
  /** The next page of a pending k migration (anyone may call it). */
  remapPositions: z.strictObject({ ...marketRef }),
  repeg: z.strictObject({ ...marketRef, price: positiveWei }),
  shutdown: z.strictObject({ ...marketRef }),
  settlePosition: z.strictObject({ ...traderRef }),
  setClearingHouseParams: ClearingHouseOverridesSchema,
  setMarketParams: MarketSchema.omit({ id: true, quoteReserve: true, baseReserve: true, indexPrice: true })
    .partial()
    .extend({ market: name }),
  setBackstopLiquidityProvider: z.strictObject({ account: name, enabled: z.boolean() }),
  /** The vault's ERC-4626 yield source (owner): attach it, move collateral in and out (amounts in collateral). */
  setYieldSource: z.strictObject({ maxLossRatio: ratio }),
  depositToYield: z.strictObject({ amount: positiveWei }),
  withdrawFromYield: z.strictObject({ amount: positiveWei }),
  /** Charges a loss of the yield source to the insurance fund (anyone). */
  recognizeYieldLoss: z.strictObject({}),
  /** The vault's circuit breaker, tripped by "guardian", "owner" or any account. */
  tripCircuitBreaker: z.strictObject({ by: name }),
  /** Fault injection: the yield source loses assets, or lets at most `amount` leave (null: liquid again). */
  yieldSourceLoss: z.strictObject({ amount: positiveWei }),
  setYieldSourceLiquidity: z.strictObject({ amount: nonNegativeWei.nullable() }),
  /** Fault injection: `count` accounts (dust-1, dust-2, …) each deposit `amount` (a flood of dust accounts), and with `open` each opens a long of that margin at 1x there. */
  dustAccounts: z.strictObject({ count: z.number().int().positive().max(10_000), amount: positiveWei, open: name.optional() }),
  setWhitelist: z.strictObject({ account: name.nullable() }),
  ammQuote: z.strictObject({ ...marketRef, call: z.enum(['inputPrice', 'outputPrice', 'inputTwap', 'outputTwap']), dir, amount: nonNegativeWei }),
  ammSwapInput: z.strictObject({ ...marketRef, dir, quote: positiveWei, baseLimit: nonNegativeWei.optional() }),
  ammSwapOutput: z.strictObject({ ...marketRef, dir, base: positiveWei, quoteLimit: nonNegativeWei.optional() }),
  expect: z.strictObject({}),
} as const;

/** Actions that bypass the clearing house's books; a script using them must turn invariants off. */
export const BOOK_BREAKING_ACTIONS: ReadonlySet<string> = new Set(['ammSwapInput', 'ammSwapOutput']);

export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];
export type ActionArgs<A extends ActionName> = z.output<(typeof ACTIONS)[A]>;
export type Action = { [A in ActionName]: { readonly name: A; readonly args: ActionArgs<A> } }[ActionName];

/** An expected value: the state view's JSON value at a path (integers as strings). */
export const ExpectValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type ExpectValue = z.output<typeof ExpectValueSchema>;

export const StepMetaSchema = z.strictObject({
  note: z.string().optional(),
  expect: z.record(z.string(), ExpectValueSchema).optional(),
  expectRevert: z.string().optional(),
});

export interface Step {
  readonly index: number;
  readonly action: Action;
  readonly note?: string;
  readonly expect?: Readonly<Record<string, ExpectValue>>;
  readonly expectRevert?: string;
}

export const ScriptHeaderSchema = z.strictObject({
  name: name,
  description: z.string().optional(),
  source: z.string().optional(),
  profile: z.enum(PROFILE_NAMES as [string, ...string[]]),
  clearingHouse: ClearingHouseOverridesSchema.optional(),
  clock: z
    .strictObject({ timestamp: seconds, block: seconds, secondsPerBlock: seconds.positive().optional() })
    .optional(),
  markets: z.array(MarketSchema).min(1),
  insuranceFund: nonNegativeWei.optional(),
  wallets: z.record(z.string(), positiveWei).optional(),
  backstopLiquidityProviders: z.array(name).optional(),
  invariants: z.boolean().optional(),
  steps: z.array(z.unknown()),
});

export type ScriptHeader = z.output<typeof ScriptHeaderSchema>;
export type MarketDefinition = z.output<typeof MarketSchema>;
export type ClearingHouseOverrides = z.output<typeof ClearingHouseOverridesSchema>;

export interface Script extends Omit<ScriptHeader, 'steps'> {
  readonly steps: readonly Step[];
  /** The file it was read from, for errors found while it runs. */
  readonly file?: string;
}
