/**
 * An arbitrageur looks at the gap before its room (issue 15): when the gap alone is worth less
 * than the minimum notional, no room can make an order of it, so it returns no order without
 * reading its own rows (which the engine then never values). Over random observations (mark and
 * CEX close or apart, either side, cross or wallet-funded, long, short or flat, flat rows' NaN,
 * fee ordering or not; valued rows as the observation values them from the records and
 * reserves) and random traits, its looks equal the room-first decision it replaced, its room
 * valued exactly, submission for submission, with its random stream left in the same place
 * (a look with a gap whose room it bounds from its records, agents/room-bound.ts, decides the
 * same); and a look that finds no gap reads none of its rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentContext, Submission } from '../agents/agent.ts';
import { type Bid, MIN_ARBITRAGE_NOTIONAL, type RoomRows, arbitrageOrder, arbitrageQuote, arbitrageRatio, gapQuote, ownRows, pricingRow } from '../agents/arbitrage-pricing.ts';
import { Arbitrageur, type ArbitrageurParams } from '../agents/arbitrageur.ts';
import { Rng } from '../data/prng.ts';
import { DEFAULT_HEDGE } from '../sim/engine/hedge-venue.ts';
import { A, H, M, Observation, P, observationLength } from '../sim/engine/observation.ts';

const layout = { markets: ['ETH'], accounts: ['arb', 'other'] };

/** What the arbitrageur decided before (its room valued first), from its own private parts. */
interface Inner {
  readonly a: ArbitrageurParams;
  readonly minEdge: number;
  readonly ctx: AgentContext;
  room(view: Observation, side: 'long' | 'short', rows: RoomRows): number;
  readonly bid: Bid;
}
function roomFirst(agent: Arbitrageur, view: Observation): Submission | null {
  const x = agent as unknown as Inner;
  const { market } = x.a;
  const side = view.market(market, 'spot') < view.market(market, 'cex') ? 'long' : 'short';
  const leverage = Math.min(x.a.leverage, view.market(market, 'maxLeverage') * 0.9);
  const row = pricingRow(view, market);
  const quote = arbitrageQuote(row, side, x.room(view, side, ownRows(view, 0, market, side, leverage)), x.a.hedge, x.minEdge);
  if (quote === null) return null;
  return arbitrageOrder(view, row, market, side, quote.quote * x.a.intensity, leverage, x.a.hedge, x.minEdge, x.bid, x.ctx.rng, x.a.latency);
}

/** A real number in [min, max] on a grid (fast-check's doubles crowd the extremes and subnormals). */
const real = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000);

const traits = fc.record({
  minEdge: real(0, 0.005),
  intensity: fc.oneof(fc.constant(1), real(0.05, 1)),
  leverage: real(1, 20),
  maxInventory: real(0, 5),
  freeInventory: real(0, 1),
  hurdleRate: fc.constantFrom(0, 0.05, 0.2),
  hedgeCapital: fc.constantFrom(0, 50_000, 1_000_000),
});

const looks = fc.array(
  fc.record({
    quoteReserve: real(1e5, 1e8),
    price: real(100, 5000),
    // Mostly close (no gap worth the minimum), sometimes far apart.
    gap: fc.oneof(real(-1e-4, 1e-4), real(-0.05, 0.05)),
    // Or the CEX price set so that the gap alone is worth this much quote: near the minimum.
    gapQuote: fc.option(fc.oneof(real(0, 150), real(49.5, 51)), { nil: undefined }),
    side: fc.constantFrom('long', 'short'),
    feeRatio: fc.constantFrom(0, 0.001, 0.003),
    maxLeverage: fc.constantFrom(10, 16),
    fundingRate: real(-0.01, 0.01),
    // 1.5: a band past 111 % makes the room NaN (√ of a negative), which must still decide as before.
    fluctuationLimit: fc.constantFrom(0, 0.012, 0.1, 1.5),
    collateral: fc.constantFrom(0, 1000, 600_000),
    wallet: fc.constantFrom(0, 500, 600_000),
    size: fc.constantFrom(-50, -0.1, 0, 0.1, 80),
    // Its valued rows follow from these and the reserves, as the observation values them.
    openNotional: real(0, 2e6),
    fundingOwed: real(-1000, 1000),
    feeOrdering: fc.constantFrom(0, 1),
    baseFee: fc.constantFrom(0.001, 0.1, 30),
    ethUsd: fc.constantFrom(20, 2000),
  }),
  { minLength: 1, maxLength: 30 },
);

type Look = typeof looks extends fc.Arbitrary<Array<infer L>> ? L : never;
type Traits = typeof traits extends fc.Arbitrary<infer T> ? T : never;

