/**
 * The scenario format of `vamm run`: the protocol profile and parameters, one market and its
 * depth (and optionally a second one cross-margined with it), the price source (a historical
 * file and window, with its oracle), the agent populations, duration, seed and outputs.
 * Validated field by field, with located errors.
 */
import { z } from 'zod';
import { AgentSpecSchema } from '../agents/registry.ts';
import { GAP_POLICIES } from '../data/gaps.ts';
import { GENERATOR_NAMES } from '../data/generators/registry.ts';
import { parseTimeArg } from '../data/time-arg.ts';
import { parseUnits } from '../sim/math/units.ts';
import { PROFILE_NAMES } from '../sim/params.ts';
import { decimalString } from './amount-schema.ts';
import { FaultEntrySchema } from './fault-schedule.ts';
import { BookSpecSchema } from './population.ts';
import { YieldSourceRunSchema } from './yield-source-run.ts';
import { ClearingHouseOverridesSchema, MarketSchema } from './script-schema.ts';

const money = decimalString(18).transform((v) => parseUnits(v, 18));
const time = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  const t = typeof v === 'number' ? v : parseTimeArg(v);
  if (t === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not unix seconds or an ISO date (UTC)` });
    return z.NEVER;
  }
  return t;
});

/** Historical candles. */
/**
 * Seconds between fast-feed ticks inside a candle: its four points joined by straight lines
 * (price-timeline.ts). Unset: the four points alone, each wick one jump.
 */
const tickInterval = z.number().int().positive().optional();

export const HistoricalPricesSchema = z.strictObject({
  /** Candles: a path, a path in the data folder, or a unique file-name prefix. */
  file: z.string().min(1),
  from: time.optional(),
  to: time.optional(),
  gapPolicy: z.enum(GAP_POLICIES),
  /**
   * Chainlink rounds: synthesised from the candles with the mainnet feed's rules, or with other
   * rules and outages (the feed publishing nothing from `from` to `to`), or a round file.
   */
  oracle: z
    .union([
      z.literal('synthesised'),
      z.strictObject({
        synthesised: z.strictObject({
          /** Seconds from a trigger to the round landing. */
          latency: z.number().int().nonnegative().default(12),
          heartbeat: z.number().int().positive().default(3600),
          /** Deviation threshold (0.005 = 0.5 %). */
          deviation: z.number().gt(0).lt(1).default(0.005),
          outages: z.array(z.strictObject({ from: time, to: time })).default([]),
        }),
      }),
      z.strictObject({ rounds: z.string().min(1) }),
    ])
    .default('synthesised'),
  /** Feed a fast (Pyth-style) price from the candles. */
  fastFeed: z.boolean().default(true),
  tickInterval,
});

const startPrice = z.string().regex(/^\d+(\.\d{1,8})?$/, 'a price with at most 8 decimals, as a string');

/** A refined hour whose range is under this is merged back into one candle (`adaptive`'s default `calmRange`). */
export const DEFAULT_CALM_RANGE = 0.015;

/** A path drawn from a price generator fitted to a stretch of history (Monte Carlo). */
export const GeneratedPricesSchema = z.strictObject({
  generator: z.enum(GENERATOR_NAMES),
  /** The history it is fitted to. */
  history: z.strictObject({ file: z.string().min(1), from: time, to: time }),
  /** Which path: path i of seed s is the same in any run, thread or shard. */
  path: z.number().int().nonnegative(),
  /**
   * The seed the path is drawn under (default: the run's seed). Set apart, one path runs under
   * many agents' seeds: how much of an outcome is the path and how much the agents' draws.
   */
  seed: z.number().int().nonnegative().optional(),
  /** Seconds the path lasts. */
  horizon: z.number().int().positive(),
  startPrice,
  startTime: time,
  fastFeed: z.boolean().default(true),
  tickInterval,
  /**
   * Inside each generated bar (hourly generators): `none`, the bar is open → close with no wick;
   * `5m`, a real hour's 5-minute shape bent onto the bar (data/intrabar.ts); `adaptive`, the same
   * but calm hours (refined range under `calmRange`) merged back into one candle.
   */
  intrabar: z.enum(['none', '5m', 'adaptive']).default('none'),
  calmRange: z.number().gt(0).lt(1).default(DEFAULT_CALM_RANGE),
});

/** A historical window rescaled to start at another price (crash replay). */
export const ReplayPricesSchema = z.strictObject({
  replay: z.string().min(1),
  gapPolicy: z.enum(GAP_POLICIES),
  startPrice,
  fastFeed: z.boolean().default(true),
  tickInterval,
  /** Keep each candle's high and low (rescaled); false replays closes only, with no wicks. */
  wicks: z.boolean().default(true),
  /** Aggregate the window to this many seconds per candle first (a multiple of its own). */
  resolution: z.number().int().positive().optional(),
  /** Stress: every log move from the window's open multiplied by this (1.5: the crash half as deep again). */
  scale: z.number().gt(0).default(1),
  /** Only the window's candles opening in [from, to). */
  from: time.optional(),
  to: time.optional(),
  /** Seconds a synthesised oracle round lands after its trigger (stress: a slow oracle). */
  oracleLatency: z.number().int().nonnegative().default(12),
});

type Prices = z.output<typeof HistoricalPricesSchema> | z.output<typeof GeneratedPricesSchema> | z.output<typeof ReplayPricesSchema>;

/** The price source, told apart by its key (`generator`, `replay`, else a file), so errors name the real field. */
export const PricesSchema = z.unknown().transform((value, ctx): Prices => {
  const v = (value ?? {}) as Record<string, unknown>;
  const schema = 'generator' in v ? GeneratedPricesSchema : 'replay' in v ? ReplayPricesSchema : HistoricalPricesSchema;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path as Array<string | number>, message: issue.message });
    return z.NEVER;
  }
  return parsed.data;
});

export type HistoricalPrices = z.output<typeof HistoricalPricesSchema>;
export type GeneratedPrices = z.output<typeof GeneratedPricesSchema>;
export type ReplayPrices = z.output<typeof ReplayPricesSchema>;

/**
 * A second market that shares the first one's cross-margin accounts (contagion): its price is drawn
 * from the first market's path with a co-movement fitted on real data (data/correlated-path.ts,
 * data/fits/), and every account of the stated book also holds `book.share` of its notional here,
 * on the same side or the opposite one, so a loss in either market can liquidate positions in both.
 */
export const SecondMarketSchema = MarketSchema.omit({ quoteReserve: true, baseReserve: true, indexPrice: true }).extend({
  /** The vAMM's quote reserve in USD: its depth. */
  depth: decimalString(18, { positive: 'a vAMM with no depth has no price' }).transform((v) => parseUnits(v, 18)),
  startPrice,
  /** A fit shipped in data/fits/ by name, or a path to one. */
  fit: z.string().min(1).default('btc-usd-eth-usd'),
  /** Each stated account's position here, as a share of its first-market notional; `opposite` makes pair trades. */
  book: z.strictObject({ share: z.number().gt(0).max(10), side: z.enum(['same', 'opposite']).default('same') }).optional(),
  /** This market's own agents (arbitrageurs, traders): each is bound to it. */
  agents: z.array(AgentSpecSchema).default([]),
  fastFeed: z.boolean().default(true),
});

export type SecondMarket = z.output<typeof SecondMarketSchema>;

const seconds = z.number().int().nonnegative();
const agentsPattern = z.string().min(1);

/** A fault the scenario schedules; times are unix seconds or ISO dates (UTC). */
export const ScenarioEventSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sequencer-down'), from: time, to: time, grace: seconds.default(0) }),
  z.strictObject({ kind: z.literal('agent-outage'), agents: agentsPattern, from: time, to: time }),
  z.strictObject({
    kind: z.literal('crash-outage'),
    agents: agentsPattern,
    /** The fall from the trailing high that counts as a crash (0.1 = 10 %), within `window` seconds. */
    fall: z.number().gt(0).lt(1),
    window: z.number().int().positive(),
    probability: z.number().min(0).max(1),
    duration: z.number().int().positive(),
  }),
  z.strictObject({ kind: z.literal('oracle-delay'), feed: z.enum(['fast', 'chainlink', 'both']), from: time, to: time, seconds: z.number().int().positive() }),
  z.strictObject({ kind: z.literal('fast-feed-manipulation'), from: time, to: time, deviation: z.number().gt(-1).lt(1) }),
]);

export const RunScenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  description: z.string().optional(),
  profile: z.enum(PROFILE_NAMES as [string, ...string[]]),
  clearingHouse: ClearingHouseOverridesSchema.optional(),
  seed: z.number().int().nonnegative().default(1),
  blockTime: z.number().int().positive().default(12),
  startBlock: z.number().int().nonnegative().default(10_000_000),
  market: MarketSchema.omit({ quoteReserve: true, baseReserve: true, indexPrice: true }).extend({
    /** The vAMM's quote reserve in USD: its depth. */
    depth: decimalString(18, { positive: 'a vAMM with no depth has no price' }).transform((v) => parseUnits(v, 18)),
  }),
  prices: PricesSchema,
  secondMarket: SecondMarketSchema.optional(),
  insuranceFund: money.default(0n),
  agents: z.array(AgentSpecSchema).min(1),
  /** A stated book (scenarios/population.ts): its accounts join the agents as holders, opened before the start. */
  population: BookSpecSchema.optional(),
  /** k changes the owner makes during the run (liquidity migrations), each with its remap. */
  migrations: z
    .array(
      z.strictObject({
        at: time,
        /** Both reserves are multiplied by this (the price stays; k by its square). */
        multiplier: z.string().regex(/^\d+(\.\d{1,18})?$/, 'a positive decimal, as a string'),
        remap: z.enum(['eager', 'lazy', 'none']),
        /** Perp v1's sandwich guard: the price must be within this ratio of the last block's (0: off). */
        fluctuationLimitRatio: z.string().regex(/^\d+(\.\d{1,18})?$/).default('0'),
      }),
    )
    .default([]),
  /** Faults injected at given times (scenarios/fault-schedule.ts): script fault and owner actions. */
  // Optional, not defaulted: a run without faults logs its config exactly as before.
  faults: z.array(FaultEntrySchema).optional(),
  /** The vault's yield source: a share of its collateral put to work, a loss, the guardian's breaker (scenarios/yield-source-run.ts). */
  yieldSource: YieldSourceRunSchema.optional(),
  invariants: z.enum(['off', 'block', 'action']).default('block'),
  /** Seconds between state snapshots in the log. */
  snapshotInterval: z.number().int().positive().default(3600),
  /** The gas market (sim/engine/gas-process.ts): an L1 whose base fee rises with volatility, or an L2. */
  gas: z
    .strictObject({
      profile: z.enum(['l1', 'l2']),
      /** l1: the era's level (default: the median daily gas of the 30 days before the run, from ../shared/data/gas); l2: the base fee (default 0.05). */
      baseFeeGwei: z.number().nonnegative(),
      volatilityElasticity: z.number().nonnegative(),
      /** l1: the calm daily volatility (default: the median day of the 30 before the run, from the hourly candles). */
      calmVolatility: z.number().positive(),
      volatilityWindow: z.number().int().positive(),
      noise: z.number().nonnegative(),
      noiseMemory: z.number().positive(),
      l1DataGas: z.number().nonnegative(),
      l1BaseFeeGwei: z.number().nonnegative(),
      ordering: z.enum(['priority-fee', 'first-come']),
    })
    .partial()
    .default({}),
  /** Faults to inject (sim/engine/scenario-events.ts). */
  events: z.array(ScenarioEventSchema).default([]),
});

export type RunScenario = z.output<typeof RunScenarioSchema>;
