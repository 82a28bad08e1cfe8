/**
 * The agents as a market: a population of arbitrageurs that never trades at a negative edge and
 * rarely crowds one side of a block; capital spread over a population; liquidators that check
 * gas against the reward and bid for it, the highest bid winning; a searcher whose bundle
 * sandwiches a liquidation in one block; signal traders that stop out and stop for good.
 */
import { describe, expect, it } from 'vitest';
import type { AgentContext } from '../agents/agent.ts';
import { Liquidator, type LiquidatorParams } from '../agents/liquidator.ts';
import { MomentumTrader } from '../agents/momentum-trader.ts';
import { AgentSpecSchema, createAgent, expandAgents } from '../agents/registry.ts';
import { ArbitrageQualitySink } from '../calibration/arbitrage-quality.ts';
import { Rng } from '../data/prng.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { MemorySink } from '../sim/engine/event-log.ts';
import { FloatTwap } from '../sim/engine/float-twap.ts';
import { Observation, observationLength } from '../sim/engine/observation.ts';
import { writeObservation } from '../sim/engine/observe.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { makeWorld, w } from './helpers/world.ts';

const crashDay = (agents: object[], extra: object = {}) =>
  parseRunScenario(
    JSON.stringify({
      name: 'market',
      profile: 'default',
      seed: 5,
      market: { id: 'ETH', depth: '2000000' },
      prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12T06:00', to: '2020-03-12T14:00' },
      insuranceFund: '200000',
      agents,
      gas: { profile: 'l1' },
      ...extra,
    }),
  );

describe('arbitrageurs as a population', () => {
  it('never trade at a negative edge against the reference, and rarely pile onto one side of a block', async () => {
    const sink = new MemorySink();
    const quality = new ArbitrageQualitySink();
    await runSimulation(
      await resolveRun(
        crashDay([
          { kind: 'noise', count: 20, capital: '20000', params: { meanInterval: 900, medianMargin: 8000, maxLeverage: 5 } },
          { kind: 'whale', count: 1, capital: '500000', params: { margin: 200000, leverage: 3, openAfter: 3600 } },
          { kind: 'arbitrageur', count: 5, capital: { median: '300000', sigma: 0.8 } },
          { kind: 'keeper', count: 1, capital: '100' },
        ]),
      ),
      { sinks: [sink, quality] },
    );
    const q = quality.result();
    expect(q.trades).toBeGreaterThan(50);
    expect(q.negativeEdgeShare).toBeLessThan(0.1);
    expect(q.sameSideShare).toBeLessThan(0.5);
    // Later arbitrageurs in a block are sized on what the earlier ones left: some are cut to nothing.
    const refused = sink.events.filter((e) => e.type === 'AgentAction' && e.kind === 'arbitrageur' && (e.reason === 'PriceLimit' || e.reason === 'BelowMinProfit'));
    expect(refused.length).toBeGreaterThan(0);
    // Every fill is hedged.
    const fills = sink.events.filter((e) => e.type === 'PositionChanged' && (e.trader as string).startsWith('arbitrageur')).length;
    expect(sink.events.filter((e) => e.type === 'HedgeFill').length).toBe(fills);
  }, 120_000);

  it('spreads capital over a spec log-normally at stratified quantiles', () => {
    const spec = AgentSpecSchema.parse({ kind: 'arbitrageur', count: 5, capital: { median: '100000', sigma: 1 } });
    const capitals = expandAgents([spec], ['ETH']).map((s) => Number(s.capital));
    expect(capitals[2]).toBe(100_000);
    for (let i = 1; i < 5; i++) expect(capitals[i]).toBeGreaterThan(capitals[i - 1] as number);
    // Symmetric in logs around the median.
    expect(Math.log((capitals[4] as number) / 100_000)).toBeCloseTo(-Math.log((capitals[0] as number) / 100_000), 4);
  });
});

