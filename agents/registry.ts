/**
 * Agent populations: the scenario file's agent specs (kind, count, capital, parameters) with
 * each kind's defaults, expanded into agents with their own seeded random streams. Capital may
 * be spread log-normally over a spec's agents and parameters may be distributions each agent
 * draws from (agents/distribution.ts). The same spec and seed give the same agents in any thread.
 */
import { z } from 'zod';
import { Rng, seedFrom } from '../data/prng.ts';
import { decimalString } from '../scenarios/amount-schema.ts';
import { DEFAULT_TRANSFER, type TransferParams } from '../sim/engine/collateral-transfer.ts';
import { DEFAULT_HEDGE, type HedgeParams } from '../sim/engine/hedge-venue.ts';
import { AdaptiveManipulator, type AdaptiveManipulatorParams, DEFAULT_POLICY_DIR } from './adaptive-manipulator.ts';
import type { Agent, AgentContext } from './agent.ts';
import { Arbitrageur, type ArbitrageurParams } from './arbitrageur.ts';
import { DistributionSchema, stratifiedLogNormal } from './distribution.ts';
import { DEFAULT_EXECUTION, type ExecutionParams } from './execution.ts';
import { FundingKeeper, type KeeperParams } from './keeper.ts';
import { Holder, type HolderParams } from './holder.ts';
import { Liquidator, type LiquidatorParams } from './liquidator.ts';
import { Manipulator, type ManipulatorParams } from './manipulator.ts';
import { PlanManipulator, type PlanManipulatorParams } from './plan-manipulator.ts';
import { MeanReversionTrader, type MeanReversionTraderParams } from './mean-reversion-trader.ts';
import { MomentumTrader, type MomentumTraderParams } from './momentum-trader.ts';
import { NoiseTrader, type NoiseTraderParams } from './noise-trader.ts';
import { Searcher, type SearcherParams } from './searcher.ts';
import { Whale, type WhaleParams } from './whale.ts';

/** A whale works its order as a TWAP over two hours, never moving the mark more than 2 % from where it started. */
const WHALE_EXECUTION: ExecutionParams = { ...DEFAULT_EXECUTION, style: 'twap', duration: 7200, slices: 24, slippageLimit: 0.02, timeout: 6 * 3600 };
/** A manipulator shows 100k at a time and accepts up to 5 % slippage per order. */
const MANIPULATOR_EXECUTION: ExecutionParams = { ...DEFAULT_EXECUTION, style: 'iceberg', clip: 100_000, slippageLimit: 0.05 };

/** Signal traders are stopped out after losing half a position's margin, and stop for good after losing half their capital. */
const SIGNAL_RISK = { stopLoss: 0.5, cooldown: 3600, riskBudget: 0.5 } as const;

