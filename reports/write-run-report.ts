/**
 * Writes a run's report files into its folder: report.html (self-contained) from the model,
 * and — when rebuilding from a saved log — summary.json and summary.md from the same stream,
 * keeping the wall-clock time a previous summary recorded (the log does not hold it).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../data/input-error.ts';
import { formatRunSummary } from '../sim/engine/summary-markdown.ts';
import { buildRunModel, type RunModelOptions } from './run-model-builder.ts';
import type { RunReportModel } from './run-model.ts';
import { renderHtml } from './render/html.ts';
import { runReportDocument } from './run-report.ts';

export const RUN_REPORT_FILE = 'report.html';

export interface WrittenReport {
  readonly path: string;
  readonly bytes: number;
  readonly seconds: number;
}

export function writeRunReportHtml(dir: string, model: RunReportModel, options: { wallClockSeconds?: number; source?: string } = {}): WrittenReport {
  const started = performance.now();
  const html = renderHtml(runReportDocument(model, options));
  const path = join(dir, RUN_REPORT_FILE);
  writeFileSync(path, html);
  return { path, bytes: Buffer.byteLength(html), seconds: (performance.now() - started) / 1000 };
}

/** `vamm report <run-dir>`: everything from events.jsonl, one streaming pass. */
export async function rebuildRunReport(dir: string, options: RunModelOptions = {}): Promise<WrittenReport & { events: number }> {
  const log = join(dir, 'events.jsonl');
  if (!existsSync(log) || !statSync(log).isFile()) throw new InputError({ file: log }, 'no event log here: the run report is built from it (`vamm run` writes it unless --no-event-log)');
  const started = performance.now();
  const model = await buildRunModel(log, options);
  const summaryFile = join(dir, 'summary.json');
  let wallClockSeconds: number | undefined;
  if (existsSync(summaryFile)) {
    const previous = JSON.parse(readFileSync(summaryFile, 'utf8')) as { wallClockSeconds?: unknown };
    if (typeof previous.wallClockSeconds === 'number') wallClockSeconds = previous.wallClockSeconds;
  }
  writeFileSync(summaryFile, `${JSON.stringify({ ...model.summary, ...(wallClockSeconds === undefined ? {} : { wallClockSeconds }) }, null, 2)}\n`);
  writeFileSync(join(dir, 'summary.md'), formatRunSummary(model.summary, wallClockSeconds));
  const written = writeRunReportHtml(dir, model, { ...(wallClockSeconds === undefined ? {} : { wallClockSeconds }), source: `${log}` });
  return { ...written, seconds: (performance.now() - started) / 1000, events: model.summary.run.events };
}
