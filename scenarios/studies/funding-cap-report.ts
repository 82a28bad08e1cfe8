/** The funding-cap study's result as a report document: the answer, the frontier, the cost side, the windows, the search. */
import { bandChart } from '../../reports/charts/band.ts';
import type { Block, ReportDocument, Section } from '../../reports/document.ts';
import type { Interval } from './statistics.ts';
import type { CellResult, CostResult, FundingCapConfig, FundingCapResult, Recommendation } from './funding-cap.ts';
import { BINDING_PLAN_FILES } from './funding-cap-binding.ts';

const usd = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const pct = (x: number) => `${(x * 100).toFixed(3)} %`;
const interval = (i: Interval, f: (x: number) => string = usd) => `${f(i.estimate)} (${f(i.low ?? Number.NaN)} to ${f(i.high ?? Number.NaN)})`;

/** Caps on a log axis in % per day: "none" sits at three times the loosest cap. */
function xOf(perDay: number, loosest: number): number {
  return 100 * (Number.isFinite(perDay) ? perDay : 3 * loosest);
}

function frontierCharts(c: FundingCapConfig, r: FundingCapResult): Block[] {
  const finite = r.cells.map((x) => x.perDay).filter(Number.isFinite);
  const loosest = Math.max(...finite, 1e-9);
  /** One curve per depth of a value with its interval over the caps, loosest cap last. */
  const curves = <T extends { readonly regime: string; readonly depth: string; readonly perDay: number }>(points: readonly T[], regime: string, value: (p: T) => Interval, label?: (p: T) => string) =>
    c.depths.map((depth) => {
      const pts = points.filter((x) => x.regime === regime && x.depth === depth).sort((a, b) => xOf(a.perDay, loosest) - xOf(b.perDay, loosest));
      return {
        name: `depth ${usd(Number(depth))}`,
        x: pts.map((p) => xOf(p.perDay, loosest)),
        y: pts.map((p) => value(p).estimate),
        lower: pts.map((p) => value(p).low ?? value(p).estimate),
        upper: pts.map((p) => value(p).high ?? value(p).estimate),
        markers: true,
        ...(label ? { labels: pts.map(label) } : {}),
      };
    });
  return c.regimes.flatMap((regime): Block[] => {
    const attack = curves(r.cells, regime.label, (p) => p.total, (p) => `${p.cap}, depth ${usd(Number(p.depth))}<br>mean ${usd(p.total.estimate)} USD (95 % ${usd(p.total.low ?? Number.NaN)} to ${usd(p.total.high ?? Number.NaN)})<br>stale-mark gain inside ${usd(p.staleMarkGain)}`);
    const cost = curves(r.costs, regime.label, (p) => p.trackingError);
    return [
      {
        kind: 'chart',
        spec: bandChart({
          id: `frontier-${regime.label.replace(/[^a-z0-9]+/gi, '-')}`,
          title: `Best adversary's whole P&L per held-out window — ${regime.label}`,
          curves: attack,
          xTitle: 'funding cap, % per day (log; "none" at 3× the loosest)',
          yTitle: 'mean whole P&L per window (USD)',
          xType: 'log',
          hlines: [{ y: 0, label: 'break-even' }],
          caption: 'The plan the search found on the training windows, judged on the held-out windows × seeds: mean and 95 % bootstrap interval over windows.',
        }),
      },
      {
        kind: 'chart',
        spec: bandChart({
          id: `tracking-${regime.label.replace(/[^a-z0-9]+/gi, '-')}`,
          title: `What the cap costs: the honest market's tracking error — ${regime.label}`,
          curves: cost,
          xTitle: 'funding cap, % per day (log; "none" at 3× the loosest)',
          yTitle: 'mean |mark / index − 1|',
          xType: 'log',
          yFormat: '.2%',
          caption: 'No attacker: every window, mean and 95 % interval over windows.',
        }),
      },
    ];
  });
}

