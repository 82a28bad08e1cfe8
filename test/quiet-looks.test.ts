/**
 * Looks taken as promised (issue 15): an arbitrageur promises that a look finding no gap worth
 * its minimum does nothing but reschedule itself (`QuietLook`), and the engine then evaluates the
 * gap on the floats the observation would hold and schedules it without writing an observation
 * or waking it (sim/engine/quiet-looks.ts); the same where no gap could pay an open's gas
 * (`gasRefusedEitherSide`). Checked at each layer: an arbitrageur skipped wherever the promise's
 * tests hold against one woken at every look (same submissions, wake-ups and random stream, over
 * random observations with gaps drawn either side of the minimum and of what pays the gas, the
 * mark on either side, markets moved, closed and reopened, base fees from a thousandth of a gwei
 * to 300); the engine's tests against each input they read; and whole runs of the bundled
 * arbitrageurs under random fee changes, k migrations and outages, byte for byte with and
 * without the skip.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentContext, QuietLook, Wake } from '../agents/agent.ts';
import { arbitrageRatio, gasRefusedEitherSide, noGapEitherSide } from '../agents/arbitrage-pricing.ts';
import { Arbitrageur, type ArbitrageurParams } from '../agents/arbitrageur.ts';
import { Rng } from '../data/prng.ts';
import { DEFAULT_HEDGE, type HedgeParams } from '../sim/engine/hedge-venue.ts';
import { A, H, M, Observation, P, observationLength } from '../sim/engine/observation.ts';
import { QuietLooks } from '../sim/engine/quiet-looks.ts';
import { toWei } from '../sim/math/units.ts';
import { CRASH_BASES as BASES, bundledScenario as bundled, dateAt } from './helpers/crash-bases.ts';
import { runLogHash } from './helpers/log-hash.ts';
import { randomWorld } from './helpers/random-actions.ts';

/** A real number in [min, max] on a grid (fast-check's doubles crowd the extremes and subnormals). */
const real = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000);
/** Spread over decades: 10^[lo, hi]. */
const decades = (lo: number, hi: number) => real(lo, hi).map((e) => 10 ** e);

const hedgeArb: fc.Arbitrary<HedgeParams> = fc.record({ takerFee: real(0, 0.002), halfSpread: real(0, 0.002), impactPerMillion: real(0, 0.01) }).map((h) => ({ ...DEFAULT_HEDGE, ...h }));

const layout = { markets: ['ETH'], accounts: ['arb', 'other'] };

function arbitrageur(seed: number, minEdge: number, hedge: HedgeParams): Arbitrageur {
  const ctx: AgentContext = { id: 'arb', index: 0, rng: new Rng(seed), markets: ['ETH'], blockTime: 12 };
  const params: ArbitrageurParams = {
    market: 'ETH',
    interval: { median: 30, sigma: 0.5 },
    minEdge,
    intensity: 0.8,
    leverage: 5,
    latency: { median: 4, sigma: 1 },
    priorityFee: 0.01,
    bidShare: { min: 0.05, max: 0.5 },
    maxPriorityFee: 1000,
    maxInventory: 3,
    freeInventory: 0.5,
    hurdleRate: 0,
    hedge,
  };
  return new Arbitrageur(ctx, params);
}

/** One look: the market moved or not (closed sometimes); the CEX price set so the gap on one side is worth `gap` quote, or near the mark. */
const lookArb = fc.record({
  // Mostly the same market (another block, another CEX tick), sometimes moved.
  move: fc.integer({ min: 0, max: 3 }).map((k) => k === 0),
  quoteReserve: decades(2, 8),
  price: real(100, 5000),
  fee: fc.constantFrom(0, 0.001, 0.003),
  open: fc.integer({ min: 0, max: 19 }).map((k) => (k === 0 ? 0 : 1)),
  cex: fc.oneof(
    // The gap on `side` worth this much quote: either side of the minimum, and on it, or up to what pays the gas many times over.
    { weight: 3, arbitrary: fc.record({ side: fc.constantFrom('long' as const, 'short' as const), gap: fc.oneof(real(0, 100), real(49.99, 50.01), fc.constant(50)) }) },
    { weight: 2, arbitrary: fc.record({ side: fc.constantFrom('long' as const, 'short' as const), gap: decades(1.7, 5) }) },
    { weight: 1, arbitrary: fc.record({ near: real(-0.02, 0.02) }) },
  ),
  // What the promise does not rest on: the mark's side, the gas, its own rows.
  spotShift: real(-0.01, 0.01),
  baseFee: fc.oneof(fc.constantFrom(0.001, 0.1, 30), decades(-1, 2.5)),
  collateral: fc.constantFrom(0, 5000, 600_000),
  size: fc.constantFrom(-3, 0, 2),
  notional: real(0, 2e6),
  groupValue: real(-1e5, 2e6),
  dt: fc.integer({ min: 1, max: 120 }),
});

