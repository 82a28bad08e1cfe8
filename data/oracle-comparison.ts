/**
 * How close synthetic rounds come to the real feed over the span both cover: the number of
 * rounds, the distribution of update intervals, and at each real round the relative difference
 * between the real answer and the synthetic answer then in force.
 */
import { quantileSorted } from 'simple-statistics';
import type { ChainlinkRound } from '../sim/oracle/chainlink-feed.ts';

export interface IntervalStats {
  readonly count: number;
  readonly p10: number;
  readonly median: number;
  readonly p90: number;
  readonly max: number;
  /** Share of intervals ≥ 3500 s (heartbeat-driven updates). */
  readonly heartbeatShare: number;
}

export interface OracleComparison {
  readonly from: number;
  readonly to: number;
  readonly rounds: { readonly real: number; readonly synthetic: number; readonly ratio: number };
  readonly intervals: { readonly real: IntervalStats; readonly synthetic: IntervalStats };
  /** |synthetic − real| / real at each real round, over `compared` rounds. */
  readonly priceDiff: { readonly compared: number; readonly median: number; readonly p99: number; readonly max: number; readonly maxAt: number };
  /**
   * For scale: |real − previous real answer| / real at each real round, i.e. how far the real
   * feed's own answer in force was from its next one. Two sample-and-hold feeds of one price
   * with independent update times differ by about this much.
   */
  readonly realSelfChange: { readonly median: number; readonly p99: number };
}

export function intervalStats(rounds: readonly ChainlinkRound[]): IntervalStats {
  const d: number[] = [];
  for (let i = 1; i < rounds.length; i++) d.push((rounds[i] as ChainlinkRound).updatedAt - (rounds[i - 1] as ChainlinkRound).updatedAt);
  d.sort((a, b) => a - b);
  if (d.length === 0) return { count: 0, p10: 0, median: 0, p90: 0, max: 0, heartbeatShare: 0 };
  return {
    count: d.length,
    p10: quantileSorted(d, 0.1),
    median: quantileSorted(d, 0.5),
    p90: quantileSorted(d, 0.9),
    max: d[d.length - 1] as number,
    heartbeatShare: d.filter((x) => x >= 3500).length / d.length,
  };
}

/** Rounds with updatedAt in [from, to). */
export function roundsBetween(rounds: readonly ChainlinkRound[], from: number, to: number): ChainlinkRound[] {
  return rounds.filter((r) => r.updatedAt >= from && r.updatedAt < to);
}

/**
 * Compares over [from, to). The synthetic rounds should start before `from` so an answer is in
 * force at the first real round.
 */
export function compareRounds(real: readonly ChainlinkRound[], synthetic: readonly ChainlinkRound[], from: number, to: number): OracleComparison {
  const r = roundsBetween(real, from, to);
  const s = roundsBetween(synthetic, from, to);
  const diffs: number[] = [];
  let maxDiff = -1;
  let maxAt = 0;
  let k = 0;
  for (const round of r) {
    while (k + 1 < synthetic.length && (synthetic[k + 1] as ChainlinkRound).updatedAt <= round.updatedAt) k++;
    const inForce = synthetic[k];
    if (!inForce || inForce.updatedAt > round.updatedAt) continue;
    const d = Math.abs(Number(inForce.answer - round.answer)) / Number(round.answer);
    diffs.push(d);
    if (d > maxDiff) [maxDiff, maxAt] = [d, round.updatedAt];
  }
  diffs.sort((a, b) => a - b);
  const self: number[] = [];
  for (let i = 1; i < r.length; i++) self.push(Math.abs(Number((r[i] as ChainlinkRound).answer - (r[i - 1] as ChainlinkRound).answer)) / Number((r[i] as ChainlinkRound).answer));
  self.sort((a, b) => a - b);
  return {
    from,
    to,
    rounds: { real: r.length, synthetic: s.length, ratio: r.length ? s.length / r.length : 0 },
    intervals: { real: intervalStats(r), synthetic: intervalStats(s) },
    priceDiff: {
      compared: diffs.length,
      median: diffs.length ? quantileSorted(diffs, 0.5) : 0,
      p99: diffs.length ? quantileSorted(diffs, 0.99) : 0,
      max: Math.max(0, maxDiff),
      maxAt,
    },
    realSelfChange: { median: self.length ? quantileSorted(self, 0.5) : 0, p99: self.length ? quantileSorted(self, 0.99) : 0 },
  };
}
