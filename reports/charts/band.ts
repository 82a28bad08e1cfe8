/**
 * Curves with confidence bands (the insurance-fund sizing curve: fund size → probability of
 * socialised loss, with its interval), and plain x–y curves such as a frontier. A band is a
 * transparent lower line and an upper line filled down to it.
 */
import { baseLayout, seriesColor, withAlpha } from './palette.ts';
import type { Layout, PlotSpec, ScatterTrace, Trace } from './plotly-types.ts';

export interface BandCurve {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Lower and upper bounds per x (both or neither). */
  readonly lower?: readonly number[];
  readonly upper?: readonly number[];
  readonly color?: string;
  readonly markers?: boolean;
  readonly dash?: 'solid' | 'dot' | 'dash';
  /** Hover labels per point. */
  readonly labels?: readonly string[];
}

export interface BandChartOptions {
  readonly id: string;
  readonly title: string;
  readonly curves: readonly BandCurve[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly xType?: 'linear' | 'log';
  readonly yType?: 'linear' | 'log';
  readonly xFormat?: string;
  readonly yFormat?: string;
  /** Horizontal reference lines (a target probability). */
  readonly hlines?: ReadonlyArray<{ readonly y: number; readonly label: string }>;
  readonly caption?: string;
  readonly height?: number;
}

export function bandChart(o: BandChartOptions): PlotSpec {
  const data: Trace[] = [];
  o.curves.forEach((c, i) => {
    if (c.x.length !== c.y.length) throw new Error(`${o.id}: curve ${c.name} has ${c.x.length} x and ${c.y.length} y`);
    const color = c.color ?? seriesColor(i);
    if (c.lower && c.upper) {
      if (c.lower.length !== c.x.length || c.upper.length !== c.x.length) throw new Error(`${o.id}: curve ${c.name}: band length differs from the curve's`);
      const lower: ScatterTrace = { type: 'scatter', mode: 'lines', x: [...c.x], y: [...c.lower], line: { width: 0, color }, showlegend: false, legendgroup: c.name, hovertemplate: `${c.name} lower %{y}<extra></extra>` };
      const upper: ScatterTrace = {
        type: 'scatter',
        mode: 'lines',
        name: `${c.name} (band)`,
        x: [...c.x],
        y: [...c.upper],
        line: { width: 0, color },
        fill: 'tonexty',
        fillcolor: withAlpha(color, 0.2),
        legendgroup: c.name,
        hovertemplate: `${c.name} upper %{y}<extra></extra>`,
      };
      data.push(lower, upper);
    }
    data.push({
      type: 'scatter',
      mode: c.markers ? 'lines+markers' : 'lines',
      name: c.name,
      x: [...c.x],
      y: [...c.y],
      line: { color, width: 2, ...(c.dash ? { dash: c.dash } : {}) },
      legendgroup: c.name,
      ...(c.labels ? { text: [...c.labels], hovertemplate: '%{text}<extra></extra>' } : {}),
    });
  });
  const layout: Layout = {
    ...baseLayout(o.title, o.height),
    hovermode: 'closest',
    // A log axis labelled at powers of ten only: Plotly's digit labels in between crowd on a narrow page.
    xaxis: { title: { text: o.xTitle }, automargin: true, ...(o.xType ? { type: o.xType } : {}), ...(o.xType === 'log' ? { dtick: 1 } : {}), ...(o.xFormat ? { tickformat: o.xFormat } : {}) },
    yaxis: { title: { text: o.yTitle }, automargin: true, ...(o.yType ? { type: o.yType } : {}), ...(o.yFormat ? { tickformat: o.yFormat } : {}) },
    ...(o.hlines
      ? {
          shapes: o.hlines.map((h) => ({ type: 'line' as const, xref: 'paper' as const, yref: 'y' as const, x0: 0, x1: 1, y0: h.y, y1: h.y, line: { color: '#7f7f7f', dash: 'dash' as const, width: 1 } })),
          annotations: o.hlines.map((h) => ({ x: 1, xref: 'paper' as const, y: h.y, yref: 'y' as const, text: h.label, showarrow: false })),
        }
      : {}),
  };
  return { id: o.id, title: o.title, data, layout, ...(o.caption ? { caption: o.caption } : {}) };
}
