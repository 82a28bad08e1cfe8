/** Everything the audit report shows, gathered from the config's sources. */
import type { ProfileName } from '../../sim/params.ts';
import type { AuditConfig } from './config.ts';
import { type CrosscheckResult, loadCrosscheckResult } from './crosscheck.ts';
import { type FindingEvidence, type RunEvidence, type ScriptEvidence, expandScripts, readRun, reproduceFinding, runScriptEvidence } from './evidence.ts';
import { parameterRows } from './parameters.ts';
import type { LivenessEvidence } from './liveness.ts';
import { type Scope, readScope } from './scope.ts';

export interface AuditModel {
  readonly config: AuditConfig;
  readonly scope: Scope | null;
  readonly parameters: Array<readonly [string, string]>;
  readonly runs: RunEvidence[];
  readonly scripts: ScriptEvidence[];
  readonly crosscheck: CrosscheckResult[];
  readonly findings: FindingEvidence[];
  /** Liveness under injected faults (run on anvil by writeAudit; null when not configured). */
  readonly liveness: LivenessEvidence | null;
}

export function buildAuditModel(config: AuditConfig): AuditModel {
  const findings = config.findings.map(reproduceFinding);
  // The finding scripts count towards the invariant evidence too (once each).
  const scriptFiles = expandScripts(config.scripts);
  for (const f of config.findings) if (!scriptFiles.includes(f.script)) scriptFiles.push(f.script);
  return {
    config,
    scope: config.contracts ? readScope(config.contracts.dir) : null,
    parameters: parameterRows(config.profile as ProfileName),
    runs: config.runs.map(readRun),
    scripts: scriptFiles.map(runScriptEvidence),
    crosscheck: config.crosscheck.map(loadCrosscheckResult),
    findings,
    liveness: null,
  };
}
