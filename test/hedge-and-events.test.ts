/**
 * The hedge venue (fills after its latency at the true price, fee and a spread that grows with
 * size, funding every 8 h, margin calls) and the scenario's faults (sequencer downtime with its
 * backlog and grace period, agent outages alone or with crashes, a delayed or manipulated fast
 * feed), unit by unit and through the engine.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { MemorySink } from '../sim/engine/event-log.ts';
import { DEFAULT_HEDGE, HedgeVenue } from '../sim/engine/hedge-venue.ts';
import type { FastTick } from '../sim/engine/price-timeline.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { ScenarioEvents, crashStarts } from '../sim/engine/scenario-events.ts';

const tick = (time: number, price: number): FastTick => ({ time, price: BigInt(Math.round(price * 1e6)) * 10n ** 12n, confidence: 0n });

describe('hedge venue', () => {
  const path = [tick(0, 100), tick(10, 101), tick(28_800, 90), tick(40_000, 200)];

  it('prices a time as a binary search over the whole path does, whatever was asked before', () => {
    // The venue keeps its last two answers and, on a path in time order, searches from the last
    // tick it found: asks repeated, moving forward a little or far, and going back; paths with
    // repeated times, and paths out of order (searched in full).
    const reference = (ticks: readonly FastTick[], t: number): number => {
      let lo = 0;
      let hi = ticks.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((ticks[mid] as FastTick).time <= t) lo = mid + 1;
        else hi = mid;
      }
      const found = ticks[Math.max(0, lo - 1)];
      return found ? Number(found.price) / 1e18 : Number.NaN;
    };
    const gaps = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.integer({ min: -5, max: -1 })), { maxLength: 40 });
    fc.assert(
      fc.property(gaps, fc.boolean(), fc.array(fc.integer({ min: 80, max: 1300 }), { minLength: 1, maxLength: 5 }), fc.array(fc.oneof(fc.nat(4), fc.integer({ min: -3, max: 40 }).map((d) => ({ d }))), { minLength: 1, maxLength: 80 }), (steps, ordered, times, asks) => {
        let time = 100;
        const ticks = steps.map((g, k) => tick((time += ordered ? Math.abs(g) : g), 100 + k));
        const venue = new HedgeVenue('ETH', ticks, 0);
        let t = 90;
        for (const ask of asks) {
          // One of a few times (asked again, one or more asks back), or a step from the last.
          t = typeof ask === 'number' ? (times[ask % times.length] as number) : t + ask.d;
          expect(venue.priceAt(t), `at ${t} on ${JSON.stringify(ticks.map((x) => x.time))}`).toBe(reference(ticks, t));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('searches a path in full when only its first step goes back in time', () => {
    // Walked from its first tick, [10, 5, 20] would answer 7 with the tick at 10's price (before it: the first); the binary search over the whole path finds the tick at 5.
    const venue = new HedgeVenue('ETH', [tick(10, 100), tick(5, 101), tick(20, 102)], 0);
    expect(venue.priceAt(7)).toBe(101);
  });

  it('fills after its latency at the true price, pays the taker fee and a spread that grows with size', () => {
    const venue = new HedgeVenue('ETH', path, 0);
    venue.open('arb', { ...DEFAULT_HEDGE, latency: 10 }, 1_000_000);
    const [fill] = venue.hedge('arb', 100, 5);
    // A vAMM long of 100 is hedged by selling 100 at the price 10 s later (101).
    expect(fill).toMatchObject({ type: 'HedgeFill', size: -100, price: 101, position: -100, filledAt: 15 });
    const f = fill as { fee: number; spreadCost: number };
    expect(f.fee).toBeCloseTo(10_100 * 0.0004, 6);
    const small = f.spreadCost / 10_100;
    const [big] = venue.hedge('arb', 10_000, 5);
    expect((big as { spreadCost: number }).spreadCost / (10_000 * 101)).toBeGreaterThan(small);
  });

  it('pays funding every 8 hours at that time’s price (a short receives a positive rate) and calls for margin when equity runs short', () => {
    const venue = new HedgeVenue('ETH', path, 0);
    venue.open('arb', { ...DEFAULT_HEDGE, latency: 0, capital: 2_000 }, 0);
    venue.hedge('arb', 100, 10); // short 100 at 101: needs 1,010 of margin, has 2,000
    const funding = venue.settleFunding(30_000).filter((e) => e.type === 'HedgeFunding');
    expect(funding).toHaveLength(1);
    expect(funding[0]).toMatchObject({ position: -100, price: 90, fundingTime: 28_800 });
    expect((funding[0] as { amount: number }).amount).toBeCloseTo(-100 * 90 * 0.0001, 9);
    // At 200 the short has lost 9,900: equity is negative, far under the maintenance margin.
    const calls = venue.checkAll(40_000);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.type).toBe('HedgeMarginCall');
    // Called once per episode.
    expect(venue.checkAll(40_001)).toHaveLength(0);
  });
});

describe('scenario faults', () => {
  it('finds one crash start per fall, and delays or manipulates only the ticks inside their window', () => {
    const ticks = [tick(0, 100), tick(100, 95), tick(200, 89), tick(300, 85), tick(400, 100), tick(500, 88)];
    expect(crashStarts(ticks, 0.1, 1000)).toEqual([200, 500]);
    const events = new ScenarioEvents(
      [
        { kind: 'fast-feed-manipulation', from: 100, to: 250, deviation: -0.05 },
        { kind: 'oracle-delay', feed: 'fast', from: 300, to: 450, seconds: 120 },
      ],
      [],
      ticks,
      1,
    );
    const out = events.fastTicks(ticks);
    // Published at 300 and 400, both arrive 120 s late; the one from 400 (arriving at 520) is overtaken by the one from 500: never delivered.
    expect(out.map((t) => [t.time, t.publishTime])).toEqual([
      [0, 0],
      [100, 100],
      [200, 200],
      [420, 300],
      [500, 500],
    ]);
    expect(out.map((t) => Number(t.price) / 1e18)).toEqual([100, 90.25, 84.55, 85, 88]);
  });

  it('delivers the fast ticks as published when no event is on the fast feed (a delay of Chainlink alone, downtime), overtaken ones dropped', () => {
    const ticks = [tick(0, 100), tick(100, 95), tick(100, 96), tick(200, 89)];
    const events = new ScenarioEvents(
      [
        { kind: 'oracle-delay', feed: 'chainlink', from: 0, to: 150, seconds: 120 },
        { kind: 'sequencer-down', from: 50, to: 120, grace: 0 },
      ],
      [],
      ticks,
      1,
    );
    const out = events.fastTicks(ticks);
    // The first tick at 100 is overtaken by the second, which arrives no later.
    expect(out.map((t) => [t.time, t.publishTime ?? t.time, Number(t.price) / 1e18])).toEqual([
      [0, 0, 100],
      [100, 100, 96],
      [200, 200, 89],
    ]);
  });

  it('drops exactly the overtaken updates, whether or not any is (the list kept whole when none is)', () => {
    // Overtaken: a later update arrives no later. Times in order with or without ties, and rounds
    // delayed out of order; each delivered list against that definition.
    const delivered = <T>(xs: readonly T[], arrival: (x: T) => number): T[] => xs.filter((x, i) => xs.slice(i + 1).every((y) => arrival(y) > arrival(x)));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 30 }),
        fc.option(fc.record({ from: fc.integer({ min: 0, max: 60 }), to: fc.integer({ min: 0, max: 90 }), seconds: fc.integer({ min: 1, max: 20 }) })),
        (steps, delay) => {
          let time = 0;
          const ticks = steps.map((d, i) => tick((time += d), 100 + i));
          const events = new ScenarioEvents(delay ? [{ kind: 'oracle-delay', feed: 'chainlink', ...delay }] : [], [], ticks, 1);
          expect(events.fastTicks(ticks)).toEqual(delivered(ticks, (t) => t.time));
          const rounds = ticks.map((t, i) => ({ roundId: BigInt(i + 1), answer: 1n, startedAt: t.time, updatedAt: t.time }));
          const shifted = rounds.map((r) => (delay && r.updatedAt >= delay.from && r.updatedAt < delay.to ? { ...r, startedAt: r.updatedAt + delay.seconds, updatedAt: r.updatedAt + delay.seconds } : r));
          expect(events.rounds(rounds)).toEqual(delivered(shifted, (r) => r.updatedAt));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('knows when the sequencer is down, when its grace period runs, and which agents are out', () => {
    const agents = [
      { index: 0, id: 'liquidator-1', kind: 'liquidator' },
      { index: 1, id: 'keeper-1', kind: 'keeper' },
    ];
    const ticks = [tick(0, 100), tick(1000, 80)];
    const e = new ScenarioEvents(
      [
        { kind: 'sequencer-down', from: 100, to: 700, grace: 300 },
        { kind: 'agent-outage', agents: 'keeper', from: 0, to: 50 },
        { kind: 'crash-outage', agents: 'liquidator', fall: 0.1, window: 3600, probability: 1, duration: 500 },
      ],
      agents,
      ticks,
      1,
    );
    expect(e.nextLive(50)).toBe(50);
    expect(e.nextLive(100)).toBe(700);
    expect(e.inGracePeriod(699)).toBe(false);
    expect(e.inGracePeriod(700)).toBe(true);
    expect(e.inGracePeriod(1000)).toBe(false);
    expect(e.downUntil(1, 10)).toBe(50);
    expect(e.downUntil(1, 60)).toBeNull();
    expect(e.downUntil(0, 1200)).toBe(1500);
    expect(e.downUntil(0, 900)).toBeNull();
  });
});

describe('faults through the engine', () => {
  const base = (events: object[]) =>
    parseRunScenario(
      JSON.stringify({
        name: 'faults',
        profile: 'default',
        seed: 3,
        market: { id: 'ETH', depth: '3000000' },
        prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12T08:00', to: '2020-03-12T14:00' },
        insuranceFund: '100000',
        agents: [
          { kind: 'noise', count: 20, capital: '2500', params: { meanInterval: 600, medianMargin: 2000, maxLeverage: 10, longBias: 0.8 } },
          { kind: 'arbitrageur', count: 2, capital: { median: '300000', sigma: 0.5 } },
          { kind: 'liquidator', count: 2, capital: '100' },
          { kind: 'keeper', count: 1, capital: '100' },
        ],
        events,
      }),
    );

  it('makes no block while the sequencer is down, lands the backlog in the first block after, and refuses liquidations in the grace period', async () => {
    const from = Date.UTC(2020, 2, 12, 10) / 1000;
    const to = from + 3600;
    const sink = new MemorySink();
    await runSimulation(await resolveRun(base([{ kind: 'sequencer-down', from, to, grace: 1800 }])), { sinks: [sink] });
    const stamped = sink.events.filter((e) => e.type !== 'RunStarted' && e.type !== 'RunEnded');
    expect(stamped.filter((e) => e.timestamp >= from && e.timestamp < to).map((e) => e.type)).toEqual([]);
    const first = stamped.find((e) => e.timestamp >= to) as { timestamp: number };
    const backlog = sink.events.filter((e) => e.type === 'AgentAction' && e.timestamp === first.timestamp);
    // Everyone who would have looked during the downtime looks at once when it ends.
    expect(new Set(backlog.map((e) => e.agent)).size).toBeGreaterThan(2);
    const inGrace = sink.events.filter((e) => e.type === 'AgentAction' && e.action === 'liquidate' && e.timestamp < to + 1800);
    expect(inGrace.length).toBeGreaterThan(0);
    for (const e of inGrace) expect(e.reason).toBe('SequencerGracePeriod');
    expect(sink.events.some((e) => e.type === 'PositionLiquidated' && e.timestamp >= to && e.timestamp < to + 1800)).toBe(false);
  }, 120_000);

  it('a manipulated fast feed moves the on-chain feed but not the hedge venue', async () => {
    const from = Date.UTC(2020, 2, 12, 9) / 1000;
    const sink = new MemorySink();
    await runSimulation(await resolveRun(base([{ kind: 'fast-feed-manipulation', from, to: from + 1800, deviation: -0.05 }])), { sinks: [sink] });
    const clean = new MemorySink();
    await runSimulation(await resolveRun(base([])), { sinks: [clean] });
    const fast = (s: MemorySink) => s.events.filter((e) => e.type === 'FastPrice' && e.timestamp >= from && e.timestamp < from + 1800).map((e) => Number(BigInt(e.price as string)) / 1e18);
    const hit = fast(sink);
    const truth = fast(clean);
    expect(hit.length).toBe(truth.length);
    hit.forEach((p, i) => expect(p / (truth[i] as number)).toBeCloseTo(0.95, 6));
    // The arbitrageurs' hedges still fill at true prices, never at the manipulated ones.
    const trueprices = new Set(clean.events.filter((e) => e.type === 'FastPrice').map((e) => Math.round(Number(BigInt(e.price as string)) / 1e12)));
    const fills = sink.events.filter((e) => e.type === 'HedgeFill' && e.timestamp >= from && e.timestamp < from + 1800);
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) expect(trueprices.has(Math.round((f.price as number) * 1e6))).toBe(true);
  }, 120_000);
});
