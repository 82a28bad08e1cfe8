/**
 * Chart builders for the studies (scenarios/ studies produce the numbers; these draw them):
 * - funding cap: the frontier of manipulation profit against tracking error over the caps,
 *   and heatmaps of either over cap × depth;
 * - insurance fund: probability of socialised loss against fund size, with its confidence band
 *   and the target;
 * - k-resize: the PnL error each position suffers under each remap variant.
 * Inputs are plain typed data, so a study can call them from its own runner.
 */
import { bandChart } from './charts/band.ts';
import { compactNumber, heatmapChart } from './charts/heatmap.ts';
import type { PlotSpec, ScatterTrace } from './charts/plotly-types.ts';
import { scatterChart } from './charts/scatter.ts';
import { COLORS } from './charts/palette.ts';

/** One point of a funding-cap sweep. */
export interface FundingCapPoint {
  /** Cap as a fraction of the index per cap window (0.001 = 0.1 %). */
  readonly cap: number;
  /** How to name the cap (e.g. "none", "0.1 %/8 h"); else the fraction as a percentage. */
  readonly capLabel?: string;
  /** vAMM depth: the quote reserve in USD. */
  readonly depth: number;
  /** Best manipulation profit found at this point (USD; negative = it does not pay). */
  readonly manipulationProfit: number;
  /** Mean |mark / index − 1|. */
  readonly trackingError: number;
}

/**
 * The points no other point beats on both counts (lower tracking error and lower manipulation
 * profit), ordered by tracking error: the frontier a designer chooses on.
 */
export function paretoFrontier<T extends { readonly trackingError: number; readonly manipulationProfit: number }>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.trackingError - b.trackingError || a.manipulationProfit - b.manipulationProfit);
  const front: T[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (const p of sorted) {
    if (p.manipulationProfit < best) {
      front.push(p);
      best = p.manipulationProfit;
    }
  }
  return front;
}

const pctLabel = (x: number) => `${(x * 100).toPrecision(3)} %`;

export function fundingCapFrontierChart(points: readonly FundingCapPoint[], id = 'funding-cap-frontier'): PlotSpec {
  const depths = [...new Set(points.map((p) => p.depth))].sort((a, b) => a - b);
  const front = paretoFrontier(points);
  const frontier: ScatterTrace = {
    type: 'scatter',
    mode: 'lines',
    name: 'frontier',
    x: front.map((p) => p.trackingError),
    y: front.map((p) => p.manipulationProfit),
    line: { color: '#333333', width: 1.5, dash: 'dash', shape: 'hv' },
  };
  return scatterChart({
    id,
    title: 'Funding cap: manipulation profit against tracking error',
    xTitle: 'tracking error (mean |mark / index − 1|)',
    yTitle: 'best manipulation profit (USD)',
    xFormat: '.2%',
    lines: [frontier],
    groups: depths.map((d) => ({
      name: `depth ${d.toLocaleString('en-US')}`,
      points: points.filter((p) => p.depth === d).map((p) => ({ x: p.trackingError, y: p.manipulationProfit, label: `cap ${p.capLabel ?? pctLabel(p.cap)}, depth ${d.toLocaleString('en-US')}<br>profit ${Math.round(p.manipulationProfit).toLocaleString('en-US')}<br>tracking error ${pctLabel(p.trackingError)}` })),
    })),
    caption: 'Each point is one (cap, depth); the dashed line joins the points no other beats on both counts. Below zero, manipulation does not pay.',
  });
}

/**
 * A heatmap of one metric over cap (x, tightest to loosest; no cap last) × depth (y); a missing
 * point is a blank cell. Profit is coloured on a symmetric log scale: an uncapped attack can
 * make a thousand times what decides between the caps (a few thousand either way), and on a
 * linear scale those deciding cells would all look like zero. Every cell carries its value.
 */
