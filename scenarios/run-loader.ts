/**
 * Loads a `vamm run` scenario and resolves it into a simulation: validates the file, finds the
 * price data, loads the candle window (with its gap policy) and the oracle rounds (real or
 * synthesised), and expands the agent populations.
 */
import { type AgentSlot, expandAgents } from '../agents/registry.ts';
import { resolutionAt } from '../data/compose.ts';
import { InputError, InputErrors } from '../data/input-error.ts';
import { DEFAULT_GAS } from '../sim/engine/gas.ts';
import type { SimulationConfig } from '../sim/engine/simulation.ts';
import type { ProfileName } from '../sim/params.ts';
import { parseUnits } from '../sim/math/units.ts';
import { type Json, toJson } from '../sim/state-view.ts';
import { parseLocatedWith, readInputText } from './json-validate.ts';
import { holderSpecs, populationBook } from './population.ts';
import { loadScenarioPrices } from './price-source.ts';
import { type RunScenario, RunScenarioSchema } from './run-schema.ts';
import { secondMarketRun, withSecondMarket } from './second-market.ts';
import { marketParamsOf, profileWithOverrides } from './script-runner.ts';

const marketIds = (s: RunScenario) => [s.market.id, ...(s.secondMarket ? [s.secondMarket.id] : [])];

export function loadRunScenario(file: string): RunScenario {
  return parseRunScenario(readInputText(file, 'scenario'), file);
}

export function parseRunScenario(text: string, file = '<scenario>'): RunScenario {
  const { data, reporter } = parseLocatedWith(RunScenarioSchema, text, file);
  if (data.secondMarket?.id === data.market.id) {
    reporter.report(['secondMarket', 'id'], `"${data.market.id}" is the first market's id: name the second market apart`);
    throw new InputErrors(reporter.errors);
  }
  try {
    if (data.population) data.agents.unshift(...holderSpecs(populationBook(data.population)));
    if (data.secondMarket) data.agents = withSecondMarket(data.agents, data.secondMarket);
    expandAgents(data.agents, marketIds(data));
  } catch (e) {
    reporter.report(['agents'], (e as Error).message);
    throw new InputErrors(reporter.errors);
  }
  return data;
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
  const slots: AgentSlot[] = expandAgents(s.agents, marketIds(s));
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
    markets: [{ id, quoteReserve: depth, params: marketParamsOf(marketOverrides), candles, rounds, fastFeed }, ...(s.secondMarket ? [secondMarketRun(s, candles, seed)] : [])],
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
