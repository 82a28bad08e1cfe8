/** Scatter charts over plain (non-date) axes: groups of labelled points, one colour per group. */
import { markerTrace } from './markers.ts';
import { baseLayout, seriesColor } from './palette.ts';
import type { Layout, PlotSpec, Trace } from './plotly-types.ts';

export interface ScatterGroup {
  readonly name: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number; readonly label: string; readonly amount?: number }>;
  readonly color?: string;
  readonly symbol?: string;
}

export interface ScatterChartOptions {
  readonly id: string;
  readonly title: string;
  readonly groups: readonly ScatterGroup[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly xType?: 'linear' | 'log';
  readonly xFormat?: string;
  readonly yFormat?: string;
  /** Lines drawn under the points (a frontier). */
  readonly lines?: readonly Trace[];
  readonly caption?: string;
  readonly height?: number;
}

export function scatterChart(o: ScatterChartOptions): PlotSpec {
  const data: Trace[] = [
    ...(o.lines ?? []),
    ...o.groups.map((g, i) => markerTrace({ name: g.name, points: g.points, color: g.color ?? seriesColor(i), dates: false, maxSize: 10, minSize: 7, ...(g.symbol ? { symbol: g.symbol } : {}) })),
  ];
  const layout: Layout = {
    ...baseLayout(o.title, o.height),
    hovermode: 'closest',
    xaxis: { title: { text: o.xTitle }, automargin: true, ...(o.xType ? { type: o.xType } : {}), ...(o.xFormat ? { tickformat: o.xFormat } : {}) },
    yaxis: { title: { text: o.yTitle }, automargin: true, zeroline: true, ...(o.yFormat ? { tickformat: o.yFormat } : {}) },
  };
  return { id: o.id, title: o.title, data, layout, ...(o.caption ? { caption: o.caption } : {}) };
}
