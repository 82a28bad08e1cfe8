/**
 * The audit report as a document: scope, parameters, invariants, cross-check evidence, stress
 * results and recommendations, the findings table, then one section per finding with the
 * script that reproduces it. Each section starts a printed page (the PDF's page count is the
 * number of sections when each fits a page, which the PDF test checks).
 */
import { relative } from 'node:path';
import { barChart } from '../charts/bars.ts';
import { COLORS, seriesColor } from '../charts/palette.ts';
import type { Block, ReportDocument, Section } from '../document.ts';
import { int, pct, usd } from '../format.ts';
import { SEVERITIES } from './config.ts';
import type { AuditModel } from './audit-model.ts';
import type { FindingEvidence } from './evidence.ts';
import { livenessSection } from './liveness.ts';

const TONE = { critical: 'bad', high: 'bad', medium: 'warn', low: 'info', info: 'info' } as const;

function scopeSection(m: AuditModel, rel: (p: string) => string): Section {
  const s = m.scope;
  if (!s) return { id: 'scope', title: 'Scope', blocks: [{ kind: 'status', label: 'not given', tone: 'warn', text: 'The audit config names no contracts folder: no contract files are in scope.' }] };
  const blocks: Block[] = [];
  blocks.push({
    kind: 'keyValues',
    rows: [
      ['contracts folder', rel(s.dir)],
      ['commit', !s.found ? '—' : s.commit ? `${s.commit.hash}${s.commit.dirty ? ' (the folder has uncommitted changes: hashes are of the files as read)' : ''}` : 'not in a git repository'],
      ['compiler', s.compiler.version ? `solc ${s.compiler.version} (${s.compiler.source})` : s.compiler.source],
      ['pragmas', s.pragmas.length > 0 ? s.pragmas.join(', ') : '—'],
      ['settings', Object.keys(s.settings).length > 0 ? Object.entries(s.settings).map(([k, v]) => `${k} = ${v}`).join(', ') : 'no foundry.toml beside the sources'],
    ],
  });
  if (!s.found) blocks.push({ kind: 'status', label: 'not found', tone: 'warn', text: `${rel(s.dir)} does not exist in this tree: no contract files are in scope.` });
  else {
    const lines = s.files.reduce((n, f) => n + f.lines, 0);
    blocks.push({
      kind: 'table',
      columns: ['file', 'lines', 'SHA-256'],
      rows: s.files.map((f) => [f.path, int(f.lines), f.sha256]),
      numeric: [1],
      caption: `${s.files.length} files, ${int(lines)} lines.`,
    });
  }
  return { id: 'scope', title: 'Scope', blocks };
}

