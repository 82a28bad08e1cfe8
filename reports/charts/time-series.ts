/**
 * Time-series charts: lines, steps and filled areas over a date axis, with optional marker
 * overlays (liquidations, bad-debt events) and a second y axis. Times are unix seconds in,
 * milliseconds out (what Plotly's date axis reads).
 */
import type { Series } from '../downsample.ts';
import { baseLayout } from './palette.ts';
import type { Axis, Layout, LineStyle, PlotSpec, ScatterTrace, Trace } from './plotly-types.ts';

export interface TimeLine {
  readonly name: string;
  readonly series: Series;
  /** `line` (default), `step` (held until the next point), or `area` (filled to zero). */
  readonly kind?: 'line' | 'step' | 'area';
  readonly color?: string;
  readonly dash?: LineStyle['dash'];
  readonly width?: number;
  readonly axis?: 'y' | 'y2';
  /** Multiplies every value (e.g. 100 for percent). */
  readonly scale?: number;
  /** Show a marker at each point too (sparse series such as oracle rounds). */
  readonly markers?: boolean;
}

export interface TimeChartOptions {
  readonly id: string;
  readonly title: string;
  /** A second, smaller line under the title (counts, the detail). */
  readonly subtitle?: string;
  readonly yTitle: string;
  readonly y2Title?: string;
  readonly yFormat?: string;
  readonly lines: readonly TimeLine[];
  /** Extra traces drawn on top (markers). */
  readonly overlays?: readonly Trace[];
  readonly caption?: string;
  readonly height?: number;
  readonly annotations?: Layout['annotations'];
  readonly shapes?: Layout['shapes'];
}

export const ms = (t: number): number => t * 1000;

export function lineTrace(l: TimeLine): ScatterTrace {
  const scale = l.scale ?? 1;
  const kind = l.kind ?? 'line';
  return {
    type: 'scatter',
    mode: l.markers ? 'lines+markers' : 'lines',
    name: l.name,
    x: l.series.t.map(ms),
    y: scale === 1 ? l.series.v : l.series.v.map((v) => v * scale),
    line: { shape: kind === 'step' ? 'hv' : 'linear', width: l.width ?? 1.5, ...(l.color ? { color: l.color } : {}), ...(l.dash ? { dash: l.dash } : {}) },
    ...(l.markers ? { marker: { size: 4, ...(l.color ? { color: l.color } : {}) } } : {}),
    ...(kind === 'area' ? { fill: 'tozeroy' as const } : {}),
    ...(l.axis === 'y2' ? { yaxis: 'y2' as const } : {}),
  };
}

export function timeChart(o: TimeChartOptions): PlotSpec {
  const yaxis: Axis = { title: { text: o.yTitle }, automargin: true, ...(o.yFormat ? { tickformat: o.yFormat } : {}) };
  const layout: Layout = {
    ...baseLayout(o.title, o.height, o.subtitle),
    hovermode: 'x',
    xaxis: { type: 'date', automargin: true },
    yaxis,
    ...(o.y2Title ? { yaxis2: { title: { text: o.y2Title }, overlaying: 'y', side: 'right', showgrid: false, automargin: true } } : {}),
    ...(o.annotations ? { annotations: o.annotations } : {}),
    ...(o.shapes ? { shapes: o.shapes } : {}),
  };
  return { id: o.id, title: o.title, data: [...o.lines.map(lineTrace), ...(o.overlays ?? [])], layout, ...(o.caption ? { caption: o.caption } : {}) };
}
