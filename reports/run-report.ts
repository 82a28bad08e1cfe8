/**
 * The run report as a document: prices with the oracle and every liquidation, premium and
 * funding against the cap, open interest, the insurance fund, bad debt and socialised loss,
 * PnL by agent kind, and the invariant counts — all from the run's event log (the model).
 */
import { barChart } from './charts/bars.ts';
import { markerTrace } from './charts/markers.ts';
import { COLORS, seriesColor } from './charts/palette.ts';
import type { PlotSpec, Trace } from './charts/plotly-types.ts';
import { type TimeLine, ms, timeChart } from './charts/time-series.ts';
import type { Block, ReportDocument, Section } from './document.ts';
import { date, int, pct, usd } from './format.ts';
import type { MarketModel, RunReportModel } from './run-model.ts';
import { describePriceGaps } from '../sim/engine/summary-markdown.ts';

const neg = (s: { t: number[]; v: number[] }) => ({ t: s.t, v: s.v.map((v) => -v) });

function priceChart(m: MarketModel): PlotSpec {
  const liq = (partial: boolean): Trace =>
    markerTrace({
      name: partial ? 'partial liquidation' : 'full liquidation',
      color: partial ? COLORS.partial : COLORS.full,
      symbol: partial ? 'triangle-down' : 'x',
      points: m.liquidations
        .filter((l) => l.partial === partial)
        .map((l) => ({ x: l.t, y: l.price, amount: l.notional, label: `${l.trader} by ${l.liquidator}<br>${date(l.t)}<br>notional ${usd(l.notional)} at ${l.price.toFixed(2)}${l.badDebt > 0 ? `<br>bad debt ${usd(l.badDebt)}` : ''}` })),
    });
  const annotations = m.markLow ? [{ x: ms(m.markLow.t), y: m.markLow.v, text: `mark low ${m.markLow.v.toFixed(2)}`, showarrow: true, arrowhead: 2, ax: 40, ay: 30 }] : [];
  return timeChart({
    id: `price-${m.id}`,
    title: `${m.id}: mark vs index`,
    yTitle: 'price (USD)',
    height: 460,
    lines: [
      { name: 'fast feed', series: m.fast, color: COLORS.fast, width: 1 },
      { name: 'mark (vAMM spot)', series: m.mark, color: COLORS.mark },
      { name: 'mark TWAP', series: m.markTwap, color: COLORS.markTwap, dash: 'dot' },
      // Drawn over the mark: where the two agree the index would otherwise be hidden.
      { name: `index (${int(m.oracleRounds)} oracle rounds)`, series: m.index, kind: 'step', color: COLORS.index, width: 1.2, markers: m.index.t.length <= 600 },
    ],
    overlays: [liq(true), liq(false)],
    annotations,
    caption: `Mark after every trade and at snapshots; index from oracle rounds (steps). Markers: every liquidation (${m.liquidations.length}) at its execution price, sized by notional. Series keep each time bucket's first, lowest, highest and last point.`,
  });
}

function premiumChart(m: MarketModel): PlotSpec {
  return timeChart({
    id: `premium-${m.id}`,
    title: `${m.id}: premium (mark / index − 1)`,
    yTitle: 'premium',
    yFormat: '.2%',
    lines: [
      { name: 'spot premium (snapshots)', series: m.premium, color: COLORS.mark },
      { name: 'TWAP premium (at settlements)', series: m.funding.twapPremium, color: COLORS.index, kind: 'step' },
    ],
    caption: 'The spot premium at each snapshot, and the mark TWAP over the index TWAP that each funding settlement used.',
  });
}

function fundingChart(m: MarketModel): PlotSpec {
  const f = m.funding;
  const lines: TimeLine[] = [
    { name: 'uncapped rate', series: f.uncappedRate, color: COLORS.fast, kind: 'step', dash: 'dot' },
    { name: 'funding rate applied', series: f.rate, color: COLORS.mark, kind: 'step' },
  ];
  if (f.capRate.t.length > 0) {
    lines.push({ name: '+cap', series: f.capRate, color: COLORS.cap, kind: 'step', dash: 'dash' });
    lines.push({ name: '−cap', series: neg(f.capRate), color: COLORS.cap, kind: 'step', dash: 'dash' });
  }
  const capNote = f.capRate.t.length > 0 ? 'Dashed: the cap bound (± cap · index TWAP per period).' : f.capLogged ? 'Funding is uncapped in this profile.' : 'This log predates the cap bound in FundingSettled: no cap drawn.';
  return timeChart({
    id: `funding-${m.id}`,
    title: `${m.id}: funding rate per period against the cap`,
    subtitle: `${f.capped} of ${f.settlements} settlements capped`,
    yTitle: 'rate per funding period',
    yFormat: '.3%',
    lines,
    caption: `premiumFraction / index TWAP at each settlement, and what it would have been without the cap. ${capNote}`,
  });
}

