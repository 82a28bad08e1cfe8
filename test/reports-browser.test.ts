/**
 * The reports in headless Chromium (reports/browser.ts: the system's or the npm package's,
 * driven by playwright-core): a run report written by `vamm run` and rebuilt by `vamm report`,
 * a study page with every study chart, and the audit report. Every chart must have rendered
 * (an SVG in each Plotly div, with at least one drawn trace), with no console error, no failed
 * request and no request beyond the file itself; every section's heading and tables must be visible, not under a chart; and
 * every chart's text readable (on screen and at the PDF's width): title clear of the mode bar,
 * nothing cut off at the chart's edge, axis labels clear of the legend. Screenshots go to
 * out/screenshots/ (ignored). The audit PDF must have one page per section.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedBrowser, launchChromium } from '../reports/browser.ts';
import { loadAuditConfig } from '../reports/audit/config.ts';
import { type AuditOutput, writeAudit } from '../reports/audit/write-audit.ts';
import { chartsOf, type ReportDocument } from '../reports/document.ts';
import { renderHtml } from '../reports/render/html.ts';
import { auditReportDocument } from '../reports/audit/audit-report.ts';
import { buildRunModel } from '../reports/run-model-builder.ts';
import { runReportDocument } from '../reports/run-report.ts';
import { type ExpectedSection, chartProblems, expectedSections, layoutProblems } from './helpers/page-layout.ts';
import { fundingCapFrontierChart, fundingCapHeatmap, insuranceSizingChart, kResizeErrorChart, type FundingCapPoint } from '../reports/study-charts.ts';
import { ROOT, runCrashHours, vamm, writeAuditConfig } from './helpers/report-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'vamm-browser-'));
const shots = join(ROOT, 'out', 'screenshots');
let chrome: LaunchedBrowser;
let audit: AuditOutput;
let runReportBytes = '';

/** A study page with made-up numbers: every study chart builder once. */
function studyDocument(): ReportDocument {
  const points: FundingCapPoint[] = [];
  for (const cap of [0.0005, 0.001, 0.002, 0.005]) {
    for (const depth of [5e6, 2e7, 8e7]) {
      if (cap === 0.005 && depth === 8e7) continue; // a missing cell must draw blank
      points.push({ cap, depth, manipulationProfit: cap * 4e7 - depth / 4e3, trackingError: 0.002 / (cap * 1000) + 1e5 / depth });
    }
  }
  const sizes = [1e5, 2e5, 5e5, 1e6, 2e6, 5e6];
  const p = sizes.map((s) => Math.min(0.9, 2e4 / s));
  return {
    title: 'Study charts',
    sections: [
      { id: 'cap', title: 'Funding cap', blocks: [{ kind: 'chart', spec: fundingCapFrontierChart(points) }, { kind: 'chart', spec: fundingCapHeatmap(points, 'manipulationProfit') }, { kind: 'chart', spec: fundingCapHeatmap(points, 'trackingError') }] },
      { id: 'fund', title: 'Insurance fund', blocks: [{ kind: 'chart', spec: insuranceSizingChart([{ fundSizes: sizes, probability: p, lower: p.map((x) => x * 0.8), upper: p.map((x) => Math.min(1, x * 1.2)), confidence: 0.95, paths: 1000, target: 0.01 }]) }] },
      {
        id: 'k',
        title: 'k-resize',
        blocks: [{ kind: 'chart', spec: kResizeErrorChart([-3e5, -5e4, 1e4, 2e5].map((n, i) => ({ trader: `t${i}`, notional: n, error: { eager: 0, lazy: n * 1e-4, none: n * 3e-3 } }))) }],
      },
    ],
  };
}

interface PageCheck {
  readonly plots: number;
  readonly declared: number;
  readonly rendered: number;
  readonly drawn: number;
  readonly errors: string[];
  readonly failed: string[];
  readonly external: string[];
  /** Sections whose heading or tables are missing, hidden, or under a chart. */
  readonly layout: string[];
  /** Chart text that is cut off or covered (title under the mode bar, labels under the legend), on screen and at the PDF's width. */
  readonly charts: string[];
}

/** The audit PDF's printable width (reports/pdf.ts): charts must read there too. */
const PRINT_WIDTH = 704;

/** Runs in the page (a string: the test's TypeScript has no DOM types). */
const COUNT_PLOTS = `(() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  return {
    plots: plots.length,
    declared: Number(document.body.getAttribute('data-plot-count')),
    rendered: plots.filter((p) => p.querySelector('.main-svg')).length,
    // A drawn trace: a scatter/bar group with a path, or a heatmap's image.
    drawn: plots.filter((p) => p.querySelector('g.trace path, g.hm image, g.trace .point')).length,
    status: document.body.getAttribute('data-plots'),
  };
})()`;

