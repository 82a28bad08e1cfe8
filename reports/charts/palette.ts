/** Colours and the layout every chart starts from, so the reports look like one document. */
import type { Layout } from './plotly-types.ts';

export const COLORS = {
  mark: '#1f77b4',
  markTwap: '#6baed6',
  index: '#ff7f0e',
  fast: '#bbbbbb',
  long: '#2ca02c',
  short: '#d62728',
  fund: '#9467bd',
  badDebt: '#d62728',
  socialised: '#e377c2',
  uncovered: '#8c564b',
  cap: '#7f7f7f',
  neutral: '#17becf',
  partial: '#ffbf00',
  full: '#d62728',
} as const;

/** A qualitative sequence for categories (agent kinds, curves). */
export const SERIES_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] as string;
}

/** Adds transparency to a #rrggbb colour (for bands and fills). */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/**
 * Plotly's mode bar (its toolbar) sits in the top right corner, over the first ~30 px: the title
 * goes below it, left-aligned, so a long title never runs under it; a subtitle says the detail.
 */
export function baseLayout(title: string, height = 380, subtitle?: string): Layout {
  return {
    title: { text: title, x: 0, xanchor: 'left', y: 1, yref: 'container', yanchor: 'top', pad: { t: 32, l: 12 }, ...(subtitle ? { subtitle: { text: subtitle } } : {}) },
    height,
    margin: { l: 70, r: 30, t: subtitle ? 92 : 72, b: 50 },
    legend: { orientation: 'h', x: 0, y: -0.24, yanchor: 'top' },
    font: { family: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif', size: 12 },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
  };
}