const DEFAULTS = {
  noise: { meanInterval: 3600, medianMargin: 2000, marginSigma: 0.8, minLeverage: 1, maxLeverage: 5, meanHolding: 6 * 3600, longBias: 0.5, latency: 0, priorityFee: 0.01 } satisfies Omit<NoiseTraderParams, 'market'>,
  momentum: { interval: 900, lookback: 4 * 3600, threshold: 0.01, margin: 5000, leverage: 3, ...SIGNAL_RISK, latency: 0, priorityFee: 0.01 } satisfies Omit<MomentumTraderParams, 'market'>,
  'mean-reversion': { interval: 900, halfLife: 6 * 3600, threshold: 0.02, margin: 5000, leverage: 3, ...SIGNAL_RISK, latency: 0, priorityFee: 0.01 } satisfies Omit<MeanReversionTraderParams, 'market'>,
  whale: { side: 'long', margin: 1_000_000, leverage: 5, openAfter: 3600, holdFor: null, execution: WHALE_EXECUTION, latency: 0, priorityFee: 0.01 } satisfies Omit<WhaleParams, 'market'>,
  // A population: each draws how often it looks, its edge, bid and inventory limit; latency is drawn per transaction.
  arbitrageur: {
    interval: { min: 12, max: 60 },
    minEdge: { min: 0.0005, max: 0.003 },
    intensity: 1,
    leverage: 5,
    latency: { median: 4, sigma: 1 },
    priorityFee: 0.01,
    bidShare: { min: 0.05, max: 0.5 },
    maxPriorityFee: 1000,
    maxInventory: { min: 1, max: 4 },
    freeInventory: 1,
    hurdleRate: 0,
    hedge: DEFAULT_HEDGE,
  } satisfies Omit<ArbitrageurParams, 'market'>,
  searcher: {
    leverage: 5,
    backrunOracle: true,
    frontrunLiquidations: true,
    sandwichLiquidations: true,
    sandwichSize: 1,
    minEdge: 0.0005,
    maxInventory: 1,
    bidShare: 0.3,
    maxPriorityFee: 5000,
    priorityFee: 0.01,
    hedge: DEFAULT_HEDGE,
    latency: 0,
  } satisfies Omit<SearcherParams, 'market'>,
  manipulator: {
    mode: 'funding',
    holdSide: 'short',
    holdMargin: 100_000,
    holdLeverage: 5,
    pushMargin: 100_000,
    pushLeverage: 5,
    pushSteps: 4,
    pushLead: 2 * 3600,
    unwindLead: 120,
    rounds: 0,
    huntBuffer: 0.02,
    huntHold: 900,
    huntAfter: 0,
    huntUntil: 0,
    execution: MANIPULATOR_EXECUTION,
    hedge: DEFAULT_HEDGE,
    latency: 0,
    priorityFee: 0.1,
  } satisfies Omit<ManipulatorParams, 'market'>,
  'plan-manipulator': {
    side: 'short',
    hold: 100_000,
    buildStart: 0,
    unwindStart: null,
    push: 0,
    pushLead: 3600,
    pushDuration: 3600,
    pushEvery: 1,
    slice: 50_000,
    interval: 300,
    bandShare: null,
    arbEdge: 0.001,
    switchThreshold: 0.0005,
    leverage: 5,
    hedge: DEFAULT_HEDGE,
    latency: 0,
    priorityFee: 0.1,
  } satisfies Omit<PlanManipulatorParams, 'market'>,
  'adaptive-manipulator': {
    policy: DEFAULT_POLICY_DIR,
    maxNotional: 100_000,
    leverage: 5,
    interval: 300,
    deadband: 0.05,
    fundingPeriod: 3600,
    hedge: DEFAULT_HEDGE,
    latency: 0,
    priorityFee: 0.1,
  } satisfies Omit<AdaptiveManipulatorParams, 'market'> & { hedge: HedgeParams },
  liquidator: {
    interval: 3600,
    maxPerWake: 5,
    backstop: false,
    latency: { median: 3, sigma: 1 },
    priorityFee: 0.01,
    // No ceiling below the reward: the share of it each bids decides the auction (5,000 gwei tied every bid on a large one).
    maxPriorityFee: Number.POSITIVE_INFINITY,
    bidShare: { min: 0.1, max: 0.6 },
    adaptive: true,
    missProbability: 0,
    privateRelay: false,
    subsidised: false,
  } satisfies LiquidatorParams,
  keeper: { delay: 0, missProbability: 0, never: false, latency: 0, priorityFee: 0.5 } satisfies Omit<KeeperParams, 'market'>,
  holder: { side: 'long', notional: 0, leverage: 1, latency: 0 } satisfies Omit<HolderParams, 'market'>,
} as const;

export type AgentKind = keyof typeof DEFAULTS;
export const AGENT_KINDS = Object.keys(DEFAULTS) as AgentKind[];

