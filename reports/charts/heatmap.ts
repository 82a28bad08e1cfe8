/**
 * Heatmaps over two swept parameters (funding cap × depth → manipulation profit or tracking
 * error). Cells with no result are null (drawn blank), never zero.
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
  readonly xType?: 'linear' | 'log' | 'category';
  readonly yType?: 'linear' | 'log' | 'category';
  readonly caption?: string;
  readonly height?: number;
}

export function heatmapChart(o: HeatmapOptions): PlotSpec {
  if (o.z.length !== o.y.length || o.z.some((row) => row.length !== o.x.length)) {
    throw new Error(`${o.id}: z must be ${o.y.length} rows of ${o.x.length} values`);
  }
  const trace: HeatmapTrace = {
    type: 'heatmap',
    x: [...o.x],
    y: [...o.y],
    z: o.z.map((row) => [...row]),
    colorscale: o.zmid === undefined ? 'Viridis' : 'RdBu',
    ...(o.zmid === undefined ? {} : { zmid: o.zmid }),
    colorbar: { title: { text: o.zTitle } },
    hovertemplate: `${o.xTitle} %{x}<br>${o.yTitle} %{y}<br>${o.zTitle} %{z}<extra></extra>`,
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
