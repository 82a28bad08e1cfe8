/**
 * Execution: the router sizes a limited order on the state it lands on (after the block's
 * earlier trades), and the execution module works parent orders as TWAP or iceberg children
 * that never take the mark past their slippage limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentAction, AgentContext } from '../agents/agent.ts';
import { DEFAULT_EXECUTION, type ExecutionParams, OrderExecutor } from '../agents/execution.ts';
import { Rng } from '../data/prng.ts';
import { executeAction } from '../sim/engine/action-executor.ts';
import { FloatTwap } from '../sim/engine/float-twap.ts';
import { Observation, observationLength } from '../sim/engine/observation.ts';
import { writeObservation } from '../sim/engine/observe.ts';
import { bindingLimit, edgeAgainstLimit, route } from '../sim/engine/order-router.ts';
import { weiToNumber } from '../sim/math/units.ts';
import { makeWorld, w } from './helpers/world.ts';

const accounts = ['alice', 'bob', 'carol'];
const spot = (ch: ReturnType<typeof makeWorld>['ch']) => weiToNumber(ch.market('ETH').vamm.spotPrice());

function viewOf(world: ReturnType<typeof makeWorld>) {
  const layout = { markets: ['ETH'], accounts };
  const view = new Observation(layout, new Float64Array(observationLength(layout)));
  const twaps = new Map([['ETH', new FloatTwap(3600)]]);
  return () => {
    writeObservation(world.ch, view, twaps);
    return view;
  };
}

/** Routes and executes one action as the engine does; returns the refusal reason, if any. */
function land(world: ReturnType<typeof makeWorld>, trader: string, action: AgentAction): string | null {
  const routed = route(world.ch, action);
  if ('refused' in routed) return routed.refused;
  const outcome = executeAction(world.ch, trader, routed.action);
  return outcome.ok ? null : outcome.reason;
}

const ctx = (index: number): AgentContext => ({ id: accounts[index] as string, index, rng: new Rng(1), markets: ['ETH'], blockTime: 12 });

describe('router: a limited order is sized on the state it lands on', () => {
  it('cuts a second buy in the same block to what the first left, and refuses a third', () => {
    const world = makeWorld({ traders: { alice: '100000', bob: '100000', carol: '100000' } });
    const limit = 2000 * 1.02;
    const buy = (margin: number): AgentAction => ({ kind: 'open', market: 'ETH', side: 'long', margin, leverage: 2, limit: { price: limit, minNotional: 10 } });
    // 1 % of the way: the first buy fits whole.
    expect(land(world, 'alice', buy(500))).toBeNull();
    const afterFirst = spot(world.ch);
    expect(afterFirst).toBeLessThan(limit);
    // The second asks for far more than is left below the limit: it is cut to the room left.
    expect(land(world, 'bob', buy(50_000))).toBeNull();
    expect(spot(world.ch)).toBeGreaterThan(afterFirst);
    expect(spot(world.ch)).toBeLessThanOrEqual(limit * (1 + 1e-9));
    expect(spot(world.ch) / limit).toBeGreaterThan(0.9999);
    // Nothing is left below the limit for the third.
    expect(land(world, 'carol', buy(500))).toBe('PriceLimit');
    world.checkInvariants();
  });

  it('bounds the mark by the on-chain reference price when it lands, and refuses a trade below its minimum profit', () => {
    const world = makeWorld({ traders: { alice: '100000', bob: '100000', carol: '100000' } });
    // The fast feed says 2100: a buyer arbitraging toward it stops 0.2 % short of it.
    world.ch.setFastPrice('ETH', w('2100'), w('0.5'), world.ch.clock.timestamp);
    const arb: AgentAction = { kind: 'open', market: 'ETH', side: 'long', margin: 50_000, leverage: 2, limit: { reference: -0.002, minNotional: 10 } };
    expect(land(world, 'alice', arb)).toBeNull();
    expect(spot(world.ch)).toBeCloseTo(2100 * 0.998, 6);
    // The fast feed falls back to 2050: selling toward it is worth ~0.3 % of the trade against
    // a limit 0.2 % above it; asking for more profit than that is refused.
    world.ch.setFastPrice('ETH', w('2050'), w('0.5'), world.ch.clock.timestamp);
    const m = world.ch.market('ETH').vamm;
    const edge = edgeAgainstLimit(weiToNumber(m.quoteReserve), weiToNumber(m.baseReserve), 'short', 1000, 2050 * 1.002);
    expect(edge).toBeGreaterThan(0);
    const sell = (minProfit: number): AgentAction => ({ kind: 'open', market: 'ETH', side: 'short', margin: 500, leverage: 2, limit: { reference: 0.002, minProfit } });
    expect(land(world, 'bob', sell(edge * 10))).toBe('BelowMinProfit');
    expect(land(world, 'bob', sell(edge / 2))).toBeNull();
    world.checkInvariants();
  });
});

