/**
 * What an audit config needs that is not there yet: run folders without a finished run, and
 * cross-check results not written. Each comes with the command that makes it, when the config
 * says how (`{ "dir", "scenario" }`, `{ "out", "input" }`), so `vamm audit` can list all of them
 * at once, or make them with `--make`.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { readCompletionRecord } from '../../sim/engine/completion-record.ts';
import type { AuditConfig, AuditRecipe } from './config.ts';

export interface MissingEvidence {
  readonly path: string;
  readonly why: string;
  /** How to make it (absent when the config does not say). */
  readonly recipe?: AuditRecipe;
}

export function missingEvidence(config: AuditConfig): MissingEvidence[] {
  const recipeFor = (path: string) => config.recipes.find((r) => (r.kind === 'run' ? r.dir : r.out) === path);
  const missing: MissingEvidence[] = [];
  for (const dir of config.runs) {
    if (readCompletionRecord(dir)) continue;
    const recipe = recipeFor(dir);
    missing.push({ path: dir, why: existsSync(dir) ? 'not a finished run (no completion record)' : 'no such run folder', ...(recipe ? { recipe } : {}) });
  }
  for (const file of config.crosscheck) {
    if (existsSync(file)) continue;
    const recipe = recipeFor(file);
    missing.push({ path: file, why: 'no such cross-check result', ...(recipe ? { recipe } : {}) });
  }
  return missing;
}

/** The command line that makes a piece of evidence, with paths as the user would type them. */
export function recipeCommand(r: AuditRecipe, cwd: string = process.cwd()): string {
  const rel = (p: string) => relative(cwd, p) || '.';
  return r.kind === 'run'
    ? `vamm run ${rel(r.scenario)}${r.seed === undefined ? '' : ` --seed ${r.seed}`} --out ${rel(r.dir)}`
    : `vamm crosscheck ${rel(r.input)} --out ${rel(r.out)}${r.views ? '' : ' --no-views'}`;
}

/** One message naming everything missing and how to make it. */
export function describeMissing(missing: readonly MissingEvidence[], cwd: string = process.cwd()): string {
  const lines = missing.map((m) => `  ${relative(cwd, m.path) || m.path}: ${m.why}; ${m.recipe ? `make it with: ${recipeCommand(m.recipe, cwd)}` : 'the config does not say how to make it'}`);
  return `the audit needs ${missing.length} piece${missing.length === 1 ? '' : 's'} of evidence that ${missing.length === 1 ? 'is' : 'are'} not there:\n${lines.join('\n')}`;
}
