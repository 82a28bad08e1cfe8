/**
 * The audit config (`vamm audit <config.json>`): what is in scope and where the evidence is.
 * Paths are relative to the config file. Validated with located errors like every input.
 *
 * {
 *   "title": "…", "profile": "default",
 *   "contracts": { "dir": "../contracts/src" },
 *   "runs": ["../runs/black-thursday-2020-seed1"],          // folders written by `vamm run`
 *   "scripts": ["../scenarios/scripts"],                     // script files or folders of them
 *   "crosscheck": ["../runs/crosscheck-whale.json"],         // `vamm crosscheck --out` results
 *   "findings": [{ "id": "F-1", "title": "…", "severity": "medium", "affects": "…",
 *                  "description": "…", "script": "../scenarios/scripts/finding-….json",
 *                  "recommendation": "…" }],
 *   "recommendations": ["…"]
 * }
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputError, InputErrors } from '../../data/input-error.ts';
import { parseLocatedJson } from '../../scenarios/json-source.ts';
import { LocatedReporter } from '../../scenarios/json-validate.ts';
import { PROFILE_NAMES } from '../../sim/params.ts';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const path = z.string().min(1);

export const FindingSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9-]+$/, 'letters, digits and dashes, e.g. "F-1"'),
  title: z.string().min(1),
  severity: z.enum(SEVERITIES),
  /** Which design or component it affects (e.g. "perp-v1 profile"). */
  affects: z.string().min(1),
  description: z.string().min(1),
  /** The scripted scenario that reproduces it (must pass `vamm script`). */
  script: path,
  recommendation: z.string().min(1),
});

export const AuditConfigSchema = z.strictObject({
  title: z.string().min(1).default('Audit report'),
  profile: z.enum(PROFILE_NAMES as [string, ...string[]]).default('default'),
  contracts: z.strictObject({ dir: path }).optional(),
  runs: z.array(path).default([]),
  scripts: z.array(path).default([]),
  crosscheck: z.array(path).default([]),
  findings: z.array(FindingSchema).default([]),
  recommendations: z.array(z.string().min(1)).default([]),
});

export type Finding = z.output<typeof FindingSchema>;

/** The config with every path resolved against the config file's folder. */
export type AuditConfig = z.output<typeof AuditConfigSchema> & { readonly file: string; readonly baseDir: string };

export function parseAuditConfig(text: string, file: string): AuditConfig {
  const json = parseLocatedJson(text, file);
  const reporter = new LocatedReporter(json, file);
  const parsed = AuditConfigSchema.safeParse(json.value);
  if (!parsed.success) {
    reporter.collect(parsed.error.issues);
    throw new InputErrors(reporter.errors);
  }
  const ids = new Set<string>();
  parsed.data.findings.forEach((f, i) => {
    if (ids.has(f.id)) reporter.report(['findings', i, 'id'], `duplicate finding id ${f.id}`);
    ids.add(f.id);
  });
  if (reporter.errors.length > 0) throw new InputErrors(reporter.errors);
  const baseDir = dirname(resolve(file));
  const at = (p: string) => resolve(baseDir, p);
  const c = parsed.data;
  return {
    ...c,
    ...(c.contracts ? { contracts: { dir: at(c.contracts.dir) } } : {}),
    runs: c.runs.map(at),
    scripts: c.scripts.map(at),
    crosscheck: c.crosscheck.map(at),
    findings: c.findings.map((f) => ({ ...f, script: at(f.script) })),
    file,
    baseDir,
  };
}

export function loadAuditConfig(file: string): AuditConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError({ file }, `cannot read the audit config: ${(e as Error).message}`);
  }
  return parseAuditConfig(text, file);
}
