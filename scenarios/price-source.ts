/**
 * A scenario's prices as candles and oracle rounds: a historical window, a path drawn from a
 * generator fitted to history (cached per process: fitting can take seconds, drawing path i is
 * instant and the same everywhere), or a crash replay rescaled to a start price.
 */
import { dirname } from 'node:path';
import { loadCandles } from '../data/candle-loader.ts';
import { type CandleSeries, isoTime } from '../data/candle-series.ts';
import { describeDataFile, resolveDataFile } from '../data/catalog.ts';
import { toPricePath } from '../data/generators/paths.ts';
import { type GeneratorName, fitGenerator } from '../data/generators/registry.ts';
import { replayCandles, replayWindow } from '../data/generators/replay.ts';
import { intrabarLibrary, refinePath } from '../data/intrabar.ts';
import { resample } from '../data/resample.ts';
import type { ReturnGenerator } from '../data/generators/types.ts';
import { loadHistory } from '../data/history.ts';
import { InputError } from '../data/input-error.ts';
import { ETH_USD_RULES, synthesiseRounds } from '../data/oracle-synthesis.ts';
import { pathToCandles } from '../data/path-candles.ts';
import { type Rng, forPath } from '../data/prng.ts';
import { loadRounds } from '../data/round-loader.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { toWei } from '../sim/math/units.ts';
import type { ChainlinkRound } from '../sim/oracle/chainlink-feed.ts';
import type { GeneratedPrices, HistoricalPrices, RunScenario } from './run-schema.ts';

export interface ScenarioPrices {
  readonly candles: CandleSeries;
  readonly rounds: readonly ChainlinkRound[];
  readonly fastFeed: boolean;
  /** Seconds between the fast feed's ticks inside a candle (unset: its four points). */
  readonly tickInterval?: number;
}

const generators = new Map<string, Promise<ReturnGenerator>>();

/** The refinement's random stream is the path's own, offset: the hourly returns stay the same with or without it. */
const INTRABAR_STREAM = 0x1b7a5e;

/** The stream path `path` of `seed` draws its intrabar donors from (the cascade screen draws the same ones). */
export function intrabarStream(seed: number, path: number): Rng {
  return forPath((seed ^ INTRABAR_STREAM) >>> 0, path);
}

/** The fitted generator for a history (fitted once per process). */
export function fittedGenerator(p: GeneratedPrices, dataDir: () => string): Promise<ReturnGenerator> {
  const file = resolveDataFile(p.history.file, dataDir);
  const key = `${p.generator}|${file}|${p.history.from}|${p.history.to}`;
  let g = generators.get(key);
  if (!g) {
    g = loadHistory(file, { from: p.history.from, to: p.history.to }).then((h) => fitGenerator(p.generator as GeneratorName, h.returns, h.resolution));
    generators.set(key, g);
  }
  return g;
}