describe('an arbitrageur taken at its promise', () => {
  it('decides, schedules and draws as one woken at every look', () => {
    let skipped = 0;
    let refused = 0;
    let woken = 0;
    let gapsNearMinimum = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), real(0, 0.005), hedgeArb, fc.array(lookArb, { minLength: 2, maxLength: 40 }), (seed, minEdge, hedge, looks) => {
        const always = arbitrageur(seed, minEdge, hedge);
        const skipping = arbitrageur(seed, minEdge, hedge);
        const view = new Observation(layout, new Float64Array(observationLength(layout)));
        const d = view.data;
        const mo = view.marketOffset('ETH');
        let market = { q: 0, b: 0, fee: 0 };
        let promise: QuietLook | null = null;
        let now = 10_000;
        for (const [i, l] of looks.entries()) {
          if (i === 0 || l.move) market = { q: l.quoteReserve, b: l.quoteReserve / l.price, fee: l.fee };
          const { q, b, fee } = market;
          let cex: number;
          if ('near' in l.cex) cex = (q / b) * (1 + l.cex.near);
          else {
            // The mark's limit that quote reaches (x·y = k), over the costs the arbitrageur prices in.
            const q1 = l.cex.side === 'long' ? q + l.cex.gap : q - l.cex.gap;
            cex = (q1 * q1) / (q * b) / arbitrageRatio(hedge, fee, 0, l.cex.side, minEdge);
            if (Math.abs(l.cex.gap - 50) < 0.02) gapsNearMinimum++;
          }
          d[H.baseFee] = l.baseFee;
          d[H.ethUsd] = 2000;
          d[H.feeOrdering] = 1;
          d[mo + M.open] = l.open;
          d[mo + M.quoteReserve] = q;
          d[mo + M.baseReserve] = b;
          d[mo + M.feeRatio] = fee;
          d[mo + M.spot] = (q / b) * (1 + l.spotShift);
          d[mo + M.cex] = cex;
          d[mo + M.fast] = cex;
          d[mo + M.maxLeverage] = 10;
          d[mo + M.fundingPeriod] = 3600;
          const ao = view.accountOffset(0);
          d[ao + A.collateral] = l.collateral;
          d[ao + A.wallet] = 100_000;
          const po = view.positionOffset(0, 'ETH');
          d[po + P.size] = l.size;
          d[po + P.notional] = l.size === 0 ? 0 : l.notional;
          d[po + P.groupValue] = l.size === 0 ? Number.NaN : l.groupValue;
          const expected = always.wake(view, now);
          // The engine's side: a kept promise, the market open, no gap on either side on these floats, or none that pays the gas.
          const noGap = promise !== null && l.open === 1 && noGapEitherSide(q, b, fee, cex, promise.hedge, promise.minEdge);
          const holds = noGap || (promise !== null && l.open === 1 && gasRefusedEitherSide(q, b, fee, cex, promise, l.baseFee, 2000));
          if (holds && !noGap) refused++;
          let got: Wake;
          if (holds) {
            got = { submissions: [], next: now + (promise as QuietLook).interval };
            skipped++;
          } else {
            got = skipping.wake(view, now);
            promise = (got.quiet as QuietLook | undefined) ?? null;
            woken++;
          }
          expect(got.submissions).toEqual(expected.submissions);
          expect(got.next).toBe(expected.next);
          now += l.dt;
        }
        // Both random streams in the same place.
        expect((skipping as unknown as { ctx: AgentContext }).ctx.rng.next()).toBe((always as unknown as { ctx: AgentContext }).ctx.rng.next());
      }),
      { numRuns: 500 },
    );
    expect(skipped).toBeGreaterThan(800);
    expect(refused).toBeGreaterThan(300);
    expect(woken).toBeGreaterThan(1500);
    // The minimum is drawn on: gaps within a cent of it.
    expect(gapsNearMinimum).toBeGreaterThan(1000);
  });
});

