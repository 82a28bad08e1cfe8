/**
 * The audit's evidence, gathered from what exists: run summaries (invariant counts and stress
 * results from `vamm run` folders), scripted scenarios run now (their invariant counts, and
 * each finding's reproduction), and cross-check results when given.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../data/input-error.ts';
import { requireCompleteRun } from '../../sim/engine/completion-record.ts';
import type { RunSummary } from '../../sim/engine/summary.ts';
import type { InvariantCounts } from '../../sim/invariants.ts';
import { loadScript } from '../../scenarios/script-loader.ts';
import { type ExpectationResult, runScript } from '../../scenarios/script-runner.ts';
import type { Finding } from './config.ts';

export interface RunEvidence {
  readonly dir: string;
  readonly summary: RunSummary;
}

export interface ScriptEvidence {
  readonly file: string;
  readonly name: string;
  readonly profile: string;
  readonly steps: number;
  readonly expectations: { readonly met: number; readonly total: number };
  readonly failures: string[];
  readonly invariants: Record<string, InvariantCounts> | null;
}

export interface FindingEvidence {
  readonly finding: Finding;
  readonly script: ScriptEvidence;
  /** Every expectation met and no invariant broken: the script shows what the finding says. */
  readonly reproduced: boolean;
  /** The steps that show the finding: those with expectations or an expected revert. */
  readonly evidence: Array<{ readonly index: number; readonly action: string; readonly note?: string; readonly revert?: string; readonly expectations: ExpectationResult[] }>;
}

/** A finished run's summary (a partial run is refused: its figures are not a result). */
export function readRun(dir: string): RunEvidence {
  requireCompleteRun(dir, 'the audit');
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) throw new InputError({ file }, 'no run summary here: run the scenario first (`vamm run <scenario> --out <this folder>`)');
  return { dir, summary: JSON.parse(readFileSync(file, 'utf8')) as RunSummary };
}

/** Script files named, and every *.json in folders named, in a stable order. */
export function expandScripts(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new InputError({ file: p }, 'no such script or folder');
    if (statSync(p).isDirectory()) out.push(...readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => join(p, f)));
    else out.push(p);
  }
  return [...new Set(out)];
}

const cache = new Map<string, { evidence: ScriptEvidence; run: ReturnType<typeof runScript> }>();

function run(file: string) {
  let hit = cache.get(file);
  if (!hit) {
    const script = loadScript(file);
    const r = runScript(script, { views: true });
    const all = r.steps.flatMap((s) => s.expectations);
    hit = {
      run: r,
      evidence: {
        file,
        name: r.name || basename(file, '.json'),
        profile: r.profile,
        steps: r.steps.length,
        expectations: { met: all.filter((e) => e.pass).length, total: all.length },
        failures: r.failures,
        invariants: r.invariants,
      },
    };
    cache.set(file, hit);
  }
  return hit;
}

export function runScriptEvidence(file: string): ScriptEvidence {
  return run(file).evidence;
}

export function reproduceFinding(finding: Finding): FindingEvidence {
  const { evidence, run: r } = run(finding.script);
  const violations = Object.values(evidence.invariants ?? {}).reduce((n, c) => n + c.violations, 0);
  const shown = r.steps.filter((s) => s.expectations.length > 0 || s.revert);
  return {
    finding,
    script: evidence,
    reproduced: evidence.failures.length === 0 && violations === 0 && evidence.expectations.total > 0,
    evidence: shown.map((s) => ({ index: s.index, action: s.action, ...(s.note ? { note: s.note } : {}), ...(s.revert ? { revert: s.revert.reason } : {}), expectations: s.expectations })),
  };
}
