/**
 * Rendering: HTML that is safe against names from the log (no way out of a <script>), fully
 * offline (plotly inlined, a CSP that forbids requests, no external URL), and the same
 * document as Markdown. Chart builders: the shapes Plotly needs.
 */
import { describe, expect, it } from 'vitest';
import { bandChart } from '../reports/charts/band.ts';
import { barChart } from '../reports/charts/bars.ts';
import { heatmapChart } from '../reports/charts/heatmap.ts';
import { timeChart } from '../reports/charts/time-series.ts';
import { chartsOf, type ReportDocument } from '../reports/document.ts';
import { escapeHtml, inlineScriptSource, scriptJson } from '../reports/render/escape.ts';
import { renderHtml } from '../reports/render/html.ts';
import { renderMarkdown } from '../reports/render/markdown.ts';
import type { HeatmapTrace } from '../reports/charts/plotly-types.ts';
import { fundingCapHeatmap, paretoFrontier } from '../reports/study-charts.ts';

const evil = '</script><script>alert(1)</script><!--';

function doc(): ReportDocument {
  return {
    title: `Report ${evil}`,
    sections: [
      {
        id: 's1',
        title: 'One',
        blocks: [
          { kind: 'paragraph', text: `agent ${evil}` },
          { kind: 'table', columns: ['a|b', 'n'], rows: [['x|y', 1]], numeric: [1] },
          { kind: 'chart', spec: timeChart({ id: 'c1', title: `chart ${evil}`, yTitle: 'y', lines: [{ name: evil, series: { t: [1, 2], v: [1.123456789, 2] } }], caption: 'how to read it' }) },
        ],
      },
    ],
  };
}