function invariantsSection(m: AuditModel): Section {
  type Source = { name: string; kind: string; profile: string; counts: Record<string, { checks: number; violations: number; notApplicable: number }> | null };
  const sources: Source[] = [
    ...m.runs.map((r) => ({ name: r.summary.run.name, kind: 'run', profile: r.summary.run.profile, counts: r.summary.invariants.checks as Source['counts'] })),
    ...m.scripts.map((s) => ({ name: s.name, kind: 'script', profile: s.profile, counts: s.invariants })),
  ];
  const names = [...new Set(sources.flatMap((s) => Object.keys(s.counts ?? {})))];
  const total = (s: Source, key: 'checks' | 'violations') => Object.values(s.counts ?? {}).reduce((n, c) => n + c[key], 0);
  const checks = sources.reduce((n, s) => n + total(s, 'checks'), 0);
  const violations = sources.reduce((n, s) => n + total(s, 'violations'), 0);
  const blocks: Block[] = [
    {
      kind: 'status',
      label: violations === 0 ? 'no violations' : `${violations} violations`,
      tone: violations === 0 ? 'ok' : 'bad',
      text: `${int(checks)} invariant checks over ${m.runs.length} agent runs and ${m.scripts.length} scripted scenarios.`,
    },
  ];
  if (sources.length > 0 && names.length > 0) {
    const runs = sources.filter((s) => s.kind === 'run');
    if (runs.length > 0) {
      blocks.push({
        kind: 'chart',
        spec: barChart({
          id: 'audit-invariants',
          title: 'Invariant checks per agent run',
          categories: runs.map((s) => s.name),
          horizontal: true,
          mode: 'stack',
          yTitle: 'checks',
          groups: names.map((n, i) => ({ name: n, values: runs.map((s) => s.counts?.[n]?.checks ?? 0), color: seriesColor(i) })),
          height: 320,
          caption: 'Checked once per block in agent runs (and after every liquidation); after every step in scripts.',
        }),
      });
    }
    const scriptTotals = names.map((n) => m.scripts.reduce((k, s) => k + (s.invariants?.[n]?.checks ?? 0), 0));
    blocks.push({
      kind: 'table',
      columns: ['source', 'profile', ...names, 'violations'],
      rows: [
        ...runs.map((s) => [`run: ${s.name}`, s.profile, ...names.map((n) => int(s.counts?.[n]?.checks ?? 0)), int(total(s, 'violations'))]),
        [`scripts (${m.scripts.length})`, [...new Set(m.scripts.map((s) => s.profile))].join(', '), ...scriptTotals.map(int), int(m.scripts.reduce((k, s) => k + Object.values(s.invariants ?? {}).reduce((v, c) => v + c.violations, 0), 0))],
      ],
      numeric: names.map((_, i) => i + 2).concat([names.length + 2]),
      caption: `Scripts: ${m.scripts.map((s) => s.name).join(', ')}.`,
    });
  }
  return { id: 'invariants', title: 'Invariants', blocks, pageBreak: true };
}

function crosscheckSection(m: AuditModel, rel: (p: string) => string): Section {
  if (m.crosscheck.length === 0) {
    return {
      id: 'crosscheck',
      title: 'Cross-check evidence',
      pageBreak: true,
      blocks: [{ kind: 'status', label: 'not provided', tone: 'warn', text: 'No cross-check result was given (config "crosscheck": files written by `vamm crosscheck --out`). Model-vs-contract agreement is not evidenced in this report.' }],
    };
  }
  const blocks: Block[] = [];
  const divergences = m.crosscheck.reduce((n, c) => n + c.divergences.length, 0);
  const txs = m.crosscheck.reduce((n, c) => n + c.transactions, 0);
  blocks.push({
    kind: 'status',
    label: divergences === 0 ? 'no divergence' : `${divergences} divergences`,
    tone: divergences === 0 ? 'ok' : 'bad',
    text: `${int(txs)} transactions replayed on anvil against the model, every state field compared after every transaction.`,
  });
  blocks.push({
    kind: 'table',
    columns: ['replay', 'steps', 'transactions', 'reverted (as in the model)', 'blocks', 'divergences', 'tx/s', 'file'],
    rows: m.crosscheck.map((c) => [c.name, int(c.steps), int(c.transactions), int(c.reverted), int(c.blocks), int(c.divergences.length), c.transactionsPerSecond.toFixed(1), rel(c.file)]),
    numeric: [1, 2, 3, 4, 5, 6],
  });
  const gas = new Map<string, { count: number; min: number; max: number; medians: Array<[number, number]> }>();
  for (const c of m.crosscheck) {
    for (const [op, g] of Object.entries(c.gas)) {
      const e = gas.get(op) ?? { count: 0, min: Number.POSITIVE_INFINITY, max: 0, medians: [] };
      e.count += g.count;
      e.min = Math.min(e.min, g.min);
      e.max = Math.max(e.max, g.max);
      e.medians.push([g.median, g.count]);
      gas.set(op, e);
    }
  }
  const ops = [...gas.keys()].sort();
  // One file: its median. Several: the count-weighted mean of their medians (said so below).
  const median = (op: string) => {
    const e = gas.get(op)!;
    const n = e.medians.reduce((k, [, c]) => k + c, 0);
    return Math.round(e.medians.reduce((k, [md, c]) => k + md * c, 0) / n);
  };
  blocks.push({
    kind: 'chart',
    spec: barChart({
      id: 'audit-gas',
      title: 'Gas per operation (median, whiskers min–max)',
      categories: ops,
      horizontal: true,
      yTitle: 'gas',
      groups: [{ name: 'median', values: ops.map(median), color: COLORS.mark, range: ops.map((op) => [gas.get(op)!.min, gas.get(op)!.max] as const) }],
      height: 320,
    }),
  });
  blocks.push({
    kind: 'table',
    columns: ['operation', 'count', 'min', 'median', 'max'],
    rows: ops.map((op) => [op, int(gas.get(op)!.count), int(gas.get(op)!.min), int(median(op)), int(gas.get(op)!.max)]),
    numeric: [1, 2, 3, 4],
    ...(m.crosscheck.length > 1 ? { caption: "Median: the count-weighted mean of each replay's median." } : {}),
  });
  for (const c of m.crosscheck) {
    for (const d of c.divergences.slice(0, 5)) {
      blocks.push({ kind: 'status', label: 'divergence', tone: 'bad', text: `${c.name} step ${d.step} (${d.action}) ${d.field}: model ${d.model}, chain ${d.chain}; reproduced by its first ${d.reproduce.length} actions` });
    }
  }
  return { id: 'crosscheck', title: 'Cross-check evidence', blocks, pageBreak: true };
}

