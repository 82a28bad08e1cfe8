/**
 * Insurance-fund sizing. Thousands of price paths drawn from a generator fitted to ETH history,
 * plus the historical crashes replayed from today's price, each run with a leveraged population
 * on a fund seeded far larger than it can need, so nothing is ever socialised and the run shows
 * the whole loss. A fund of size F would have been exhausted on a path exactly when the seeded
 * fund fell more than F below its start (its drawdown, net of the fees and funding it earned on
 * the way): P(fund of size F exhausted) = P(drawdown > F). From those: bad debt per horizon,
 * the sizing curve F → P(exhausted) with Wilson intervals, the fund each target probability
 * needs with distribution-free quantile intervals, the expected shortfall beyond it
 * (bootstrap), the sensitivity to the risk parameters on common paths, and a recommendation.
 */
import { z } from 'zod';
import { GAP_POLICIES } from '../../data/gaps.ts';
import { GENERATOR_NAMES } from '../../data/generators/registry.ts';
import { Rng } from '../../data/prng.ts';
import type { RunSummary } from '../../sim/engine/summary.ts';
import type { Json } from '../../sim/state-view.ts';
import { parseRunScenario } from '../run-loader.ts';
import { LABEL_PREFIX, type SweepPoint, type SweepRow, type SweepSpec, applyValues } from '../sweep.ts';
import { type Interval, bootstrapInterval, expectedShortfallInterval, quantileInterval, wilson } from './statistics.ts';

const level = z.strictObject({
  label: z.string().min(1),
  /** Paths into the environment and their values at this level (sweep paths: agents[kind=liquidator].params.latency). */
  set: z.record(z.string(), z.unknown()),
});

export const InsuranceConfigSchema = z.strictObject({
  name: z.string().default('insurance'),
  /** The environment: a run scenario without prices. Seed its insurance fund far above any loss. */
  environment: z.record(z.string(), z.unknown()),
  /** Monte Carlo paths: path i of the seed is the same on any machine, thread or shard. */
  paths: z.strictObject({
    generator: z.enum(GENERATOR_NAMES),
    history: z.strictObject({ file: z.string().min(1), from: z.string(), to: z.string() }),
    count: z.number().int().positive(),
    /** Seconds every path lasts: the longest horizon. */
    horizon: z.number().int().positive(),
    startPrice: z.string(),
    startTime: z.string(),
  }),
  /** Horizons (seconds) the bad debt and the fund's drawdown are measured over, each ≤ the path horizon. */
  horizons: z.array(z.number().int().positive()).min(1),
  /** Target probabilities of exhausting the fund (socialised loss). */
  targets: z.array(z.number().gt(0).lt(1)).min(1),
  /** Historical windows replayed from the start price (same population). */
  replays: z.array(z.strictObject({ label: z.string().min(1), file: z.string().min(1), gapPolicy: z.enum(GAP_POLICIES) })).default([]),
  /** One factor at a time, each level run on the first `paths` generated paths (common random numbers with the base). */
  sensitivity: z
    .strictObject({
      paths: z.number().int().positive(),
      factors: z.array(z.strictObject({ label: z.string().min(1), levels: z.array(level).min(1) })),
    })
    .default({ paths: 1, factors: [] }),
  seed: z.number().int().nonnegative().default(1),
  confidence: z.number().gt(0).lt(1).default(0.95),
  /** Bootstrap resamples for the mean and the expected shortfall. */
  resamples: z.number().int().positive().default(1000),
  timeoutMs: z.number().int().positive().optional(),
});

export type InsuranceConfig = z.output<typeof InsuranceConfigSchema>;

/** The scenario every point starts from: the environment on path 0. Validated here, before any run. */
export function insuranceScenario(c: InsuranceConfig): Record<string, unknown> {
  const scenario = {
    ...c.environment,
    prices: { generator: c.paths.generator, history: c.paths.history, path: 0, horizon: c.paths.horizon, startPrice: c.paths.startPrice, startTime: c.paths.startTime },
  };
  parseRunScenario(JSON.stringify(scenario), `${c.name}: environment`);
  for (const h of c.horizons) if (h > c.paths.horizon) throw new Error(`${c.name}: horizon ${h} s is longer than the paths (${c.paths.horizon} s)`);
  for (const f of c.sensitivity.factors) for (const l of f.levels) parseRunScenario(JSON.stringify(applyValues(scenario, l.set as Record<string, Json>)), `${c.name}: sensitivity ${f.label} / ${l.label}`);
  if (c.sensitivity.factors.length > 0 && c.sensitivity.paths > c.paths.count) throw new Error(`${c.name}: sensitivity.paths (${c.sensitivity.paths}) exceeds paths.count (${c.paths.count})`);
  return scenario;
}

