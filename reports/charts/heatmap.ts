/**
 * Heatmaps over two swept parameters (funding cap × depth → manipulation profit or tracking
 * error). Cells with no result are null (drawn blank), never zero. Every cell is labelled with
 * its value. A diverging scale can be symmetric-logarithmic: when a few cells are a thousand
 * times the rest (an uncapped attack's million against the few thousand that decide which cap
 * stops it), a linear scale would grey out exactly the cells that decide the answer.
 */
import { baseLayout } from './palette.ts';
import type { HeatmapTrace, PlotSpec } from './plotly-types.ts';

export interface HeatmapOptions {
  readonly id: string;
  readonly title: string;
  readonly x: readonly (number | string)[];
  readonly y: readonly (number | string)[];
  /** z[i][j] is the value at y[i], x[j]. */
  readonly z: ReadonlyArray<ReadonlyArray<number | null>>;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly zTitle: string;
  /** Diverging scale centred on this value (e.g. 0 for profit/loss); sequential otherwise. */
  readonly zmid?: number;
  /** `symlog`: colour by sign(z)·log10(1 + |z|/linear), with `linear` the width of the linear part around 0 (a diverging scale around 0 only). */
  readonly scale?: 'linear' | { readonly symlog: { readonly linear: number } };
  /** How a value reads in a cell and in the hover (default: 4 significant digits). */
  readonly format?: (v: number) => string;
  readonly xType?: 'linear' | 'log' | 'category';
  readonly yType?: 'linear' | 'log' | 'category';
  readonly caption?: string;
  readonly height?: number;
}

export const symlog = (v: number, linear: number): number => Math.sign(v) * Math.log10(1 + Math.abs(v) / linear);

/** Short money-style numbers: 4,502 → "4.5k", −1,014,744 → "−1.01M". */
export function compactNumber(v: number): string {
  const a = Math.abs(v);
  const sign = v < 0 ? '−' : '';
  const [div, unit] = a >= 1e9 ? [1e9, 'B'] : a >= 1e6 ? [1e6, 'M'] : a >= 1e3 ? [1e3, 'k'] : [1, ''];
  const n = a / div;
  return `${sign}${n >= 100 || unit === '' ? Math.round(n).toString() : n.toPrecision(3).replace(/\.?0+$/, '')}${unit}`;
}

/** Colour-bar ticks of a symlog scale: 0 and ±linear·10^k up to the largest |value|, labelled as values. */
function symlogTicks(maxAbs: number, linear: number, format: (v: number) => string): { tickvals: number[]; ticktext: string[] } {
  const magnitudes: number[] = [];
  for (let m = linear; m <= maxAbs * 1.0001; m *= 10) magnitudes.push(m);
  const values = [...magnitudes.map((m) => -m).reverse(), 0, ...magnitudes];
  return { tickvals: values.map((v) => symlog(v, linear)), ticktext: values.map(format) };
}

export function heatmapChart(o: HeatmapOptions): PlotSpec {
  if (o.z.length !== o.y.length || o.z.some((row) => row.length !== o.x.length)) {
    throw new Error(`${o.id}: z must be ${o.y.length} rows of ${o.x.length} values`);
  }
  const format = o.format ?? ((v: number) => String(Number(v.toPrecision(4))));
  const log = typeof o.scale === 'object' ? o.scale.symlog : null;
  if (log && o.zmid !== 0) throw new Error(`${o.id}: a symlog scale is a diverging scale around 0 (zmid: 0)`);
  const maxAbs = Math.max(0, ...o.z.flat().map((v) => (v === null ? 0 : Math.abs(v))));
  const trace: HeatmapTrace = {
    type: 'heatmap',
    x: [...o.x],
    y: [...o.y],
    z: o.z.map((row) => row.map((v) => (v === null || !log ? v : symlog(v, log.linear)))),
    text: o.z.map((row) => row.map((v) => (v === null ? null : format(v)))),
    texttemplate: '%{text}',
    colorscale: o.zmid === undefined ? 'Viridis' : 'RdBu',
    ...(o.zmid === undefined ? {} : { zmid: o.zmid }),
    ...(log ? { zmin: -symlog(maxAbs, log.linear), zmax: symlog(maxAbs, log.linear) } : {}),
    colorbar: { title: { text: log ? `${o.zTitle}<br>(log scale)` : o.zTitle }, ...(log ? symlogTicks(maxAbs, log.linear, format) : {}) },
    hovertemplate: `${o.xTitle} %{x}<br>${o.yTitle} %{y}<br>${o.zTitle} %{text}<extra></extra>`,
  };
  return {
    id: o.id,
    title: o.title,
    data: [trace],
    layout: {
      ...baseLayout(o.title, o.height ?? 420),
      xaxis: { title: { text: o.xTitle }, type: o.xType ?? 'category', automargin: true },
      yaxis: { title: { text: o.yTitle }, type: o.yType ?? 'category', automargin: true },
    },
    ...(o.caption ? { caption: o.caption } : {}),
  };
}
