/**
 * The calibration report: the simulated market's stylised facts beside the real market's on
 * the same hours, each with the tolerance the default population must meet, fixed before the
 * comparison was made:
 *  - |mark − reference| (the basis), calm and stressed hours apart: median and 99th percentile
 *    within a factor of 3 of the real perp–spot basis of the same hours;
 *  - the funding rate per 8 h, |median| and |p99| within a factor of 3 of Binance's funding
 *    rate over the same windows (its formula on the hourly perp–spot premium);
 *  - arbitrageurs: under 10 % of their trades at a negative edge against the reference, and
 *    fewer than half of their trading blocks with two or more of them on the same side;
 *  - the L1 gas process: every day's mean base fee within a factor of 2 of the real daily gas.
 * Facts with no real counterpart in ../shared (volume by agent kind) or only one real
 * observation (liquidations per 10 % fall: Perp v1's BTC crash of 21 February 2021) are
 * reported beside what exists, without a tolerance; arbitrage profit per unit of capital is
 * shown beside the real market's funding carry on the same days.
 */
import type { MarketFacts } from './market-facts.ts';
import { type RealMarket, fundingWindows, quantile } from './real-market.ts';

export interface CalibrationRow {
  readonly fact: string;
  readonly statistic: string;
  readonly real: number | null;
  readonly simulated: number;
  /** The bound it must meet, in words, or null when none is claimed. */
  readonly tolerance: string | null;
  readonly pass: boolean | null;
  readonly note?: string;
}

export interface GasDay {
  readonly day: number;
  readonly real: number;
  readonly simulated: number;
}

export interface CalibrationResult {
  readonly runs: ReadonlyArray<{ readonly name: string; readonly start: number; readonly end: number; readonly hours: number; readonly stressedHours: number }>;
  readonly stressThreshold: number;
  readonly rows: readonly CalibrationRow[];
  readonly pass: boolean;
}

/** Within a factor of `k` of the real value. */
const withinFactor = (sim: number, real: number, k: number) => real > 0 && sim / real <= k && sim / real >= 1 / k;

/** Perp v1, 21 February 2021: 28 wallets liquidated as BTC fell from 56k to 37k on its vAMM (../shared/reference). */
const PERP_V1_LIQUIDATIONS_PER_10_PCT = 28 / (1 - 37 / 56) / 10;

