/**
 * How a second asset moves with ETH, fitted on real daily closes: the regression of the second
 * asset's daily log return on ETH's, r₂ = β·r_ETH + σ·ε, in three regimes told apart by ETH's own
 * move that day (down: ≤ −5 %, up: ≥ +5 %, calm: between), with the correlation per regime and
 * 95 % bootstrap intervals. Regressing on ETH's return is what the contagion study needs: it draws
 * the second path given ETH's (data/correlated-path.ts), and a regression's slope and residual
 * are not biased by selecting days on the regressor (a correlation is, so the per-regime
 * correlations are reported as they are, conditional on the regime).
 *
 * Only the fitted numbers are kept in the repository (data/fits/), with the source, its commit,
 * the dates and this method; the price files stay where they are published. The alignment is
 * checked at lags −1, 0 and +1 days: the two venues' days must be the same UTC days.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { InputError } from './input-error.ts';
import { Rng } from './prng.ts';

/** Daily closes by UTC day (days since the epoch). */
export type DailyCloses = ReadonlyMap<number, number>;

export interface RegressionFit {
  readonly days: number;
  readonly beta: number;
  /** Standard deviation of the residual, per day. */
  readonly residualVol: number;
  readonly correlation: number;
  /** Daily return standard deviations of ETH and of the second asset over the regime's days. */
  readonly volEth: number;
  readonly volOther: number;
}

export interface RegimeFit extends RegressionFit {
  readonly betaInterval: readonly [number, number];
  readonly correlationInterval: readonly [number, number];
  readonly residualVolInterval: readonly [number, number];
}

export interface PairFit {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  /** ETH's daily log return at or below ln(1 − threshold) is `down`, at or above ln(1 + threshold) `up`. */
  readonly threshold: number;
  readonly all: RegimeFit;
  readonly regimes: { readonly down: RegimeFit; readonly calm: RegimeFit; readonly up: RegimeFit };
  /** Correlation of the second asset's day d with ETH's day d + lag: the days line up when lag 0 is the peak. */
  readonly lagCorrelation: { readonly '-1': number; readonly '0': number; readonly '1': number };
}

const DAY = 86400;

/**
 * A daily price file as Investing.com exports it (`Date,Price,Open,High,Low,Vol.,Change %`, dates
 * M/D/YYYY, prices quoted with thousands separators, newest first); only Date and Price are read.
 */
export function readDailyCloses(file: string): Map<number, number> {
  const rows = parse(readFileSync(file, 'utf8'), { skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  const header = rows[0] ?? [];
  const dateCol = header.indexOf('Date');
  const priceCol = header.indexOf('Price');
  if (dateCol < 0 || priceCol < 0) throw new InputError({ file, line: 1 }, `expected the columns Date and Price (an Investing.com daily export), found ${header.join(', ')}`);
  const out = new Map<number, number>();
  rows.slice(1).forEach((fields, k) => {
    const date = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(fields[dateCol] ?? '');
    const price = Number((fields[priceCol] ?? '').replaceAll(',', ''));
    if (!date || !(price > 0)) throw new InputError({ file, line: k + 2, field: date ? 'Price' : 'Date' }, `cannot read "${fields[date ? priceCol : dateCol]}"`);
    const day = Date.UTC(Number(date[3]), Number(date[1]) - 1, Number(date[2])) / 1000 / DAY;
    if (out.has(day)) throw new InputError({ file, line: k + 2, field: 'Date' }, `${fields[dateCol]} appears twice`);
    out.set(day, price);
  });
  return out;
}

/** Daily closes from hourly candles: the close of each UTC day's 23:00 candle. */
export function dailyClosesFromHourly(time: readonly number[], close: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < time.length; i++) {
    const t = time[i] as number;
    if (t % DAY === 23 * 3600) out.set(Math.floor(t / DAY), close[i] as number);
  }
  return out;
}

/** Log returns of consecutive days both series have (day d against d − 1), on days both have. */
function pairedReturns(eth: DailyCloses, other: DailyCloses, lag = 0): { eth: number[]; other: number[]; days: number[] } {
  const out = { eth: [] as number[], other: [] as number[], days: [] as number[] };
  for (const [d, c] of other) {
    const prev = other.get(d - 1);
    const e = eth.get(d + lag);
    const ePrev = eth.get(d + lag - 1);
    if (prev === undefined || e === undefined || ePrev === undefined) continue;
    out.other.push(Math.log(c / prev));
    out.eth.push(Math.log(e / ePrev));
    out.days.push(d);
  }
  return out;
}

/** Ordinary least squares of y on x (with an intercept), its residual spread and the correlation. */
export function regress(x: readonly number[], y: readonly number[]): RegressionFit {
  const n = x.length;
  if (n < 3) throw new RangeError(`a regression needs at least 3 days, got ${n}`);
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const beta = sxy / sxx;
  const residualSs = Math.max(0, syy - beta * sxy);
  return { days: n, beta, residualVol: Math.sqrt(residualSs / (n - 2)), correlation: sxy / Math.sqrt(sxx * syy), volEth: Math.sqrt(sxx / (n - 1)), volOther: Math.sqrt(syy / (n - 1)) };
}

function percentile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i] as number;
}

