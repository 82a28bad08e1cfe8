/**
 * Writes a run's report files into its folder: report.html (self-contained) from the model,
 * and — when rebuilding from a saved log — summary.json and summary.md from the same stream,
 * keeping the wall-clock time a previous summary recorded (the log does not hold it).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../data/atomic-write.ts';
import { InputError } from '../data/input-error.ts';
import { COMPLETION_RECORD, readCompletionRecord, requireCompleteRun } from '../sim/engine/completion-record.ts';
import { formatRunSummary } from '../sim/engine/summary-markdown.ts';
import { buildRunModel, type RunModelOptions } from './run-model-builder.ts';
import type { RunReportModel } from './run-model.ts';
import { renderHtml } from './render/html.ts';
import { PARTIAL_RUN_BANNER, type RunReportOptions, runReportDocument } from './run-report.ts';

export const RUN_REPORT_FILE = 'report.html';

export interface WrittenReport {
  readonly path: string;
  readonly bytes: number;
  readonly seconds: number;
}

export function writeRunReportHtml(dir: string, model: RunReportModel, options: RunReportOptions = {}): WrittenReport {
  const started = performance.now();
  const html = renderHtml(runReportDocument(model, options));
  const path = join(dir, RUN_REPORT_FILE);
  writeFileAtomic(path, html);
  return { path, bytes: Buffer.byteLength(html), seconds: (performance.now() - started) / 1000 };
}

export interface RebuildOptions extends RunModelOptions {
  /** Build from a run without a completion record, labelled partial on every page (else refused). */
  readonly partial?: boolean;
}

/**
 * `vamm report <run-dir>`: everything from events.jsonl, one streaming pass. Only a finished
 * run (its completion record present, its log the size recorded) unless `partial`; every file
 * is replaced whole, and only once the model is built.
 */
export async function rebuildRunReport(dir: string, options: RebuildOptions = {}): Promise<WrittenReport & { events: number; partial: boolean }> {
  const log = join(dir, 'events.jsonl');
  if (!existsSync(log) || !statSync(log).isFile()) throw new InputError({ file: log }, 'no event log here: the run report is built from it (`vamm run` writes it unless --no-event-log)');
  const partial = readCompletionRecord(dir) === null;
  if (!options.partial || !partial) requireCompleteRun(dir, 'the report');
  const started = performance.now();
  const model = await buildRunModel(log, options);
  const summaryFile = join(dir, 'summary.json');
  let wallClockSeconds: number | undefined;
  if (existsSync(summaryFile)) {
    const previous = JSON.parse(readFileSync(summaryFile, 'utf8')) as { wallClockSeconds?: unknown };
    if (typeof previous.wallClockSeconds === 'number') wallClockSeconds = previous.wallClockSeconds;
  }
  const banner = partial ? PARTIAL_RUN_BANNER : undefined;
  writeFileAtomic(summaryFile, `${JSON.stringify({ ...(partial ? { partial: `${PARTIAL_RUN_BANNER} (no ${COMPLETION_RECORD})` } : {}), ...model.summary, ...(wallClockSeconds === undefined ? {} : { wallClockSeconds }) }, null, 2)}\n`);
  writeFileAtomic(join(dir, 'summary.md'), `${banner ? `> **${banner}**\n\n` : ''}${formatRunSummary(model.summary, wallClockSeconds)}`);
  const written = writeRunReportHtml(dir, model, { ...(wallClockSeconds === undefined ? {} : { wallClockSeconds }), source: `${log}`, ...(banner ? { banner } : {}) });
  return { ...written, seconds: (performance.now() - started) / 1000, events: model.summary.run.events, partial };
}