describe('HTML rendering', () => {
  const html = renderHtml(doc());

  it('cannot be broken out of by names in the data', () => {
    // Three script elements: plotly, the specs, the boot code; nothing else closes one.
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    expect(html.match(/<script/gi)).toHaveLength(3);
    expect(html).toContain(escapeHtml(`agent ${evil}`));
    expect(scriptJson({ a: evil })).not.toMatch(/</);
    expect(JSON.parse(scriptJson({ a: evil }))).toEqual({ a: evil });
    expect(inlineScriptSource('x="</script>";y="<!--"')).toBe('x="<\\/script>";y="<\\!--"');
  });

  it('is self-contained: plotly inlined, a CSP with no network, no external URL in the markup', () => {
    expect(html).toContain("default-src 'none'");
    expect(html).toMatch(/plotly\.js 4\.\d+\.\d+/);
    expect(html.length).toBeGreaterThan(4_000_000);
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '');
    expect(markup).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).toContain('data-plot-count="1"');
  });

  it('rounds chart data to 7 significant digits', () => {
    expect(html).toContain('1.123457');
    expect(html).not.toContain('1.123456789');
  });

  it('refuses two charts with one id', () => {
    const d = doc();
    const twice: ReportDocument = { ...d, sections: [d.sections[0]!, { ...d.sections[0]!, id: 's2' }] };
    expect(() => renderHtml(twice)).toThrow(/chart c1 would reuse the element id/);
    expect(chartsOf(twice)).toHaveLength(2);
    const sameSection: ReportDocument = { ...d, sections: [d.sections[0]!, { id: 's1', title: 'Again', blocks: [] }] };
    expect(() => renderHtml(sameSection)).toThrow(/section "Again" would reuse the element id "s1"/);
  });

  it('gives a chart its own element id, even when a section has the same id (Plotly draws into the element with the id)', () => {
    const d = doc();
    const chart = d.sections[0]!.blocks.find((b) => b.kind === 'chart')!;
    const clash: ReportDocument = { ...d, sections: [{ id: 'c1', title: 'Section named like the chart', blocks: [chart, { kind: 'table', columns: ['x'], rows: [[1]] }] }] };
    const page = renderHtml(clash);
    const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['c1', 'plot-c1', 'plot-specs']);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('Markdown rendering', () => {
  it('has the same sections and tables, charts named with their captions', () => {
    const md = renderMarkdown(doc(), 'report.html');
    expect(md).toContain('## One');
    expect(md).toContain('| a\\|b | n |');
    expect(md).toContain('| --- | ---: |');
    expect(md).toContain('| x\\|y | 1 |');
    expect(md).toContain(`*Chart: chart ${evil}* (in report.html) — how to read it`);
  });
});

describe('chart builders', () => {
  it('time charts use milliseconds on a date axis and steps as hv lines', () => {
    const c = timeChart({ id: 't', title: 't', yTitle: 'y', lines: [{ name: 's', series: { t: [10], v: [1] }, kind: 'step', scale: 100 }] });
    expect(c.layout.xaxis?.type).toBe('date');
    expect(c.data[0]).toMatchObject({ x: [10_000], y: [100], line: { shape: 'hv' } });
  });

  it('bands are a transparent lower line and an upper line filled down to it', () => {
    const c = bandChart({ id: 'b', title: 'b', xTitle: 'x', yTitle: 'y', curves: [{ name: 'p', x: [1, 2], y: [0.5, 0.2], lower: [0.4, 0.1], upper: [0.6, 0.3] }], hlines: [{ y: 0.01, label: 'target' }] });
    expect(c.data).toHaveLength(3);
    expect(c.data[0]).toMatchObject({ y: [0.4, 0.1], line: { width: 0 } });
    expect(c.data[1]).toMatchObject({ y: [0.6, 0.3], fill: 'tonexty' });
    expect(c.layout.shapes?.[0]).toMatchObject({ y0: 0.01, y1: 0.01 });
    expect(() => bandChart({ id: 'b', title: 'b', xTitle: 'x', yTitle: 'y', curves: [{ name: 'p', x: [1, 2], y: [1], lower: [1], upper: [1] }] })).toThrow(/1 y/);
  });

  it('bar whiskers are distances from the value', () => {
    const c = barChart({ id: 'g', title: 'g', categories: ['open'], yTitle: 'gas', groups: [{ name: 'median', values: [100], range: [[80, 150]] }] });
    expect(c.data[0]).toMatchObject({ error_y: { array: [50], arrayminus: [20] } });
  });

  it('heatmaps need one z row per y and one value per x', () => {
    expect(() => heatmapChart({ id: 'h', title: 'h', x: [1, 2], y: [1], z: [[1]], xTitle: 'x', yTitle: 'y', zTitle: 'z' })).toThrow(/1 rows of 2/);
    const h = heatmapChart({ id: 'h', title: 'h', x: [1, 2], y: [1], z: [[1, null]], xTitle: 'x', yTitle: 'y', zTitle: 'z', zmid: 0 });
    expect(h.data[0]).toMatchObject({ z: [[1, null]], zmid: 0, colorscale: 'RdBu' });
  });

  it('the funding-cap frontier keeps the points no other beats on both counts', () => {
    const pts = [
      { trackingError: 0.01, manipulationProfit: 500 },
      { trackingError: 0.02, manipulationProfit: 100 },
      { trackingError: 0.03, manipulationProfit: 200 }, // dominated by the one before
      { trackingError: 0.04, manipulationProfit: -50 },
    ];
    expect(paretoFrontier(pts)).toEqual([pts[0], pts[1], pts[3]]);
  });
});

describe('the funding-cap heatmap', () => {
  // The study's shape: an uncapped attack makes a million; the caps are decided by a few thousand.
  const caps = [[0, 'none'], [0.1 / 3, '10 %/day'], [0.001, '0.1 %/8 h']] as const;
  const profit: Record<string, number[]> = { none: [61_230, 1_014_744], '10 %/day': [-1_812, 4_502], '0.1 %/8 h': [-4_950, -3_321] };
  const points = caps.flatMap(([cap, capLabel]) => [2e6, 1e7].map((depth, i) => ({ cap, capLabel, depth, manipulationProfit: profit[capLabel]![i]!, trackingError: 0.001 })));
  const trace = fundingCapHeatmap(points, 'manipulationProfit').data[0] as HeatmapTrace;
  /** Where a cell sits on the colour scale: 0 and 1 its ends, 0.5 the grey middle (zero). */
  const position = (row: number, col: number) => {
    const z = trace.z[row]![col]!;
    const span = Math.max(...trace.z.flat().map((v) => Math.abs(v ?? 0)));
    const [lo, hi] = [trace.zmin ?? -span, trace.zmax ?? span];
    return (z - lo) / (hi - lo);
  };

  it('colours the small profits and losses that decide between caps, not just the uncapped million', () => {
    expect(trace.x).toEqual(['0.1 %/8 h', '10 %/day', 'none']); // tightest to loosest, no cap last
    // 10 %/day at 10M: +4,502 must read as a profit, 0.1 %/8 h at 10M: −3,321 as a loss.
    expect(position(1, 1) - 0.5).toBeGreaterThan(0.15); // a linear scale puts it at 0.002
    expect(0.5 - position(1, 0)).toBeGreaterThan(0.15);
    expect(position(1, 2)).toBeCloseTo(1, 5);
  });

  it('labels every cell with its value, and the colour bar in values', () => {
    expect(trace.text).toEqual([
      ['−4.95k', '−1.81k', '61.2k'],
      ['−3.32k', '4.5k', '1.01M'],
    ]);
    expect(trace.texttemplate).toBe('%{text}');
    expect(trace.colorbar?.ticktext).toContain('1M');
    expect(trace.colorbar?.ticktext).toContain('−1k');
  });
});