export async function loadScenarioPrices(s: RunScenario, seed: number, dataDirFlag?: string): Promise<ScenarioPrices> {
  const dataDir = () => findDataDir(dataDirFlag);
  const p = s.prices;
  if ('generator' in p) {
    const gen = await fittedGenerator(p, dataDir);
    const steps = Math.ceil(p.horizon / gen.resolution);
    const pathSeed = p.seed ?? seed;
    const returns = gen.generate(forPath(pathSeed, p.path), steps);
    const path = toPricePath(toWei(p.startPrice), returns, gen.resolution, p.startTime);
    const source = `${p.generator} path ${p.path} (seed ${pathSeed})`;
    const candles =
      p.intrabar === 'none'
        ? pathToCandles(path, source)
        : refinePath(path, await intrabarLibrary(dataDir()), intrabarStream(pathSeed, p.path), source, { calmRange: p.intrabar === 'adaptive' ? p.calmRange : 0 });
    return { candles, rounds: synthesiseRounds(candles), ...walkOf(p) };
  }
  if ('replay' in p) {
    const loaded = await loadCandles(resolveDataFile(p.replay, dataDir), { gapPolicy: p.gapPolicy, ...(p.from !== undefined ? { from: p.from } : {}), ...(p.to !== undefined ? { to: p.to } : {}) });
    const window = p.resolution && p.resolution !== loaded.resolution ? resample(loaded, p.resolution) : loaded;
    const source = `${p.replay} replayed from ${p.startPrice}`;
    const candles = p.wicks ? replayCandles(window, toWei(p.startPrice), p.scale) : pathToCandles(replayWindow(p.scale === 1 ? window : replayCandles(window, window.open[0] as bigint, p.scale), toWei(p.startPrice)), source);
    return { candles, rounds: synthesiseRounds(candles, { ...ETH_USD_RULES, latency: p.oracleLatency }), ...walkOf(p) };
  }
  const file = resolveDataFile(p.file, dataDir);
  if (p.from !== undefined && p.to !== undefined && p.to <= p.from) throw new InputError({ file: s.name, field: 'prices.to' }, `${isoTime(p.to)} is not after prices.from (${isoTime(p.from)})`);
  // A study runs the same window thousands of times: read and synthesise it once per process.
  const key = JSON.stringify([file, p.from, p.to, p.gapPolicy, 'rounds' in Object(p.oracle) ? resolveDataFile((p.oracle as { rounds: string }).rounds, dataDir) : p.oracle]);
  let loaded = historical.get(key);
  if (!loaded) {
    loaded = loadHistorical(file, p, dataDir);
    historical.set(key, loaded);
    loaded.catch(() => historical.delete(key));
    if (historical.size > HISTORICAL_CACHE) historical.delete(historical.keys().next().value as string);
  }
  return { ...(await loaded), ...walkOf(p) };
}

/** How the fast feed walks the candles. */
function walkOf(p: { readonly fastFeed: boolean; readonly tickInterval?: number | undefined }): Pick<ScenarioPrices, 'fastFeed' | 'tickInterval'> {
  return { fastFeed: p.fastFeed, ...(p.tickInterval !== undefined ? { tickInterval: p.tickInterval } : {}) };
}

/** Historical windows loaded in this process (oldest dropped first beyond the limit). */
const historical = new Map<string, Promise<Omit<ScenarioPrices, 'fastFeed' | 'tickInterval'>>>();
const HISTORICAL_CACHE = 128;

async function loadHistorical(file: string, p: HistoricalPrices, dataDir: () => string): Promise<Omit<ScenarioPrices, 'fastFeed' | 'tickInterval'>> {
  const candles = await loadCandles(file, { gapPolicy: p.gapPolicy, ...(p.from !== undefined ? { from: p.from } : {}), ...(p.to !== undefined ? { to: p.to } : {}) });
  if (candles.time.length < 2) {
    const span = describeDataFile(dirname(file), file);
    const window = `${p.from === undefined ? 'the start' : isoTime(p.from)} → ${p.to === undefined ? 'the end' : isoTime(p.to)}`;
    throw new InputError(
      { file, field: p.from !== undefined ? 'prices.from' : 'prices.to' },
      `the window ${window} holds ${candles.time.length === 0 ? 'no candles' : 'one candle'} (a run needs two): the file covers ${span.from === undefined ? '?' : isoTime(span.from)} → ${span.to === undefined ? '?' : isoTime(span.to)}`,
    );
  }
  const o = p.oracle;
  if (o === 'synthesised') return { candles, rounds: synthesiseRounds(candles) };
  if ('rounds' in o) return { candles, rounds: (await loadRounds(resolveDataFile(o.rounds, dataDir))).rounds };
  const rules = { ...ETH_USD_RULES, latency: o.synthesised.latency, heartbeat: o.synthesised.heartbeat, deviationPpm: BigInt(Math.round(o.synthesised.deviation * 1e6)) };
  return { candles, rounds: synthesiseRounds(candles, rules, o.synthesised.outages) };
}