export function calibrate(facts: readonly MarketFacts[], real: RealMarket, gas: readonly GasDay[] = []): CalibrationResult {
  const rows: CalibrationRow[] = [];
  const sim: Record<'calm' | 'stressed', number[]> = { calm: [], stressed: [] };
  const obs: Record<'calm' | 'stressed', number[]> = { calm: [], stressed: [] };
  const runs: Array<CalibrationResult['runs'][number]> = [];
  for (const f of facts) {
    let hours = 0;
    let stressedHours = 0;
    for (const [t, b] of f.basis) {
      const h = real.hours.get(t);
      if (!h || Number.isNaN(h.volatility)) continue;
      const regime = h.volatility >= real.stressThreshold ? 'stressed' : 'calm';
      sim[regime].push(b);
      obs[regime].push(h.basis);
      hours++;
      if (regime === 'stressed') stressedHours++;
    }
    runs.push({ name: f.name, start: f.start, end: f.end, hours, stressedHours });
  }
  for (const regime of ['calm', 'stressed'] as const) {
    for (const [statistic, q] of [['median', 0.5], ['p99', 0.99]] as const) {
      const s = quantile(sim[regime], q);
      const r = quantile(obs[regime], q);
      rows.push({ fact: `|mark − index| (index: the spot price), ${regime} hours (${sim[regime].length})`, statistic, real: r, simulated: s, tolerance: 'within ×3', pass: withinFactor(s, r, 3) });
    }
  }
  // Funding: the vAMM's rate per 8 h against Binance's (its formula on the real premium) on the same days.
  const simFunding = facts.flatMap((f) => f.funding.map(([, r]) => Math.abs(r)));
  const realFunding = facts.flatMap((f) => [...fundingWindows(real.hours, f.start, f.end).values()].map(Math.abs));
  for (const [statistic, q] of [['|median|', 0.5], ['|p99|', 0.99]] as const) {
    const s = quantile(simFunding, q);
    const r = quantile(realFunding, q);
    rows.push({ fact: 'funding rate per 8 h', statistic, real: r, simulated: s, tolerance: 'within ×3', pass: withinFactor(s, r, 3) });
  }
  // Arbitrage: trade quality (pooled), profit per unit of capital per day beside the real carry.
  const trades = facts.reduce((a, f) => a + f.arbitrage.quality.trades, 0);
  const negative = facts.reduce((a, f) => a + f.arbitrage.quality.negativeEdge, 0);
  const blocks = facts.reduce((a, f) => a + f.arbitrage.quality.tradingBlocks, 0);
  const crowded = facts.reduce((a, f) => a + f.arbitrage.quality.sameSideBlocks, 0);
  rows.push({ fact: 'arbitrageur trades at a negative edge', statistic: 'share', real: null, simulated: trades ? negative / trades : 0, tolerance: '< 10 %', pass: trades > 0 && negative / trades < 0.1 });
  rows.push({ fact: 'arbitrageur trading blocks with ≥ 2 on one side', statistic: 'share', real: null, simulated: blocks ? crowded / blocks : 0, tolerance: '< 50 %', pass: blocks > 0 && crowded / blocks < 0.5 });
  for (const f of facts) {
    const days = Math.max(1e-9, (f.end - f.start) / 86400);
    const carry = mean([...fundingWindows(real.hours, f.start, f.end).values()].map(Math.abs)) * 3;
    rows.push({
      fact: `arbitrage net per unit of capital per day, ${f.name}`,
      statistic: 'mean',
      real: Number.isNaN(carry) ? null : carry,
      simulated: f.arbitrage.capital > 0 ? f.arbitrage.netAtMark / f.arbitrage.capital / days : 0,
      tolerance: null,
      pass: null,
      note:
        'real: what a hedged position collecting Binance funding earned per day on its notional over the same days (no real vAMM arbitrage record exists in ../shared); ' +
        `simulated: the arbitrageurs' net with their vAMM inventory at the mark, as the carry's position is (at its exit, leaving at once on the curve: ${f.arbitrage.capital > 0 ? ((100 * f.arbitrage.net) / f.arbitrage.capital / days).toFixed(3) : '0'} % a day)`,
    });
  }
  // Volume by kind (no real counterpart) and liquidations against the fall.
  const volume = new Map<string, number>();
  for (const f of facts) for (const [k, v] of Object.entries(f.volumeByKind)) volume.set(k, (volume.get(k) ?? 0) + v);
  const total = [...volume.values()].reduce((a, b) => a + b, 0);
  for (const [k, v] of [...volume].sort(([, a], [, b]) => b - a)) {
    rows.push({ fact: `share of volume: ${k}`, statistic: 'share', real: null, simulated: total ? v / total : 0, tolerance: null, pass: null, note: 'no record of volume by trader type in ../shared' });
  }
  for (const f of facts) {
    if (f.worstFall <= 0) continue;
    rows.push({
      fact: `liquidations per 10 % fall, ${f.name} (worst fall ${(f.worstFall * 100).toFixed(0)} %)`,
      statistic: 'count',
      real: PERP_V1_LIQUIDATIONS_PER_10_PCT,
      simulated: f.liquidations / (f.worstFall * 10),
      tolerance: null,
      pass: null,
      note: 'real: Perp v1 BTC, 21 Feb 2021 (28 wallets as 56k → 37k); one event on another market, so no tolerance',
    });
  }
  for (const d of gas) {
    rows.push({ fact: `L1 gas, ${new Date(d.day * 1000).toISOString().slice(0, 10)}`, statistic: 'daily mean (gwei)', real: d.real, simulated: d.simulated, tolerance: 'within ×2', pass: withinFactor(d.simulated, d.real, 2) });
  }
  return { runs, stressThreshold: real.stressThreshold, rows, pass: rows.every((r) => r.pass !== false) };
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 ? 4 : 3)} %`;

/** The report as Markdown: one table, real beside simulated, with the tolerance and whether it holds. */
export function formatCalibration(r: CalibrationResult): string {
  const lines = ['# Calibration: the simulated market beside the real one', ''];
  lines.push(
    `Runs: ${r.runs.map((x) => `${x.name} (${x.hours} hours, ${x.stressedHours} stressed)`).join(', ')}. Stressed = the spot's trailing-24 h realised volatility above ${(r.stressThreshold * 100).toFixed(2)} %/day, the real overlap's top decile.`,
    '',
  );
  lines.push('| fact | statistic | real | simulated | tolerance | holds |', '| --- | --- | ---: | ---: | --- | --- |');
  for (const row of r.rows) {
    const fmt = (x: number | null) => (x === null ? '—' : row.statistic === 'count' ? x.toFixed(1) : row.statistic.includes('gwei') ? x.toFixed(1) : pct(x));
    lines.push(`| ${row.fact.replaceAll('|', '\\|')} | ${row.statistic.replaceAll('|', '\\|')} | ${fmt(row.real)} | ${fmt(row.simulated)} | ${row.tolerance ?? 'reported'} | ${row.pass === null ? '' : row.pass ? 'yes' : '**no**'} |`);
  }
  const notes = [...new Set(r.rows.flatMap((x) => (x.note ? [x.note] : [])))];
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  lines.push('', r.pass ? 'Every stated tolerance holds.' : '**A stated tolerance does not hold.**', '');
  return lines.join('\n');
}