function stressSection(m: AuditModel): Section {
  const blocks: Block[] = [];
  if (m.runs.length === 0) blocks.push({ kind: 'status', label: 'not provided', tone: 'warn', text: 'No agent runs were given (config "runs"): no stress results.' });
  else {
    blocks.push({
      kind: 'table',
      columns: ['run', 'max gap', 'liquidations (partial / full)', 'bad debt', 'fund paid', 'socialised', 'uncovered', 'fund start → end', 'fund min'],
      rows: m.runs.map(({ summary: s }) => [
        s.run.name,
        pct(s.prices.maxMarkIndexGap, 1),
        `${s.liquidations.partial} / ${s.liquidations.full}`,
        usd(s.badDebt.total),
        usd(s.badDebt.coveredByInsuranceFund),
        usd(s.badDebt.socialised),
        usd(s.badDebt.uncovered),
        `${usd(s.insuranceFund.start)} → ${usd(s.insuranceFund.end)}`,
        `${usd(s.insuranceFund.min)} (${pct(Number(s.insuranceFund.min) / Number(s.insuranceFund.start), 0)})`,
      ]),
      numeric: [1, 3, 4, 5, 6, 8],
    });
    blocks.push({
      kind: 'chart',
      spec: barChart({
        id: 'audit-bad-debt',
        title: 'Bad debt per run and who covered it',
        categories: m.runs.map((r) => r.summary.run.name),
        horizontal: true,
        mode: 'stack',
        yTitle: 'USD',
        groups: [
          { name: 'insurance fund', values: m.runs.map((r) => Number(r.summary.badDebt.coveredByInsuranceFund)), color: COLORS.fund },
          { name: 'socialised', values: m.runs.map((r) => Number(r.summary.badDebt.socialised)), color: COLORS.socialised },
          { name: 'uncovered', values: m.runs.map((r) => Number(r.summary.badDebt.uncovered)), color: COLORS.uncovered },
        ],
        height: 300,
      }),
    });
  }
  blocks.push({ kind: 'subheading', text: 'Recommendations' });
  blocks.push(m.config.recommendations.length > 0 ? { kind: 'list', items: m.config.recommendations } : { kind: 'paragraph', text: 'None given.' });
  return { id: 'stress', title: 'Stress results and recommendations', blocks, pageBreak: true };
}

