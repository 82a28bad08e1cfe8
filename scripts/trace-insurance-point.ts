/**
 * Traces one point of an insurance study back to the accounts that made its drawdown: re-runs the
 * point (the study's scenario with the point's values, on the point's seed) and sums, per account
 * and market, the liquidations (partial and full), the notional they closed and the bad debt, with
 * the fund's flows and its deepest fall. What docs/STUDIES.md ("Reading the answer") asks of
 * whoever acts on the binding scenario.
 *
 *   npx tsx scripts/trace-insurance-point.ts <config.json> <rows.jsonl> <row index | worst[:set]>
 *
 * `worst` picks the row with the deepest drawdown at the last horizon (`worst:paths`,
 * `worst:stress`: within one set of points).
 */
import { readFileSync } from 'node:fs';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { InsuranceConfigSchema, insuranceScenario } from '../scenarios/studies/insurance.ts';
import { LABEL_PREFIX, type SweepRow, applyValues } from '../scenarios/sweep.ts';
import type { LoggedEvent } from '../sim/engine/event-log.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

const [configFile, rowsFile, pick] = process.argv.slice(2);
if (!configFile || !rowsFile || !pick) {
  console.error('usage: tsx scripts/trace-insurance-point.ts <config.json> <rows.jsonl> <row index | worst[:set]>');
  process.exit(2);
}
const config = InsuranceConfigSchema.parse(JSON.parse(readFileSync(configFile, 'utf8')));
const rows = readFileSync(rowsFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as SweepRow)
  .filter((r) => r.ok);
const last = (r: SweepRow) => ((r.metrics as { drawdown: number[] }).drawdown.at(-1) as number) ?? 0;
const row = pick.startsWith('worst')
  ? rows.filter((r) => !pick.includes(':') || r.values[`${LABEL_PREFIX}set`] === pick.split(':')[1]).reduce<SweepRow | undefined>((a, r) => (!a || last(r) > last(a) ? r : a), undefined)
  : rows.find((r) => r.index === Number(pick));
if (!row) throw new Error(`${rowsFile}: no finished row matches ${pick}`);
console.log(`row ${row.index} (seed ${row.seed}): ${JSON.stringify(row.values)}`);
console.log(`drawdown by horizon: ${(row.metrics as { drawdown: number[] }).drawdown.map((d) => Math.round(d)).join(' / ')} USD`);

const scenario = applyValues(insuranceScenario(config), row.values);
const run = await resolveRun(parseRunScenario(JSON.stringify(scenario), configFile), { seed: row.seed });
interface Tally {
  partial: number;
  full: number;
  closed: number;
  badDebt: number;
}
const byAccount = new Map<string, Tally>();
const tally = (k: string) => byAccount.get(k) ?? (byAccount.set(k, { partial: 0, full: 0, closed: 0, badDebt: 0 }).get(k) as Tally);
const usd = (x: unknown) => Number(x) / 1e18;
const sink = {
  needsLine: false,
  write(e: LoggedEvent) {
    if (e.type === 'PositionLiquidated') {
      const t = tally(`${e.trader} ${e.market}`);
      if (e.partial) t.partial++;
      else t.full++;
      t.closed += usd(e.positionNotional);
    }
    if (e.type === 'BadDebt') tally(`${e.trader} ${e.market}`).badDebt += usd(e.amount);
  },
  close() {},
};
const { summary } = await runSimulation(run, { sinks: [sink] });
const flows = summary.insuranceFund.flows;
console.log(`fund flows (USD): ${Object.entries(flows.totals).map(([k, v]) => `${k} ${Math.round(Number(v))}`).join(', ')}`);
const deepest = flows.lows.reduce<(typeof flows.lows)[number] | undefined>((a, l) => (!a || Number(l[1]) > Number(a[1]) ? l : a), undefined);
if (deepest) console.log(`deepest fall ${Math.round(Number(deepest[1]))} USD at ${new Date((deepest[0] as number) * 1000).toISOString()}`);
const sum = (f: (t: Tally) => number) => [...byAccount.values()].reduce((a, t) => a + f(t), 0);
console.log(`${byAccount.size} positions liquidated or in bad debt; bad debt ${Math.round(sum((t) => t.badDebt))} USD in all`);
console.log('account market'.padEnd(32), 'partial', 'full', 'closed USD'.padStart(12), 'bad debt USD'.padStart(13));
for (const [k, t] of [...byAccount].sort((a, b) => b[1].badDebt - a[1].badDebt || b[1].closed - a[1].closed).slice(0, 20)) {
  console.log(k.padEnd(32), String(t.partial).padStart(7), String(t.full).padStart(4), String(Math.round(t.closed)).padStart(12), String(Math.round(t.badDebt)).padStart(13));
}