async function open(file: string, screenshot: string, sections: readonly ExpectedSection[]): Promise<PageCheck> {
  const page = await chrome.browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const failed: string[] = [];
  const external: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => failed.push(r.url()));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForSelector('body[data-plots="rendered"], body[data-plots="failed"]', { timeout: 30_000 });
  const result = (await page.evaluate(COUNT_PLOTS)) as { plots: number; declared: number; rendered: number; drawn: number; status: string | null };
  await page.screenshot({ path: join(shots, screenshot), fullPage: true });
  const layout = await layoutProblems(page, sections);
  const charts = await chartProblems(page);
  await page.close();
  const narrow = await chrome.browser.newPage({ viewport: { width: PRINT_WIDTH, height: 900 } });
  await narrow.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await narrow.waitForSelector('body[data-plots="rendered"], body[data-plots="failed"]', { timeout: 30_000 });
  charts.push(...(await chartProblems(narrow)).map((p) => `at ${PRINT_WIDTH} px: ${p}`));
  await narrow.close();
  const { status, ...counts } = result;
  if (status !== 'rendered') errors.push(`data-plots=${status}`);
  return { ...counts, errors, failed, external, layout, charts };
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  runCrashHours(join(dir, 'run'));
  runReportBytes = readFileSync(join(dir, 'run', 'report.html'), 'utf8');
  vamm(['report', join(dir, 'run')]);
  writeFileSync(join(dir, 'study.html'), renderHtml(studyDocument()));
  writeAuditConfig(join(dir, 'audit.json'), { runDir: join(dir, 'run'), crosscheck: true });
  audit = await writeAudit(loadAuditConfig(join(dir, 'audit.json')), join(dir, 'audit'), { pdf: true });
  chrome = await launchChromium();
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  rmSync(dir, { recursive: true, force: true });
});

const specsOf = (html: string) => /<script type="application\/json" id="plot-specs">([\s\S]*?)<\/script>/.exec(html)?.[1];

describe('reports in headless Chromium', () => {
  it('the run report (as `vamm report` rebuilt it) renders every chart, offline and without errors', async () => {
    const model = await buildRunModel(join(dir, 'run', 'events.jsonl'));
    const sections = expectedSections(runReportDocument(model));
    // The fund's flows, the largest bad-debt events and the invariant table are among them.
    expect(sections.filter((s) => s.tables > 0).map((s) => s.id)).toEqual(['overview', 'insurance-fund', 'bad-debt', 'pnl', 'invariants', 'about']);
    const c = await open(join(dir, 'run', 'report.html'), 'run-report.png', sections);
    expect(c).toEqual({ plots: 8, declared: 8, rendered: 8, drawn: 8, errors: [], failed: [], external: [], layout: [], charts: [] });
  });

  it('`vamm report` rebuilds from the log exactly the charts `vamm run` drew while running', () => {
    const rebuilt = readFileSync(join(dir, 'run', 'report.html'), 'utf8');
    expect(specsOf(rebuilt)).toBeDefined();
    expect(specsOf(rebuilt)).toBe(specsOf(runReportBytes));
  });

  it('the study charts render', async () => {
    const c = await open(join(dir, 'study.html'), 'study-charts.png', expectedSections(studyDocument()));
    const expected = chartsOf(studyDocument()).length;
    expect(c).toEqual({ plots: expected, declared: expected, rendered: expected, drawn: expected, errors: [], failed: [], external: [], layout: [], charts: [] });
  });

  it('the audit report renders every chart', async () => {
    const c = await open(audit.html, 'audit-report.png', expectedSections(auditReportDocument(audit.model)));
    // Invariants per run, gas per operation, bad debt per run.
    expect(c).toEqual({ plots: 3, declared: 3, rendered: 3, drawn: 3, errors: [], failed: [], external: [], layout: [], charts: [] });
  });

  it('the audit PDF has one page per section: scope … findings table, then one per finding', async () => {
    const pdf = await PDFDocument.load(readFileSync(audit.pdf!));
    expect(audit.sections).toBe(7 + 4);
    expect(pdf.getPageCount()).toBe(audit.sections);
    const [w, h] = [pdf.getPage(0).getWidth(), pdf.getPage(0).getHeight()];
    expect([Math.round(w), Math.round(h)]).toEqual([595, 842]); // A4 in points
  });
});