describe('QuietLooks', () => {
  const promise: QuietLook = { market: 'ETH', hedge: DEFAULT_HEDGE, minEdge: 0, interval: 45, intensity: 0.8, leastTip: 0.01 };
  const NO_GAS = () => ({ baseFee: 0, ethUsd: 0 });

  it('takes a promise only where the gap on the market as it stands is under the minimum', () => {
    const ch = randomWorld('default');
    const m = ch.market('ETH');
    const spot = Number(m.vamm.quoteReserve) / Number(m.vamm.baseReserve);
    let cex = spot;
    const quiet = new QuietLooks('ETH', () => cex, () => false, NO_GAS, true);
    expect(quiet.promised(3, ch, 100)).toBeNaN();
    quiet.record(3, promise);
    expect(quiet.promised(3, ch, 100)).toBe(145);
    expect(quiet.promised(2, ch, 100)).toBeNaN();
    // A CEX price that gives a gap either way.
    for (const [price, taken] of [
      [spot * 1.0015, true],
      [spot * 0.9985, true],
      [spot * 1.01, false],
      [spot * 0.99, false],
      [Number.NaN, false],
    ] as const) {
      cex = price;
      expect(Number.isNaN(quiet.promised(3, ch, 100)), String(price / spot)).toBe(!taken);
    }
    // Each input the observation's floats come from, moved so that the same CEX price gives a gap, then back.
    cex = spot * 1.0015;
    const fees = m.params.fees;
    const edits: Array<[string, () => () => void]> = [
      ['quote reserve', () => swap(m.vamm, 'quoteReserve', (m.vamm.quoteReserve * 99n) / 100n)],
      ['base reserve', () => swap(m.vamm, 'baseReserve', (m.vamm.baseReserve * 101n) / 100n)],
      ['open', () => swap(m.vamm, 'open', false)],
      ['fee', () => swap(m.params, 'fees', { ...fees, feeRatio: 0n })],
    ];
    for (const [what, edit] of edits) {
      const undo = edit();
      expect(quiet.promised(3, ch, 100), what).toBeNaN();
      undo();
      expect(quiet.promised(3, ch, 100), what).toBe(145);
    }
    // The fee ratio is fee + toll + spread: a gap under a high fee is none, and appears as either falls.
    cex = spot * 1.005;
    for (const part of ['feeRatio', 'tollRatio', 'spreadRatio'] as const) {
      const undo = swap(m.params, 'fees', { feeRatio: 0n, tollRatio: 0n, spreadRatio: 0n, [part]: toWei('0.01') });
      expect(quiet.promised(3, ch, 100), part).toBe(145);
      undo();
      expect(quiet.promised(3, ch, 100), part).toBeNaN();
    }
    // A look that gives no promise withdraws it; a promise on a market whose CEX field is not the venue's is not kept; nor any when disabled.
    cex = spot;
    quiet.record(3, null);
    expect(quiet.promised(3, ch, 100)).toBeNaN();
    quiet.record(3, { ...promise, market: 'BTC' });
    expect(quiet.promised(3, ch, 100)).toBeNaN();
    const off = new QuietLooks('ETH', () => cex, () => false, NO_GAS, false);
    off.record(3, promise);
    expect(off.promised(3, ch, 100)).toBeNaN();
  });

  it('takes a promise where a gap cannot pay the gas at the block base fee, ETH price and least tip', () => {
    const ch = randomWorld('default');
    const m = ch.market('ETH');
    const spot = Number(m.vamm.quoteReserve) / Number(m.vamm.baseReserve);
    // A gap of a few USD of edge on the long side; an open's gas is 0.64 USD a gwei at ETH 2,000.
    const cex = spot * 1.01;
    let gas = { baseFee: 1, ethUsd: 2000 };
    const quiet = new QuietLooks('ETH', () => cex, () => false, () => gas, true);
    quiet.record(3, promise);
    expect(quiet.promised(3, ch, 100)).toBeNaN();
    gas = { baseFee: 100, ethUsd: 2000 };
    expect(quiet.promised(3, ch, 100)).toBe(145);
    gas = { baseFee: 100, ethUsd: 20 };
    expect(quiet.promised(3, ch, 100)).toBeNaN();
    // What the promise holds the gap to: the share it trades, the least tip it bids.
    gas = { baseFee: 1, ethUsd: 2000 };
    quiet.record(3, { ...promise, intensity: 0.01 });
    expect(quiet.promised(3, ch, 100)).toBe(145);
    quiet.record(3, { ...promise, leastTip: 100 });
    expect(quiet.promised(3, ch, 100)).toBe(145);
    // The gap on the other side: the short's edge.
    const short = new QuietLooks('ETH', () => spot * 0.99, () => false, () => gas, true);
    short.record(3, promise);
    expect(short.promised(3, ch, 100)).toBeNaN();
    gas = { baseFee: 100, ethUsd: 2000 };
    expect(short.promised(3, ch, 100)).toBe(145);
  });
});

