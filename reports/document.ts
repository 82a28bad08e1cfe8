/**
 * A report as a document: sections of blocks (text, tables, charts). One document renders to
 * both HTML (render/html.ts, charts drawn by Plotly) and Markdown (render/markdown.ts, charts
 * named and pointed at the HTML), so the two never say different things.
 */
import type { PlotSpec } from './charts/plotly-types.ts';

export type Cell = string | number;

export type Block =
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | { readonly kind: 'keyValues'; readonly rows: ReadonlyArray<readonly [string, string]> }
  | {
      readonly kind: 'table';
      readonly columns: readonly string[];
      readonly rows: ReadonlyArray<readonly Cell[]>;
      /** Right-align these columns (numbers). */
      readonly numeric?: readonly number[];
      readonly caption?: string;
    }
  | { readonly kind: 'chart'; readonly spec: PlotSpec }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'subheading'; readonly text: string }
  /** A labelled badge line (a finding's severity, a check's status). */
  | { readonly kind: 'status'; readonly label: string; readonly tone: 'ok' | 'warn' | 'bad' | 'info'; readonly text: string };

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
  /** Start this section on a new printed page (the audit report's PDF). */
  readonly pageBreak?: boolean;
}

export interface ReportDocument {
  readonly title: string;
  readonly subtitle?: string;
  /** Shown under the title: what produced the report and from what. */
  readonly provenance?: string;
  /**
   * A warning that must not be missed (a partial run): shown above the title, kept in view
   * while scrolling, and printed at the top of every PDF page.
   */
  readonly banner?: string;
  readonly sections: readonly Section[];
}

/** Every chart in a document, in order (tests check that each one rendered). */
export function chartsOf(doc: ReportDocument): PlotSpec[] {
  return doc.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'chart' ? [b.spec] : [])));
}