function regimeTable(c: FundingCapConfig, r: FundingCapResult, regime: string): Block {
  const cost = (x: CellResult): CostResult | undefined => r.costs.find((k) => k.regime === regime && k.depth === x.depth && k.cap === x.cap);
  const rows = r.cells
    .filter((x) => x.regime === regime)
    .map((x) => {
      const k = cost(x);
      return [
        x.cap,
        usd(Number(x.depth)),
        x.adversary,
        interval(x.total),
        usd(x.total.high ?? Number.NaN),
        usd(x.staleMarkGain),
        interval(x.exStaleMark),
        `${usd(x.directional)} (${x.hedgeRatio.toFixed(2)})`,
        usd(x.funding),
        usd(x.fundingFromInsuranceFund),
        `${Math.round(x.profitableShare * 100)} %`,
        usd(x.trainTotal),
        whoPaidText(x),
        k ? interval(k.trackingError, pct) : '–',
        k ? interval(k.fundingPaidPerDay) : '–',
      ];
    });
  return {
    kind: 'table',
    columns: ['cap', 'depth', 'adversary', 'best adversary, whole P&L per window (95 %)', 'upper bound', 'stale-mark gain inside', 'less the stale-mark gain (95 %)', 'venue bet outside the total (hedge ratio)', 'funding received', 'of it from the insurance fund', 'windows it made money', 'on its training windows', 'who paid (change vs the honest market, per window)', 'honest tracking error (95 %)', 'funding traders pay per day (95 %)'],
    numeric: [4, 5, 8, 9, 11],
    rows,
    caption: `USD per ${c.windows.days}-day window. The adversary: the plan-manipulator the search found on the training windows; judged on ${r.windows.test.length} held-out windows × ${c.seeds.length} seeds. Cost side: the same cell with no attacker on all ${r.windows.train.length + r.windows.test.length} windows.`,
  };
}

/** The kinds that lost most against the honest market, largest first (gains shown too). */
function whoPaidText(x: CellResult): string {
  const entries = Object.entries(x.whoPaid).filter(([, v]) => Math.abs(v) >= 1).sort((a, b) => a[1] - b[1]);
  return entries.length ? entries.map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${usd(v)}`).join(', ') : '–';
}

/** How many searches stopped by their rule, and which were still improving at their budget. */
export function convergenceSummary(c: FundingCapConfig, cells: readonly CellResult[]): string {
  const all = cells.flatMap((x) => x.convergence.map((k) => ({ ...k, cell: `${x.regime}, ${usd(Number(x.depth))}, ${x.cap}` })));
  const byRule = all.filter((k) => k.stopped !== 'budget').length;
  const improving = all.filter((k) => k.stillImproving);
  const tol = `${usd(c.search.tolerance)} USD${c.search.relativeTolerance > 0 ? ` or ${pct(c.search.relativeTolerance)} of the best` : ''}`;
  return `Of ${all.length} searches (a side of the hold in a cell), ${byRule} stopped by their rule (${c.search.patience} generations adding no more than ${tol}${c.search.minSigma > 0 ? `, or the step below ${c.search.minSigma}` : ''}) and ${all.length - byRule} at their budget, of which ${improving.length} were still improving when they stopped${improving.length ? ` (${improving.slice(0, 6).map((k) => `${k.cell}, ${k.side}: +${usd(k.lastGain)}`).join('; ')}${improving.length > 6 ? '; …' : ''})` : ''}: a search still improving gives a lower bound of the adversary, not its best.`;
}

function recommendationBlocks(rec: Recommendation, label: string): Block[] {
  return [
    rec.cap ? { kind: 'status', label, tone: 'ok', text: rec.cap } : { kind: 'status', label, tone: 'warn', text: 'no cap in the grid holds everywhere' },
    { kind: 'paragraph', text: rec.reasoning },
  ];
}

/** One rule's binding cell, window and plan, and the files that replay it. */
function bindingBlocks(r: FundingCapResult, rule: Recommendation, label: string, stem: string): Block[] {
  const binding = rule.binding;
  const bindingCell = binding ? r.cells.find((x) => x.regime === binding.regime && x.depth === binding.depth && x.cap === binding.cap) : undefined;
  if (!binding || !bindingCell) return [{ kind: 'paragraph', text: `${label}: no binding cell (no adversary rows).` }];
  return [
    {
      kind: 'keyValues',
      rows: [
        ['rule', label],
        ['cell', `${binding.cap}, depth ${usd(Number(binding.depth))}, ${binding.regime}`],
        ['binding window', `${binding.window} (seed ${binding.seed}): ${usd(binding.value)} USD on the rule (whole P&L ${usd(binding.total)} USD)`],
        ['adversary judged', bindingCell.adversary === 'learned' ? `the learned policy (${bindingCell.attacker.kind}; training score ${usd(bindingCell.learnedTrainScore ?? Number.NaN)} against the plan's ${usd(bindingCell.trainScore)})` : `the plan (hold side ${bindingCell.side})`],
        ['who paid (per window, against the honest market)', whoPaidText(bindingCell)],
        ['search', bindingCell.searchStopped.join('; ')],
      ],
    },
    {
      kind: 'table',
      columns: ['parameter', 'value'],
      // A policy's weights are in the scenario file; the table names its settings.
      rows: Object.entries(bindingCell.attacker.params).filter(([k]) => k !== 'network').map(([k, v]) => [k, v === null ? 'none' : String(v)]),
    },
    { kind: 'paragraph', text: `${stem}.json (a vamm run scenario) and ${stem}.script.json (the same run as a vamm script, each step checked to the wei) are written beside this report; \`vamm crosscheck\` replays the script on the contracts.` },
  ];
}

