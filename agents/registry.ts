/**
 * Agent populations: the scenario file's agent specs (kind, count, capital, parameters) with
 * each kind's defaults, expanded into agents with their own seeded random streams. The same
 * spec and seed give the same agents in any thread.
 */
import { z } from 'zod';
import { Rng, seedFrom } from '../data/prng.ts';
import { decimalString } from '../scenarios/amount-schema.ts';
import { AdaptiveManipulator, type AdaptiveManipulatorParams, DEFAULT_POLICY_DIR } from './adaptive-manipulator.ts';
import type { Agent, AgentContext } from './agent.ts';
import { Arbitrageur, type ArbitrageurParams } from './arbitrageur.ts';
import { DEFAULT_EXECUTION, type ExecutionParams } from './execution.ts';
import { FundingKeeper, type KeeperParams } from './keeper.ts';
import { Holder, type HolderParams } from './holder.ts';
import { Liquidator, type LiquidatorParams } from './liquidator.ts';
import { Manipulator, type ManipulatorParams } from './manipulator.ts';
import { PlanManipulator, type PlanManipulatorParams } from './plan-manipulator.ts';
import { MeanReversionTrader, type MeanReversionTraderParams } from './mean-reversion-trader.ts';
import { MomentumTrader, type MomentumTraderParams } from './momentum-trader.ts';
import { NoiseTrader, type NoiseTraderParams } from './noise-trader.ts';
import { Whale, type WhaleParams } from './whale.ts';

/** A whale works its order as a TWAP over two hours, never moving the mark more than 2 % from where it started. */
const WHALE_EXECUTION: ExecutionParams = { ...DEFAULT_EXECUTION, style: 'twap', duration: 7200, slices: 24, slippageLimit: 0.02, timeout: 6 * 3600 };
/** A manipulator shows 100k at a time and accepts up to 5 % slippage per order. */
const MANIPULATOR_EXECUTION: ExecutionParams = { ...DEFAULT_EXECUTION, style: 'iceberg', clip: 100_000, slippageLimit: 0.05 };

const DEFAULTS = {
  noise: { meanInterval: 3600, medianMargin: 2000, marginSigma: 0.8, minLeverage: 1, maxLeverage: 5, meanHolding: 6 * 3600, longBias: 0.5, latency: 0, priorityFee: 0.01 } satisfies Omit<NoiseTraderParams, 'market'>,
  momentum: { interval: 900, lookback: 4 * 3600, threshold: 0.01, margin: 5000, leverage: 3, latency: 0, priorityFee: 0.01 } satisfies Omit<MomentumTraderParams, 'market'>,
  'mean-reversion': { interval: 900, halfLife: 6 * 3600, threshold: 0.02, margin: 5000, leverage: 3, latency: 0, priorityFee: 0.01 } satisfies Omit<MeanReversionTraderParams, 'market'>,
  whale: { side: 'long', margin: 1_000_000, leverage: 5, openAfter: 3600, holdFor: null, execution: WHALE_EXECUTION, latency: 0, priorityFee: 0.01 } satisfies Omit<WhaleParams, 'market'>,
  arbitrageur: { interval: 60, minEdge: 0.001, intensity: 0.5, leverage: 5, latency: 0, priorityFee: 0.05, freeInventory: 1, hurdleRate: 0 } satisfies Omit<ArbitrageurParams, 'market'>,
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
    execution: MANIPULATOR_EXECUTION,
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
    latency: 0,
    priorityFee: 0.1,
  } satisfies Omit<AdaptiveManipulatorParams, 'market'>,
  liquidator: { interval: 3600, maxPerWake: 5, backstop: false, latency: 0, priorityFee: 1, missProbability: 0 } satisfies LiquidatorParams,
  keeper: { delay: 0, missProbability: 0, never: false, latency: 0, priorityFee: 0.5 } satisfies Omit<KeeperParams, 'market'>,
  holder: { side: 'long', notional: 0, leverage: 1, latency: 0 } satisfies Omit<HolderParams, 'market'>,
} as const;

export type AgentKind = keyof typeof DEFAULTS;
export const AGENT_KINDS = Object.keys(DEFAULTS) as AgentKind[];

const num = z.number().finite();
const nonNeg = num.nonnegative();
const side = z.enum(['long', 'short']);
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
  momentum: z.strictObject({ interval: nonNeg.min(1), lookback: nonNeg.min(1), threshold: nonNeg, margin: nonNeg, leverage: num.min(1), latency: nonNeg, priorityFee: nonNeg }).partial(),
  'mean-reversion': z.strictObject({ interval: nonNeg.min(1), halfLife: nonNeg.min(1), threshold: nonNeg, margin: nonNeg, leverage: num.min(1), latency: nonNeg, priorityFee: nonNeg }).partial(),
  whale: z.strictObject({ side, margin: nonNeg, leverage: num.min(1), openAfter: nonNeg, holdFor: nonNeg.nullable(), execution, latency: nonNeg, priorityFee: nonNeg }).partial(),
  arbitrageur: z.strictObject({ interval: nonNeg.min(1), minEdge: nonNeg, intensity: num.gt(0).max(1), leverage: num.min(1), latency: nonNeg, priorityFee: nonNeg, freeInventory: num.min(0).max(1), hurdleRate: nonNeg }).partial(),
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
      execution,
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
      latency: nonNeg,
      priorityFee: nonNeg,
    })
    .partial(),
  liquidator: z.strictObject({ interval: nonNeg.min(1), maxPerWake: z.number().int().min(1), backstop: z.boolean(), latency: nonNeg, priorityFee: nonNeg, missProbability: num.min(0).max(1) }).partial(),
  keeper: z.strictObject({ delay: nonNeg, missProbability: num.min(0).max(1), never: z.boolean(), latency: nonNeg, priorityFee: nonNeg }).partial(),
  holder: z.strictObject({ side, notional: num.positive(), leverage: num.gt(0), latency: nonNeg }).partial(),
} as const;

export const AgentSpecSchema = z
  .strictObject({
    kind: z.enum(AGENT_KINDS as [AgentKind, ...AgentKind[]]),
    /** Name prefix (default: the kind); agents are `${name}-${i}`. */
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes').optional(),
    count: z.number().int().min(1).max(10_000).default(1),
    /** Collateral each agent starts with (USD, decimal string). */
    capital: decimalString(6),
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
      slots.push({ index: slots.length, id, kind: spec.kind, spec, market: spec.market ?? (markets[0] as string) });
    }
  }
  return slots;
}

/** A kind's defaults under the spec's parameters (validated by its schema); nested groups (execution, …) merge field by field. */
function withDefaults(defaults: object, given: Record<string, unknown>, market: string): unknown {
  const out: Record<string, unknown> = { ...defaults, market };
  for (const [k, v] of Object.entries(given)) {
    const d = (defaults as Record<string, unknown>)[k];
    out[k] = isGroup(d) && isGroup(v) ? { ...d, ...v } : v;
  }
  return out;
}

const isGroup = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

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
    case 'keeper':
      return new FundingKeeper(ctx, params as KeeperParams);
    case 'holder':
      return new Holder(ctx, params as HolderParams);
  }
}