const num = z.number().finite();
const nonNeg = num.nonnegative();
const side = z.enum(['long', 'short']);
const dist = (value: z.ZodNumber) => DistributionSchema(value);
/** The hedge venue (sim/engine/hedge-venue.ts); every field optional. */
const hedge = z
  .strictObject({
    takerFee: num.min(0).max(0.1),
    halfSpread: num.min(0).max(0.1),
    impactPerMillion: num.min(0).max(1),
    fundingRate: num.min(-0.1).max(0.1),
    marginRatio: num.gt(0).max(1),
    maintenanceShare: num.min(0).max(1),
    latency: nonNeg,
    capital: nonNeg,
    /** Collateral moves between the venue and the chain (sim/engine/collateral-transfer.ts); `interval: 0` turns them off. */
    transfer: z
      .strictObject({
        interval: nonNeg,
        chainLow: num.min(0),
        chainTarget: num.min(0),
        chainHigh: num.min(0),
        venueKeep: num.min(0),
        venueLow: num.min(0),
        venueTarget: num.min(0),
        withdrawalLatency: nonNeg,
        depositLatency: nonNeg,
        withdrawalFee: nonNeg,
        minTransfer: nonNeg,
        priorityFee: nonNeg,
      })
      .partial()
      .refine((t) => (t.chainLow ?? DEFAULT_TRANSFER.chainLow) < (t.chainTarget ?? DEFAULT_TRANSFER.chainTarget) && (t.chainTarget ?? DEFAULT_TRANSFER.chainTarget) < (t.chainHigh ?? DEFAULT_TRANSFER.chainHigh), 'needs chainLow < chainTarget < chainHigh')
      .refine((t) => (t.venueLow ?? DEFAULT_TRANSFER.venueLow) < (t.venueTarget ?? DEFAULT_TRANSFER.venueTarget), 'needs venueLow < venueTarget'),
  })
  .partial();
const signalRisk = { stopLoss: num.min(0), cooldown: nonNeg, riskBudget: num.min(0).max(1) };
/** How an agent's orders are worked (agents/execution.ts); every field optional. */
const execution = z
  .strictObject({
    style: z.enum(['market', 'twap', 'iceberg']),
    duration: nonNeg.min(1),
    slices: z.number().int().min(1),
    clip: num.positive(),
    slippageLimit: num.min(0).max(1),
    timeout: nonNeg,
  })
  .partial();

