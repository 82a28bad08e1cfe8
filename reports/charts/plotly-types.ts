/**
 * The subset of Plotly's figure format the report builders produce. Typed here (rather than
 * with Plotly's own typings) so a spec is plain JSON checked by the compiler, and a builder
 * cannot emit a field the page would silently ignore.
 */

/** Axis values: numbers, or ms since the epoch on date axes, or category labels. */
export type AxisValue = number | string;

export interface LineStyle {
  readonly color?: string;
  readonly width?: number;
  readonly dash?: 'solid' | 'dot' | 'dash' | 'dashdot';
  /** `hv`: a step held until the next point (oracle rounds, cumulative totals). */
  readonly shape?: 'linear' | 'hv';
}

export interface MarkerStyle {
  readonly color?: string | string[];
  readonly size?: number | number[];
  readonly symbol?: string | string[];
  readonly line?: { readonly color?: string; readonly width?: number };
  readonly opacity?: number;
}

interface TraceBase {
  readonly name?: string;
  readonly showlegend?: boolean;
  readonly legendgroup?: string;
  readonly hovertemplate?: string;
  readonly text?: string[];
  readonly xaxis?: 'x' | 'x2';
  readonly yaxis?: 'y' | 'y2';
}

export interface ScatterTrace extends TraceBase {
  readonly type: 'scatter';
  readonly mode: 'lines' | 'markers' | 'lines+markers';
  readonly x: AxisValue[];
  readonly y: Array<number | null>;
  readonly line?: LineStyle;
  readonly marker?: MarkerStyle;
  readonly fill?: 'none' | 'tozeroy' | 'tonexty';
  readonly fillcolor?: string;
  readonly connectgaps?: boolean;
}

type ErrorBars = { readonly type: 'data'; readonly symmetric: false; readonly array: number[]; readonly arrayminus: number[] };

export interface BarTrace extends TraceBase {
  readonly type: 'bar';
  /** Categories on x and values on y, or (`orientation: 'h'`) values on x and categories on y. */
  readonly x: AxisValue[];
  readonly y: AxisValue[];
  readonly orientation?: 'v' | 'h';
  readonly marker?: MarkerStyle;
  readonly error_y?: ErrorBars;
  readonly error_x?: ErrorBars;
}

export interface HeatmapTrace extends Omit<TraceBase, 'text'> {
  readonly type: 'heatmap';
  readonly x: AxisValue[];
  readonly y: AxisValue[];
  readonly z: Array<Array<number | null>>;
  readonly colorscale?: string | Array<[number, string]>;
  readonly zmid?: number;
  readonly zmin?: number;
  readonly zmax?: number;
  readonly colorbar?: { readonly title?: { readonly text: string }; readonly tickvals?: number[]; readonly ticktext?: string[] };
  /** Per cell: the value as written (for the cell labels and the hover, since z may be transformed). */
  readonly text?: Array<Array<string | null>>;
  readonly texttemplate?: string;
}

export type Trace = ScatterTrace | BarTrace | HeatmapTrace;

export interface Axis {
  readonly title?: { readonly text: string };
  readonly type?: 'linear' | 'log' | 'date' | 'category';
  readonly tickformat?: string;
  readonly rangemode?: 'normal' | 'tozero';
  readonly overlaying?: 'y';
  readonly side?: 'left' | 'right';
  readonly showgrid?: boolean;
  readonly zeroline?: boolean;
  readonly automargin?: boolean;
  /** `reversed`: the first category at the top of a vertical category axis. */
  readonly autorange?: 'reversed';
  /** Tick spacing; on a log axis 1 = a label at each power of ten. */
  readonly dtick?: number | string;
}

export interface Shape {
  readonly type: 'line' | 'rect';
  readonly xref: 'x' | 'paper';
  readonly yref: 'y' | 'paper';
  readonly x0: AxisValue;
  readonly x1: AxisValue;
  readonly y0: number;
  readonly y1: number;
  readonly line?: LineStyle;
  readonly fillcolor?: string;
  readonly opacity?: number;
}

export interface Annotation {
  readonly x: AxisValue;
  readonly y: number;
  readonly text: string;
  readonly showarrow?: boolean;
  readonly arrowhead?: number;
  readonly ax?: number;
  readonly ay?: number;
  readonly xref?: 'x' | 'paper';
  readonly yref?: 'y' | 'paper';
}

/** A chart title: its text, and where it sits (reports keep it clear of the mode bar, top right). */
export interface Title {
  readonly text: string;
  readonly x?: number;
  readonly xanchor?: 'left' | 'center' | 'right';
  readonly y?: number;
  readonly yref?: 'container' | 'paper';
  readonly yanchor?: 'top' | 'middle' | 'bottom';
  readonly pad?: { readonly t?: number; readonly l?: number };
  readonly subtitle?: { readonly text: string };
}

export interface Layout {
  readonly title?: Title;
  readonly xaxis?: Axis;
  readonly yaxis?: Axis;
  readonly yaxis2?: Axis;
  readonly barmode?: 'group' | 'stack' | 'relative' | 'overlay';
  readonly height?: number;
  readonly margin?: { readonly l?: number; readonly r?: number; readonly t?: number; readonly b?: number };
  readonly legend?: { readonly orientation?: 'h' | 'v'; readonly x?: number; readonly y?: number; readonly xanchor?: 'left' | 'center' | 'right'; readonly yanchor?: 'top' | 'bottom' };
  readonly hovermode?: 'x unified' | 'closest' | 'x';
  readonly shapes?: Shape[];
  readonly annotations?: Annotation[];
  readonly font?: { readonly family?: string; readonly size?: number };
  readonly paper_bgcolor?: string;
  readonly plot_bgcolor?: string;
}

/** One chart on a page: its div id, its figure, and a sentence on how to read it. */
export interface PlotSpec {
  readonly id: string;
  readonly title: string;
  readonly data: Trace[];
  readonly layout: Layout;
  readonly caption?: string;
}
