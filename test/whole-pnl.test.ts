/**
 * The whole-P&L accounting on a plan computed by hand: an attacker alone on a 1M-deep vAMM shorts
 * 40k at 1,000 USD, the reference steps to 1,100 while nobody moves the mark, and it closes seven
 * hours later. Its hedge is the engine's venue (the arbitrageurs' terms): long the same base a
 * second after each fill, at the reference. Every term is worked out here from x·y=k, the cap,
 * the oracle's rounds and the venue's stated costs, independently of the code under test, and the
 * book must agree.
 */
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { DEFAULT_HEDGE } from '../sim/engine/hedge-venue.ts';
import type { LoggedEvent } from '../sim/engine/event-log.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { WholePnlBook } from '../sim/engine/whole-pnl.ts';
import { SYNTHETIC_START as T0, hourlyCandleFile } from './helpers/synthetic-candles.ts';

const HOUR = 3600;

/** Hourly candles from 00:00 UTC: 1,000 for ten hours, then 1,100 for eight. */
const candleFile = () => hourlyCandleFile(Array.from({ length: 18 }, (_, h) => (h < 10 ? 1000 : 1100)), 'step_1h.csv');

describe('whole P&L of a hand-computed plan', () => {
  it('adds up term by term: vAMM, funding, fees, gas, hedge, its costs and funding; the stale-mark gain inside', async () => {
    const scenario = {
      name: 'whole-pnl',
      profile: 'default',
      market: { id: 'ETH', depth: '1000000' },
      prices: { file: candleFile(), gapPolicy: 'refuse' },
      insuranceFund: '100000',
      invariants: 'block',
      agents: [
        { kind: 'keeper', count: 1, capital: '100' },
        {
          kind: 'plan-manipulator',
          name: 'attacker',
          count: 1,
          capital: '40000',
          params: { side: 'short', hold: 40000, buildStart: 9.5 * HOUR, unwindStart: 16.5 * HOUR, push: 0, slice: 1e9, leverage: 2, priorityFee: 0.1 },
        },
      ],
    };
    const book = new WholePnlBook('attacker-1');
    const actions: LoggedEvent[] = [];
    const keep = { write: (e: LoggedEvent) => (e.type === 'AgentAction' && e.agent === 'attacker-1' ? actions.push(e) : 0), close: () => {} };
    const { summary } = await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario))), { sinks: [book, keep] });
    const r = book.result();

    // The short sells Δb base for 40k of quote on Q = 1M, B = 1,000: Δb = B·q/(Q − q).
    const db = (1000 * 40_000) / 960_000;
    // Alone on the curve the round trip is free: buying Δb back costs the same 40k.
    expect(Math.abs(r.vammTrading)).toBeLessThan(1e-6);
    expect(r.fees).toBeCloseTo(0.001 * 40_000 * 2, 6);
    expect(r.penalties).toBe(0);
    expect(r.other).toBeCloseTo(0, 9);

    // Funding: settlements at 10h…16h while it is short; the mark sits ≥ 0.5 % under the index,
    // so every one is capped at 0.1 %/8 h of the 8-hour index TWAP, and the short pays it.
    // Index rounds: 1,000 every hour (heartbeat, 12 s latency), then 1,100 landed at 10h + 12 s.
    const step = T0 + 10 * HOUR + 12;
    const indexTwap = (T: number) => {
      const base = T - 8 * HOUR;
      const before = Math.max(0, Math.min(T, step) - base);
      return (1000 * before + 1100 * (8 * HOUR - before)) / (8 * HOUR);
    };
    const settlements = [10, 11, 12, 13, 14, 15, 16].map((h) => T0 + h * HOUR);
    const capBound = (T: number) => (indexTwap(T) * 0.001 * HOUR) / (8 * HOUR);
    const fundingPaid = db * settlements.reduce((s, T) => s + capBound(T), 0);
    expect(r.funding).toBeCloseTo(-fundingPaid, 6);
    expect(r.fundingPaidBy).toEqual({});
    // What it paid went to the insurance fund (it was the whole imbalance).
    expect(Number(summary.funding.insuranceFundNet)).toBeCloseTo(fundingPaid, 6);

    // Gas: one open and one close (the execution module closes the whole position when the target is 0), as the engine charged them.
    expect(actions.map((e) => [e.action, e.ok])).toEqual([
      ['open', true],
      ['close', true],
    ]);
    const gas = actions.reduce((s, e) => s + (e.gasCostUsd as number), 0);
    expect(gas).toBeGreaterThan(0);
    expect(r.gas).toBeCloseTo(gas, 9);

    // The venue position: long Δb at 1,000, sold at 1,100. Nobody moved the mark, so the short's
    // exit on the curve never followed the reference: the short had no exposure to hedge, and the
    // venue long was a naked bet. Hedge ratio 0: its whole gain is directional, outside the total.
    expect(r.hedge).toBeCloseTo(db * 100, 2);
    expect(r.hedgeRatio).toBe(0);
    expect(r.directional).toBeCloseTo(db * 100, 2);
    expect(r.basis).toBeCloseTo(0, 6);
    expect(r.staleMarkGain).toBeCloseTo(0, 6);
    // Its costs on the venue: taker fee + half-spread + 5 bp per 1M of size on each fill, and the
    // venue's 0.01 % at its 16:00 UTC settlement on the long hedge (none fell due at 08:00: not yet built).
    const h = DEFAULT_HEDGE;
    const tradeCost = (n: number) => n * (h.takerFee + h.halfSpread + (h.impactPerMillion * n) / 1e6);
    expect(r.hedgeTradingCosts).toBeCloseTo(tradeCost(db * 1000) + tradeCost(db * 1100), 2);
    const venueFunding = db * 1100 * h.fundingRate;
    expect(r.hedgeFunding).toBeCloseTo(venueFunding, 3);

    // The costs of the venue position are the agent's whichever way it is read.
    const total = 0 - fundingPaid - 80 - gas - tradeCost(db * 1000) - tradeCost(db * 1100) - venueFunding;
    expect(r.total).toBeCloseTo(total, 1);
    expect(r.totalWithDirectional).toBeCloseTo(total + db * 100, 1);
    expect(r.totalExStaleMark).toBeCloseTo(total, 1);
    expect(r.trades).toBe(2);
    expect(r.settlements).toBeGreaterThanOrEqual(15);
    expect(summary.invariants.violations).toEqual({});
  }, 60_000);
});