/** Parameter schemas per kind: every field optional (defaults above), unknown ones refused. */
const PARAMS = {
  noise: z.strictObject({ meanInterval: nonNeg.min(1), medianMargin: nonNeg, marginSigma: nonNeg, minLeverage: num.min(1), maxLeverage: num.min(1), meanHolding: nonNeg.min(1), longBias: num.min(0).max(1), latency: nonNeg, priorityFee: nonNeg }).partial(),
  momentum: z.strictObject({ interval: nonNeg.min(1), lookback: nonNeg.min(1), threshold: nonNeg, margin: nonNeg, leverage: num.min(1), ...signalRisk, latency: nonNeg, priorityFee: nonNeg }).partial(),
  'mean-reversion': z.strictObject({ interval: nonNeg.min(1), halfLife: nonNeg.min(1), threshold: nonNeg, margin: nonNeg, leverage: num.min(1), ...signalRisk, latency: nonNeg, priorityFee: nonNeg }).partial(),
  whale: z.strictObject({ side, margin: nonNeg, leverage: num.min(1), openAfter: nonNeg, holdFor: nonNeg.nullable(), execution, latency: nonNeg, priorityFee: nonNeg }).partial(),
  arbitrageur: z
    .strictObject({
      interval: dist(nonNeg.min(1)),
      minEdge: dist(nonNeg),
      intensity: num.gt(0).max(1),
      leverage: num.min(1),
      latency: dist(nonNeg),
      priorityFee: nonNeg,
      bidShare: dist(num.min(0).max(1)),
      maxPriorityFee: nonNeg,
      maxInventory: dist(nonNeg),
      freeInventory: num.min(0).max(1),
      hurdleRate: nonNeg,
      hedge,
    })
    .partial(),
  searcher: z
    .strictObject({
      leverage: num.min(1),
      backrunOracle: z.boolean(),
      frontrunLiquidations: z.boolean(),
      sandwichLiquidations: z.boolean(),
      sandwichSize: nonNeg,
      minEdge: nonNeg,
      maxInventory: nonNeg,
      bidShare: num.min(0).max(1),
      maxPriorityFee: nonNeg,
      priorityFee: nonNeg,
      hedge,
    })
    .partial(),
  manipulator: z
    .strictObject({
      mode: z.enum(['funding', 'liquidation-hunt']),
      holdSide: side,
      holdMargin: nonNeg,
      holdLeverage: num.min(1),
      pushMargin: nonNeg,
      pushLeverage: num.min(1),
      pushSteps: z.number().int().min(1),
      pushLead: nonNeg,
      unwindLead: nonNeg,
      rounds: z.number().int().nonnegative(),
      huntBuffer: nonNeg,
      huntHold: nonNeg.min(1),
      huntAfter: nonNeg,
      huntUntil: nonNeg,
      execution,
      hedge,
      latency: nonNeg,
      priorityFee: nonNeg,
    })
    .partial(),
  'plan-manipulator': z
    .strictObject({
      side: z.enum(['short', 'long', 'follow']),
      hold: nonNeg,
      buildStart: nonNeg,
      unwindStart: nonNeg.nullable(),
      push: nonNeg,
      pushLead: nonNeg,
      pushDuration: nonNeg,
      pushEvery: z.number().int().min(1),
      slice: nonNeg.min(1),
      interval: nonNeg.min(1),
      bandShare: nonNeg.nullable(),
      arbEdge: nonNeg,
      switchThreshold: nonNeg,
      leverage: num.min(1),
      hedge,
      latency: nonNeg,
      priorityFee: nonNeg,
    })
    .partial(),
  'adaptive-manipulator': z
    .strictObject({
      policy: z.string().min(1),
      network: z.strictObject({ weights: z.array(num) }),
      maxNotional: nonNeg,
      leverage: num.min(1),
      interval: nonNeg.min(1),
      deadband: num.min(0).max(1),
      fundingPeriod: nonNeg.min(1),
      hedge,
      latency: nonNeg,
      priorityFee: nonNeg,
    })
    .partial(),
  liquidator: z
    .strictObject({
      interval: nonNeg.min(1),
      maxPerWake: z.number().int().min(1),
      backstop: z.boolean(),
      latency: dist(nonNeg),
      priorityFee: nonNeg,
      maxPriorityFee: nonNeg,
      bidShare: dist(num.min(0).max(1)),
      adaptive: z.boolean(),
      missProbability: num.min(0).max(1),
      privateRelay: z.boolean(),
      subsidised: z.boolean(),
    })
    .partial(),
  keeper: z.strictObject({ delay: nonNeg, missProbability: num.min(0).max(1), never: z.boolean(), latency: nonNeg, priorityFee: nonNeg }).partial(),
  holder: z.strictObject({ side, notional: num.positive(), leverage: num.gt(0), latency: nonNeg }).partial(),
} as const;

const amount = decimalString(6);

export const AgentSpecSchema = z
  .strictObject({
    kind: z.enum(AGENT_KINDS as [AgentKind, ...AgentKind[]]),
    /** Name prefix (default: the kind); agents are `${name}-${i}`. */
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes').optional(),
    count: z.number().int().min(1).max(10_000).default(1),
    /**
     * Collateral each agent starts with (USD, decimal string), or spread log-normally over the
     * spec's agents: `{ median, sigma }`, agent i of n at the (i − ½)/n quantile.
     */
    capital: z.union([amount, z.strictObject({ median: amount, sigma: z.number().finite().min(0).max(3) })]),
    /** Which market it trades (default: the first). */
    market: z.string().optional(),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((spec, ctx) => {
    const parsed = PARAMS[spec.kind].safeParse(spec.params);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: ['params', ...issue.path.map(String)], message: issue.message });
    }
  });

export type AgentSpec = z.output<typeof AgentSpecSchema>;

/** One agent to create: where its spec came from and who it is. */
export interface AgentSlot {
  readonly index: number;
  readonly id: string;
  readonly kind: AgentKind;
  readonly spec: AgentSpec;
  readonly market: string;
  /** Its collateral (USD, decimal string). */
  readonly capital: string;
}

