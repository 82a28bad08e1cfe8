/** The run summary as Markdown: what a person reads after `vamm run`. */
import type { RunSummary } from './summary.ts';

const fmt = (usd: string): string => {
  const n = Number(usd);
  return Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
};
const date = (t: number): string => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');

const duration = (seconds: number): string => (seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`);

/** The price window's missing bars and what the run did with them, in one line ("no gaps" when none). */
export function describePriceGaps(gaps: RunSummary['prices']['gaps'] | undefined): string {
  if (!gaps || gaps.length === 0) return 'no gaps in the price window';
  return gaps
    .map((g) => {
      const what = `${g.count} gap${g.count === 1 ? '' : 's'} in the ${g.market} prices, ${g.missingBars} missing bar${g.missingBars === 1 ? '' : 's'} (${duration(g.missingSeconds)}${g.longest ? `; longest ${duration(g.longest.seconds)} from ${date(g.longest.from)}` : ''})`;
      return g.policy === 'skip'
        ? `${what}: skipped — the run jumped over them, so prices moved across each gap in one step with no trading, funding or liquidation in between`
        : `${what}: carried forward — ${g.filled} flat bars at the last close stood in for them`;
    })
    .join('; ');
}

export function formatRunSummary(s: RunSummary, wallClockSeconds?: number): string {
  const lines: string[] = [];
  lines.push(`# ${s.run.name} (${s.run.profile}, seed ${s.run.seed})`, '');
  lines.push(`${date(s.run.start)} → ${date(s.run.end)} UTC: ${s.run.blocks.toLocaleString('en-US')} blocks, ${s.run.events.toLocaleString('en-US')} events${wallClockSeconds === undefined ? '' : `, ${wallClockSeconds.toFixed(1)} s`}.`, '');
  lines.push('| | |', '| --- | --- |');
  lines.push(`| mark vs index | max gap ${(s.prices.maxMarkIndexGap * 100).toFixed(2)} %, mean ${(s.prices.meanMarkIndexGap * 100).toFixed(3)} % |`);
  lines.push(`| funding | ${s.funding.settlements} settlements (${s.funding.capped} capped), max rate ${(Number(s.funding.maxAbsFundingRate) * 100).toFixed(4)} %, insurance fund net ${fmt(s.funding.insuranceFundNet)} |`);
  lines.push(`| liquidations | ${s.liquidations.partial} partial, ${s.liquidations.full} full, notional ${fmt(s.liquidations.notional)}, fees to liquidators ${fmt(s.liquidations.feesToLiquidators)} |`);
  lines.push(`| bad debt | ${s.badDebt.count} events, ${fmt(s.badDebt.total)}: insurance fund ${fmt(s.badDebt.coveredByInsuranceFund)}, socialised ${fmt(s.badDebt.socialised)}, uncovered ${fmt(s.badDebt.uncovered)}, backstop dilution ${fmt(s.badDebt.backstopDilution)} |`);
  lines.push(`| insurance fund | ${fmt(s.insuranceFund.start)} → ${fmt(s.insuranceFund.end)} (min ${fmt(s.insuranceFund.min)}) |`);
  lines.push(`| price data | ${describePriceGaps(s.prices.gaps)} |`);
  const violations = Object.values(s.invariants.violations).reduce((a, b) => a + b, 0);
  lines.push(`| invariants | ${s.invariants.checks ? `${violations} violations` : 'off'} |`, '');
  const money = (x: number) => fmt(String(x));
  lines.push(
    'Net result = vAMM trading (with liquidations) + hedge trading − fees (vAMM, hedge fee and spread) − funding (vAMM and hedge venue) − gas, USD. ' +
      'Open vAMM positions count at their exit (closing each alone on the curve); the exit cost is what that charges beyond the mark, and the net at the mark values them at the vAMM’s price, as the hedge is valued at its venue’s mark.',
    '',
  );
  const exitCells = (exitCost: number, net: number, atMark: number) => (exitCost === 0 ? ` | | ${money(net)} |` : ` | ${money(exitCost)} | ${money(atMark)} |`);
  lines.push('| agents | count | vAMM | hedge | fees | funding | gas | net | exit cost | net at the mark |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [kind, k] of Object.entries(s.pnlByKind)) {
    lines.push(`| ${kind} | ${k.agents} | ${money(k.vamm)} | ${k.hedge === 0 ? '' : money(k.hedge)} | ${money(k.fees)} | ${money(k.funding)} | ${money(k.gasUsd)} | ${money(k.net)}${exitCells(k.exitCost, k.net, k.netAtMark)}`);
  }
  lines.push('');
  lines.push('| agent | vAMM | hedge | fees | funding | gas | net | exit cost | net at the mark |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [id, a] of Object.entries(s.agents)) {
    const r = a.result as Record<string, number>;
    lines.push(
      `| ${id} | ${money(r.vamm as number)} | ${r.hedge === 0 ? '' : money(r.hedge as number)} | ${money(r.fees as number)} | ${money(r.funding as number)} | ${money(r.gas as number)} | ${money(r.net as number)}${exitCells(r.exitCost ?? 0, r.net as number, r.netAtMark ?? (r.net as number))}`,
    );
  }
  lines.push('');
  lines.push('| insurance fund, by payer | fees | penalties | funding | bad debt | other |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [payer, flows] of Object.entries(s.insuranceFund.byPayer)) {
    const f = flows as Record<string, string>;
    const other = Object.entries(f)
      .filter(([r]) => !['fee', 'penalty', 'funding', 'bad-debt'].includes(r))
      .reduce((x, [, v]) => x + Number(v), 0);
    const cell = (r: string) => (f[r] === undefined ? '' : fmt(f[r] as string));
    lines.push(`| ${payer} | ${cell('fee')} | ${cell('penalty')} | ${cell('funding')} | ${cell('bad-debt')} | ${other === 0 ? '' : money(other)} |`);
  }
  lines.push('');
  for (const mg of s.migrations) {
    lines.push(`k changed ×${mg.multiplier} at ${date(mg.timestamp)} (${mg.remap} remap, cost ${fmt(mg.cost)}); ${mg.positions} positions, remap errors against the exact remap (traders' gain = the protocol's loss):`, '');
    lines.push('| remap | traders\' gain (USD) | Σ |error| (USD) | max |error| (USD) | base the curve does not hold |', '| --- | --- | --- | --- | --- |');
    for (const [name, t] of [['lazy (Perp v1)', mg.lazy], ['none', mg.none]] as const) lines.push(`| ${name} | ${fmt(t.traderGain)} | ${fmt(t.sumAbsError)} | ${fmt(t.maxAbsError)} | ${Number(t.baseMismatch).toFixed(4)} |`);
    lines.push('');
  }
  for (const f of s.adminFailures) lines.push(`${f.action} on ${f.market} at ${date(f.timestamp)} reverted: ${f.reason}.`, '');
  return `${lines.join('\n')}\n`;
}
