/**
 * Loads a `vamm run` scenario and resolves it into a simulation: validates the file, finds the
 * price data, loads the candle window (with its gap policy) and the oracle rounds (real or
 * synthesised), and expands the agent populations.
 */
import { type AgentSlot, expandAgents } from '../agents/registry.ts';
import { resolutionAt } from '../data/compose.ts';
import { InputError, InputErrors } from '../data/input-error.ts';
import { GAS_HISTORY_FILE, gasLevelBefore, loadGasHistory } from '../data/gas-history.ts';
import { HOURLY_HISTORY } from '../data/history.ts';
import { calmVolatilityBefore } from '../data/realised-volatility.ts';
import { findDataDir, findShared } from '../data/shared-dir.ts';
import { DEFAULT_GAS, type GasParams } from '../sim/engine/gas-process.ts';
import type { ScenarioEvent } from '../sim/engine/scenario-events.ts';
import type { SimulationConfig } from '../sim/engine/simulation.ts';
import type { ProfileName } from '../sim/params.ts';
import { parseUnits } from '../sim/math/units.ts';
import { type Json, toJson } from '../sim/state-view.ts';
import { parseLocatedWith, readInputText } from './json-validate.ts';
import { holderSpecs, populationBook } from './population.ts';
import { loadScenarioPrices } from './price-source.ts';
import { type RunScenario, RunScenarioSchema } from './run-schema.ts';
import { actionArgsToJson } from './script-json.ts';
import { secondMarketRun, withSecondMarket } from './second-market.ts';
import { yieldSourceFaults } from './yield-source-run.ts';
import { applyAction, marketParamsOf, profileWithOverrides } from './script-runner.ts';
import type { ClearingHouse } from '../sim/clearing-house.ts';

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

/** Era data, read once per process: the daily gas file, and calm volatilities by day. */
let gasHistory: ReturnType<typeof loadGasHistory> | undefined;
const calmCache = new Map<string, Promise<number | null>>();

/**
 * The run's gas market: an L2 as given (0.05 gwei by default), or an L1 whose level and calm
 * volatility come from the month before the run (../shared/data/gas and the hourly candles)
 * unless the scenario gives them.
 */
async function resolveGas(s: RunScenario, start: number, o: ResolveOptions): Promise<GasParams> {
  const g = { ...DEFAULT_GAS, ...s.gas };
  if (g.profile === 'l2') return g;
  const where = { file: o.file ?? s.name, field: 'gas' };
  let level = s.gas.baseFeeGwei;
  if (level === undefined) {
    gasHistory ??= loadGasHistory(findShared(GAS_HISTORY_FILE));
    level = gasLevelBefore(await gasHistory, start) ?? undefined;
    if (level === undefined) throw new InputError(where, `no daily gas data for the month before ${new Date(start * 1000).toISOString().slice(0, 10)} (${GAS_HISTORY_FILE} covers 2015-07-30 → 2022-09-19): give gas.baseFeeGwei`);
  }
  let calm = s.gas.calmVolatility;
  if (calm === undefined) {
    const file = `${findDataDir(o.dataDir)}/${HOURLY_HISTORY}`;
    const key = `${file}@${Math.floor(start / 86400)}`;
    if (!calmCache.has(key)) calmCache.set(key, calmVolatilityBefore(file, start));
    calm = (await calmCache.get(key)) ?? undefined;
    if (calm === undefined) throw new InputError(where, `no hourly prices for the month before ${new Date(start * 1000).toISOString().slice(0, 10)}: give gas.calmVolatility`);
  }
  return { ...g, baseFeeGwei: level, calmVolatility: calm };
}

export async function resolveRun(s: RunScenario, o: ResolveOptions = {}): Promise<SimulationConfig> {
  const seed = o.seed ?? s.seed;
  const { candles, rounds, fastFeed, tickInterval } = await loadScenarioPrices(s, seed, o.dataDir);
  const walk = tickInterval !== undefined ? { tickInterval } : {};
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
  const faults = s.faults ?? [];
  const yieldLoss = s.yieldSource?.loss;
  if (yieldLoss && (yieldLoss.at <= start || yieldLoss.at >= end)) {
    throw new InputError({ file: o.file ?? s.name, field: 'yieldSource.loss.at' }, `${new Date(yieldLoss.at * 1000).toISOString()} is outside the prices (${new Date(start * 1000).toISOString()} – ${new Date(end * 1000).toISOString()})`);
  }
  faults.forEach((f, i) => {
    if (f.at <= start || f.at >= end) {
      throw new InputError({ file: o.file ?? s.name, field: `faults[${i}].at` }, `${new Date(f.at * 1000).toISOString()} is outside the prices (${new Date(start * 1000).toISOString()} – ${new Date(end * 1000).toISOString()})`);
    }
  });
  return {
    name: s.name,
    profile: profileWithOverrides(s.profile as ProfileName, s.clearingHouse),
    seed,
    blockTime: s.blockTime,
    startBlock: s.startBlock,
    start,
    end,
    // Both markets walk their candles alike (the second's are drawn on the first's times).
    markets: [{ id, quoteReserve: depth, params: marketParamsOf(marketOverrides), candles, rounds, fastFeed, ...walk }, ...(s.secondMarket ? [{ ...secondMarketRun(s, candles, seed), ...walk }] : [])],
    migrations,
    faults: [
      ...(s.yieldSource ? yieldSourceFaults(s.yieldSource, start, s.blockTime) : []),
      ...faults.map((f) => ({
        at: f.at,
        action: f.action.name,
        args: actionArgsToJson(f.action.args),
        apply: (ch: ClearingHouse) => void applyAction({ ch, secondsPerBlock: s.blockTime }, f.action),
      })),
    ],
    insuranceFund: s.insuranceFund,
    slots,
    invariants: s.invariants,
    snapshotInterval: s.snapshotInterval,
    gas: await resolveGas(s, start, o),
    events: s.events as ScenarioEvent[],
    // As given (no absolute paths), so the log is the same on every machine.
    description: toJson(s) as Json,
  };
}
