/** The funding-cap study's result as a report document: recommendation, frontier per depth, charts. */
import type { ReportDocument, Section } from '../../reports/document.ts';
import { type FundingCapPoint, fundingCapFrontierChart, fundingCapHeatmap } from '../../reports/study-charts.ts';
import type { FundingCapConfig, FundingCapResult } from './funding-cap.ts';

const usd = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(3)} %`;

export function fundingCapDocument(c: FundingCapConfig, r: FundingCapResult): ReportDocument {
  const strategies = Math.max(0, ...r.cells.filter((x) => Number(x.capital) > 0).map((x) => x.strategiesRun));
  const points: FundingCapPoint[] = Object.entries(r.frontier).flatMap(([depth, pts]) =>
    pts.map((p) => ({ cap: p.perDay, capLabel: p.cap, depth: Number(depth), manipulationProfit: p.bestProfit, trackingError: p.trackingError })),
  );
  const frontier: Section[] = Object.entries(r.frontier).map(([depth, pts]) => ({
    id: `depth-${depth}`,
    title: `Depth ${usd(Number(depth))} USD`,
    blocks: [
      {
        kind: 'table',
        columns: ['cap', 'best manipulation profit (USD)', 'pays?', 'funding it collected (USD)', 'insurance fund paid in funding (USD)', 'where', 'tracking error (mean |mark − index|)', 'best attacker result, all sources (USD)'],
        numeric: [1, 3, 4, 6, 7],
        rows: pts.map((p) => [p.cap, usd(p.bestProfit), p.pays ? 'yes' : 'no', usd(p.fundingTransferred), usd(p.insuranceFundDrain), p.worstCase, pct(p.trackingError), usd(p.bestAttackerProfit)]),
        caption: 'Manipulation profit: the funding the attack collected less fees, penalties, gas and any loss of its trades against its off-chain hedge (a trading gain is not credited: it is not funding). The last column adds that gain: with no arbitrageurs a stale mark pays any hedged trader, whatever the cap.',
      },
    ],
  }));
  return {
    title: 'Funding-cap stress test',
    subtitle: `Windows: ${c.windows.map((w) => w.label).join('; ')}. Arbitrage: ${c.arbitrage.map((a) => a.label).join('; ')}. Manipulator capital: ${c.capitals.filter((x) => x !== '0').map((x) => usd(Number(x))).join(', ')} USD; ${strategies} strategies searched per cell.`,
    provenance: `vamm study funding-cap: ${r.cells.length} cells${r.failed ? `, ${r.failed} runs failed (see rows.jsonl)` : ''}.`,
    sections: [
      {
        id: 'recommendation',
        title: 'Recommendation',
        blocks: [
          r.recommendation.cap
            ? { kind: 'status', label: 'recommended cap', tone: 'ok', text: r.recommendation.cap }
            : { kind: 'status', label: 'no cap in the grid', tone: 'warn', text: 'stops manipulation at every depth' },
          { kind: 'paragraph', text: r.recommendation.reasoning },
        ],
      },
      ...frontier,
      {
        id: 'charts',
        title: 'Frontier',
        blocks: [
          { kind: 'chart', spec: fundingCapFrontierChart(points) },
          { kind: 'chart', spec: fundingCapHeatmap(points, 'manipulationProfit') },
        ],
      },
    ],
  };
}