function openInterestChart(m: MarketModel): PlotSpec {
  return timeChart({
    id: `oi-${m.id}`,
    title: `${m.id}: open interest (open notional)`,
    yTitle: 'USD',
    lines: [
      { name: 'long', series: m.openNotionalLong, kind: 'area', color: COLORS.long },
      { name: 'short', series: neg(m.openNotionalShort), kind: 'area', color: COLORS.short },
    ],
    caption: 'Open notional of long positions (up) and short positions (down), at snapshots.',
  });
}

function fundChart(r: RunReportModel): PlotSpec {
  const points = r.badDebt.map((b) => ({ x: b.t, y: b.fundAfter, amount: b.amount, label: `${b.trader}: bad debt ${usd(b.amount)}<br>fund paid ${usd(b.coveredByInsuranceFund)}, socialised ${usd(b.socialised)}` }));
  return timeChart({
    id: 'insurance-fund',
    title: 'Insurance fund balance',
    yTitle: 'USD',
    lines: [{ name: 'insurance fund', series: r.insuranceFund, color: COLORS.fund }],
    overlays: points.length > 0 ? [markerTrace({ name: 'bad-debt event (sized by amount)', points, color: COLORS.badDebt, symbol: 'circle' })] : [],
    caption: 'After every flow (fees, penalties, funding, bad debt) and at snapshots; red markers are bad-debt events on the fund\'s line, sized by the bad debt.',
  });
}

function badDebtChart(r: RunReportModel): PlotSpec {
  const c = r.badDebtCumulative;
  return timeChart({
    id: 'bad-debt',
    title: 'Bad debt and who covered it (cumulative)',
    yTitle: 'USD',
    lines: [
      { name: 'bad debt', series: c.total, kind: 'step', color: COLORS.badDebt, width: 2 },
      { name: 'covered by the insurance fund', series: c.insuranceFund, kind: 'step', color: COLORS.fund, dash: 'dash' },
      { name: 'socialised', series: c.socialised, kind: 'step', color: COLORS.socialised },
      { name: 'uncovered', series: c.uncovered, kind: 'step', color: COLORS.uncovered, dash: 'dot' },
    ],
    caption: `${r.badDebt.length} bad-debt events; ${r.socialisedLoss.length} socialised-loss events.`,
  });
}

function pnlChart(r: RunReportModel): PlotSpec {
  const kinds = r.pnl.map((p) => p.kind);
  const part = (name: string, key: keyof (typeof r.pnl)[number], i: number) => ({ name, values: r.pnl.map((p) => p[key] as number), color: seriesColor(i) });
  return barChart({
    id: 'pnl-by-kind',
    title: 'PnL by agent kind',
    categories: kinds,
    horizontal: true,
    mode: 'relative',
    yTitle: 'USD',
    groups: [
      part('trading (realised + unrealised)', 'trading', 0),
      part('funding', 'funding', 1),
      part('fees', 'fees', 2),
      part('liquidation penalties', 'liquidationPenalties', 3),
      part('liquidation income', 'liquidationIncome', 4),
      part('other (bad debt written off, socialised loss)', 'other', 5),
      part('off-chain hedge', 'hedge', 6),
      part('gas', 'gas', 7),
    ],
    total: { name: 'net', values: r.pnl.map((p) => p.net) },
    caption: 'Gains stack to the right, costs to the left; the diamond is the net (vAMM PnL + off-chain hedge − gas).',
  });
}

function invariantChart(rows: NonNullable<RunReportModel['invariants']>): PlotSpec {
  return barChart({
    id: 'invariants',
    title: 'Invariant checks',
    categories: rows.map((r) => r.invariant),
    horizontal: true,
    yTitle: 'count',
    yType: 'log',
    groups: [
      { name: 'checks', values: rows.map((r) => r.checks), color: COLORS.long },
      { name: 'violations', values: rows.map((r) => r.violations), color: COLORS.short },
      { name: 'not applicable', values: rows.map((r) => r.notApplicable), color: COLORS.cap },
    ],
    caption: 'Log scale: zero-count bars are not drawn.',
  });
}

