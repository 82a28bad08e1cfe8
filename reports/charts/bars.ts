/**
 * Bar charts over categories: grouped, stacked, or `relative` (positive parts stack up,
 * negative parts down — a PnL split into gains and costs), with an optional marker per
 * category for the total and optional min/max whiskers (gas per operation).
 */
import { baseLayout } from './palette.ts';
import type { Axis, AxisValue, BarTrace, Layout, PlotSpec, ScatterTrace, Trace } from './plotly-types.ts';

export interface BarGroup {
  readonly name: string;
  readonly values: readonly number[];
  readonly color?: string;
  /** Whiskers: the value's range as [low, high] per category. */
  readonly range?: ReadonlyArray<readonly [number, number]>;
}

export interface BarChartOptions {
  readonly id: string;
  readonly title: string;
  readonly categories: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly mode?: 'group' | 'stack' | 'relative';
  /** The value axis' title (the y axis; the x axis when horizontal). */
  readonly yTitle: string;
  readonly yType?: 'linear' | 'log';
  readonly yFormat?: string;
  /** A marker per category (e.g. the net of a relative stack). */
  readonly total?: { readonly name: string; readonly values: readonly number[] };
  readonly caption?: string;
  /** Vertical bars only: horizontal ones take a row per category. */
  readonly height?: number;
  /**
   * Bars along the x axis with the categories down the y axis, first at the top: for long
   * category names (run names), which stay whole and level instead of slanting into the legend.
   */
  readonly horizontal?: boolean;
}

export function barChart(o: BarChartOptions): PlotSpec {
  const h = o.horizontal ?? false;
  /** Categories and values on their axes, whichever way the bars go. */
  const place = <T extends AxisValue>(values: readonly T[]) => (h ? { x: [...values], y: [...o.categories], orientation: 'h' as const } : { x: [...o.categories], y: [...values] });
  const data: Trace[] = o.groups.map((g): BarTrace => {
    const whiskers = g.range && { type: 'data' as const, symmetric: false as const, array: g.range.map(([, hi], i) => hi - (g.values[i] as number)), arrayminus: g.range.map(([lo], i) => (g.values[i] as number) - lo) };
    return { type: 'bar', name: g.name, ...place(g.values), ...(g.color ? { marker: { color: g.color } } : {}), ...(whiskers ? (h ? { error_x: whiskers } : { error_y: whiskers }) : {}) };
  });
  if (o.total) {
    const { orientation: _, ...at } = place(o.total.values);
    const total: ScatterTrace = { type: 'scatter', mode: 'markers', name: o.total.name, ...(at as { x: AxisValue[]; y: number[] }), marker: { color: '#000000', size: 10, symbol: 'diamond' } };
    data.push(total);
  }
  const categoryAxis: Axis = { type: 'category', automargin: true, ...(h ? { autorange: 'reversed' as const } : {}) };
  const valueAxis: Axis = { title: { text: o.yTitle }, automargin: true, ...(o.yType ? { type: o.yType } : {}), ...(o.yFormat ? { tickformat: o.yFormat } : {}) };
  // Horizontal: a row per category, and room for the legend below the value axis, which on a
  // narrow page (the PDF) takes a line per entry: the plot must keep a row for every category.
  const legendEntries = o.groups.length + (o.total ? 1 : 0);
  const height = h ? 120 + 32 * o.categories.length + (legendEntries > 1 ? 22 * legendEntries : 0) : o.height;
  const layout: Layout = {
    ...baseLayout(o.title, height),
    barmode: o.mode ?? 'group',
    xaxis: h ? valueAxis : categoryAxis,
    yaxis: h ? categoryAxis : valueAxis,
  };
  return { id: o.id, title: o.title, data, layout, ...(o.caption ? { caption: o.caption } : {}) };
}