export function fundingCapHeatmap(points: readonly FundingCapPoint[], metric: 'manipulationProfit' | 'trackingError', id = `funding-cap-${metric}`): PlotSpec {
  // Cap 0 means uncapped: the loosest of all.
  const looseness = (c: number) => (c === 0 ? Number.POSITIVE_INFINITY : c);
  const caps = [...new Set(points.map((p) => p.cap))].sort((a, b) => looseness(a) - looseness(b));
  const depths = [...new Set(points.map((p) => p.depth))].sort((a, b) => a - b);
  const at = new Map(points.map((p) => [`${p.cap}|${p.depth}`, p]));
  const z = depths.map((d) => caps.map((c) => at.get(`${c}|${d}`)?.[metric] ?? null));
  const profit = metric === 'manipulationProfit';
  // The linear part of the scale: a tenth of the smallest loss or gain that is not zero, so even it shows.
  const smallest = Math.min(...z.flat().flatMap((v) => (v !== null && v !== 0 ? [Math.abs(v)] : [])));
  const linear = Number.isFinite(smallest) ? 10 ** (Math.floor(Math.log10(smallest)) - 1) : 1;
  return heatmapChart({
    id,
    title: profit ? 'Manipulation profit by funding cap and depth' : 'Tracking error by funding cap and depth',
    x: caps.map((c) => points.find((p) => p.cap === c)?.capLabel ?? pctLabel(c)),
    y: depths.map((d) => compactNumber(d)),
    z,
    xTitle: 'funding cap',
    yTitle: 'depth (USD)',
    zTitle: profit ? 'profit (USD)' : 'tracking error',
    ...(profit ? { zmid: 0, scale: { symlog: { linear } }, format: compactNumber } : { format: (v: number) => `${(v * 100).toPrecision(3)} %` }),
    caption: profit
      ? 'Red: manipulation pays; blue: it loses money. Each cell is the best of the strategies tried there; colours on a log scale, so the small profits and losses that decide between caps show beside an uncapped attack\'s large ones.'
      : 'Mean |mark / index − 1| over the run.',
  });
}

/** The insurance-fund sizing curve: P(socialised loss) by fund size, with its confidence band. */
export interface InsuranceSizingCurve {
  readonly fundSizes: readonly number[];
  readonly probability: readonly number[];
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /** Confidence level of the band (e.g. 0.95). */
  readonly confidence: number;
  /** Paths per point (for the caption). */
  readonly paths: number;
  /** Target probability of socialised loss, drawn as a line. */
  readonly target?: number;
  /** Further curves (e.g. per depth or per historical window), same x. */
  readonly label?: string;
}

export function insuranceSizingChart(curves: readonly InsuranceSizingCurve[], id = 'insurance-sizing'): PlotSpec {
  const first = curves[0];
  if (!first) throw new Error('insuranceSizingChart: no curve');
  return bandChart({
    id,
    title: 'Insurance fund sizing: probability of socialised loss',
    xTitle: 'insurance fund (USD)',
    yTitle: 'P(socialised loss)',
    xType: 'log',
    yFormat: '.1%',
    curves: curves.map((c) => ({ name: c.label ?? 'P(socialised loss)', x: c.fundSizes, y: c.probability, lower: c.lower, upper: c.upper, markers: true })),
    ...(first.target === undefined ? {} : { hlines: [{ y: first.target, label: `target ${(first.target * 100).toFixed(1)} %` }] }),
    caption: `${Math.round(first.confidence * 100)} % confidence band from ${first.paths.toLocaleString('en-US')} paths per fund size.`,
  });
}

/** One position's PnL error after a k-resize, per remap variant. */
export interface KResizePosition {
  readonly trader: string;
  /** Signed position notional before the resize (USD; shorts negative). */
  readonly notional: number;
  /** PnL error (USD) = PnL after the resize − PnL had k not changed, per variant. */
  readonly error: Readonly<Record<string, number>>;
}

export function kResizeErrorChart(positions: readonly KResizePosition[], id = 'k-resize-error'): PlotSpec {
  const variants = [...new Set(positions.flatMap((p) => Object.keys(p.error)))];
  const symbols = ['circle', 'diamond', 'x', 'square'];
  return scatterChart({
    id,
    title: 'k-resize: PnL error by position',
    xTitle: 'position notional before the resize (USD, shorts negative)',
    yTitle: 'PnL error (USD)',
    groups: variants.map((v, i) => ({
      name: `${v} remap`,
      symbol: symbols[i % symbols.length] as string,
      ...(v === 'eager' ? { color: COLORS.long } : v === 'none' ? { color: COLORS.short } : {}),
      points: positions.filter((p) => p.error[v] !== undefined).map((p) => ({ x: p.notional, y: p.error[v] as number, label: `${p.trader} (${v})<br>notional ${Math.round(p.notional).toLocaleString('en-US')}<br>error ${(p.error[v] as number).toFixed(4)}` })),
    })),
    caption: 'Zero means the remap preserved the position\'s exit value; each variant is one colour.',
  });
}