function overview(r: RunReportModel, wallClockSeconds?: number): Section {
  const s = r.summary;
  const violations = Object.values(s.invariants.violations).reduce((a, b) => a + b, 0);
  const rows: Array<readonly [string, string]> = [
    ['scenario', `${s.run.name} (${s.run.profile}, seed ${s.run.seed})`],
    ['period (UTC)', `${date(s.run.start)} → ${date(s.run.end)}`],
    ['blocks, events', `${int(s.run.blocks)} blocks, ${int(s.run.events)} events${wallClockSeconds === undefined ? '' : `, run in ${wallClockSeconds.toFixed(1)} s`}`],
    ['mark vs index', `max gap ${pct(s.prices.maxMarkIndexGap)}, mean ${pct(s.prices.meanMarkIndexGap, 3)}`],
    ['funding', `${s.funding.settlements} settlements (${s.funding.capped} capped), max |rate| ${pct(Number(s.funding.maxAbsFundingRate), 4)}, insurance fund net ${usd(s.funding.insuranceFundNet)}`],
    ['liquidations', `${s.liquidations.partial} partial, ${s.liquidations.full} full; notional ${usd(s.liquidations.notional)}; fees to liquidators ${usd(s.liquidations.feesToLiquidators)}`],
    ['bad debt', `${s.badDebt.count} events, ${usd(s.badDebt.total)}: insurance fund ${usd(s.badDebt.coveredByInsuranceFund)}, socialised ${usd(s.badDebt.socialised)}, uncovered ${usd(s.badDebt.uncovered)}, backstop dilution ${usd(s.badDebt.backstopDilution)}`],
    ['insurance fund', `${usd(s.insuranceFund.start)} → ${usd(s.insuranceFund.end)} (min ${usd(s.insuranceFund.min)})`],
    ['invariants', s.invariants.checks ? `${violations} violations` : 'off in this run'],
    ['price data', describePriceGaps(s.prices.gaps)],
  ];
  for (const m of r.markets) {
    if (m.markLow && m.markHigh) rows.push([`${m.id} mark range`, `${m.markLow.v.toFixed(2)} (${date(m.markLow.t)}) – ${m.markHigh.v.toFixed(2)} (${date(m.markHigh.t)})`]);
  }
  const skipped = (s.prices.gaps ?? []).filter((g) => g.policy === 'skip');
  const warning: Block[] = skipped.length
    ? [{ kind: 'status', label: 'price gaps skipped', tone: 'warn', text: `The run crossed ${skipped.reduce((n, g) => n + g.count, 0)} gaps in its prices without trading through them (gapPolicy "skip"): see "price data" below.` }]
    : [];
  return { id: 'overview', title: 'Overview', blocks: [...warning, { kind: 'keyValues', rows }] };
}

export interface RunReportOptions {
  readonly wallClockSeconds?: number;
  /** Where the model came from (shown under the title). */
  readonly source?: string;
  /** Shown on every page (a partial run's label). */
  readonly banner?: string;
}

/** The label of a report built from a run that did not finish (`vamm report --partial`). */
export const PARTIAL_RUN_BANNER = 'PARTIAL RUN: this run did not finish; its figures stop where it stopped and are not a result';