function findingsTable(m: AuditModel, rel: (p: string) => string): Section {
  const order = (f: FindingEvidence) => SEVERITIES.indexOf(f.finding.severity);
  const sorted = [...m.findings].sort((a, b) => order(a) - order(b) || (a.finding.id < b.finding.id ? -1 : 1));
  return {
    id: 'findings',
    title: 'Findings',
    pageBreak: true,
    blocks:
      m.findings.length === 0
        ? [{ kind: 'paragraph', text: 'No findings.' }]
        : [
            {
              kind: 'table',
              columns: ['id', 'severity', 'title', 'affects', 'reproduced by', 'reproduced'],
              rows: sorted.map((f) => [f.finding.id, f.finding.severity, f.finding.title, f.finding.affects, rel(f.finding.script), f.reproduced ? `yes (${f.script.expectations.met}/${f.script.expectations.total} expectations)` : 'NO']),
            },
            { kind: 'paragraph', text: 'Each finding is reproduced by a scripted scenario, run again while this report was built: `npx vamm script <file> --summary` shows the same.' },
          ],
  };
}

function findingSection(f: FindingEvidence, rel: (p: string) => string): Section {
  const blocks: Block[] = [
    { kind: 'status', label: f.finding.severity, tone: TONE[f.finding.severity], text: `Affects: ${f.finding.affects}` },
    { kind: 'paragraph', text: f.finding.description },
    { kind: 'subheading', text: 'Reproduction' },
    {
      kind: 'status',
      label: f.reproduced ? 'reproduced' : 'not reproduced',
      tone: f.reproduced ? 'ok' : 'bad',
      text: `${rel(f.finding.script)} (${f.script.profile}, ${f.script.steps} steps): ${f.script.expectations.met} of ${f.script.expectations.total} expectations met${f.script.failures.length > 0 ? `; failures: ${f.script.failures.join('; ')}` : ''}`,
    },
    { kind: 'code', text: `npx vamm script ${rel(f.finding.script)} --summary` },
  ];
  for (const e of f.evidence) {
    const lines = [
      `step ${e.index} ${e.action}${e.revert ? ` → reverts ${e.revert}` : ''}${e.note ? `  (${e.note})` : ''}`,
      ...e.expectations.map((x) => `  ${x.pass ? '✓' : '✗'} ${x.path} = ${JSON.stringify(x.expected)}${x.pass ? '' : ` (got ${JSON.stringify(x.actual)})`}`),
    ];
    blocks.push({ kind: 'code', text: lines.join('\n') });
  }
  blocks.push({ kind: 'subheading', text: 'Recommendation' }, { kind: 'paragraph', text: f.finding.recommendation });
  return { id: `finding-${f.finding.id}`, title: `${f.finding.id}: ${f.finding.title}`, blocks, pageBreak: true };
}

export function auditReportDocument(m: AuditModel, options: { generated?: string } = {}): ReportDocument {
  // Paths below the working directory read relative to it; others in full.
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r === '' ? '.' : r.startsWith('..') ? p : r;
  };
  return {
    title: m.config.title,
    subtitle: `${m.config.profile} profile · ${m.findings.length} findings · ${m.runs.length} agent runs · ${m.scripts.length} scripts · cross-check ${m.crosscheck.length > 0 ? `${m.crosscheck.length} replays` : 'not provided'}`,
    provenance: `vamm audit ${rel(m.config.file)}${options.generated ? `, ${options.generated}` : ''}`,
    sections: [
      scopeSection(m, rel),
      { id: 'parameters', title: 'Protocol parameters', pageBreak: true, blocks: [{ kind: 'paragraph', text: `The ${m.config.profile} profile (sim/params.ts): what the runs and the contracts use unless a scenario overrides it. Ratios are fractions; periods are seconds.` }, { kind: 'table', columns: ['parameter', 'value'], rows: m.parameters }] },
      invariantsSection(m),
      crosscheckSection(m, rel),
      livenessSection(m.liveness),
      stressSection(m),
      findingsTable(m, rel),
      ...m.findings.map((f) => findingSection(f, rel)),
    ],
  };
}
