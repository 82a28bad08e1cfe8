/**
 * A run scenario's second market (run-schema.ts `secondMarket`): its agents, the stated book's
 * positions in it (each account one cross-margin account across both markets), and its prices,
 * drawn from the first market's candles with the fitted co-movement (data/correlated-path.ts).
 */
import type { AgentSpec } from '../agents/registry.ts';
import type { CandleSeries } from '../data/candle-series.ts';
import { correlatedCandles, loadCoMovement } from '../data/correlated-path.ts';
import { synthesiseRounds } from '../data/oracle-synthesis.ts';
import { forPath } from '../data/prng.ts';
import type { MarketRun } from '../sim/engine/simulation.ts';
import { toWei } from '../sim/math/units.ts';
import type { RunScenario, SecondMarket } from './run-schema.ts';
import { marketParamsOf } from './script-runner.ts';

/** The second path's random stream is its own, so the first market's path is the same with or without it. */
const SECOND_STREAM = 0x5ec0d;

/** What a holder holds in the second market besides its first-market position. */
export interface SecondPosition {
  readonly market: string;
  readonly side: 'long' | 'short';
  readonly notional: number;
}

/**
 * The agents with the second market in place: the holders (the stated book) each given their
 * position there, and the second market's own agents bound to it (named `<id>-<kind>` unless named).
 */
export function withSecondMarket(agents: readonly AgentSpec[], m: SecondMarket): AgentSpec[] {
  const book = m.book;
  const holders = agents.map((a) => {
    if (a.kind !== 'holder' || !book) return a;
    const p = a.params as { side: 'long' | 'short'; notional: number };
    const side = book.side === 'same' ? p.side : p.side === 'long' ? 'short' : 'long';
    const second: SecondPosition = { market: m.id, side, notional: Math.round(p.notional * book.share * 100) / 100 };
    return { ...a, params: { ...p, second } };
  });
  const own = m.agents.map((a) => ({ ...a, market: m.id, name: a.name ?? `${m.id.toLowerCase()}-${a.kind}` }));
  return [...holders, ...own];
}

/** The second market for the engine: its candles on the first market's times, and oracle rounds synthesised from them. */
export function secondMarketRun(s: RunScenario, first: CandleSeries, seed: number): MarketRun {
  const m = s.secondMarket as SecondMarket;
  const motion = loadCoMovement(m.fit);
  const path = 'generator' in s.prices ? s.prices.path : 0;
  const candles = correlatedCandles(first, motion, toWei(m.startPrice), forPath((seed ^ SECOND_STREAM) >>> 0, path), `${m.id} from ${first.source} (${m.fit})`);
  const { id, depth, startPrice: _p, fit: _f, book: _b, agents: _a, fastFeed, ...overrides } = m;
  return { id, quoteReserve: depth, params: marketParamsOf(overrides), candles, rounds: synthesiseRounds(candles), fastFeed };
}