/** The regression with 95 % percentile-bootstrap intervals (days resampled with replacement). */
export function regimeFit(x: readonly number[], y: readonly number[], rng: Rng, resamples: number): RegimeFit {
  const fit = regress(x, y);
  const betas: number[] = [];
  const corrs: number[] = [];
  const vols: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < x.length; i++) {
      const k = rng.int(x.length);
      xs.push(x[k] as number);
      ys.push(y[k] as number);
    }
    const f = regress(xs, ys);
    betas.push(f.beta);
    corrs.push(f.correlation);
    vols.push(f.residualVol);
  }
  const ci = (v: number[]) => {
    v.sort((a, b) => a - b);
    return [percentile(v, 0.025), percentile(v, 0.975)] as const;
  };
  return { ...fit, betaInterval: ci(betas), correlationInterval: ci(corrs), residualVolInterval: ci(vols) };
}

/** The fit over the days both series cover (optionally only from `from` to `to`, days since the epoch). */
export function fitPair(eth: DailyCloses, other: DailyCloses, o: { threshold?: number; from?: number; to?: number; seed?: number; resamples?: number } = {}): PairFit {
  const threshold = o.threshold ?? 0.05;
  const within = (m: DailyCloses) => new Map([...m].filter(([d]) => (o.from === undefined || d >= o.from) && (o.to === undefined || d <= o.to)));
  const [e, x] = [within(eth), within(other)];
  const r = pairedReturns(e, x);
  if (r.days.length < 30) throw new RangeError(`only ${r.days.length} days with both series: too few to fit`);
  const rng = new Rng(o.seed ?? 2024);
  const resamples = o.resamples ?? 1000;
  const down = Math.log(1 - threshold);
  const up = Math.log(1 + threshold);
  const pick = (keep: (re: number) => boolean) => {
    const idx = r.eth.map((v, i) => (keep(v) ? i : -1)).filter((i) => i >= 0);
    return regimeFit(
      idx.map((i) => r.eth[i] as number),
      idx.map((i) => r.other[i] as number),
      rng,
      resamples,
    );
  };
  const lag = (l: number) => {
    const p = pairedReturns(e, x, l);
    return regress(p.eth, p.other).correlation;
  };
  const iso = (d: number) => new Date(d * DAY * 1000).toISOString().slice(0, 10);
  const days = [...r.days].sort((a, b) => a - b);
  return {
    from: iso((days[0] as number) - 1),
    to: iso(days.at(-1) as number),
    days: r.days.length,
    threshold,
    all: pick(() => true),
    regimes: { down: pick((v) => v <= down), calm: pick((v) => v > down && v < up), up: pick((v) => v >= up) },
    lagCorrelation: { '-1': lag(-1), '0': lag(0), '1': lag(1) },
  };
}