/** A 20M-deep market at 2,000. */
const deep = { quoteReserve: w('20000000'), baseReserve: w('10000') };

/** A one-market world with alice long at 9x, pushed under maintenance by a 6 % fall, and an observation of it. */
function stressedWorld() {
  const world = makeWorld({ traders: { alice: '1000', bob: '10000000', liq: '100' }, market: deep });
  world.open('alice', 'long', '1000', '9');
  world.advance(3600);
  world.open('bob', 'short', '125000', '5');
  world.advance(3600);
  const layout = { markets: ['ETH'], accounts: ['alice', 'bob', 'liq'] };
  const view = new Observation(layout, new Float64Array(observationLength(layout)));
  return { world, view, observe: (baseFee: number) => writeObservation(world.ch, view, new Map([['ETH', new FloatTwap(3600)]]), { baseFee, ethUsd: 2000 }) };
}

const liquidatorCtx: AgentContext = { id: 'liq', index: 2, rng: new Rng(9), markets: ['ETH'], blockTime: 12 };
const liquidatorParams: LiquidatorParams = {
  interval: 3600,
  maxPerWake: 5,
  backstop: false,
  latency: 0,
  priorityFee: 0.01,
  maxPriorityFee: 1e6,
  bidShare: 0.5,
  adaptive: true,
  missProbability: 0,
  privateRelay: false,
  subsidised: false,
};

