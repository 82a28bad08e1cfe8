/**
 * The funding-cap study's binding plans, made replayable, one per rule (the whole P&L's and the
 * one less the stale-mark gain): the binding cell's plan on its binding window as a `vamm run`
 * scenario (binding-plan.json), that run's event log as a scripted scenario whose every agent
 * action states the revert or position size the run saw (binding-plan.script.json: `vamm script`
 * re-runs it on the model, `vamm crosscheck` on the contracts), and the run's whole P&L traced to
 * what it paid, what it collected and who paid it (binding-plan.pnl.json). The second rule's files
 * are named binding-plan-ex-stale-mark.*.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayJsonFromEvents, scriptFromReplayJson } from '../../contracts/harness/engine-log.ts';
import type { LoggedEvent } from '../../sim/engine/event-log.ts';
import { runSimulation } from '../../sim/engine/run-simulation.ts';
import { WholePnlBook, type WholePnl } from '../../sim/engine/whole-pnl.ts';
import type { Json } from '../../sim/state-view.ts';
import { parseRunScenario, resolveRun } from '../run-loader.ts';
import { ATTACKER_ID, attackerAgent, cellScenario } from './attack-env.ts';
import { type FundingCapConfig, type FundingCapResult, type Recommendation, studyRegime } from './funding-cap.ts';

export interface BindingRun {
  readonly scenario: Record<string, unknown>;
  readonly script: Record<string, Json>;
  readonly pnl: WholePnl;
  readonly events: number;
}

/** A rule's binding plan (the whole P&L's by default), run once with its log kept: the script and the traced P&L. */
export async function bindingRun(c: FundingCapConfig, r: FundingCapResult, o: { dataDir?: string } = {}, rule: Recommendation = r.recommendation): Promise<BindingRun | null> {
  const b = rule.binding;
  if (!b) return null;
  const cell = r.cells.find((x) => x.regime === b.regime && x.depth === b.depth && x.cap === b.cap);
  const window = [...r.windows.train, ...r.windows.test].find((w) => w.label === b.window);
  const cap = c.caps.find((x) => x.label === b.cap);
  const regime = c.regimes.find((x) => x.label === b.regime);
  if (!cell || !window || !cap || !regime) return null;
  const attacker = attackerAgent(cell.attacker, (Number(b.depth) * c.capitalShare).toFixed(0), c.hedge, c.attackerLatency);
  const scenario = {
    ...cellScenario(c.environment, { cap, depth: b.depth, regime: studyRegime(regime) }, window, [attacker], c.tickInterval ? { tickInterval: c.tickInterval } : {}),
    name: 'funding-cap-binding',
    description: `The funding-cap study's binding plan: ${b.cap}, depth ${b.depth}, ${b.regime}, window ${b.window}, seed ${b.seed}`,
    seed: b.seed,
  };
  const events: LoggedEvent[] = [];
  const book = new WholePnlBook(ATTACKER_ID);
  await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario), 'binding-plan.json'), o.dataDir ? { dataDir: o.dataDir } : {}), {
    sinks: [book, { write: (e) => events.push(e), close: () => {} }],
  });
  const script = scriptFromReplayJson(replayJsonFromEvents(events, 'binding-plan', { checks: true }));
  return { scenario, script, pnl: book.result(), events: events.length };
}

/** The file-name stem of each rule's binding plan. */
export const BINDING_PLAN_FILES = { whole: 'binding-plan', exStaleMark: 'binding-plan-ex-stale-mark' } as const;

/** Writes both rules' binding plans into `out`; returns the files' names. */
export async function exportBindingPlan(c: FundingCapConfig, r: FundingCapResult, out: string, o: { dataDir?: string } = {}): Promise<string[]> {
  const written: string[] = [];
  for (const [stem, rule] of [[BINDING_PLAN_FILES.whole, r.recommendation], [BINDING_PLAN_FILES.exStaleMark, r.recommendationExStaleMark]] as const) {
    const run = await bindingRun(c, r, o, rule);
    if (!run) continue;
    const files = { [`${stem}.json`]: JSON.stringify(run.scenario, null, 2), [`${stem}.script.json`]: JSON.stringify(run.script), [`${stem}.pnl.json`]: JSON.stringify(run.pnl, null, 2) };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), `${text}\n`);
    written.push(...Object.keys(files));
  }
  return written;
}
