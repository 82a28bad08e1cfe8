/**
 * The audit config (`vamm audit <config.json>`): what is in scope and where the evidence is.
 * Paths are relative to the config file. Validated with located errors like every input.
 *
 * {
 *   "title": "…", "profile": "default",
 *   "contracts": { "dir": "../contracts/src" },
 *   "runs": ["../runs/black-thursday-2020-seed1",            // folders written by `vamm run`, or
 *            { "dir": "../runs/ftx-2022-seed1", "scenario": "runs/ftx-2022.json" }],  // … with how to make it
 *   "scripts": ["../scenarios/scripts"],                     // script files or folders of them
 *   "crosscheck": ["../runs/crosscheck-whale.json",          // `vamm crosscheck --out` results, or
 *                  { "out": "../runs/crosscheck/day.json", "input": "../runs/crosscheck-day-seed1" }],  // … with its input
 *   "findings": [{ "id": "F-1", "title": "…", "severity": "medium", "affects": "…",
 *                  "description": "…", "script": "../scenarios/scripts/finding-….json",
 *                  "recommendation": "…" }],
 *   "recommendations": ["…"],
 *   "liveness": { "ref": "2d8cf93", "faults": ["oracle-stale", …], "seeds": 3, "gasBound": 15000000,
 *                 "flood": { "dustAccounts": 1500, "dustPositions": 400 } }   // all optional
 * }
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputErrors } from '../../data/input-error.ts';
import { parseLocatedWith, readInputText } from '../../scenarios/json-validate.ts';
import { FAULTS } from '../../scenarios/liveness/faults.ts';
import { DEFAULT_GAS_BOUND } from '../../scenarios/liveness/search.ts';
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

/** A run folder, or a run folder with the scenario that makes it (`vamm audit --make`). */
const RunEntrySchema = z.union([path, z.strictObject({ dir: path, scenario: path, seed: z.number().int().nonnegative().optional() })]);
/**
 * A cross-check result file, or one with what to replay to make it: a scripted scenario, an
 * event log or a run folder (made first when the config's runs say how).
 */
const CrosscheckEntrySchema = z.union([path, z.strictObject({ out: path, input: path, views: z.boolean().default(true) })]);

/** Liveness under injected faults: which contracts (a git ref's, default the folder in scope), faults and bounds. */
export const LivenessConfigSchema = z.strictObject({
  /** Check the contracts as they were at this git ref (e.g. "2d8cf93") instead of the folder in scope. */
  ref: z.string().min(1).optional(),
  faults: z.array(z.enum(FAULTS)).min(1).optional(),
  seeds: z.number().int().positive().max(50).default(3),
  gasBound: z.number().int().positive().default(DEFAULT_GAS_BOUND),
  flood: z.strictObject({ dustAccounts: z.number().int().positive().max(10_000), dustPositions: z.number().int().positive().max(10_000) }).optional(),
});

export const AuditConfigSchema = z.strictObject({
  title: z.string().min(1).default('Audit report'),
  profile: z.enum(PROFILE_NAMES as [string, ...string[]]).default('default'),
  contracts: z.strictObject({ dir: path }).optional(),
  runs: z.array(RunEntrySchema).default([]),
  scripts: z.array(path).default([]),
  crosscheck: z.array(CrosscheckEntrySchema).default([]),
  findings: z.array(FindingSchema).default([]),
  recommendations: z.array(z.string().min(1)).default([]),
  liveness: LivenessConfigSchema.optional(),
});

export type Finding = z.output<typeof FindingSchema>;

/** How to make a piece of evidence that is not there yet (paths resolved). */
export type AuditRecipe =
  | { readonly kind: 'run'; readonly dir: string; readonly scenario: string; readonly seed?: number }
  | { readonly kind: 'crosscheck'; readonly out: string; readonly input: string; readonly views: boolean };

/**
 * The config with every path resolved against the config file's folder: `runs` and `crosscheck`
 * are the evidence paths; `recipes` say how to make those the config says how to make.
 */
export type AuditConfig = Omit<z.output<typeof AuditConfigSchema>, 'runs' | 'crosscheck'> & {
  readonly runs: string[];
  readonly crosscheck: string[];
  readonly recipes: AuditRecipe[];
  readonly file: string;
  readonly baseDir: string;
};

export function parseAuditConfig(text: string, file: string): AuditConfig {
  const { data: c, reporter } = parseLocatedWith(AuditConfigSchema, text, file);
  const ids = new Set<string>();
  c.findings.forEach((f, i) => {
    if (ids.has(f.id)) reporter.report(['findings', i, 'id'], `duplicate finding id ${f.id}`);
    ids.add(f.id);
  });
  if (reporter.errors.length > 0) throw new InputErrors(reporter.errors);
  const baseDir = dirname(resolve(file));
  const at = (p: string) => resolve(baseDir, p);
  const recipes: AuditRecipe[] = [];
  const runs = c.runs.map((r) => {
    if (typeof r === 'string') return at(r);
    recipes.push({ kind: 'run', dir: at(r.dir), scenario: at(r.scenario), ...(r.seed === undefined ? {} : { seed: r.seed }) });
    return at(r.dir);
  });
  const crosscheck = c.crosscheck.map((x) => {
    if (typeof x === 'string') return at(x);
    recipes.push({ kind: 'crosscheck', out: at(x.out), input: at(x.input), views: x.views });
    return at(x.out);
  });
  return {
    ...c,
    ...(c.contracts ? { contracts: { dir: at(c.contracts.dir) } } : {}),
    runs,
    scripts: c.scripts.map(at),
    crosscheck,
    recipes,
    findings: c.findings.map((f) => ({ ...f, script: at(f.script) })),
    file,
    baseDir,
  };
}

export function loadAuditConfig(file: string): AuditConfig {
  return parseAuditConfig(readInputText(file, 'audit config'), file);
}