function write(view: Observation, l: Look, minEdge: number): void {
  const d = view.data;
  const mo = view.marketOffset('ETH');
  const base = l.quoteReserve / l.price;
  d[H.ethUsd] = l.ethUsd;
  d[H.baseFee] = l.baseFee;
  d[H.feeOrdering] = l.feeOrdering;
  d[mo + M.open] = 1;
  d[mo + M.quoteReserve] = l.quoteReserve;
  d[mo + M.baseReserve] = base;
  d[mo + M.spot] = l.quoteReserve / base;
  d[mo + M.cex] = (l.quoteReserve / base) * (1 + l.gap);
  if (l.gapQuote !== undefined) {
    // The mark's limit that quote reaches (x·y = k), over the costs the arbitrageur prices in.
    const q1 = l.side === 'long' ? l.quoteReserve + l.gapQuote : l.quoteReserve - l.gapQuote;
    d[mo + M.cex] = (q1 * q1) / (l.quoteReserve * base) / arbitrageRatio(DEFAULT_HEDGE, l.feeRatio, 0, l.side, minEdge);
  }
  d[mo + M.fast] = d[mo + M.cex] as number;
  d[mo + M.feeRatio] = l.feeRatio;
  d[mo + M.maxLeverage] = l.maxLeverage;
  d[mo + M.fundingRate] = l.fundingRate;
  d[mo + M.fundingPeriod] = 3600;
  d[mo + M.fluctuationLimit] = l.fluctuationLimit;
  const ao = view.accountOffset(0);
  d[ao + A.collateral] = l.collateral;
  d[ao + A.wallet] = l.wallet;
  const po = view.positionOffset(0, 'ETH');
  d[po + P.size] = l.size;
  d[po + P.openNotional] = l.size === 0 ? 0 : l.openNotional;
  d[po + P.fundingOwed] = l.size === 0 ? 0 : l.fundingOwed;
  // The exit value (a short past the base reserve at spot), and the cross group's value.
  const s = Math.abs(l.size);
  const exit = l.size < 0 && s >= base ? s * (l.quoteReserve / base) : (l.quoteReserve * s) / (l.size > 0 ? base + s : base - s);
  d[po + P.notional] = exit;
  d[po + P.groupValue] = l.size === 0 ? Number.NaN : l.collateral + (l.size > 0 ? exit - l.openNotional : l.openNotional - exit) - l.fundingOwed;
}

function arbitrageur(t: Traits, seed: number): Arbitrageur {
  const ctx: AgentContext = { id: 'arb', index: 0, rng: new Rng(seed), markets: ['ETH'], blockTime: 12 };
  const params: ArbitrageurParams = {
    market: 'ETH',
    interval: 60,
    minEdge: t.minEdge,
    intensity: t.intensity,
    leverage: t.leverage,
    latency: { median: 4, sigma: 1 },
    priorityFee: 0.01,
    bidShare: { min: 0.05, max: 0.5 },
    maxPriorityFee: 1000,
    maxInventory: t.maxInventory,
    freeInventory: t.freeInventory,
    hurdleRate: t.hurdleRate,
    hedge: { ...DEFAULT_HEDGE, capital: t.hedgeCapital },
  };
  return new Arbitrageur(ctx, params);
}

describe('arbitrageur: the gap before the room', () => {
  it('decides as the room-first arbitrageur did, and reads none of its rows when the gap is under the minimum', () => {
    let orders = 0;
    let nearMinimum = 0;
    let gapless = 0;
    fc.assert(
      fc.property(traits, fc.integer({ min: 1, max: 2 ** 31 - 1 }), looks, (t, seed, ls) => {
        const gapFirst = arbitrageur(t, seed);
        const reference = arbitrageur(t, seed);
        const view = new Observation(layout, new Float64Array(observationLength(layout)));
        let now = 1000;
        for (const l of ls) {
          write(view, l, (gapFirst as unknown as Inner).minEdge);
          // Its rows deferred: a look that reads them values them (here: counts the reads).
          let read = 0;
          view.deferRows([0], () => read++, () => read++);
          const w = gapFirst.wake(view, now);
          view.dropDeferred();
          // The reference's first look sets its capital as the agent's did.
          const x = reference as unknown as { capital: number };
          if (Number.isNaN(x.capital)) x.capital = Math.max(view.account(0, 'collateral'), view.account(0, 'wallet'));
          const expected = roomFirst(reference, view);
          expect(w.submissions).toEqual(expected === null ? [] : [expected]);
          expect(w.next).toBe(now + 60);
          if (expected !== null) orders++;
          const side = view.market('ETH', 'spot') < view.market('ETH', 'cex') ? 'long' : 'short';
          const gap = gapQuote(pricingRow(view, 'ETH'), side, DEFAULT_HEDGE, t.minEdge);
          if (expected !== null && gap < MIN_ARBITRAGE_NOTIONAL * 1.01) nearMinimum++;
          // Both streams in the same place.
          const xs = [(gapFirst as unknown as Inner).ctx.rng.next(), (reference as unknown as Inner).ctx.rng.next()];
          expect(xs[0]).toBe(xs[1]);
          // Past its first look (which reads its capital), no gap worth the minimum reads no row.
          if (now > 1000 && gap < MIN_ARBITRAGE_NOTIONAL) {
            expect(read).toBe(0);
            gapless++;
          }
          now += 12;
        }
      }),
      // The counts below are over the drawn cases: 300 unseeded runs put 4-13 orders within 1 % of
      // the minimum (under 6 about one draw in ten), so 1,000 runs and a fixed seed (overridable).
      { numRuns: 1000, seed: Number(process.env.VAMM_GAP_FIRST_SEED ?? 20261206) },
    );
    // Both kinds of look were drawn.
    expect(orders).toBeGreaterThan(400);
    expect(gapless).toBeGreaterThan(1000);
    // Orders whose gap is within 1 % of the minimum: the threshold is drawn on.
    expect(nearMinimum).toBeGreaterThan(10);
  });
});
