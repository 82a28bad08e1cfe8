/**
 * `npm run bench:reports [run-dir …] [--synthetic-year]`: how long a run report takes to build
 * from its event log (one streaming pass), the memory it needs, the HTML's size, and how long
 * headless Chromium takes to draw every chart. With --synthetic-year, also on a generated log
 * the size of a one-year 1-minute run. Writes bench/out/reports.json.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../reports/browser.ts';
import { bytes } from '../reports/format.ts';
import { rebuildRunReport } from '../reports/write-run-report.ts';
import { writeCompletionRecord } from '../sim/engine/completion-record.ts';
import { writeSyntheticYear } from './synthetic-log.ts';

interface ReportMeasurement {
  readonly run: string;
  readonly events: number;
  readonly logBytes: number;
  readonly buildSeconds: number;
  readonly peakRssMiB: number;
  readonly htmlBytes: number;
  readonly renderSeconds: number;
}

async function renderSeconds(html: string): Promise<number> {
  const chrome = await launchChromium();
  try {
    const page = await chrome.browser.newPage({ viewport: { width: 1200, height: 900 } });
    const started = performance.now();
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-plots="rendered"]', { timeout: 120_000 });
    return (performance.now() - started) / 1000;
  } finally {
    await chrome.close();
  }
}

async function measureRun(dir: string): Promise<ReportMeasurement> {
  const logBytes = statSync(join(dir, 'events.jsonl')).size;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const r = await rebuildRunReport(dir);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { run: dir, events: r.events, logBytes, buildSeconds: r.seconds, peakRssMiB: peak / 2 ** 20, htmlBytes: r.bytes, renderSeconds: await renderSeconds(r.path) };
}

const args = process.argv.slice(2);
const dirs = args.filter((a) => !a.startsWith('--'));
const results: ReportMeasurement[] = [];
for (const d of dirs) results.push(await measureRun(d));
if (args.includes('--synthetic-year')) {
  const dir = join(import.meta.dirname, 'out', 'synthetic-year-1m');
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const { events } = writeSyntheticYear(join(dir, 'events.jsonl'));
  // The log is whole (it ends with RunEnded): record it so `vamm report` takes it as a finished run.
  const recorded = { command: 'npm run bench:reports --synthetic-year', name: 'synthetic-year-1m', seed: 1, finished: new Date().toISOString(), wallClockSeconds: 0, blocks: 525_600, events, invariantViolations: 0 };
  await writeCompletionRecord(dir, recorded, ['events.jsonl']);
  console.log(`generated a synthetic one-year 1-minute log: ${events.toLocaleString('en-US')} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  results.push(await measureRun(dir));
  for (const f of ['events.jsonl', 'complete.json']) rmSync(join(dir, f));
}
console.log('run report: build from the log, peak memory of this process, size, time for Chromium to draw every chart');
for (const r of results) {
  console.log(`  ${r.run}: ${r.events.toLocaleString('en-US')} events (${bytes(r.logBytes)} log) → built in ${r.buildSeconds.toFixed(2)} s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB, ${bytes(r.htmlBytes)} HTML, drawn in ${r.renderSeconds.toFixed(2)} s`);
}
mkdirSync(join(import.meta.dirname, 'out'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'out', 'reports.json'), `${JSON.stringify(results, null, 2)}\n`);