export function runReportDocument(r: RunReportModel, o: RunReportOptions = {}): ReportDocument {
  const s = r.summary;
  const sections: Section[] = [overview(r, o.wallClockSeconds)];
  sections.push({ id: 'prices', title: 'Prices and liquidations', blocks: r.markets.map((m): Block => ({ kind: 'chart', spec: priceChart(m) })) });
  sections.push({ id: 'funding', title: 'Premium and funding', blocks: r.markets.flatMap((m): Block[] => [{ kind: 'chart', spec: premiumChart(m) }, { kind: 'chart', spec: fundingChart(m) }]) });
  sections.push({ id: 'open-interest', title: 'Open interest', blocks: r.markets.map((m): Block => ({ kind: 'chart', spec: openInterestChart(m) })) });
  const flows = Object.entries(r.fundFlows).map(([reason, f]) => [reason, int(f.count), usd(f.in), usd(f.out), usd(f.in - f.out)] as const);
  sections.push({
    id: 'insurance-fund',
    title: 'Insurance fund',
    blocks: [{ kind: 'chart', spec: fundChart(r) }, { kind: 'table', columns: ['flow', 'count', 'in (USD)', 'out (USD)', 'net (USD)'], rows: flows, numeric: [1, 2, 3, 4] }],
  });
  const largest = [...r.badDebt].sort((a, b) => b.amount - a.amount).slice(0, 10);
  const badDebtBlocks: Block[] = [{ kind: 'chart', spec: badDebtChart(r) }];
  if (largest.length > 0) {
    badDebtBlocks.push({
      kind: 'table',
      columns: ['time (UTC)', 'trader', 'bad debt', 'insurance fund', 'socialised', 'uncovered'],
      rows: largest.map((b) => [date(b.t), b.trader, usd(b.amount), usd(b.coveredByInsuranceFund), usd(b.socialised), usd(b.uncovered)]),
      numeric: [2, 3, 4, 5],
      caption: `The ${largest.length} largest of ${r.badDebt.length} bad-debt events.`,
    });
  } else badDebtBlocks.push({ kind: 'paragraph', text: 'No bad debt in this run.' });
  if (r.socialisedLoss.length > 0) {
    const bySide = new Map<string, number>();
    for (const l of r.socialisedLoss) bySide.set(`${l.side} (${l.cause})`, (bySide.get(`${l.side} (${l.cause})`) ?? 0) + l.amount);
    badDebtBlocks.push({ kind: 'table', columns: ['socialised to', 'USD'], rows: [...bySide].map(([k, v]) => [k, usd(v)]), numeric: [1] });
  }
  sections.push({ id: 'bad-debt', title: 'Bad debt and socialised loss', blocks: badDebtBlocks });
  sections.push({
    id: 'pnl',
    title: 'PnL by agent kind',
    blocks: [
      { kind: 'chart', spec: pnlChart(r) },
      {
        kind: 'table',
        columns: ['kind', 'agents', 'trading', 'funding', 'fees', 'penalties', 'liq. income', 'other', 'hedge', 'gas', 'net'],
        rows: r.pnl.map((p) => [p.kind, p.agents, usd(p.trading), usd(p.funding), usd(p.fees), usd(p.liquidationPenalties), usd(p.liquidationIncome), usd(p.other), usd(p.hedge), usd(p.gas), usd(p.net)]),
        numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        caption: 'USD. Trading = realised + unrealised PnL on the vAMM; hedge and gas are off chain.',
      },
    ],
  });
  const invBlocks: Block[] = [];
  if (r.invariants) {
    invBlocks.push({ kind: 'chart', spec: invariantChart(r.invariants) });
    invBlocks.push({ kind: 'table', columns: ['invariant', 'checks', 'violations', 'not applicable'], rows: r.invariants.map((i) => [i.invariant, int(i.checks), int(i.violations), int(i.notApplicable)]), numeric: [1, 2, 3] });
    for (const v of r.violationSamples) invBlocks.push({ kind: 'status', label: v.invariant, tone: 'bad', text: `${date(v.t)}: ${v.message}` });
  } else invBlocks.push({ kind: 'paragraph', text: 'Invariant checks were off in this run.' });
  sections.push({ id: 'invariants', title: 'Invariants', blocks: invBlocks });
  sections.push({
    id: 'about',
    title: 'About this report',
    blocks: [
      {
        kind: 'paragraph',
        text: `Built from the event log alone (${int(s.run.events)} events). Chart series keep each time bucket's first, lowest, highest and last point (${int(r.points.seen)} points in, ${int(r.points.kept)} drawn); liquidations and bad-debt events are drawn one by one. Exact figures (decimal strings from wei) are in summary.json.`,
      },
      { kind: 'table', columns: ['event', 'count'], rows: Object.entries(r.eventCounts).map(([k, n]) => [k, int(n)]), numeric: [1] },
    ],
  });
  return {
    title: `Run report: ${s.run.name}`,
    subtitle: `${s.run.profile} profile, seed ${s.run.seed}, ${date(s.run.start)} → ${date(s.run.end)} UTC`,
    provenance: o.source ? `vamm-sim, from ${o.source}` : 'vamm-sim',
    ...(o.banner ? { banner: o.banner } : {}),
    sections,
  };
}
