/**
 * The studies `vamm study` knows: each turns its config into a sweep, extracts its metrics from
 * a run summary, and analyses the rows into a result and a report document (HTML and Markdown).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { InputErrors } from '../../data/input-error.ts';
import type { ReportDocument } from '../../reports/document.ts';
import type { RunSummary } from '../../sim/engine/summary.ts';
import type { Json } from '../../sim/state-view.ts';
import { parseLocatedJson } from '../json-source.ts';
import { LocatedReporter } from '../json-validate.ts';
import { type StudyRunOptions, type SweepPoint, type SweepRow, type SweepSpec, expandPoints } from '../sweep.ts';
import { exportBindingPlan } from './funding-cap-binding.ts';
import { FundingCapConfigSchema, analyseFundingCap, expectedRows, runFundingCapStudy, studyWindows } from './funding-cap.ts';
import { fundingCapDocument } from './funding-cap-report.ts';
import { InsuranceConfigSchema, analyseInsurance, infeasibleGridBook, insuranceMetrics, insuranceSweep } from './insurance.ts';
import { insuranceDocument } from './insurance-report.ts';
import { KResizeConfigSchema, analyseKResize, kResizeMetrics, kResizeSweep } from './k-resize.ts';
import { kResizeDocument } from './k-resize-report.ts';

export interface Study<C> {
  readonly name: string;
  readonly schema: z.ZodType<C>;
  readonly defaultConfig: string;
  /** A study that is a sweep of runs: its spec (async where it must draw or fit first: the insurance study's strata) and each run's metrics. */
  sweep?(config: C, o: { dataDir?: string }): SweepSpec | Promise<SweepSpec>;
  metrics?(config: C, summary: RunSummary, point: SweepPoint): Json;
  /** A study with its own runner (a search): runs the shard's work, returns its rows. */
  run?(config: C, o: StudyRunOptions): Promise<readonly SweepRow[]>;
  /** How many rows the whole study has (to refuse analysing an incomplete one). */
  expectedRows(config: C, o: { dataDir?: string }): number | Promise<number>;
  analyse(config: C, rows: readonly SweepRow[], o: { dataDir?: string }): Json | Promise<Json>;
  /** The result as a report (rendered to result.html and result.md). */
  document(config: C, result: Json): ReportDocument;
  /**
   * A failed row that is a finding of the study rather than a run that broke (the insurance
   * study's grid cell that cannot hold the stated book): why, or null.
   */
  finding?(row: SweepRow): string | null;
  /** Files a result adds beside the report (the funding-cap study's binding plan). */
  exportFiles?(config: C, result: Json, out: string, o: { dataDir?: string }): Promise<readonly string[]>;
}

const dir = join(import.meta.dirname);

export const STUDIES = {
  'funding-cap': {
    name: 'funding-cap',
    schema: FundingCapConfigSchema,
    defaultConfig: join(dir, 'funding-cap.json'),
    run: (c, o) => runFundingCapStudy(c, o),
    expectedRows,
    analyse: async (c, rows, o) => analyseFundingCap(c, rows, await studyWindows(c, o.dataDir)) as unknown as Json,
    document: (c, r) => fundingCapDocument(c, r as never),
    exportFiles: (c, r, out, o) => exportBindingPlan(c, r as never, out, o),
  } satisfies Study<z.output<typeof FundingCapConfigSchema>>,
  insurance: {
    name: 'insurance',
    schema: InsuranceConfigSchema,
    defaultConfig: join(dir, 'insurance.json'),
    sweep: insuranceSweep,
    metrics: insuranceMetrics,
    expectedRows: async (c, o) => expandPoints(await insuranceSweep(c, o)).length,
    analyse: async (c, rows, o) => (await analyseInsurance(c, rows, o)) as unknown as Json,
    document: (c, r) => insuranceDocument(c, r as never),
    finding: infeasibleGridBook,
  } satisfies Study<z.output<typeof InsuranceConfigSchema>>,
  'k-resize': {
    name: 'k-resize',
    schema: KResizeConfigSchema,
    defaultConfig: join(dir, 'k-resize.json'),
    sweep: kResizeSweep,
    metrics: kResizeMetrics,
    expectedRows: (c) => expandPoints(kResizeSweep(c)).length,
    analyse: (c, rows) => analyseKResize(c, rows) as unknown as Json,
    document: (c, r) => kResizeDocument(c, r as never),
  } satisfies Study<z.output<typeof KResizeConfigSchema>>,
} as const;

export type StudyName = keyof typeof STUDIES;

/** Reads and validates a study config with located errors. */
export function loadStudyConfig<C>(study: Study<C>, file: string): C {
  const text = readFileSync(file, 'utf8');
  const json = parseLocatedJson(text, file);
  const parsed = study.schema.safeParse(json.value);
  if (!parsed.success) {
    const reporter = new LocatedReporter(json, file);
    reporter.collect(parsed.error.issues);
    throw new InputErrors(reporter.errors);
  }
  return parsed.data;
}
