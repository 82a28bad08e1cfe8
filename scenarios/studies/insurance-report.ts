/** The insurance-fund study's result as a report document: sizes per target and horizon, replays, sensitivity, curve. */
import type { Block, ReportDocument } from '../../reports/document.ts';
import { insuranceSizingChart } from '../../reports/study-charts.ts';
import type { InsuranceConfig, InsuranceResult } from './insurance.ts';
import type { Interval } from './statistics.ts';

const usd = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (p: number) => `${+(p * 100).toPrecision(3)} %`;
const bound = (x: number | null, f: (x: number) => string) => (x === null ? '?' : f(x));
const range = (i: Interval, f: (x: number) => string) => `${f(i.estimate)} (${bound(i.low, f)} – ${bound(i.high, f)})`;
const days = (s: number) => (s % 86400 === 0 ? `${s / 86400} d` : `${+(s / 3600).toFixed(1)} h`);

export function insuranceDocument(c: InsuranceConfig, r: InsuranceResult): ReportDocument {
  const conf = pct(r.confidence);
  const last = r.horizons.at(-1);
  const recommendation: Block[] = [
    r.recommendation.fund === null
      ? { kind: 'status', label: 'no recommendation', tone: 'warn', text: 'more paths needed' }
      : { kind: 'status', label: 'recommended fund', tone: 'ok', text: `${usd(r.recommendation.fund)} USD` },
    { kind: 'paragraph', text: r.recommendation.reasoning },
  ];
  for (const w of r.warnings) recommendation.push({ kind: 'status', label: 'warning', tone: 'warn', text: w });
  const sections: ReportDocument['sections'][number][] = [
    { id: 'recommendation', title: 'Recommendation', blocks: recommendation },
    {
      id: 'targets',
      title: 'Fund size per target',
      blocks: [
        {
          kind: 'table',
          columns: ['horizon', 'P(socialised loss) ≤', 'fund (USD)', 'expected shortfall beyond (USD)', 'mean loss when exhausted (USD)'],
          numeric: [2, 3, 4],
          rows: r.horizons.flatMap((h) => h.targets.map((t) => [days(h.seconds), pct(t.target), range(t.fund, usd), range(t.expectedShortfall, usd), t.lossGivenExhaustion === null ? '–' : usd(t.lossGivenExhaustion)])),
          caption: `The fund is the (1 − target) quantile of the fund's drawdown; "?" is a bound ${r.generated.toLocaleString('en-US')} paths cannot give.`,
        },
      ],
    },
    {
      id: 'horizons',
      title: 'Bad debt per horizon',
      blocks: [
        {
          kind: 'table',
          columns: ['horizon', 'P(any bad debt)', 'mean (USD)', '99th percentile (USD)', 'max (USD)', 'P(fund draws down)', 'mean drawdown (USD)'],
          numeric: [2, 3, 4, 6],
          rows: r.horizons.map((h) => [days(h.seconds), range(h.badDebt.pAny, pct), range(h.badDebt.mean, usd), range(h.badDebt.p99, usd), usd(h.badDebt.max), range(h.drawdown.pAny, pct), range(h.drawdown.mean, usd)]),
        },
      ],
    },
  ];
  if (r.replays.length) {
    sections.push({
      id: 'replays',
      title: `Crash replays (from ${c.paths.startPrice} USD)`,
      blocks: [
        {
          kind: 'table',
          columns: ['window', 'bad debt (USD)', 'fund drawdown (USD)', 'liquidations', 'generated paths at least as bad'],
          numeric: [1, 2, 3],
          rows: r.replays.map((x) => [x.label, usd(x.badDebt), usd(x.drawdown), x.liquidations, x.exceededBy ? range(x.exceededBy, pct) : '–']),
        },
      ],
    });
  }
  if (r.sensitivity.length) {
    sections.push({
      id: 'sensitivity',
      title: 'Sensitivity',
      blocks: [
        {
          kind: 'table',
          columns: ['factor', 'level', 'paths', 'P(any bad debt)', 'base', 'mean fund drawdown (USD)', 'base', '99th percentile (USD)', 'base'],
          numeric: [2, 5, 6, 7, 8],
          rows: r.sensitivity.map((s) => [s.factor, s.level, s.paths, range(s.pBadDebt, pct), pct(s.base.pBadDebt), range(s.meanDrawdown, usd), usd(s.base.meanDrawdown), range(s.p99Drawdown, usd), usd(s.base.p99Drawdown)]),
          caption: `One factor at a time, each level on the same paths as the base${last ? `, over ${days(last.seconds)}` : ''}. The fund's drawdown is its bad debt plus the funding it paid, less the funding and penalties it received.`,
        },
      ],
    });
  }
  if (last) {
    const drawn = last.curve.filter((p) => p.fund > 0);
    const blocks: Block[] = [];
    if (drawn.length > 1) {
      blocks.push({
        kind: 'chart',
        spec: insuranceSizingChart([
          { fundSizes: drawn.map((p) => p.fund), probability: drawn.map((p) => p.p.estimate), lower: drawn.map((p) => p.p.low ?? 0), upper: drawn.map((p) => p.p.high ?? 1), confidence: r.confidence, paths: last.paths, target: Math.max(...c.targets) },
        ]),
      });
    }
    blocks.push({ kind: 'table', columns: ['fund (USD)', 'P(exhausted)'], numeric: [0], rows: last.curve.map((p) => [usd(p.fund), range(p.p, pct)]) });
    sections.push({ id: 'curve', title: `Sizing curve (${days(last.seconds)})`, blocks });
  }
  return {
    title: 'Insurance-fund sizing',
    subtitle: `${r.generated.toLocaleString('en-US')} paths of ${days(c.paths.horizon)} from the ${c.paths.generator} generator fitted to ${c.paths.history.file} (${c.paths.history.from} – ${c.paths.history.to}), starting at ${c.paths.startPrice} USD, and ${r.replays.length} crash replays.`,
    provenance: `vamm study insurance. Intervals are ${conf}: Wilson for probabilities, order statistics (binomial) for quantiles, percentile bootstrap (${c.resamples} resamples) for means and expected shortfall.`,
    sections,
  };
}