/** Sets `key` of `o` (readonly to the model's callers) and returns its undo. */
function swap<T extends object, K extends keyof T>(o: T, key: K, value: T[K]): () => void {
  const before = o[key];
  (o as Record<K, T[K]>)[key] = value;
  return () => {
    (o as Record<K, T[K]>)[key] = before;
  };
}

const HOURS = 6;

/** The run's event log, hashed line by line. */
async function logHash(scenarioText: string, quiet: boolean): Promise<string> {
  vi.stubEnv('VAMM_QUIET_LOOKS', quiet ? '1' : '0');
  return runLogHash(scenarioText);
}

describe('runs with looks taken as promised', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('write the same event log as runs that wake every agent', async () => {
    const taken = vi.spyOn(QuietLooks.prototype, 'promised');
    let skipped = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(BASES) as Array<keyof typeof BASES>)),
        fc.constantFrom('default', 'perp-v1'),
        fc.integer({ min: 1, max: 1_000_000 }),
        // Fee changes and k migrations move what the promises rest on; an arbitrageurs' outage reschedules them.
        fc.array(fc.record({ minute: fc.integer({ min: 1, max: HOURS * 60 - 1 }), fees: fc.constantFrom({ feeRatio: '0.01' }, { feeRatio: '0' }, { spreadRatio: '0.002' }) }), { maxLength: 2 }),
        fc.uniqueArray(fc.record({ minute: fc.integer({ min: 1, max: HOURS * 60 - 1 }), multiplier: fc.constantFrom('0.5', '1.5') }), { maxLength: 2, selector: (m) => m.minute }),
        fc.option(fc.record({ start: fc.integer({ min: 1, max: HOURS * 60 - 40 }), length: fc.integer({ min: 5, max: 30 }) }), { nil: undefined }),
        async (baseName, profile, seed, fees, migrations, outage) => {
          const base = BASES[baseName];
          const at = (minute: number) => dateAt(base.from, minute);
          const scenario = JSON.stringify({
            ...bundled(base.file),
            name: 'quiet-looks',
            profile,
            seed,
            prices: { file: base.prices, gapPolicy: 'carry-forward', from: at(0), to: at(HOURS * 60) },
            invariants: 'block',
            ...(fees.length > 0 ? { faults: [...fees].sort((a, b) => a.minute - b.minute).map((f) => ({ at: at(f.minute), setMarketParams: { market: 'ETH', fees: f.fees } })) } : {}),
            migrations: [...migrations].sort((a, b) => a.minute - b.minute).map((m) => ({ at: at(m.minute), multiplier: m.multiplier, remap: 'eager' })),
            events: outage ? [{ kind: 'agent-outage', agents: 'arbitrageur-*', from: at(outage.start), to: at(outage.start + outage.length) }] : [],
          });
          const off = await logHash(scenario, false);
          taken.mockClear();
          const on = await logHash(scenario, true);
          skipped += taken.mock.results.filter((r) => r.type === 'return' && !Number.isNaN(r.value)).length;
          expect(on).toBe(off);
        },
      ),
      { numRuns: Number(process.env.VAMM_QUIET_LOOKS_RUNS ?? 6) },
    );
    taken.mockRestore();
    // Looks were taken as promised (the comparison is not between two runs that woke everyone).
    expect(skipped).toBeGreaterThan(1000);
  }, 600_000);
});