/** Points: the generated paths, the replays, then every sensitivity level on the first paths. */
export function insuranceSweep(c: InsuranceConfig): SweepSpec {
  const scenario = insuranceScenario(c);
  const points: Array<Record<string, Json>> = [];
  for (let i = 0; i < c.paths.count; i++) points.push({ 'prices.path': i, 'label.set': 'base' });
  for (const r of c.replays) {
    points.push({ prices: { replay: r.file, gapPolicy: r.gapPolicy, startPrice: c.paths.startPrice }, 'label.set': 'replay', 'label.replay': r.label });
  }
  for (const f of c.sensitivity.factors) {
    for (const l of f.levels) {
      for (let i = 0; i < c.sensitivity.paths; i++) points.push({ ...(l.set as Record<string, Json>), 'prices.path': i, 'label.set': `${f.label}: ${l.label}` });
    }
  }
  return { name: c.name, scenario, mode: 'points', axes: [], points, seeds: [c.seed], ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) };
}

export interface InsuranceMetrics {
  /** Cumulative bad debt (USD) by each horizon. */
  readonly badDebt: number[];
  /** The fund's largest fall below its start (USD) by each horizon. */
  readonly drawdown: number[];
  /** Loss socialised or left uncovered: non-zero means the seeded fund ran dry and the drawdown is cut short. */
  readonly socialised: number;
  readonly liquidations: number;
}

/** Running value by each horizon from [time, value] records (bad debt summed, drawdown the last high). */
function byHorizon(records: ReadonlyArray<readonly [number, string]>, start: number, horizons: readonly number[], sum: boolean): number[] {
  return horizons.map((h) => {
    let v = 0;
    for (const [t, x] of records) if (t <= start + h) v = sum ? v + Number(x) : Math.max(v, Number(x));
    return v;
  });
}

export function insuranceMetrics(c: InsuranceConfig, s: RunSummary, _p: SweepPoint): Json {
  const metrics: InsuranceMetrics = {
    badDebt: byHorizon(s.badDebt.events, s.run.start, c.horizons, true),
    drawdown: byHorizon(s.insuranceFund.drawdownHighs, s.run.start, c.horizons, false),
    socialised: Number(s.badDebt.socialised) + Number(s.badDebt.uncovered),
    liquidations: s.liquidations.partial + s.liquidations.full,
  };
  return metrics as unknown as Json;
}

export interface SizingTarget {
  /** P(exhausted) aimed at. */
  readonly target: number;
  /** The fund size whose exhaustion probability is at most the target: the (1 − target)-quantile of the drawdown. */
  readonly fund: Interval;
  /** Mean drawdown over the worst `target` share of paths (bootstrap interval). */
  readonly expectedShortfall: Interval;
  /** Mean socialised loss on the paths that exhaust a fund of the estimated size (null: none did). */
  readonly lossGivenExhaustion: number | null;
}

export interface HorizonResult {
  readonly seconds: number;
  readonly paths: number;
  readonly badDebt: { readonly pAny: Interval; readonly mean: Interval; readonly p99: Interval; readonly max: number };
  readonly drawdown: { readonly pAny: Interval; readonly mean: Interval; readonly max: number };
  readonly targets: SizingTarget[];
  /** Fund size → probability a fund of that size is exhausted (Wilson interval). */
  readonly curve: Array<{ readonly fund: number; readonly p: Interval }>;
}

export interface SensitivityResult {
  readonly factor: string;
  readonly level: string;
  readonly paths: number;
  /** P(any bad debt) over the horizon. */
  readonly pBadDebt: Interval;
  readonly meanDrawdown: Interval;
  readonly p99Drawdown: Interval;
  /** The same statistics of the base on the same paths. */
  readonly base: { readonly pBadDebt: number; readonly meanDrawdown: number; readonly p99Drawdown: number };
}