describe('the hedge ratio: how far the market moved the mark with the reference', () => {
  /**
   * An hourly log where the reference goes 1,000 → 1,100 → 1,050 → 1,200 → 1,200 and each hour the
   * agent moves the spot 1 % up, then the others close `follow` of the gap to the reference.
   */
  const book = (follow: number) => {
    const b = new WholePnlBook('attacker-1');
    const prices = [1000, 1100, 1050, 1200, 1200];
    const wei = (x: number) => BigInt(Math.round(x * 1e9)) * 10n ** 9n;
    const trade = (trader: string, spot: number, t: number) =>
      b.write({ type: 'PositionChanged', trader, spotPrice: wei(spot).toString(), exchangedPositionSize: '1', positionSizeAfter: '1', realizedPnl: '0', fee: '0', fundingPayment: '0', liquidationPenalty: '0', timestamp: t } as unknown as LoggedEvent);
    let spot = 1000;
    prices.forEach((reference, h) => {
      if (h > 0) {
        // The agent's own move: not the market's, and a tracking market undoes it too.
        spot *= 1.01;
        trade('attacker-1', spot, T0 + h * HOUR - 60);
        spot *= (reference / spot) ** follow;
        trade('arbitrageur-1', spot, T0 + h * HOUR - 30);
      }
      b.write({ type: 'Snapshot', spot: wei(spot).toString(), fast: wei(reference).toString(), index: wei(reference).toString(), timestamp: T0 + h * HOUR } as unknown as LoggedEvent);
    });
    return b.hedgeRatio();
  };
  it('is 0 where nobody moves the mark, 1 where arbitrage follows the reference, the share in between', () => {
    expect(book(0)).toBeCloseTo(0, 6);
    expect(book(1)).toBeCloseTo(1, 6);
    expect(book(0.4)).toBeCloseTo(0.4, 6);
    // Clamped: a market that overshoots hedges no more than the whole position.
    expect(book(1.5)).toBe(1);
  });
});
