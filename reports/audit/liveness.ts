/**
 * The audit's liveness section: each property under each injected fault, held or violated, with
 * the shortest script that shows a violation (scenarios/liveness/search.ts on the contracts in
 * scope — this tree's, or a git ref's). The scripts are also written beside the report
 * (`liveness/<fault>-<property>.json`) so `vamm liveness <file> --contracts-ref <ref>` shows each again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileContracts } from '../../contracts/harness/compile.ts';
import { checkoutContractsAt } from '../../contracts/harness/git-ref.ts';
import { FAULT_DESCRIPTIONS } from '../../scenarios/liveness/faults.ts';
import { type LivenessReport, type LivenessRow, searchLiveness } from '../../scenarios/liveness/search.ts';
import { formatScript } from '../../scenarios/script-json.ts';
import type { Block, Section } from '../document.ts';
import { int } from '../format.ts';
import type { AuditConfig } from './config.ts';

export interface LivenessEvidence {
  /** What was checked: a git ref (and its commit) or a contracts folder. */
  readonly contracts: { readonly ref: string | null; readonly commit: string | null; readonly dir: string | null };
  readonly report: LivenessReport;
}

const PROPERTY_TEXT = {
  liquidatable: 'a position below maintenance can be liquidated (and one above it cannot)',
  'claims-covered': 'the vault’s claims are covered, or the shortfall is on record',
  'admin-gas': 'admin operations stay within the gas bound',
} as const;

/** Runs the configured liveness search on the contracts in scope (a ref's, when given). */
export async function livenessEvidence(config: AuditConfig, options: { ref?: string; onProgress?: (m: string) => void } = {}): Promise<LivenessEvidence | null> {
  const l = config.liveness;
  if (!l) return null;
  const ref = options.ref ?? l.ref ?? null;
  const checkout = ref ? checkoutContractsAt(ref) : null;
  try {
    const dir = checkout?.srcDir ?? config.contracts?.dir;
    options.onProgress?.(`compiling ${ref ? `the contracts at ${ref}` : 'the contracts'}`);
    const artifacts = compileContracts({ quiet: true, ...(dir ? { srcDir: dir } : {}) });
    const report = await searchLiveness({
      artifacts,
      seeds: l.seeds,
      gasBound: l.gasBound,
      ...(l.faults ? { faults: l.faults } : {}),
      ...(l.flood ? { flood: l.flood } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return { contracts: { ref, commit: checkout?.commit ?? null, dir: checkout ? null : (config.contracts?.dir ?? null) }, report };
  } finally {
    checkout?.remove();
  }
}

export function livenessScriptFile(row: Pick<LivenessRow, 'fault' | 'property'>): string {
  return join('liveness', `${row.fault}-${row.property}.json`);
}

/** Writes each violation's shortest script beside the report. */
export function writeLivenessScripts(evidence: LivenessEvidence, outDir: string): string[] {
  const written: string[] = [];
  for (const row of evidence.report.rows) {
    if (!row.violation) continue;
    const file = join(outDir, livenessScriptFile(row));
    mkdirSync(join(outDir, 'liveness'), { recursive: true });
    writeFileSync(file, formatScript(row.violation.script));
    written.push(file);
  }
  return written;
}

export function livenessSection(e: LivenessEvidence | null): Section {
  if (!e) {
    return {
      id: 'liveness',
      title: 'Liveness under injected faults',
      pageBreak: true,
      blocks: [{ kind: 'status', label: 'not run', tone: 'warn', text: 'The audit config has no "liveness" section: liquidation, solvency and gas liveness under faults are not evidenced.' }],
    };
  }
  const r = e.report;
  const violated = r.rows.filter((x) => x.status === 'violated');
  const held = r.rows.filter((x) => x.status === 'held');
  const what = e.contracts.ref ? `the contracts at git ${e.contracts.ref}${e.contracts.commit ? ` (${e.contracts.commit.slice(0, 12)})` : ''}` : 'the contracts in scope';
  const blocks: Block[] = [
    {
      kind: 'status',
      label: violated.length === 0 ? 'all held' : `${violated.length} violated`,
      tone: violated.length === 0 ? 'ok' : 'bad',
      text: `${held.length} property–fault pairs held and ${violated.length} violated on ${what}; ${int(r.runs)} scenario runs on anvil in ${r.seconds.toFixed(0)} s.`,
    },
    {
      kind: 'paragraph',
      text:
        'Each fault is a family of seeded scenarios (a leveraged victim, noise traders, a whale whose short crashes the mark, then the fault) run on the contracts on anvil. After every transaction the checker reads the contracts’ views and the feeds and applies the rules itself: a position below maintenance on the trader-favourable valuation of the usable prices (the better of spot and the 15-min TWAP, and a fresh oracle’s when the mark strays from it) must be liquidatable and one above it must not be; idle tokens plus the yield source at book value must cover every claim or the shortfall must be on record; every admin transaction must stay within the gas bound. The first violation of a property is shrunk: a dust flood cut to the smallest size that still breaks the bound, then steps left out while the violation persists.',
    },
    {
      kind: 'keyValues',
      rows: [
        ['contracts', e.contracts.ref ? `git ${e.contracts.ref} → ${e.contracts.commit}` : (e.contracts.dir ?? 'this tree')],
        ['scenarios per fault', `${r.seeds} (seeds 1–${r.seeds}; a violated property stops its search)`],
        ['admin gas bound', `${int(r.gasBound)} gas per transaction`],
        ['dust floods', `${int(r.flood.dustAccounts)} accounts of 1e-6 USDC; ${int(r.flood.dustPositions)} positions of 1e-6 USDC`],
        ['properties', Object.entries(PROPERTY_TEXT).map(([k, v]) => `${k}: ${v}`).join('; ')],
      ],
    },
    {
      kind: 'table',
      columns: ['fault', 'property', 'review finding', 'status', 'scenarios', 'checks', 'shortest script'],
      rows: r.rows
        .filter((x) => x.status !== 'not exercised' || x.finding)
        .map((x) => [x.fault, x.property, x.finding ? `#${x.finding}` : '', x.status, int(x.scenarios), int(x.checks), x.violation ? `${x.violation.script.steps.length} steps (from ${x.violation.foundSteps}): ${livenessScriptFile(x)}` : '—']),
      numeric: [4, 5],
      caption: 'Pairs no scenario exercised (e.g. gas where no admin transaction ran) are left out unless a review finding names them.',
    },
  ];
  for (const x of violated) {
    const v = x.violation!;
    blocks.push({ kind: 'subheading', text: `${x.fault} — ${x.property}${x.finding ? ` (review finding ${x.finding})` : ''}` });
    blocks.push({ kind: 'paragraph', text: `${FAULT_DESCRIPTIONS[x.fault]}. ${v.step >= 0 ? `After step ${v.step}: ` : ''}${v.message}.` });
    blocks.push({ kind: 'code', text: formatScript(v.script).trimEnd() });
  }
  return { id: 'liveness', title: 'Liveness under injected faults', blocks, pageBreak: true };
}