describe('router: what it passes on', () => {
  it('sizes against the tighter of the order’s own price and the reference’s bound, and none when it has neither', () => {
    // The candidates' minimum (a buy) or maximum (a sell), as first written.
    const reference = (limit: { price?: number; reference?: number }, side: 'long' | 'short', ref: number) => {
      const candidates = [...(limit.price === undefined ? [] : [limit.price]), ...(limit.reference === undefined ? [] : [ref * (1 + limit.reference)])];
      if (candidates.length === 0) return side === 'long' ? Number.POSITIVE_INFINITY : 0;
      return side === 'long' ? Math.min(...candidates) : Math.max(...candidates);
    };
    const price = fc.option(fc.double({ min: 0, max: 1e5, noNaN: true }), { nil: undefined });
    const offset = fc.option(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { nil: undefined });
    fc.assert(
      fc.property(price, offset, fc.constantFrom('long' as const, 'short' as const), fc.oneof(fc.double({ min: 1, max: 1e5, noNaN: true }), fc.constant(Number.NaN)), (p, r, side, ref) => {
        const limit = { ...(p === undefined ? {} : { price: p }), ...(r === undefined ? {} : { reference: r }) };
        expect(Object.is(bindingLimit(limit, side, ref), reference(limit, side, ref))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('is the order without its limit: whole when it fits, its margin cut to what does when not', () => {
    const world = makeWorld({ traders: { alice: '100000', bob: '100000', carol: '100000' } });
    const limit = { price: 2000 * 1.02, minNotional: 10 };
    const fits = route(world.ch, { kind: 'open', market: 'ETH', side: 'long', margin: 500, leverage: 2, isolated: true, limit });
    expect(fits).toEqual({ action: { kind: 'open', market: 'ETH', side: 'long', margin: 500, leverage: 2, isolated: true } });
    const cut = route(world.ch, { kind: 'open', market: 'ETH', side: 'long', margin: 50_000, leverage: 3, limit });
    if (!('action' in cut) || cut.action.kind !== 'open') throw new Error('refused');
    expect({ ...cut.action, margin: 0 }).toEqual({ kind: 'open', market: 'ETH', side: 'long', margin: 0, leverage: 3 });
    expect('limit' in cut.action).toBe(false);
    // Cut to the quote that takes the mark to the limit, at the order's leverage.
    expect(cut.action.margin).toBeGreaterThan(100);
    expect(cut.action.margin).toBeLessThan(50_000);
    expect(land(world, 'alice', cut.action)).toBeNull();
    expect(spot(world.ch) / limit.price).toBeCloseTo(1, 6);
  });
});

/** Works a parent order to the end: every child lands in the next block; returns the children sent. */
function work(world: ReturnType<typeof makeWorld>, p: ExecutionParams, target: number, maxSteps = 200) {
  const observe = viewOf(world);
  const exec = new OrderExecutor(ctx(0), p, 0.1, 0);
  const children: Array<{ at: number; action: AgentAction; markAfter: number; base: number }> = [];
  const size = () => weiToNumber(world.ch.position('alice', 'ETH').size);
  exec.place({ market: 'ETH', target, leverage: 5 }, observe(), world.ch.clock.timestamp);
  for (let i = 0; i < maxSteps; i++) {
    const now = world.ch.clock.timestamp;
    const step = exec.step(observe(), now);
    for (const s of step.submissions) {
      const before = size();
      land(world, 'alice', s.action);
      children.push({ at: now, action: s.action, markAfter: spot(world.ch), base: size() - before });
    }
    if (step.next === null) break;
    world.advance(Math.max(12, step.next - now));
  }
  return { exec, children };
}

describe('execution module', () => {
  it('a TWAP works the order in equal slices (of base) spread over its duration and reaches the target', () => {
    const world = makeWorld({ traders: { alice: '100000', bob: '100000', carol: '100000' } });
    // 20k at the arrival mark of 2000 is 10 ETH: four slices of 2.5.
    const { exec, children } = work(world, { ...DEFAULT_EXECUTION, style: 'twap', duration: 600, slices: 4 }, 20_000);
    expect(exec.status).toBe('done');
    expect(children).toHaveLength(4);
    for (const c of children) expect(c.base).toBeCloseTo(2.5, 3);
    const gaps = children.slice(1).map((c, i) => c.at - (children[i] as { at: number }).at);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(150);
    expect(world.ch.position('alice', 'ETH').size).toBeGreaterThan(0n);
    world.checkInvariants();
  });

  it('an iceberg shows one clip at a time and never leaves the mark past its slippage limit; the rest is dropped at the deadline', () => {
    const world = makeWorld({ traders: { alice: '100000', bob: '100000', carol: '100000' } });
    const arrival = spot(world.ch);
    const p: ExecutionParams = { ...DEFAULT_EXECUTION, style: 'iceberg', clip: 3000, slippageLimit: 0.05, timeout: 1200 };
    // 60k on a 200k-deep curve would move the mark by 69 %: the limit stops it near 5 %.
    const { exec, children } = work(world, p, 60_000);
    expect(exec.status).toBe('dropped');
    for (const c of children) {
      if (c.action.kind === 'open') expect(c.action.margin * c.action.leverage).toBeLessThanOrEqual(3000 + 1e-6);
      expect(c.markAfter).toBeLessThanOrEqual(arrival * 1.05 * (1 + 1e-9));
    }
    expect(spot(world.ch)).toBeGreaterThan(arrival * 1.04);
    world.checkInvariants();
  });

  it('closes the position when the target is zero', () => {
    const world = makeWorld({ traders: { alice: '100000', bob: '100000', carol: '100000' } });
    work(world, { ...DEFAULT_EXECUTION, style: 'market' }, -10_000);
    expect(world.ch.position('alice', 'ETH').size).toBeLessThan(0n);
    const { exec, children } = work(world, { ...DEFAULT_EXECUTION, style: 'market' }, 0);
    expect(exec.status).toBe('done');
    expect(children.at(-1)?.action.kind).toBe('close');
    expect(world.ch.position('alice', 'ETH').size).toBe(0n);
  });
});
