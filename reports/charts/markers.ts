/** Marker traces: one symbol per event (a liquidation, a bad-debt event), sized by an amount. */
import { ms } from './time-series.ts';
import type { MarkerStyle, ScatterTrace } from './plotly-types.ts';

export interface MarkerPoint {
  /** Unix seconds on a date axis, or a plain x value when `dates` is false. */
  readonly x: number;
  readonly y: number;
  /** Hover text. */
  readonly label: string;
  /** Scales the marker's area when given (see `sizeBy`). */
  readonly amount?: number;
}

export interface MarkerOptions {
  readonly name: string;
  readonly points: readonly MarkerPoint[];
  readonly color: string;
  readonly symbol?: string;
  /** Marker size for the largest amount (area ∝ amount); fixed size when no amounts. */
  readonly maxSize?: number;
  readonly minSize?: number;
  readonly dates?: boolean;
  readonly axis?: 'y' | 'y2';
}

export function markerTrace(o: MarkerOptions): ScatterTrace {
  const maxSize = o.maxSize ?? 14;
  const minSize = o.minSize ?? 6;
  const largest = Math.max(0, ...o.points.map((p) => Math.abs(p.amount ?? 0)));
  const size = o.points.map((p) => (largest > 0 && p.amount !== undefined ? minSize + (maxSize - minSize) * Math.sqrt(Math.abs(p.amount) / largest) : minSize));
  const marker: MarkerStyle = { color: o.color, size, symbol: o.symbol ?? 'circle', line: { color: '#333333', width: 0.5 }, opacity: 0.85 };
  return {
    type: 'scatter',
    mode: 'markers',
    name: o.name,
    x: o.points.map((p) => (o.dates === false ? p.x : ms(p.x))),
    y: o.points.map((p) => p.y),
    text: o.points.map((p) => p.label),
    hovertemplate: '%{text}<extra></extra>',
    marker,
    ...(o.axis === 'y2' ? { yaxis: 'y2' as const } : {}),
  };
}
