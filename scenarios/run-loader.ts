/**
 * Loads a `vamm run` scenario and resolves it into a simulation: validates the file, finds the
 * price data, loads the candle window (with its gap policy) and the oracle rounds (real or
 * synthesised), and expands the agent populations.
 */
import { readFileSync } from 'node:fs';
import { type AgentSlot, expandAgents } from '../agents/registry.ts';
import { resolutionAt } from '../data/compose.ts';
import { InputError, InputErrors } from '../data/input-error.ts';
import { DEFAULT_GAS } from '../sim/engine/gas.ts';
import type { SimulationConfig } from '../sim/engine/simulation.ts';
import type { ProfileName } from '../sim/params.ts';
import { parseUnits } from '../sim/math/units.ts';
import { type Json, toJson } from '../sim/state-view.ts';
import { parseLocatedJson } from './json-source.ts';
import { LocatedReporter } from './json-validate.ts';
import { holderSpecs, populationBook } from './population.ts';
import { loadScenarioPrices } from './price-source.ts';
import { type RunScenario, RunScenarioSchema } from './run-schema.ts';
import { marketParamsOf, profileWithOverrides } from './script-runner.ts';

export function loadRunScenario(file: string): RunScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError({ file }, `cannot read the scenario: ${(e as Error).message}`);
  }
  return parseRunScenario(text, file);
}

export function parseRunScenario(text: string, file = '<scenario>'): RunScenario {
  const json = parseLocatedJson(text, file);
  const reporter = new LocatedReporter(json, file);
  const parsed = RunScenarioSchema.safeParse(json.value);
  if (!parsed.success) {
    reporter.collect(parsed.error.issues);
    throw new InputErrors(reporter.errors);
  }
  try {
    if (parsed.data.population) parsed.data.agents.unshift(...holderSpecs(populationBook(parsed.data.population)));
    expandAgents(parsed.data.agents, [parsed.data.market.id]);
  } catch (e) {
    reporter.report(['agents'], (e as Error).message);
    throw new InputErrors(reporter.errors);
  }
  return parsed.data;
}

export interface ResolveOptions {
  /** The price-data folder (`--data`); else the environment or ../shared/data/eth. */
  readonly dataDir?: string;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** The scenario's file, for error messages. */
  readonly file?: string;
}

export async function resolveRun(s: RunScenario, o: ResolveOptions = {}): Promise<SimulationConfig> {
  const seed = o.seed ?? s.seed;
  const { candles, rounds, fastFeed } = await loadScenarioPrices(s, seed, o.dataDir);
  const start = candles.time[0] as number;
  const end = (candles.time.at(-1) as number) + resolutionAt(candles, candles.time.length - 1);
  const slots: AgentSlot[] = expandAgents(s.agents, [s.market.id]);
  const { depth, id, ...marketOverrides } = s.market;
  const migrations = s.migrations.map((mg, i) => {
    if (mg.at <= start || mg.at >= end) {
      throw new InputError({ file: o.file ?? s.name, field: `migrations[${i}].at` }, `${new Date(mg.at * 1000).toISOString()} is outside the prices (${new Date(start * 1000).toISOString()} – ${new Date(end * 1000).toISOString()})`);
    }
    return { market: id, at: mg.at, multiplier: parseUnits(mg.multiplier, 18), remap: mg.remap, fluctuationLimitRatio: parseUnits(mg.fluctuationLimitRatio, 18) };
  });
  return {
    name: s.name,
    profile: profileWithOverrides(s.profile as ProfileName, s.clearingHouse),
    seed,
    blockTime: s.blockTime,
    startBlock: s.startBlock,
    start,
    end,
    markets: [{ id, quoteReserve: depth, params: marketParamsOf(marketOverrides), candles, rounds, fastFeed }],
    migrations,
    insuranceFund: s.insuranceFund,
    slots,
    invariants: s.invariants,
    snapshotInterval: s.snapshotInterval,
    gas: { ...DEFAULT_GAS, ...s.gas },
    // As given (no absolute paths), so the log is the same on every machine.
    description: toJson(s) as Json,
  };
}
