/**
 * Chainlink-style rounds synthesised from candles with the feed's rules, so any window (2020
 * crashes included, where no real rounds exist) runs through the same oracle code as real rounds.
 *
 * The feed is watched along a path through each candle: open at the bar's start, then the two
 * extremes (low first in an up bar, high first in a down bar) at 1/3 and 2/3 of the bar, and the
 * close at its end. A round is triggered when the watched price deviates from the latest answer by
 * more than the threshold, or when the heartbeat has elapsed since the latest update; it lands
 * `latency` seconds later (updatedAt), and no new round is triggered while one is in flight.
 * Answers have 8 decimals (wei / 1e10, floored: candle prices have at most 8 decimals).
 */
import type { ChainlinkRound } from '../sim/oracle/chainlink-feed.ts';
import type { CandleSeries } from './candle-series.ts';
import { resolutionAt } from './compose.ts';
import { phaseRoundId } from './round-loader.ts';

export interface OracleRules {
  /** Deviation threshold in parts per million of the latest answer (5000 = 0.5 %). */
  readonly deviationPpm: bigint;
  /** Seconds after the latest update at which a round is due regardless of price. */
  readonly heartbeat: number;
  /** Seconds from a trigger to the round's updatedAt (observation, consensus, inclusion). */
  readonly latency: number;
  /** roundId = phaseId << 64 | n, n counting from firstRound. */
  readonly phaseId: bigint;
  readonly firstRound: bigint;
}

/**
 * The mainnet ETH/USD feed's rules. Latency 12 s (one block): the real heartbeat rounds land
 * 3600–3612 s apart at the 90th percentile (SOURCES.md), i.e. the heartbeat plus about a block.
 */
export const ETH_USD_RULES: OracleRules = { deviationPpm: 5000n, heartbeat: 3600, latency: 12, phaseId: 1n, firstRound: 1n };

const WEI_PER_ANSWER = 10n ** 10n;
const PPM = 1_000_000n;

/** A span [from, to) in which the feed publishes nothing (its answer goes stale). */
export interface OracleOutage {
  readonly from: number;
  readonly to: number;
}

/**
 * Rounds for a candle series. During an outage no round is triggered or lands: a heartbeat that
 * falls due inside one fires when it ends, and so does a deviation seen inside it (the first
 * observation after the outage finds the answer stale or off).
 */
export function synthesiseRounds(s: CandleSeries, rules: OracleRules = ETH_USD_RULES, outages: readonly OracleOutage[] = []): ChainlinkRound[] {
  const rounds: ChainlinkRound[] = [];
  let n = rules.firstRound;
  let answer = 0n;
  let landed = Number.NEGATIVE_INFINITY;
  let lastPrice = 0n;
  /** The end of the outage `t` falls in (or `t` itself when none). */
  const afterOutage = (t: number): number => outages.find((o) => t >= o.from && t < o.to)?.to ?? t;

  const emit = (at: number, price: bigint) => {
    answer = price / WEI_PER_ANSWER;
    landed = at + rules.latency;
    rounds.push({ roundId: phaseRoundId(rules.phaseId, n), answer, startedAt: landed, updatedAt: landed });
    n++;
  };
  const observe = (t: number, price: bigint) => {
    // Heartbeats due before this observation fire with the price last seen (when an outage ends).
    for (;;) {
      const due = rounds.length > 0 && lastPrice > 0n ? afterOutage(landed + rules.heartbeat) : Number.POSITIVE_INFINITY;
      if (due > t) break;
      emit(due, lastPrice);
    }
    lastPrice = price;
    if (afterOutage(t) !== t) return; // the feed is down
    if (rounds.length === 0) return emit(t, price);
    if (t < landed) return; // a round is in flight
    const p = price / WEI_PER_ANSWER;
    const diff = p > answer ? p - answer : answer - p;
    if (diff * PPM > answer * rules.deviationPpm) emit(t, price);
  };

  for (let i = 0; i < s.time.length; i++) {
    const t = s.time[i] as number;
    // A bar lasts its segment's resolution, or less when the next bar opens sooner (a composed
    // series read back from CSV has finer bars inside a coarser modal resolution).
    const next = s.time[i + 1];
    const r = next === undefined ? resolutionAt(s, i) : Math.min(resolutionAt(s, i), next - t);
    const open = s.open[i] as bigint;
    const close = s.close[i] as bigint;
    const up = close >= open;
    observe(t, open);
    const third = Math.floor(r / 3);
    observe(t + third, up ? (s.low[i] as bigint) : (s.high[i] as bigint));
    observe(t + 2 * third, up ? (s.high[i] as bigint) : (s.low[i] as bigint));
    observe(t + r, close);
  }
  return rounds;
}
