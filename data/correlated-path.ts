/**
 * A second market's price path drawn given the first market's, from a fitted co-movement
 * (data/pair-fit.ts, data/fits/): each of the first path's candles, whatever its length, gives the
 * second asset the return β·r + σ·√(Δt / 1 day)·ε (ε standard normal, no drift), where r is the
 * first asset's log return over the candle (close against the previous close) and β, σ are the
 * regime's: `down` when the first asset's trailing 24-hour log return at the candle's close is at
 * or below ln(1 − threshold), `up` at or above ln(1 + threshold), else `calm`, the rule the fit
 * used on daily returns. The daily β is used at every resolution and the residual variance scales
 * with time, so the daily correlation holds at every scale (intraday correlation measured at
 * 5 minutes is lower, the Epps effect: this errs toward contagion). Wicks are the first asset's,
 * scaled by the regime's β. Same candles, fit and stream ⇒ the same path.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CandleSeries } from './candle-series.ts';
import { resolutionAt } from './compose.ts';
import { InputError } from './input-error.ts';
import type { Rng } from './prng.ts';
import { floatPriceToWei, weiToFloat } from './wei-text.ts';

const DAY = 86400;

export interface RegimeMotion {
  readonly beta: number;
  /** Residual standard deviation per day. */
  readonly residualVol: number;
}

export interface CoMovement {
  readonly threshold: number;
  readonly regimes: { readonly down: RegimeMotion; readonly calm: RegimeMotion; readonly up: RegimeMotion };
}

/** The fits shipped in data/fits/ (only fitted numbers and their provenance: no price data). */
export const FITS_DIR = fileURLToPath(new URL('./fits/', import.meta.url));

/** A shipped fit by name (`btc-usd-eth-usd`) or a path to one. */
export function loadCoMovement(nameOrFile: string): CoMovement & { readonly source: string } {
  const file = nameOrFile.includes('/') || nameOrFile.endsWith('.json') ? nameOrFile : `${FITS_DIR}${nameOrFile}.json`;
  let record: { fit?: { threshold?: number; regimes?: Record<string, Partial<RegimeMotion>> } };
  try {
    record = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError({ file }, `cannot read the fitted co-movement: ${(e as Error).message}`);
  }
  const fit = record.fit;
  const regime = (name: 'down' | 'calm' | 'up'): RegimeMotion => {
    const r = fit?.regimes?.[name];
    if (!r || !Number.isFinite(r.beta) || !(Number(r.residualVol) >= 0)) throw new InputError({ file, field: `fit.regimes.${name}` }, 'needs a finite beta and a residualVol ≥ 0');
    return { beta: r.beta as number, residualVol: r.residualVol as number };
  };
  if (!(Number(fit?.threshold) > 0)) throw new InputError({ file, field: 'fit.threshold' }, 'needs a threshold > 0');
  return { source: file, threshold: fit?.threshold as number, regimes: { down: regime('down'), calm: regime('calm'), up: regime('up') } };
}

/** The regime of each candle of `s`: its trailing 24-hour log return at its close against the threshold. */
export function regimesOf(s: CandleSeries, threshold: number): Array<'down' | 'calm' | 'up'> {
  const n = s.time.length;
  const closeAt = (i: number) => weiToFloat(s.close[i] as bigint);
  const down = Math.log(1 - threshold);
  const up = Math.log(1 + threshold);
  const out: Array<'down' | 'calm' | 'up'> = [];
  // j: the last candle whose close is at or before this one's close − 24 h (−1: the path's open).
  let j = -1;
  for (let i = 0; i < n; i++) {
    const end = (s.time[i] as number) + resolutionAt(s, i);
    while (j + 1 < i && (s.time[j + 1] as number) + resolutionAt(s, j + 1) <= end - DAY) j++;
    const from = j < 0 ? weiToFloat(s.open[0] as bigint) : closeAt(j);
    const r = Math.log(closeAt(i) / from);
    out.push(r <= down ? 'down' : r >= up ? 'up' : 'calm');
  }
  return out;
}

/** The second asset's candles, starting at `startPrice`, on the first path's times. */
export function correlatedCandles(first: CandleSeries, motion: CoMovement, startPrice: bigint, rng: Rng, source: string): CandleSeries {
  const n = first.time.length;
  const regimes = regimesOf(first, motion.threshold);
  const s: CandleSeries = { source, resolution: first.resolution, time: [...first.time], open: [], high: [], low: [], close: [], volume: [], segments: first.segments.map((g) => ({ ...g, source })) };
  let price = weiToFloat(startPrice);
  let previousFirst = weiToFloat(first.open[0] as bigint);
  for (let i = 0; i < n; i++) {
    const m = motion.regimes[regimes[i] as 'down' | 'calm' | 'up'];
    const [o, h, l, c] = [first.open[i], first.high[i], first.low[i], first.close[i]].map((x) => weiToFloat(x as bigint)) as [number, number, number, number];
    const r = Math.log(c / previousFirst);
    previousFirst = c;
    const dt = resolutionAt(first, i) / DAY;
    const open = price;
    const close = open * Math.exp(m.beta * r + m.residualVol * Math.sqrt(dt) * rng.normal());
    const b = Math.abs(m.beta);
    const high = Math.max(open, close) * Math.exp(b * Math.log(h / Math.max(o, c)));
    const low = Math.min(open, close) * Math.exp(-b * Math.log(Math.min(o, c) / l));
    // Rounded to wei once per price; the next candle opens at this one's close.
    const [ow, cw] = [i === 0 ? startPrice : (s.close[i - 1] as bigint), floatPriceToWei(close)];
    s.open.push(ow);
    s.close.push(cw);
    const hw = floatPriceToWei(high);
    const lw = floatPriceToWei(low);
    s.high.push(hw > (ow > cw ? ow : cw) ? hw : ow > cw ? ow : cw);
    s.low.push(lw < (ow < cw ? ow : cw) ? lw : ow < cw ? ow : cw);
    s.volume.push(0n);
    price = close;
  }
  return s;
}
