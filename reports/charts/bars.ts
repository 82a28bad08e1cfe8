/**
 * Bar charts over categories: grouped, stacked, or `relative` (positive parts stack up,
 * negative parts down — a PnL split into gains and costs), with an optional marker per
 * category for the total and optional min/max whiskers (gas per operation).
 */
import { baseLayout } from './palette.ts';
import type { BarTrace, Layout, PlotSpec, ScatterTrace, Trace } from './plotly-types.ts';

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
  readonly yTitle: string;
  readonly yType?: 'linear' | 'log';
  readonly yFormat?: string;
  /** A marker per category (e.g. the net of a relative stack). */
  readonly total?: { readonly name: string; readonly values: readonly number[] };
  readonly caption?: string;
  readonly height?: number;
}

export function barChart(o: BarChartOptions): PlotSpec {
  const data: Trace[] = o.groups.map((g): BarTrace => ({
    type: 'bar',
    name: g.name,
    x: [...o.categories],
    y: [...g.values],
    ...(g.color ? { marker: { color: g.color } } : {}),
    ...(g.range
      ? { error_y: { type: 'data', symmetric: false, array: g.range.map(([, hi], i) => hi - (g.values[i] as number)), arrayminus: g.range.map(([lo], i) => (g.values[i] as number) - lo) } }
      : {}),
  }));
  if (o.total) {
    const total: ScatterTrace = {
      type: 'scatter',
      mode: 'markers',
      name: o.total.name,
      x: [...o.categories],
      y: [...o.total.values],
      marker: { color: '#000000', size: 10, symbol: 'diamond' },
    };
    data.push(total);
  }
  const layout: Layout = {
    ...baseLayout(o.title, o.height),
    barmode: o.mode ?? 'group',
    xaxis: { type: 'category', automargin: true },
    yaxis: { title: { text: o.yTitle }, automargin: true, ...(o.yType ? { type: o.yType } : {}), ...(o.yFormat ? { tickformat: o.yFormat } : {}) },
  };
  return { id: o.id, title: o.title, data, layout, ...(o.caption ? { caption: o.caption } : {}) };
}