describe('liquidators', () => {
  it('skip a liquidation whose reward does not pay the gas, and otherwise bid the set share of the reward', () => {
    const { world, view, observe } = stressedWorld();
    const ratio = Number(world.ch.liquidationMarginRatio('alice', 'ETH')) / 1e18;
    expect(ratio).toBeLessThan(0.0625);
    const liquidator = new Liquidator(liquidatorCtx, liquidatorParams);
    // At 100,000 gwei a liquidation costs 76,000 USD of gas: more than any reward here.
    observe(100_000);
    expect(liquidator.wake(view, 0).submissions).toHaveLength(0);
    observe(1);
    const [s] = liquidator.wake(view, 0).submissions;
    expect(s?.action).toEqual({ kind: 'liquidate', market: 'ETH', trader: 'alice' });
    // The bid spends half the expected reward on 380k gas units at 2,000 USD/ETH.
    const spent = (380_000 * (1 + (s?.priorityFee as number)) * 2000) / 1e9;
    const notional = view.position(0, 'ETH', 'notional');
    const reward = 0.0125 * notional * Math.min(1, (0.0625 - ratio) / (0.0625 - 0.025));
    expect(spent).toBeCloseTo(0.5 * reward, 6);
  });

  it('bid their share of the reward with no ceiling below it by default: a real auction, even where gas is cheap in USD', () => {
    const { world, view } = stressedWorld();
    const ratio = Number(world.ch.liquidationMarginRatio('alice', 'ETH')) / 1e18;
    // Gas paid in a token worth 1 USD (as on xDai): half the reward buys far more than 5,000 gwei.
    writeObservation(world.ch, view, new Map([['ETH', new FloatTwap(3600)]]), { baseFee: 1, ethUsd: 1 });
    const spec = AgentSpecSchema.parse({ kind: 'liquidator', count: 1, capital: '100', params: { bidShare: 0.5 } });
    const liquidator = createAgent({ index: 2, id: 'liq', kind: 'liquidator', spec, market: 'ETH', capital: '100' }, 9, ['ETH'], 12);
    const [s] = liquidator.wake(view, 0).submissions;
    expect(s?.priorityFee as number).toBeGreaterThan(5000);
    const spent = (380_000 * (1 + (s?.priorityFee as number)) * 1) / 1e9;
    const notional = view.position(0, 'ETH', 'notional');
    const reward = 0.0125 * notional * Math.min(1, (0.0625 - ratio) / (0.0625 - 0.025));
    expect(spent).toBeCloseTo(0.5 * reward, 6);
  });

  it('bid against each other through the engine: the highest bid lands first, the rest revert and pay for their gas', async () => {
    const sink = new MemorySink();
    await runSimulation(
      await resolveRun(
        crashDay([
          { kind: 'noise', count: 30, capital: '2500', params: { meanInterval: 600, medianMargin: 2000, maxLeverage: 10, longBias: 0.8 } },
          { kind: 'arbitrageur', count: 2, capital: '500000' },
          { kind: 'liquidator', count: 3, capital: '1000', params: { latency: 12 } },
          { kind: 'keeper', count: 1, capital: '100' },
        ]),
      ),
      { sinks: [sink] },
    );
    const liquidations = sink.events.filter((e) => e.type === 'AgentAction' && e.action === 'liquidate');
    const byBlockTarget = new Map<string, typeof liquidations>();
    for (const e of liquidations) {
      const key = `${e.blockNumber}/${(e.args as { trader: string }).trader}`;
      byBlockTarget.set(key, [...(byBlockTarget.get(key) ?? []), e]);
    }
    const contested = [...byBlockTarget.values()].filter((l) => l.length >= 2 && l.some((e) => e.ok));
    expect(contested.length).toBeGreaterThan(0);
    for (const l of contested) {
      // The log is in execution order: the first to execute bid the most, and succeeded.
      const fees = l.map((e) => e.priorityFee as number);
      expect(fees[0]).toBe(Math.max(...fees));
      expect(l[0]?.ok).toBe(true);
      for (const loser of l.slice(1).filter((e) => !e.ok)) expect(loser.gasCostUsd as number).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('searcher', () => {
  const sandwichDay = (clearingHouse: object) =>
    crashDay(
      [
        { kind: 'noise', count: 30, capital: '60000', params: { meanInterval: 600, medianMargin: 50000, minLeverage: 8, maxLeverage: 10, longBias: 0.9 } },
        // Their treasuries off: on this 1M-deep curve, an arbitrageur topped up from its hedge's profit grows a short larger than
        // the curve can buy back in one trade, whose liquidation reverts (README, "Not yet") and takes the sandwich's target with it.
        { kind: 'arbitrageur', count: 2, capital: '500000', params: { hedge: { transfer: { interval: 0 } } } },
        { kind: 'liquidator', count: 2, capital: '1000', params: { latency: 12 } },
        { kind: 'searcher', count: 1, capital: '1000000', params: { frontrunLiquidations: false } },
        { kind: 'keeper', count: 1, capital: '100' },
      ],
      { market: { id: 'ETH', depth: '1000000' }, clearingHouse },
    );

  it('sandwiches a large liquidation inside its block where the design lets it: its sell, the first liquidation to land, its buy-back', async () => {
    const sink = new MemorySink();
    await runSimulation(await resolveRun(sandwichDay({ restrictionMode: false })), { sinks: [sink] });
    const actions = sink.events.filter((e) => e.type === 'AgentAction');
    let sandwiches = 0;
    for (let i = 2; i < actions.length; i++) {
      const a = actions[i - 2] as (typeof actions)[number];
      const b = actions[i - 1] as (typeof actions)[number];
      const c = actions[i] as (typeof actions)[number];
      if (c.kind !== 'searcher' || c.action !== 'close') continue;
      // Every back leg lands right after the liquidation it targets, which landed first (the highest bid), right after its front leg.
      expect([a.kind, a.action, a.ok, b.action, b.ok, c.ok]).toEqual(['searcher', 'open', true, 'liquidate', true, true]);
      expect(a.blockNumber).toBe(c.blockNumber);
      const victimLong = sink.events.some((e) => e.type === 'PositionLiquidated' && e.blockNumber === b.blockNumber && BigInt(e.positionSize as string) > 0n);
      // Against a long's liquidation it sells first.
      if (victimLong) expect((a.args as { side: string }).side).toBe('short');
      sandwiches++;
    }
    expect(sandwiches).toBeGreaterThan(0);
  }, 120_000);

  it('sends no sandwich where restriction mode would revert its back leg (one action per trader in a block after a liquidation)', async () => {
    const sink = new MemorySink();
    await runSimulation(await resolveRun(sandwichDay({})), { sinks: [sink] });
    const searcher = sink.events.filter((e) => e.type === 'AgentAction' && e.kind === 'searcher');
    expect(sink.events.some((e) => e.type === 'PositionLiquidated')).toBe(true);
    expect(searcher.filter((e) => e.action === 'close')).toEqual([]);
    expect(searcher.filter((e) => e.reason === 'OnlyOneActionAllowed')).toEqual([]);
  }, 120_000);
});

describe('signal traders', () => {
  it('stop out after losing the stop share of a position’s margin, stay out, and stop for good once the risk budget is spent', () => {
    const world = makeWorld({ traders: { alice: '10000', bob: '10000000', carol: '100' }, market: deep });
    const layout = { markets: ['ETH'], accounts: ['alice', 'bob', 'carol'] };
    const view = new Observation(layout, new Float64Array(observationLength(layout)));
    const observe = () => writeObservation(world.ch, view, new Map([['ETH', new FloatTwap(3600)]]));
    const ctx: AgentContext = { id: 'alice', index: 0, rng: new Rng(2), markets: ['ETH'], blockTime: 12 };
    // Momentum with a tiny threshold: long after any rise.
    const trader = new MomentumTrader(ctx, { market: 'ETH', interval: 60, lookback: 120, threshold: 0, margin: 4000, leverage: 5, stopLoss: 0.5, cooldown: 600, riskBudget: 0.3, latency: 0, priorityFee: 0 });
    const step = (now: number) => {
      observe();
      const out = trader.wake(view, now);
      for (const s of out.submissions) {
        if (s.action.kind === 'open') world.open('alice', s.action.side, String(s.action.margin.toFixed(6)), String(s.action.leverage.toFixed(4)));
        else if (s.action.kind === 'close') world.ch.closePosition('alice', 'ETH');
      }
      return out;
    };
    let now = world.ch.clock.timestamp;
    const tick = (bobSide: 'long' | 'short' | null, margin = '30000') => {
      if (bobSide) world.ch.openPosition({ trader: 'bob', market: 'ETH', side: bobSide, margin: w(margin), leverage: w('5') });
      world.advance(60);
      now += 60;
      return step(now);
    };
    tick(null);
    tick('long', '20000'); // a 1 % rise: it goes long 20k
    tick('long', '20000');
    expect(world.ch.position('alice', 'ETH').size).toBeGreaterThan(0n);
    // An 11 % fall costs it more than half its 4,000 margin: stopped out.
    const stopped = tick('short', '240000');
    expect(stopped.submissions.map((s) => s.action.kind)).toEqual(['close']);
    expect(world.ch.position('alice', 'ETH').size).toBe(0n);
    // In its cooling-off period a rise does not bring it back.
    expect(tick('long', '20000').submissions).toHaveLength(0);
    // After it, it re-enters; another loss spends the risk budget: it closes and never trades again.
    for (let i = 0; i < 10; i++) tick(null);
    tick('long', '20000');
    expect(world.ch.position('alice', 'ETH').size).toBeGreaterThan(0n);
    tick('short', '200000');
    const equity = Number(world.ch.account('alice').collateral) / 1e18;
    expect(equity).toBeLessThan(10_000 * 0.7);
    for (let i = 0; i < 20; i++) {
      const out = tick(i % 2 ? 'long' : null, '30000');
      expect(out.submissions.filter((s) => s.action.kind === 'open')).toHaveLength(0);
    }
    expect(world.ch.position('alice', 'ETH').size).toBe(0n);
  });
});