export interface InsuranceResult {
  readonly generated: number;
  readonly failed: number;
  readonly confidence: number;
  readonly horizons: HorizonResult[];
  readonly replays: Array<{ readonly label: string; readonly badDebt: number; readonly drawdown: number; readonly liquidations: number; readonly exceededBy: Interval | null }>;
  readonly sensitivity: SensitivityResult[];
  readonly recommendation: { readonly fund: number | null; readonly target: number | null; readonly horizon: number; readonly reasoning: string };
  readonly warnings: string[];
}

const label = (r: SweepRow, k: string) => r.values[`${LABEL_PREFIX}${k}`] as string;
const metricsOf = (r: SweepRow) => r.metrics as unknown as InsuranceMetrics;
const sortedAsc = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const mean = (xs: readonly number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Fund sizes for the curve: 0, then log-spaced over three decades up to a little past the largest drawdown. */
export function curveSizes(drawdowns: readonly number[], points = 24): number[] {
  const hi = Math.max(0, ...drawdowns) * 1.05;
  if (hi === 0) return [0];
  const lo = Math.max(1, Math.min(hi / 1000, ...drawdowns.filter((d) => d > 0)));
  const sizes = [0];
  for (let i = 0; i < points; i++) sizes.push(Math.round(lo * (hi / lo) ** (i / (points - 1))));
  return [...new Set(sizes)];
}

export function analyseInsurance(c: InsuranceConfig, rows: readonly SweepRow[]): InsuranceResult {
  const rng = new Rng(c.seed ^ 0x5eed);
  const ok = rows.filter((r) => r.ok);
  const warnings: string[] = [];
  const failed = rows.length - ok.length;
  if (failed > 0) warnings.push(`${failed} runs failed and are left out (see rows.jsonl for their errors).`);
  const cutShort = ok.filter((r) => metricsOf(r).socialised > 0).length;
  if (cutShort > 0) warnings.push(`On ${cutShort} runs the seeded fund ran dry, so their drawdown is cut short: seed environment.insuranceFund larger.`);

  const base = ok.filter((r) => label(r, 'set') === 'base').sort((a, b) => (a.values['prices.path'] as number) - (b.values['prices.path'] as number));
  const horizons = c.horizons.map((seconds, h): HorizonResult => {
    const bad = base.map((r) => metricsOf(r).badDebt[h] as number);
    const dd = base.map((r) => metricsOf(r).drawdown[h] as number);
    const badSorted = sortedAsc(bad);
    const ddSorted = sortedAsc(dd);
    const n = base.length;
    return {
      seconds,
      paths: n,
      badDebt: {
        pAny: wilson(bad.filter((x) => x > 0).length, n, c.confidence),
        mean: bootstrapInterval(bad, mean, rng, c.resamples, c.confidence),
        p99: quantileInterval(badSorted, 0.99, c.confidence),
        max: badSorted.at(-1) ?? 0,
      },
      drawdown: { pAny: wilson(dd.filter((x) => x > 0).length, n, c.confidence), mean: bootstrapInterval(dd, mean, rng, c.resamples, c.confidence), max: ddSorted.at(-1) ?? 0 },
      targets: c.targets.map((target) => {
        const fund = quantileInterval(ddSorted, 1 - target, c.confidence);
        const beyond = dd.filter((x) => x > fund.estimate);
        return {
          target,
          fund,
          expectedShortfall: expectedShortfallInterval(dd, target, rng, c.resamples, c.confidence),
          lossGivenExhaustion: beyond.length ? mean(beyond.map((x) => x - fund.estimate)) : null,
        };
      }),
      curve: curveSizes(dd).map((fund) => ({ fund, p: wilson(dd.filter((x) => x > fund).length, n, c.confidence) })),
    };
  });

  const last = c.horizons.length - 1;
  const longest = base.map((r) => metricsOf(r).drawdown[last] as number);
  const replays = ok
    .filter((r) => label(r, 'set') === 'replay')
    .map((r) => {
      const m = metricsOf(r);
      const drawdown = m.drawdown[last] as number;
      return {
        label: label(r, 'replay'),
        badDebt: m.badDebt[last] as number,
        drawdown,
        liquidations: m.liquidations,
        // How often a generated path is at least this bad: where the replay sits in the distribution.
        exceededBy: longest.length ? wilson(longest.filter((x) => x >= drawdown).length, longest.length, c.confidence) : null,
      };
    });

  const sensitivity: SensitivityResult[] = [];
  for (const f of c.sensitivity.factors) {
    for (const l of f.levels) {
      const rs = ok.filter((r) => label(r, 'set') === `${f.label}: ${l.label}`);
      const paths = new Set(rs.map((r) => r.values['prices.path'] as number));
      const dd = rs.map((r) => metricsOf(r).drawdown[last] as number);
      const bad = rs.map((r) => metricsOf(r).badDebt[last] as number);
      const common = base.filter((r) => paths.has(r.values['prices.path'] as number));
      const baseDd = common.map((r) => metricsOf(r).drawdown[last] as number);
      const baseBad = common.map((r) => metricsOf(r).badDebt[last] as number);
      sensitivity.push({
        factor: f.label,
        level: l.label,
        paths: rs.length,
        pBadDebt: wilson(bad.filter((x) => x > 0).length, bad.length, c.confidence),
        meanDrawdown: bootstrapInterval(dd, mean, rng, c.resamples, c.confidence),
        p99Drawdown: quantileInterval(sortedAsc(dd), 0.99, c.confidence),
        base: { pBadDebt: baseBad.filter((x) => x > 0).length / (baseBad.length || 1), meanDrawdown: mean(baseDd), p99Drawdown: quantileInterval(sortedAsc(baseDd), 0.99, c.confidence).estimate },
      });
    }
  }

  return {
    generated: base.length,
    failed,
    confidence: c.confidence,
    horizons,
    replays,
    sensitivity,
    recommendation: recommend(c, horizons[last] as HorizonResult, replays),
    warnings,
  };
}

const usd = (x: number) => `${Math.round(x).toLocaleString('en-US')} USD`;
const pct = (p: number) => `${+(p * 100).toPrecision(3)} %`;
const days = (s: number) => (s % 86400 === 0 ? `${s / 86400} d` : `${+(s / 3600).toFixed(1)} h`);

function recommend(c: InsuranceConfig, h: HorizonResult, replays: InsuranceResult['replays']): InsuranceResult['recommendation'] {
  const conf = pct(c.confidence);
  // The strictest target the paths can bound from above.
  const resolved = [...h.targets].sort((a, b) => a.target - b.target).find((t) => t.fund.high !== null);
  const unresolved = h.targets.filter((t) => t.fund.high === null).map((t) => pct(t.target));
  const worstReplay = replays.reduce<(typeof replays)[number] | null>((a, r) => (a === null || r.drawdown > a.drawdown ? r : a), null);
  if (!resolved) {
    return { fund: null, target: null, horizon: h.seconds, reasoning: `${h.paths} paths cannot bound any target's fund size from above at ${conf} confidence: run more paths.` };
  }
  const fromPaths = resolved.fund.high as number;
  const fund = Math.max(fromPaths, worstReplay?.drawdown ?? 0);
  const parts = [
    `A fund of ${usd(fund)} keeps the probability that it runs dry (and losses are socialised) within ${days(h.seconds)} below ${pct(resolved.target)}: ${usd(fromPaths)} is the upper ${conf} confidence bound of the ${pct(1 - resolved.target)} quantile of the fund's drawdown over ${h.paths.toLocaleString('en-US')} generated paths (estimate ${usd(resolved.fund.estimate)})`,
  ];
  if (worstReplay) {
    parts.push(
      worstReplay.drawdown > fromPaths
        ? `raised to cover the worst replayed crash (${worstReplay.label}, ${usd(worstReplay.drawdown)}), which the generated paths underweight`
        : `it also covers every replayed crash (the worst, ${worstReplay.label}, needed ${usd(worstReplay.drawdown)})`,
    );
  }
  if (resolved.expectedShortfall.estimate > 0) parts.push(`beyond it the expected shortfall is ${usd(resolved.expectedShortfall.estimate)}`);
  if (unresolved.length) parts.push(`${unresolved.join(' and ')} need more paths than ${h.paths.toLocaleString('en-US')} to bound`);
  return { fund, target: resolved.target, horizon: h.seconds, reasoning: `${parts.join('; ')}.` };
}
