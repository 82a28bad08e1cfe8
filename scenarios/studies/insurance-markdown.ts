/** The insurance-fund study's result as Markdown: sizes per target and horizon, replays, sensitivity, curve. */
import type { InsuranceConfig, InsuranceResult } from './insurance.ts';
import type { Interval } from './statistics.ts';

const usd = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (p: number) => `${+(p * 100).toPrecision(3)} %`;
const bound = (x: number | null, f: (x: number) => string) => (x === null ? '?' : f(x));
const range = (i: Interval, f: (x: number) => string) => `${f(i.estimate)} (${bound(i.low, f)} – ${bound(i.high, f)})`;
const days = (s: number) => (s % 86400 === 0 ? `${s / 86400} d` : `${+(s / 3600).toFixed(1)} h`);

export function formatInsurance(c: InsuranceConfig, r: InsuranceResult): string {
  const conf = pct(r.confidence);
  const lines = ['# Insurance-fund sizing', ''];
  lines.push(
    `${r.generated.toLocaleString('en-US')} paths of ${days(c.paths.horizon)} from the \`${c.paths.generator}\` generator fitted to ${c.paths.history.file} (${c.paths.history.from} – ${c.paths.history.to}), starting at ${c.paths.startPrice} USD, and ${r.replays.length} crash replays. Intervals are ${conf}: Wilson for probabilities, order statistics (binomial) for quantiles, percentile bootstrap (${c.resamples} resamples) for means and expected shortfall; "?" is a bound the paths cannot give.`,
    '',
  );
  lines.push('## Recommendation', '', r.recommendation.fund === null ? r.recommendation.reasoning : `**${usd(r.recommendation.fund)} USD.** ${r.recommendation.reasoning}`, '');
  for (const w of r.warnings) lines.push(`> ${w}`, '');

  lines.push('## Fund size per target', '', '| horizon | P(socialised loss) ≤ | fund (USD) | expected shortfall beyond (USD) | mean loss when exhausted (USD) |', '| --- | --- | --- | --- | --- |');
  for (const h of r.horizons) {
    for (const t of h.targets) {
      lines.push(`| ${days(h.seconds)} | ${pct(t.target)} | ${range(t.fund, usd)} | ${range(t.expectedShortfall, usd)} | ${t.lossGivenExhaustion === null ? '–' : usd(t.lossGivenExhaustion)} |`);
    }
  }
  lines.push('');

  lines.push('## Bad debt per horizon', '', '| horizon | P(any bad debt) | mean (USD) | 99th percentile (USD) | max (USD) | P(fund draws down) | mean drawdown (USD) |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const h of r.horizons) {
    lines.push(`| ${days(h.seconds)} | ${range(h.badDebt.pAny, pct)} | ${range(h.badDebt.mean, usd)} | ${range(h.badDebt.p99, usd)} | ${usd(h.badDebt.max)} | ${range(h.drawdown.pAny, pct)} | ${range(h.drawdown.mean, usd)} |`);
  }
  lines.push('');

  if (r.replays.length) {
    lines.push(`## Crash replays (from ${c.paths.startPrice} USD)`, '', '| window | bad debt (USD) | fund drawdown (USD) | liquidations | generated paths at least as bad |', '| --- | --- | --- | --- | --- |');
    for (const x of r.replays) lines.push(`| ${x.label} | ${usd(x.badDebt)} | ${usd(x.drawdown)} | ${x.liquidations} | ${x.exceededBy ? range(x.exceededBy, pct) : '–'} |`);
    lines.push('');
  }

  if (r.sensitivity.length) {
    const last = r.horizons.at(-1);
    lines.push(`## Sensitivity (one factor at a time, the same paths as the base, ${last ? days(last.seconds) : ''})`, '', '| factor | level | paths | P(fund draws down) | base | mean drawdown (USD) | base | 99th percentile (USD) | base |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const s of r.sensitivity) {
      lines.push(`| ${s.factor} | ${s.level} | ${s.paths} | ${range(s.pAny, pct)} | ${pct(s.base.pAny)} | ${range(s.meanDrawdown, usd)} | ${usd(s.base.meanDrawdown)} | ${range(s.p99Drawdown, usd)} | ${usd(s.base.p99Drawdown)} |`);
    }
    lines.push('');
  }

  const last = r.horizons.at(-1);
  if (last) {
    lines.push(`## Sizing curve (${days(last.seconds)})`, '', '| fund (USD) | P(exhausted) |', '| --- | --- |');
    for (const p of last.curve) lines.push(`| ${usd(p.fund)} | ${range(p.p, pct)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
