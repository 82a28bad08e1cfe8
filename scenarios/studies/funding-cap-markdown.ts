/** The funding-cap study's result as Markdown: the frontier per depth and the recommendation. */
import type { FundingCapConfig, FundingCapResult } from './funding-cap.ts';

const usd = (x: number) => `${Math.round(x).toLocaleString('en-US')}`;

export function formatFundingCap(c: FundingCapConfig, r: FundingCapResult): string {
  const lines = [`# Funding-cap stress test`, ''];
  lines.push(`Windows: ${c.windows.map((w) => w.label).join('; ')}. Manipulator capital: ${c.capitals.filter((x) => x !== '0').map((x) => usd(Number(x))).join(', ')} USD; strategies searched per cell: ${Math.max(0, ...r.cells.filter((x) => Number(x.capital) > 0).map((x) => x.strategiesRun))}.`, '');
  for (const [depth, points] of Object.entries(r.frontier)) {
    lines.push(`## Depth ${usd(Number(depth))} USD`, '', '| cap | best manipulation profit (USD) | pays? | tracking error (mean |mark − index|) |', '| --- | --- | --- | --- |');
    for (const p of points) lines.push(`| ${p.cap} | ${usd(p.bestProfit)} | ${p.pays ? 'yes' : 'no'} | ${(p.trackingError * 100).toFixed(3)} % |`);
    lines.push('');
  }
  lines.push('## Recommendation', '', r.recommendation.cap ? `**${r.recommendation.cap}**. ${r.recommendation.reasoning}` : r.recommendation.reasoning, '');
  if (r.failed > 0) lines.push(`${r.failed} runs failed (see the rows file).`, '');
  return `${lines.join('\n')}\n`;
}