export function expandAgents(specs: readonly AgentSpec[], markets: readonly string[]): AgentSlot[] {
  const slots: AgentSlot[] = [];
  const used = new Set<string>();
  for (const spec of specs) {
    const prefix = spec.name ?? spec.kind;
    for (let i = 1; i <= spec.count; i++) {
      const id = `${prefix}-${i}`;
      if (used.has(id)) throw new Error(`two agents are named ${id}: give one of the specs a distinct "name"`);
      used.add(id);
      const capital = typeof spec.capital === 'string' ? spec.capital : String(stratifiedLogNormal(Number(spec.capital.median), spec.capital.sigma, i, spec.count));
      slots.push({ index: slots.length, id, kind: spec.kind, spec, market: spec.market ?? (markets[0] as string), capital });
    }
  }
  return slots;
}

/** A kind's defaults under the spec's parameters (validated by its schema); nested groups (execution, …) merge field by field. */
function withDefaults(defaults: object, given: Record<string, unknown>, market: string): unknown {
  const out: Record<string, unknown> = { ...defaults, market };
  for (const [k, v] of Object.entries(given)) {
    const d = (defaults as Record<string, unknown>)[k];
    out[k] = isGroup(d) && isGroup(v) ? mergeGroups(d, v) : v;
  }
  return out;
}

/** A nested group's defaults under what was given, field by field at every depth (the hedge's transfer, …). */
function mergeGroups(d: Record<string, unknown>, v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...d };
  for (const [k, x] of Object.entries(v)) out[k] = isGroup(d[k]) && isGroup(x) ? mergeGroups(d[k], x) : x;
  return out;
}

const isGroup = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Kinds that hold vAMM positions for the trade or the funding, not the direction: they hedge on the CEX venue. */
const HEDGED_KINDS: ReadonlySet<AgentKind> = new Set(['arbitrageur', 'manipulator', 'plan-manipulator', 'adaptive-manipulator', 'searcher']);

/** The hedge venue parameters of a hedged agent, or null. */
export function hedgeOf(slot: AgentSlot): HedgeParams | null {
  if (!HEDGED_KINDS.has(slot.kind)) return null;
  const given = (slot.spec.params as { hedge?: Partial<Omit<HedgeParams, 'transfer'>> & { transfer?: Partial<TransferParams> } }).hedge ?? {};
  return { ...DEFAULT_HEDGE, ...given, transfer: { ...DEFAULT_TRANSFER, ...(given.transfer ?? {}) } };
}

/** Builds the agent of a slot, with its own random stream derived from the run seed and its id. */
export function createAgent(slot: AgentSlot, seed: number, markets: readonly string[], blockTime: number): Agent {
  const ctx: AgentContext = { id: slot.id, index: slot.index, rng: new Rng(seedFrom(`${seed}/${slot.id}`)), markets, blockTime };
  const params = withDefaults(DEFAULTS[slot.kind], slot.spec.params, slot.market);
  switch (slot.kind) {
    case 'noise':
      return new NoiseTrader(ctx, params as NoiseTraderParams);
    case 'momentum':
      return new MomentumTrader(ctx, params as MomentumTraderParams);
    case 'mean-reversion':
      return new MeanReversionTrader(ctx, params as MeanReversionTraderParams);
    case 'whale':
      return new Whale(ctx, params as WhaleParams);
    case 'arbitrageur':
      return new Arbitrageur(ctx, params as ArbitrageurParams);
    case 'manipulator':
      return new Manipulator(ctx, params as ManipulatorParams);
    case 'plan-manipulator':
      return new PlanManipulator(ctx, params as PlanManipulatorParams);
    case 'adaptive-manipulator':
      return new AdaptiveManipulator(ctx, params as AdaptiveManipulatorParams);
    case 'liquidator':
      return new Liquidator(ctx, params as LiquidatorParams);
    case 'searcher':
      return new Searcher(ctx, params as SearcherParams);
    case 'keeper':
      return new FundingKeeper(ctx, params as KeeperParams);
    case 'holder':
      return new Holder(ctx, params as HolderParams);
  }
}