export function fundingCapDocument(c: FundingCapConfig, r: FundingCapResult): ReportDocument {
  const sections: Section[] = [
    {
      id: 'recommendation',
      title: 'Recommendation',
      blocks: [
        ...recommendationBlocks(r.recommendation, 'recommended cap (whole P&L)'),
        ...recommendationBlocks(r.recommendationExStaleMark, 'the same rule less the stale-mark gain'),
        {
          kind: 'paragraph',
          text: 'The whole P&L is vAMM trading (open positions at their exit on the curve) + funding − fees − penalties − gas + the off-chain hedge as far as it hedged − its fees, spread, impact and venue funding. The hedge ratio is measured in each run: how far the rest of the market moved the mark with the reference (0 where nobody arbitrages: the vAMM position then has no exposure to the index, and a venue position beside it is a bet on the price, shown apart as the venue bet and not counted). The stale-mark gain (the basis the plan captured when positive: a mark nobody else brought to the reference) is inside the total; no funding cap can stop it, so the second rule shows what the cap alone is responsible for.',
        },
      ],
    },
    {
      id: 'binding',
      title: 'Binding cell and plan',
      blocks: [
        ...bindingBlocks(r, r.recommendation, 'whole P&L', BINDING_PLAN_FILES.whole),
        ...bindingBlocks(r, r.recommendationExStaleMark, 'less the stale-mark gain', BINDING_PLAN_FILES.exStaleMark),
      ],
    },
    { id: 'frontier', title: 'Frontier', blocks: frontierCharts(c, r) },
    ...c.regimes.map((regime) => ({ id: `regime-${regime.label.replace(/[^a-z0-9]+/gi, '-')}`, title: `Cells: ${regime.label}`, blocks: [regimeTable(c, r, regime.label)] })),
    ...(r.indexCells.length > 0 && c.indexSide
      ? [
          {
            id: 'index-side',
            title: `Index side: the oracle lever at ${c.indexSide.cap}`,
            blocks: [
              {
                kind: 'paragraph',
                text: 'A cap bounds the premium of the mark over the index, whatever moved it; a stale or slow index moves the premium without anyone pushing the mark. The same adversary search, at one cap, with the oracle changed instead: latency from a trigger to the round landing, heartbeat, deviation threshold, and a window in which the feed publishes nothing.',
              } as Block,
              {
                kind: 'table',
                columns: ['oracle', 'regime', 'depth', 'adversary', 'whole P&L per window (95 %)', 'upper bound', 'stale-mark gain inside', 'funding from the insurance fund', 'windows it made money'],
                numeric: [5, 6, 7],
                rows: r.indexCells.map((x) => [x.oracle, x.regime, usd(Number(x.depth)), x.adversary, interval(x.total), usd(x.total.high ?? Number.NaN), usd(x.staleMarkGain), usd(x.fundingFromInsuranceFund), `${Math.round(x.profitableShare * 100)} %`]),
              } as Block,
            ],
          },
        ]
      : []),
    {
      id: 'windows',
      title: 'Windows',
      blocks: [
        {
          kind: 'paragraph',
          text: `${r.windows.train.length + r.windows.test.length} windows of ${c.windows.days} days from Binance ETH/USDT 2017–2026, by class: crash when the fall from a running high is ≥ ${pct(c.windows.crashDrawdown)}; trending when the window ends ≥ ${pct(c.windows.trendMove)} from its start; calm when its range is ≤ ${pct(c.windows.calmRange)}; drawn ${c.windows.perClass} per class, stratified in time; ${c.windows.trainPerClass} per class for training, the rest held out.`,
        },
        {
          kind: 'table',
          columns: ['window', 'use', 'candles', 'fall from high', 'move', 'range'],
          numeric: [3, 4, 5],
          rows: [...r.windows.train.map((w) => [w, 'train'] as const), ...r.windows.test.map((w) => [w, 'held out'] as const)].map(([w, use]) => [w.label, use, w.resolution === 300 ? '5 min' : '1 h', pct(w.drawdown), pct(w.move), pct(w.range)]),
        },
      ],
    },
    {
      id: 'search',
      title: 'Search and its convergence',
      blocks: [
        { kind: 'paragraph', text: `${c.learned ? `Two adversaries per cell: the plan found by CMA-ES and a policy network trained by the cross-entropy method (${c.learned.iterations} iterations × ${c.learned.population} candidates, each cap from the looser cap's policy); the one with the higher training score is judged, and a policy that never trades is no attack. ` : ''}CMA-ES over ${c.search.sides.join('/')} holds; the loosest cap's search runs up to ${c.search.generations} generations per side from the best of three starting plans, each tighter cap up to ${c.search.warmGenerations} per side from the looser cap's best on that side (σ ${c.search.warmSigma}); a search stops when ${c.search.patience} generations bring no improvement. ${r.runs.toLocaleString('en-US')} simulations, ${Math.round(r.cpuSeconds).toLocaleString('en-US')} CPU seconds.` },
        { kind: 'paragraph', text: convergenceSummary(c, [...r.cells, ...r.indexCells]) },
        {
          kind: 'table',
          columns: ['regime', 'depth', 'cap', 'plan side', 'plan: training score', 'learned policy: training score (trades)', 'judged', 'evaluations', `each side: how it stopped, generations, best score's gain over its last ${c.search.patience} generations, final σ`, 'still improving at its budget'],
          rows: r.cells.map((x) => [
            x.regime,
            usd(Number(x.depth)),
            x.cap,
            x.side,
            usd(x.trainScore),
            x.learnedTrainScore === null ? '–' : `${usd(x.learnedTrainScore)} (${x.learnedTrades})`,
            x.adversary,
            x.evaluations,
            x.convergence.map((k) => `${k.side}: ${k.stopped} after ${k.generations}, +${usd(k.lastGain)}, σ ${k.finalSigma.toPrecision(2)}`).join('; '),
            x.convergence.filter((k) => k.stillImproving).map((k) => k.side).join(', ') || 'no',
          ]),
        },
      ],
    },
  ];
  return {
    title: 'Funding-cap stress test',
    subtitle: `Caps ${c.caps.map((k) => k.label).join(', ')}; depths ${c.depths.map((d) => usd(Number(d))).join(', ')} USD; regimes ${c.regimes.map((k) => k.label).join(', ')}; attacker capital ${Math.round(c.capitalShare * 100)} % of the depth at ${c.leverage}x.`,
    provenance: `vamm study funding-cap: ${r.cells.length} adversary cells, ${r.costs.length} cost cells${r.failed ? `, ${r.failed} rows failed` : ''}.`,
    sections,
  };
}
