/**
 * Insurance-fund sizing a risk team can act on. The market is stated, not assumed: open interest
 * per side, accounts, concentration, the account-leverage distribution, depth and fee share
 * (scenarios/population.ts). The fund is seeded far above any loss, so nothing is socialised and
 * a run shows the whole drawdown a fund must carry; a fund of size F would have run dry, and
 * losses been socialised, exactly when that drawdown exceeded F.
 *
 * Paths: several generators (block bootstrap, GARCH with filtered historical shocks, Merton
 * jumps, the learned `mdn`), each fitted to the same history and checked on its stylised facts,
 * with real 5-minute shapes inside every hour (data/intrabar.ts; adaptive: 5-minute bars only
 * where prices move, checked against full 5-minute paths). The far tail is reached by
 * stratification on each path's largest daily move (strata.ts), checked against plain sampling
 * where both can run. On each generator's weighted drawdowns: VaR and expected shortfall at
 * 99 / 99.9 / 99.99 % with intervals, the generalised Pareto tail, and the fund per target.
 *
 * Around them: the historical crashes replayed (with wicks) and stressed (×1.5, ×2, liquidators
 * failing, oracle delay and no fast feed, arbitrage withdrawn, a gas spike), each over several
 * agent seeds; the resolution convergence on a shipped crash (1 min, 5 min, 1 h); the drawdown's
 * decomposition (bad debt, funding paid and received, penalties, fees) from the fund's flows; a
 * grid of open interest × leverage × depth; and the decision: the fund that keeps P(socialised
 * loss within 7 days) below each target under every generator and stress, naming the binding one.
 */
import { z } from 'zod';
import { GAP_POLICIES } from '../../data/gaps.ts';
import { generatorFacts } from '../../data/generator-facts.ts';
import { intrabarLibrary } from '../../data/intrabar.ts';
import { checkFacts } from '../../data/fact-check.ts';
import { GENERATOR_NAMES } from '../../data/generators/registry.ts';
import { loadHistory } from '../../data/history.ts';
import { loadCandles } from '../../data/candle-loader.ts';
import { resolveDataFile } from '../../data/catalog.ts';
import { findDataDir } from '../../data/shared-dir.ts';
import { stylisedFacts } from '../../data/stylized-facts.ts';
import { parseTimeArg } from '../../data/time-arg.ts';
import { Rng, seedFrom } from '../../data/prng.ts';
import { FLOW_PARTS } from '../../sim/engine/fund-decomposition.ts';
import type { RunSummary } from '../../sim/engine/summary.ts';
import type { Json } from '../../sim/state-view.ts';
import { LeverageDistributionSchema, PopulationSchema, describeBook, populationBook, withPopulation } from '../population.ts';
import { fittedGenerator } from '../price-source.ts';
import { parseRunScenario } from '../run-loader.ts';
import { LABEL_PREFIX, POINT_SEED, type SweepPoint, type SweepRow, type SweepSpec, applyValues } from '../sweep.ts';
import { type Interval, wilson } from './statistics.ts';
import { steepestFall } from './crash-moment.ts';
import { pathShare } from './path-share.ts';
import { type PathScorer, designStrata, largestMoveScorer } from './strata.ts';
import { screenScore } from './cascade-screen.ts';
import { studyScreen } from './screen-market.ts';
import { type WeightedSample, boundFloor, exceedance, fitGpd, gpdES, gpdVaR, heaviestStratum, plainSamples, runsToBound, stratifiedBootstrap, thresholdStability, weightedES, weightedVaR } from './tail.ts';

/** The phase-1 scores a study can stratify on. */
export const STRATA_SCORES = ['largest-move', 'cascade', 'either'] as const;

/** Each score as the report states it. */
export const STRATA_SCORE_TEXT: Readonly<Record<(typeof STRATA_SCORES)[number], string>> = {
  'largest-move': "each path's largest daily move",
  cascade: "each path's drawdown in the float64 cascade screen (the stated book on the curve, the arbitrageurs' room, liquidations cascading: a rank, not a loss)",
  either: "the higher of each path's two ranks, by its largest daily move and by the float64 cascade screen",
};

const set = z.record(z.string(), z.unknown());

export const InsuranceConfigSchema = z.strictObject({
  name: z.string().default('insurance'),
  /** The market's other agents and rules: a run scenario without prices or population. Seed its fund far above any loss. */
  environment: z.record(z.string(), z.unknown()),
  /** What the risk team states: open interest, accounts, concentration, leverage, depth, fee share. */
  population: PopulationSchema,
  paths: z.strictObject({
    history: z.strictObject({ file: z.string().min(1), from: z.string(), to: z.string() }),
    /** Seconds every path lasts (the longest horizon). */
    horizon: z.number().int().positive(),
    startPrice: z.string(),
    startTime: z.string(),
    intrabar: z.enum(['none', '5m', 'adaptive']).default('adaptive'),
    generators: z.array(z.enum(GENERATOR_NAMES)).min(1),
    /** Phase-1 candidate paths per generator (returns only, cheap), or per generator by name (the learned `mdn` draws slower). */
    candidates: z.union([z.number().int().positive(), z.record(z.string(), z.number().int().positive())]),
    /** Upper tail probabilities where strata are cut, e.g. [0.1, 0.01, 0.001]. */
    strata: z.array(z.number().gt(0).lt(1)).min(1),
    /**
     * What phase 1 ranks candidates by: `largest-move` (each path's largest move within a day),
     * `cascade` (the float64 cascade screen's drawdown on the stated book: cascade-screen.ts) or
     * `either` (each path at the higher of its two ranks: strata.ts' rankMax).
     * Either way a stratum's weight is its share of the candidates, so the estimate is unbiased.
     */
    score: z.enum(STRATA_SCORES).default('largest-move'),
    /**
     * Runs per stratum, bulk first (one more than `strata`), or per generator by name (with
     * `default`): the allocation that pays differs by generator (a Neyman allocation from a
     * pilot: bench/insurance-tail-variance.ts prints one per generator and level).
     */
    perStratum: z.union([z.array(z.number().int().positive()), z.record(z.string(), z.array(z.number().int().positive()))]),
    /** Plain Monte Carlo on one generator, for the check that stratification agrees with it. */
    plain: z.strictObject({ generator: z.enum(GENERATOR_NAMES), count: z.number().int().positive() }),
  }),
  horizons: z.array(z.number().int().positive()).min(1),
  targets: z.array(z.number().gt(0).lt(1)).min(1),
  /** Crash windows replayed (with wicks) from the start price, and stressed. */
  crashes: z.array(z.strictObject({ label: z.string().min(1), file: z.string().min(1), gapPolicy: z.enum(GAP_POLICIES) })).default([]),
  /** Stresses applied to every crash: a replay scale and settings (sweep paths) per stress. */
  stresses: z
    .array(
      z.strictObject({
        label: z.string().min(1),
        scale: z.number().gt(0).default(1),
        set: set.default({}),
        oracleLatency: z.number().int().nonnegative().optional(),
        fastFeed: z.boolean().optional(),
        /** The sequencer stops for `duration` seconds from the start of each crash's steepest hour (crash-moment.ts); liquidations wait `grace` seconds more. */
        sequencerDown: z.strictObject({ duration: z.number().int().positive(), grace: z.number().int().nonnegative().default(0) }).optional(),
        /**
         * The vault's yield source loses deposits: `deposited` of the vault's collateral is put in it at the start, and it
         * loses `lost` of its assets at the start of each crash's steepest hour; the guardian trips the breaker `guardianDelay`
         * seconds later, charging the loss to the fund (scenarios/yield-source-run.ts).
         */
        yieldLoss: z
          .strictObject({
            deposited: z.number().gt(0).max(1),
            lost: z.number().gt(0).max(1),
            maxLossRatio: z.number().gt(0).lt(1).default(0.01),
            guardianDelay: z.number().int().nonnegative().nullable().default(3600),
          })
          .optional(),
      }),
    )
    .default([]),
  /** Agent seeds each crash and stress runs under. */
  stressSeeds: z.array(z.number().int().nonnegative()).min(1).default([1, 2, 3]),
  /** The same crash at several resolutions (seconds per candle). */
  convergence: z
    .strictObject({ label: z.string(), file: z.string().min(1), from: z.string(), to: z.string(), resolutions: z.array(z.number().int().positive()).min(2), seeds: z.array(z.number().int().nonnegative()).min(1) })
    .optional(),
  /** Adaptive intrabar paths against full 5-minute ones on the same paths (the first N chosen of each stratum of the first generator). */
  adaptiveCheck: z.strictObject({ perStratum: z.number().int().positive() }).optional(),
  /**
   * The agents' draws on the tail: each generator's first `paths` paths of its top stratum, each
   * under `draws` further agents' seeds. How much of the tail is the path and how much the
   * population's draws on it (look intervals, edges, bids, inventory limits, noise, gas): model
   * uncertainty the generators' spread does not show.
   */
  agentsCheck: z.strictObject({ paths: z.number().int().positive(), draws: z.number().int().min(2) }).optional(),
  /** Open interest × leverage × depth: each cell's fund for the looser targets, on the first generator's strata. */
  grid: z
    .strictObject({
      openInterest: z.array(z.number().positive()).min(1),
      leverage: z.record(z.string(), LeverageDistributionSchema),
      depth: z.array(z.string()).min(1),
      perStratum: z.array(z.number().int().positive()),
    })
    .optional(),
  seed: z.number().int().nonnegative().default(1),
  confidence: z.number().gt(0).lt(1).default(0.95),
  resamples: z.number().int().positive().default(400),
  timeoutMs: z.number().int().positive().optional(),
});

export type InsuranceConfig = z.output<typeof InsuranceConfigSchema>;

const label = (k: string) => `${LABEL_PREFIX}${k}`;

/** The phase-1 score a study's config names (undefined: the largest move, designStrata's own). */
export async function strataScorer(c: InsuranceConfig, resolution: number, dataDir: () => string): Promise<PathScorer | PathScorer[] | undefined> {
  if (c.paths.score === 'largest-move') return undefined;
  const screen = studyScreen(c, c.paths.intrabar === 'none' ? null : await intrabarLibrary(dataDir()));
  const cascade: PathScorer = (returns, path) => screenScore(screen(returns, path));
  return c.paths.score === 'cascade' ? cascade : [largestMoveScorer(Math.max(1, Math.round(86400 / resolution))), cascade];
}

/** Phase-1 candidates of a generator (a number, or by name with `default`). */
export function candidatesOf(c: InsuranceConfig, generator: string): number {
  const n = typeof c.paths.candidates === 'number' ? c.paths.candidates : (c.paths.candidates[generator] ?? c.paths.candidates.default);
  if (n === undefined) throw new Error(`${c.name}: paths.candidates gives no count for ${generator} (and no default)`);
  return n;
}

/** Runs per stratum for a generator (one list for all, or by name with `default`). */
export function perStratumOf(c: InsuranceConfig, generator: string): number[] {
  const p = c.paths.perStratum;
  const counts = Array.isArray(p) ? p : (p[generator] ?? p.default);
  if (counts === undefined) throw new Error(`${c.name}: paths.perStratum gives no counts for ${generator} (and no default)`);
  return counts;
}

/** The base scenario: environment + population, on the first generator's path 0. Validated before any run. */
export function insuranceScenario(c: InsuranceConfig): Record<string, unknown> {
  for (const h of c.horizons) if (h > c.paths.horizon) throw new Error(`${c.name}: horizon ${h} s is longer than the paths (${c.paths.horizon} s)`);
  for (const g of c.paths.generators) {
    const counts = perStratumOf(c, g);
    if (counts.length !== c.paths.strata.length + 1) throw new Error(`${c.name}: paths.perStratum${Array.isArray(c.paths.perStratum) ? '' : ` (${g})`} needs ${c.paths.strata.length + 1} counts (bulk first), got ${counts.length}`);
  }
  const scenario = { ...withPopulation(c.environment, c.population), prices: generated(c, c.paths.generators[0] as string, 0, c.paths.intrabar) };
  parseRunScenario(JSON.stringify(scenario), `${c.name}: environment`);
  for (const s of c.stresses) parseRunScenario(JSON.stringify(applyValues(scenario, s.set as Record<string, Json>)), `${c.name}: stress ${s.label}`);
  return scenario;
}

/** A generated path of the study: phase 1's candidate `path`, drawn under the study's seed whatever seed its agents run under. */
function generated(c: InsuranceConfig, generator: string, path: number, intrabar: string): Record<string, Json> {
  return { generator, history: c.paths.history, path, seed: c.seed, horizon: c.paths.horizon, startPrice: c.paths.startPrice, startTime: c.paths.startTime, intrabar };
}

/**
 * The agents' seed of generated path `path` of `generator`: each path's own, so the tail averages
 * over the population's drawn traits (look intervals, edges, bids, inventory limits) as it does
 * over paths. One seed for every path would hold a single draw of them under all the study's
 * runs: scripts/insurance-path-share.ts found one such draw raising the mean drawdown ~40 % over
 * others on the same paths. The same path keeps its agents in every grid cell and both intrabar
 * variants, so those compare on common random numbers.
 */
export function agentsSeedOf(seed: number, generator: string, path: number): number {
  return seedFrom(`${seed}/agents/${generator}/${path}`);
}

/** Stated open interest (both sides; the skew holder's is the market's, not the book's). */
export const statedOpenInterest = (p: InsuranceConfig['population']) => Number(p.openInterest.long) + Number(p.openInterest.short);

/** Points: stratified paths per generator, plain paths, the adaptive check, crashes × stresses × seeds, convergence, grid. */
export async function insuranceSweep(c: InsuranceConfig, o: { dataDir?: string } = {}): Promise<SweepSpec> {
  const scenario = insuranceScenario(c);
  const dataDir = () => findDataDir(o.dataDir);
  const points: Array<Record<string, Json>> = [];
  const steps = (resolution: number) => Math.ceil(c.paths.horizon / resolution);
  const history = { ...c.paths.history, from: parseTimeArg(c.paths.history.from) as number, to: parseTimeArg(c.paths.history.to) as number };
  const designs = new Map<string, Awaited<ReturnType<typeof designStrata>>>();
  for (const g of c.paths.generators) {
    const gen = await fittedGenerator({ generator: g, history } as never, dataDir);
    const design = designStrata(gen, { candidates: candidatesOf(c, g), steps: steps(gen.resolution), seed: c.seed, tails: c.paths.strata, perStratum: perStratumOf(c, g), skipBelow: g === c.paths.plain.generator ? c.paths.plain.count : 0, score: await strataScorer(c, gen.resolution, dataDir) });
    designs.set(g, design);
    design.chosen.forEach((idx, h) => {
      for (const i of idx) points.push({ 'prices.path': i, 'prices.generator': g, [POINT_SEED]: agentsSeedOf(c.seed, g, i), [label('set')]: 'paths', [label('generator')]: g, [label('stratum')]: h, [label('mass')]: (design.weights[h] as number) / idx.length });
    });
  }
  for (let i = 0; i < c.paths.plain.count; i++) points.push({ 'prices.path': i, 'prices.generator': c.paths.plain.generator, [POINT_SEED]: agentsSeedOf(c.seed, c.paths.plain.generator, i), [label('set')]: 'plain', [label('generator')]: c.paths.plain.generator });
  if (c.adaptiveCheck) {
    const first = designs.get(c.paths.generators[0] as string) as ReturnType<typeof designStrata>;
    for (const idx of first.chosen) {
      for (const i of idx.slice(0, c.adaptiveCheck.perStratum)) {
        for (const variant of ['5m', 'adaptive']) points.push({ 'prices.path': i, 'prices.intrabar': variant, [POINT_SEED]: agentsSeedOf(c.seed, c.paths.generators[0] as string, i), [label('set')]: 'adaptive-check', [label('variant')]: variant });
      }
    }
  }
  for (const crash of c.crashes) {
    let moment: number | undefined;
    for (const s of [{ label: 'as it happened', scale: 1, set: {} as Record<string, unknown> } as InsuranceConfig['stresses'][number], ...c.stresses]) {
      const values = { ...(s.set as Record<string, Json>) };
      if (s.sequencerDown || s.yieldLoss) moment ??= steepestFall(await loadCandles(resolveDataFile(crash.file, dataDir), { gapPolicy: crash.gapPolicy })).from;
      if (s.yieldLoss) {
        const y = s.yieldLoss;
        values.yieldSource = { deposited: y.deposited, maxLossRatio: y.maxLossRatio, loss: { at: moment as number, share: y.lost }, guardianDelay: y.guardianDelay };
      }
      if (s.sequencerDown && moment !== undefined) {
        const down = { kind: 'sequencer-down', from: moment, to: moment + s.sequencerDown.duration, grace: s.sequencerDown.grace };
        values.events = [...((values.events as Json[] | undefined) ?? ((scenario as { events?: Json[] }).events ?? [])), down];
      }
      for (const seed of c.stressSeeds) {
        const prices: Record<string, Json> = { replay: crash.file, gapPolicy: crash.gapPolicy, startPrice: c.paths.startPrice, scale: s.scale, ...(s.oracleLatency !== undefined ? { oracleLatency: s.oracleLatency } : {}), ...(s.fastFeed !== undefined ? { fastFeed: s.fastFeed } : {}) };
        points.push({ ...values, prices, [POINT_SEED]: seed, [label('set')]: 'stress', [label('crash')]: crash.label, [label('stress')]: s.label });
      }
    }
  }
  if (c.convergence) {
    const v = c.convergence;
    for (const resolution of v.resolutions) {
      for (const seed of v.seeds) {
        points.push({ prices: { replay: v.file, gapPolicy: 'refuse', startPrice: c.paths.startPrice, resolution, from: v.from, to: v.to }, [POINT_SEED]: seed, [label('set')]: 'convergence', [label('resolution')]: resolution });
      }
    }
  }
  if (c.grid) {
    const g = c.grid;
    const first = c.paths.generators[0] as string;
    const gen = await fittedGenerator({ generator: first, history } as never, dataDir);
    const design = designStrata(gen, { candidates: candidatesOf(c, first), steps: steps(gen.resolution), seed: c.seed, tails: c.paths.strata, perStratum: g.perStratum, skipBelow: first === c.paths.plain.generator ? c.paths.plain.count : 0, score: await strataScorer(c, gen.resolution, dataDir) });
    for (const oi of g.openInterest) {
      for (const [lev, buckets] of Object.entries(g.leverage)) {
        for (const depth of g.depth) {
          const cell = `OI ×${oi} · ${lev} · depth ${Number(depth) / 1e6}M`;
          const values: Record<string, Json> = {
            'population.openInterest.long': String(Number(c.population.openInterest.long) * oi),
            'population.openInterest.short': String(Number(c.population.openInterest.short) * oi),
            'population.leverage': buckets as unknown as Json,
            'market.depth': depth,
          };
          design.chosen.forEach((idx, h) => {
            for (const i of idx) points.push({ ...values, 'prices.path': i, 'prices.generator': first, [POINT_SEED]: agentsSeedOf(c.seed, first, i), [label('set')]: 'grid', [label('cell')]: cell, [label('oi')]: oi, [label('leverage')]: lev, [label('depth')]: Number(depth), [label('stratum')]: h, [label('mass')]: (design.weights[h] as number) / idx.length });
          });
        }
      }
    }
  }
  if (c.agentsCheck) {
    const { paths, draws } = c.agentsCheck;
    for (const [g, design] of designs) {
      for (const i of (design.chosen.at(-1) ?? []).slice(0, paths)) {
        for (let k = 0; k < draws; k++) points.push({ 'prices.path': i, 'prices.generator': g, [POINT_SEED]: seedFrom(`${c.seed}/agents-check/${g}/${i}/${k}`), [label('set')]: 'agents-check', [label('generator')]: g, [label('draw')]: k });
      }
    }
  }
  return { name: c.name, scenario, mode: 'points', axes: [], points, seeds: [c.seed], ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) };
}

export interface InsuranceMetrics {
  /** The fund's deepest fall below its start by each horizon (USD). */
  readonly drawdown: number[];
  readonly badDebt: number[];
  /** At the deepest point within each horizon: bad debt, funding paid, funding received, penalties, fees, other (USD, cumulative to then). */
  readonly composition: number[][];
  /** The same totals at the end of the run. */
  readonly totals: number[];
  readonly socialised: number;
  readonly liquidations: { readonly partial: number; readonly full: number };
  /** Bad debt the fund paid for the market's own agents (arbitrageurs, traders, …), not the stated book's accounts (USD, whole run). */
  readonly agentBadDebt?: number;
}

/** Payers of fund flows that are the stated book (its accounts are holders) or no account at all. */
const NOT_AGENTS = new Set(['holder', 'funding imbalance', 'seed', 'protocol']);

export function insuranceMetrics(c: InsuranceConfig, s: RunSummary, _p: SweepPoint): Json {
  const start = s.run.start;
  const flows = s.insuranceFund.flows;
  const composition = c.horizons.map((h) => {
    let last: number[] = FLOW_PARTS.map(() => 0);
    for (const low of flows.lows) if ((low[0] as number) <= start + h) last = low.slice(2).map(Number);
    return last;
  });
  const m: InsuranceMetrics = {
    drawdown: c.horizons.map((h) => flows.lows.reduce((d, low) => ((low[0] as number) <= start + h ? Math.max(d, Number(low[1])) : d), 0)),
    badDebt: c.horizons.map((h) => s.badDebt.events.reduce((a, [t, x]) => (t <= start + h ? a + Number(x) : a), 0)),
    composition,
    totals: FLOW_PARTS.map((p) => Number(flows.totals[p])),
    socialised: Number(s.badDebt.socialised) + Number(s.badDebt.uncovered),
    liquidations: { partial: s.liquidations.partial, full: s.liquidations.full },
    agentBadDebt: Object.entries(s.insuranceFund.byPayer ?? {}).reduce((a, [payer, reasons]) => (NOT_AGENTS.has(payer) ? a : a + Math.max(0, -Number((reasons as Record<string, string>)['bad-debt'] ?? 0))), 0),
  };
  return m as unknown as Json;
}

const metricsOf = (r: SweepRow) => r.metrics as unknown as InsuranceMetrics;
const lab = (r: SweepRow, k: string) => r.values[label(k)] as Json;

/**
 * Why a grid run could not open its cell's stated book (an account too large for the cell's depth
 * at its leverage), or null: such a cell is a finding of the study (shown as infeasible), not a
 * run that failed.
 */
export function infeasibleGridBook(r: SweepRow): string | null {
  if (r.ok || lab(r, 'set') !== 'grid') return null;
  const m = /book: (.*)$/s.exec(r.error ?? '');
  return m ? (m[1] as string) : null;
}
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const TAILS = [0.01, 0.001, 0.0001] as const;

export interface TailEstimate {
  readonly tail: number;
  /** Empirical (weighted) VaR and ES with stratified-bootstrap intervals; null bounds where the samples cannot give one. */
  readonly var: Interval;
  readonly es: Interval;
  /** From the generalised Pareto fit over the threshold (null when it could not be fitted). */
  readonly gpdVar: Interval | null;
  readonly gpdEs: number | null;
  /** On the paths at or beyond the VaR: the share of their bad debt that was the market's own agents' (weighted); null without such paths. */
  readonly agentShare: number | null;
  /** P(drawdown > the fund this level gives: the VaR's upper bound, else the GPD's), with its interval; null without a fund. */
  readonly pBeyondFund: Interval | null;
}

export interface GeneratorResult {
  readonly generator: string;
  readonly runs: number;
  readonly strata: Array<{ readonly weight: number; readonly runs: number; readonly meanDrawdown: number; readonly pAny: number }>;
  /** Per horizon: P(any bad debt), P(fund draws down), and the VaR/ES per tail. */
  readonly horizons: Array<{ readonly seconds: number; readonly pBadDebt: Interval; readonly pDrawdown: Interval; readonly tails: TailEstimate[] }>;
  readonly gpd: { readonly threshold: number; readonly exceedProbability: number; readonly excesses: number; readonly shape: number; readonly scale: number; readonly stability: Array<{ tail: number; threshold: number; excesses: number; shape: number | null }> } | null;
  /** The fund's drawdown on the tail paths (beyond VaR 99 %), by part: mean over those paths, weighted. */
  readonly composition: Record<string, number>;
  /** Each part alone: its 99.9 % quantile across paths (bad debt alone, net funding alone, income alone). */
  readonly partsAlone: Record<string, number>;
  readonly facts: Array<{ readonly fact: string; readonly ok: boolean; readonly claimed: boolean; readonly detail: string }>;
  /**
   * The smallest P(drawdown > fund) these runs can bound at the study's confidence, whatever the fund
   * (tail.ts `boundFloor`), and the runs the heaviest stratum (the bulk) would need, all without a
   * hit, to bound its own share below each target.
   */
  readonly floor: { readonly probability: number; readonly bulkWeight: number; readonly bulkRuns: number; readonly runsToBound: Array<{ readonly target: number; readonly runs: number }> };
}

export interface ScenarioResult {
  readonly crash: string;
  readonly stress: string;
  readonly seeds: number;
  readonly drawdown: { readonly max: number; readonly mean: number };
  readonly badDebt: { readonly max: number; readonly mean: number };
  /** Composition of the worst seed's drawdown (bad debt, funding paid, received, penalty, fee, other). */
  readonly worst: number[];
  readonly liquidations: number;
  /** The worst seed's bad debt: the share the market's own agents left (null without bad debt). */
  readonly agentShare: number | null;
}

export interface DecisionRow {
  readonly target: number;
  readonly fund: number | null;
  readonly shareOfOpenInterest: number | null;
  readonly binding: string;
  /** Each generator's fund for this target (upper confidence bound) and each stress's loss. */
  readonly candidates: Array<{ readonly source: string; readonly kind: 'generator' | 'stress'; readonly fund: number | null; readonly estimate: number | null; /** A generator's upper bound of P(drawdown > its fund); null for a stress. */ readonly pBeyond: number | null }>;
  /** max − min of the generators' estimates: model uncertainty, beside the Monte Carlo interval of the binding one. */
  readonly generatorSpread: number | null;
  readonly monteCarloWidth: number | null;
  /** Of the binding scenario's bad debt (its tail paths, or the stress's worst seed), the share the market's own agents left rather than the stated book. */
  readonly agentShare: number | null;
}

export interface AgentsCheckResult {
  readonly generator: string;
  readonly paths: number;
  readonly draws: number;
  /** Share of the drawdown's variance between paths; the rest is the agents' draws on a path. */
  readonly betweenPaths: number;
  /** Per path, its drawdown's least and greatest over the draws (USD), in path order. */
  readonly range: Array<{ readonly path: number; readonly min: number; readonly max: number }>;
  /** Per target, the generator's fund, and the paths that reach it under some draw and under every one. */
  readonly reaching: Array<{ readonly target: number; readonly fund: number; readonly some: number; readonly every: number }>;
}

export interface InsuranceResult {
  readonly openInterest: number;
  readonly book: ReturnType<typeof describeBook> & { readonly accounts: number; readonly skew: number };
  readonly generators: GeneratorResult[];
  readonly agreement: Array<{ readonly target: number; readonly plainFund: Interval; readonly stratifiedFund: Interval; readonly plainP: Interval; readonly stratifiedPAtPlainFund: Interval; readonly agree: boolean }> | null;
  readonly adaptive: { readonly paths: number; readonly meanAbsDiff: number; readonly maxAbsDiff: number; readonly meanDrawdown5m: number; readonly meanDrawdownAdaptive: number; readonly pAny5m: number; readonly pAnyAdaptive: number } | null;
  /** The agents' check, per generator (null without it). */
  readonly agents: AgentsCheckResult[] | null;
  readonly scenarios: ScenarioResult[];
  readonly convergence: Array<{ readonly resolution: number; readonly seeds: number; readonly drawdown: number[]; readonly badDebt: number[]; readonly meanDrawdown: number; readonly meanBadDebt: number }> | null;
  /** Per cell; `infeasible` names why a cell's book could not be opened (every run refused it). */
  readonly grid: Array<{ readonly cell: string; readonly openInterest: number; readonly runs: number; readonly targets: Array<{ readonly target: number; readonly fund: Interval; readonly share: number }>; readonly infeasible?: string }>;
  readonly decision: DecisionRow[];
  readonly failed: number;
  readonly warnings: string[];
}

function weighted(rows: readonly SweepRow[], h: number): WeightedSample[] {
  return rows.map((r) => ({ x: metricsOf(r).drawdown[h] as number, w: lab(r, 'mass') as number, stratum: lab(r, 'stratum') as number }));
}

/** Weighted share of the bad debt on `rows` that the market's own agents left (null when there is none). */
function agentShareOf(rows: readonly SweepRow[]): number | null {
  const w = (r: SweepRow) => (lab(r, 'mass') as number | undefined) ?? 1;
  const bad = rows.reduce((a, r) => a + w(r) * (metricsOf(r).totals[0] as number), 0);
  return bad > 0 ? rows.reduce((a, r) => a + w(r) * (metricsOf(r).agentBadDebt ?? 0), 0) / bad : null;
}

function tailEstimates(samples: readonly WeightedSample[], c: InsuranceConfig, rng: Rng, fit: ReturnType<typeof fitGpd> | null, rows: readonly SweepRow[], h: number): TailEstimate[] {
  // The standard levels and every stated target, so a target off them (10 %, 2 %) has its generator estimate too.
  const tails = [...new Set<number>([...TAILS, ...c.targets])].sort((x, y) => y - x);
  return tails.map((tail) => {
    const v = stratifiedBootstrap(samples, (s) => weightedVaR(s, tail), rng, c.resamples, c.confidence);
    const agentShare = agentShareOf(rows.filter((r) => (metricsOf(r).drawdown[h] as number) >= v.estimate && (metricsOf(r).drawdown[h] as number) > 0));
    const e = stratifiedBootstrap(samples, (s) => weightedES(s, tail), rng, c.resamples, c.confidence);
    let gpdVar: Interval | null = null;
    let gpdEsValue: number | null = null;
    if (fit && tail < fit.exceedProbability) {
      gpdVar = stratifiedBootstrap(
        samples,
        (s) => {
          try {
            return gpdVaR(fitGpd(s, fit.threshold), tail);
          } catch {
            return Number.NaN;
          }
        },
        rng,
        Math.min(200, c.resamples),
        c.confidence,
      );
      gpdEsValue = gpdES(fit, tail);
    }
    const fund = v.high ?? gpdVar?.high ?? null;
    return { tail, var: v, es: e, gpdVar, gpdEs: gpdEsValue, agentShare, pBeyondFund: fund === null || !Number.isFinite(fund) ? null : exceedance(samples, fund, c.confidence) };
  });
}

/** A probability as the study's text and report show it (three significant digits). */
export const pctText = (p: number) => `${+(p * 100).toPrecision(3)} %`;

function floorOf(samples: readonly WeightedSample[], c: InsuranceConfig): GeneratorResult['floor'] {
  const bulk = heaviestStratum(samples);
  return {
    probability: boundFloor(samples, c.confidence),
    bulkWeight: bulk.weight,
    bulkRuns: bulk.runs,
    runsToBound: c.targets.map((target) => ({ target, runs: runsToBound(bulk.weight, target, c.confidence) })),
  };
}

function fitTail(samples: readonly WeightedSample[]) {
  const stability = thresholdStability(samples, [0.05, 0.02, 0.01, 0.005]);
  // The threshold: the lowest whose shape is within 0.1 of the next higher one's (a stable fit), else 2 %.
  let chosen = stability.find((row, i) => row.shape !== null && stability[i + 1]?.shape != null && Math.abs(row.shape - (stability[i + 1]?.shape as number)) < 0.1) ?? stability[1];
  if (!chosen || chosen.shape === null || chosen.threshold <= 0) chosen = stability.find((r) => r.shape !== null && r.threshold > 0);
  if (!chosen) return null;
  try {
    const f = fitGpd(samples, chosen.threshold);
    return { ...f, stability };
  } catch {
    return null;
  }
}

export async function analyseInsurance(c: InsuranceConfig, rows: readonly SweepRow[], o: { dataDir?: string } = {}): Promise<InsuranceResult> {
  const rng = new Rng(c.seed ^ 0x5eed);
  const ok = rows.filter((r) => r.ok);
  const warnings: string[] = [];
  const failed = rows.length - ok.length;
  const refused = rows.filter((r) => !r.ok && lab(r, 'set') === 'grid').length;
  if (failed - refused > 0) warnings.push(`${failed - refused} runs failed and are left out (see rows.jsonl for their errors).`);
  const cutShort = ok.filter((r) => metricsOf(r).socialised > 0).length;
  if (cutShort > 0) warnings.push(`On ${cutShort} runs the seeded fund ran dry, so their drawdown is cut short: seed environment.insuranceFund larger.`);
  const of = (setName: string) => ok.filter((r) => lab(r, 'set') === setName);
  const last = c.horizons.length - 1;
  const oi = statedOpenInterest(c.population);
  const bookAccounts = populationBook(c.population);
  const skew = bookAccounts.find((a) => a.id === 'skew-holder')?.notional ?? 0;

  const history = await loadHistory(resolveDataFile(c.paths.history.file, () => findDataDir(o.dataDir)), { from: parseTimeArg(c.paths.history.from) as number, to: parseTimeArg(c.paths.history.to) as number });
  const historyFacts = stylisedFacts([history.returns], history.resolution);
  const generators: GeneratorResult[] = [];
  for (const g of c.paths.generators) {
    const rs = of('paths').filter((r) => lab(r, 'generator') === g);
    if (rs.length === 0) continue;
    const gen = await fittedGenerator({ generator: g, history: { ...c.paths.history, from: parseTimeArg(c.paths.history.from) as number, to: parseTimeArg(c.paths.history.to) as number } } as never, () => findDataDir(o.dataDir));
    const facts = generatorFacts(gen, { replicates: 4, paths: 16, steps: Math.min(2188, history.returns.length), seed: 2024 });
    const verdicts = checkFacts(['volatility', 'excessKurtosis', 'acfAbs', 'quantiles', 'drawdowns'], historyFacts, facts.facts);
    const strataIds = [...new Set(rs.map((r) => lab(r, 'stratum') as number))].sort((a, b) => a - b);
    const samplesLast = weighted(rs, last);
    const fit = fitTail(samplesLast);
    // The paths at or beyond the 99 % drawdown (at: a heavy tail's top value can be the VaR itself).
    const var99 = weightedVaR(samplesLast, 0.01);
    const tailRows = rs.filter((r) => (metricsOf(r).drawdown[last] as number) >= var99 && (metricsOf(r).drawdown[last] as number) > 0);
    const tailMass = tailRows.reduce((a, r) => a + (lab(r, 'mass') as number), 0);
    const composition = Object.fromEntries(FLOW_PARTS.map((p, k) => [p, tailMass > 0 ? tailRows.reduce((a, r) => a + (lab(r, 'mass') as number) * ((metricsOf(r).composition[last] as number[])[k] as number), 0) / tailMass : 0]));
    const partAlone = (f: (t: number[]) => number) => weightedVaR(rs.map((r) => ({ x: f(metricsOf(r).totals), w: lab(r, 'mass') as number, stratum: lab(r, 'stratum') as number })), 0.001);
    generators.push({
      generator: g,
      runs: rs.length,
      strata: strataIds.map((h) => {
        const s = rs.filter((r) => lab(r, 'stratum') === h);
        return { weight: s.reduce((a, r) => a + (lab(r, 'mass') as number), 0), runs: s.length, meanDrawdown: mean(s.map((r) => metricsOf(r).drawdown[last] as number)), pAny: s.filter((r) => (metricsOf(r).drawdown[last] as number) > 0).length / s.length };
      }),
      horizons: c.horizons.map((seconds, h) => {
        const samples = weighted(rs, h);
        const bad = rs.map((r) => ({ x: metricsOf(r).badDebt[h] as number, w: lab(r, 'mass') as number, stratum: lab(r, 'stratum') as number }));
        return { seconds, pBadDebt: exceedance(bad, 0, c.confidence), pDrawdown: exceedance(samples, 0, c.confidence), tails: tailEstimates(samples, c, rng, h === last ? fit : null, rs, h) };
      }),
      gpd: fit ? { threshold: fit.threshold, exceedProbability: fit.exceedProbability, excesses: fit.excesses, shape: fit.shape, scale: fit.scale, stability: fit.stability } : null,
      composition,
      partsAlone: {
        badDebt: partAlone((t) => t[0] as number),
        netFundingPaid: partAlone((t) => (t[1] as number) - (t[2] as number)),
        penaltyIncome: partAlone((t) => t[3] as number),
        feeIncome: partAlone((t) => t[4] as number),
        yieldLoss: partAlone((t) => t[5] as number),
      },
      facts: verdicts.map((v) => ({ fact: v.fact, ok: v.pass, claimed: gen.reproduces.includes(v.fact), detail: v.detail })),
      floor: floorOf(samplesLast, c),
    });
  }

  // Plain sampling against the stratified estimate of the same generator (independent paths).
  const plainRows = of('plain').map((r) => metricsOf(r).drawdown[last] as number);
  const stratGen = generators.find((g) => g.generator === c.paths.plain.generator);
  const stratSamples = weighted(of('paths').filter((r) => lab(r, 'generator') === c.paths.plain.generator), last);
  const agreement =
    plainRows.length && stratGen
      ? c.targets
          .filter((t) => t * plainRows.length >= 5)
          .map((target) => {
            const plain = plainSamples(plainRows);
            const plainFund = stratifiedBootstrap(plain, (s) => weightedVaR(s, target), rng, c.resamples, c.confidence);
            const stratifiedFund = stratifiedBootstrap(stratSamples, (s) => weightedVaR(s, target), rng, c.resamples, c.confidence);
            const plainP = exceedance(plain, plainFund.estimate, c.confidence);
            const stratifiedPAtPlainFund = exceedance(stratSamples, plainFund.estimate, c.confidence);
            const overlap = (a: Interval, b: Interval) => (a.low ?? -Infinity) <= (b.high ?? Infinity) && (b.low ?? -Infinity) <= (a.high ?? Infinity);
            return { target, plainFund, stratifiedFund, plainP, stratifiedPAtPlainFund, agree: overlap(plainFund, stratifiedFund) && overlap(plainP, stratifiedPAtPlainFund) };
          })
      : null;

  const checkRows = of('adaptive-check');
  let adaptive: InsuranceResult['adaptive'] = null;
  if (checkRows.length) {
    const byPath = new Map<number, { fine?: number; adaptive?: number }>();
    for (const r of checkRows) {
      const e = byPath.get(r.values['prices.path'] as number) ?? {};
      if (lab(r, 'variant') === '5m') e.fine = metricsOf(r).drawdown[last] as number;
      else e.adaptive = metricsOf(r).drawdown[last] as number;
      byPath.set(r.values['prices.path'] as number, e);
    }
    const pairs = [...byPath.values()].filter((e) => e.fine !== undefined && e.adaptive !== undefined) as Array<{ fine: number; adaptive: number }>;
    adaptive = {
      paths: pairs.length,
      meanAbsDiff: mean(pairs.map((p) => Math.abs(p.fine - p.adaptive))),
      maxAbsDiff: Math.max(0, ...pairs.map((p) => Math.abs(p.fine - p.adaptive))),
      meanDrawdown5m: mean(pairs.map((p) => p.fine)),
      meanDrawdownAdaptive: mean(pairs.map((p) => p.adaptive)),
      pAny5m: pairs.filter((p) => p.fine > 0).length / (pairs.length || 1),
      pAnyAdaptive: pairs.filter((p) => p.adaptive > 0).length / (pairs.length || 1),
    };
  }

  const agents = agentsCheck(of('agents-check'), generators, last);

  const scenarios: ScenarioResult[] = [];
  const stressRows = of('stress');
  for (const crash of c.crashes) {
    for (const s of ['as it happened', ...c.stresses.map((x) => x.label)]) {
      const rs = stressRows.filter((r) => lab(r, 'crash') === crash.label && lab(r, 'stress') === s);
      if (!rs.length) continue;
      const dd = rs.map((r) => metricsOf(r).drawdown[last] as number);
      const worst = rs.reduce((a, r) => ((metricsOf(r).drawdown[last] as number) > (metricsOf(a).drawdown[last] as number) ? r : a));
      scenarios.push({
        crash: crash.label,
        stress: s,
        seeds: rs.length,
        drawdown: { max: Math.max(...dd), mean: mean(dd) },
        badDebt: { max: Math.max(...rs.map((r) => metricsOf(r).badDebt[last] as number)), mean: mean(rs.map((r) => metricsOf(r).badDebt[last] as number)) },
        worst: metricsOf(worst).composition[last] as number[],
        agentShare: agentShareOf([worst]),
        liquidations: mean(rs.map((r) => metricsOf(r).liquidations.partial + metricsOf(r).liquidations.full)),
      });
    }
  }

  const conv = of('convergence');
  const convergence = c.convergence
    ? c.convergence.resolutions.map((resolution) => {
        const rs = conv.filter((r) => lab(r, 'resolution') === resolution).sort((a, b) => a.seed - b.seed);
        const drawdown = rs.map((r) => metricsOf(r).drawdown[last] as number);
        const badDebt = rs.map((r) => metricsOf(r).badDebt[last] as number);
        return { resolution, seeds: rs.length, drawdown, badDebt, meanDrawdown: mean(drawdown), meanBadDebt: mean(badDebt) };
      })
    : null;

  const grid: InsuranceResult['grid'] = [];
  const gridRows = of('grid');
  for (const r of rows) {
    const infeasible = infeasibleGridBook(r);
    if (infeasible === null) continue;
    const cell = lab(r, 'cell') as string;
    if (grid.some((g) => g.cell === cell) || gridRows.some((x) => lab(x, 'cell') === cell)) continue;
    grid.push({ cell, openInterest: oi * (lab(r, 'oi') as number), runs: 0, targets: [], infeasible });
  }
  if (grid.length) warnings.push(`${grid.length} grid cell(s) cannot hold the stated book at their depth: shown as infeasible.`);
  for (const cell of [...new Set(gridRows.map((r) => lab(r, 'cell') as string))]) {
    const rs = gridRows.filter((r) => lab(r, 'cell') === cell);
    const cellOi = oi * (lab(rs[0] as SweepRow, 'oi') as number);
    const samples = weighted(rs, last);
    grid.push({
      cell,
      openInterest: cellOi,
      runs: rs.length,
      targets: c.targets.filter((t) => t >= 0.001).map((target) => {
        const fund = stratifiedBootstrap(samples, (s) => weightedVaR(s, target), rng, Math.min(200, c.resamples), c.confidence);
        return { target, fund, share: fund.estimate / cellOi };
      }),
    });
  }

  const decision = c.targets.map((target): DecisionRow => {
    const candidates: DecisionRow['candidates'] = [];
    for (const g of generators) {
      const t = g.horizons[last]?.tails.find((x) => x.tail === target);
      // The empirical bound where the runs give one; beyond them the GPD's.
      const upper = t?.var.high ?? t?.gpdVar?.high ?? null;
      candidates.push({ source: g.generator, kind: 'generator', fund: upper, estimate: t?.var.estimate ?? null, pBeyond: t?.pBeyondFund?.high ?? null });
    }
    for (const s of scenarios) candidates.push({ source: `${s.crash}: ${s.stress}`, kind: 'stress', fund: s.drawdown.max, estimate: s.drawdown.mean, pBeyond: null });
    const known = candidates.filter((x) => x.fund !== null && Number.isFinite(x.fund));
    const binding = known.reduce<(typeof known)[number] | null>((a, x) => (a === null || (x.fund as number) > (a.fund as number) ? x : a), null);
    const gens = candidates.filter((x) => x.kind === 'generator' && x.estimate !== null).map((x) => x.estimate as number);
    const bindingGen = generators.find((g) => g.generator === binding?.source)?.horizons[last]?.tails.find((x) => x.tail === target);
    return {
      target,
      fund: binding?.fund ?? null,
      shareOfOpenInterest: binding?.fund != null ? binding.fund / oi : null,
      binding: binding?.source ?? 'none',
      candidates,
      generatorSpread: gens.length > 1 ? Math.max(...gens) - Math.min(...gens) : null,
      monteCarloWidth: bindingGen && bindingGen.var.high !== null && bindingGen.var.low !== null ? bindingGen.var.high - bindingGen.var.low : null,
      agentShare: bindingGen ? bindingGen.agentShare : (scenarios.find((x) => `${x.crash}: ${x.stress}` === binding?.source)?.agentShare ?? null),
    };
  });
  for (const d of decision) {
    const unbounded = d.candidates.filter((x) => x.kind === 'generator' && x.pBeyond !== null && x.pBeyond > d.target);
    if (unbounded.length) {
      const needs = unbounded.map((x) => {
        const g = generators.find((y) => y.generator === x.source) as GeneratorResult;
        return `${x.source} ${pctText(x.pBeyond as number)} (bulk: ${g.floor.bulkRuns.toLocaleString('en-US')} runs; ${g.floor.runsToBound.find((r) => r.target === d.target)?.runs.toLocaleString('en-US')} without a hit would bound it)`;
      });
      warnings.push(
        `For P < ${pctText(d.target)} the runs do not show the generators' funds below the target: P(drawdown > fund) is bounded only by ${needs.join('; ')}. Those funds assume the bulk stratum's unrun paths stay below them; plain sampling is the check (the agreement table).`,
      );
    }
    if (d.agentShare !== null && d.agentShare > 0.5) {
      warnings.push(`The fund for P < ${d.target * 100} % rests on ${d.binding}, where ${Math.round(d.agentShare * 100)} % of the bad debt is the market's own agents' (arbitrageurs or traders), not the stated book's: trace it (scripts/trace-insurance-point.ts) before acting on it.`);
    }
  }

  return {
    openInterest: oi,
    book: { ...describeBook(bookAccounts), accounts: bookAccounts.filter((a) => a.id !== 'skew-holder').length, skew },
    generators,
    agreement,
    adaptive,
    agents,
    scenarios,
    convergence,
    grid,
    decision,
    failed,
    warnings,
  };
}

/** The agents' check's rows by generator: path i under draw k, the variance split and the paths reaching each fund. */
function agentsCheck(rows: readonly SweepRow[], generators: readonly GeneratorResult[], last: number): AgentsCheckResult[] | null {
  if (!rows.length) return null;
  const out: AgentsCheckResult[] = [];
  for (const g of generators) {
    const mine = rows.filter((r) => lab(r, 'generator') === g.generator);
    const paths = [...new Set(mine.map((r) => r.values['prices.path'] as number))].sort((a, b) => a - b);
    const draws = [...new Set(mine.map((r) => lab(r, 'draw') as number))].sort((a, b) => a - b);
    const at = new Map(mine.map((r) => [`${r.values['prices.path']}/${lab(r, 'draw')}`, metricsOf(r).drawdown[last] as number]));
    // Only whole cells: a path with a failed draw (or a draw missing on a path) is left out.
    const whole = paths.filter((i) => draws.every((k) => at.has(`${i}/${k}`)));
    if (whole.length < 2 || draws.length < 2) continue;
    const outcome = draws.map((k) => whole.map((i) => at.get(`${i}/${k}`) as number));
    const tails = g.horizons.at(-1)?.tails ?? [];
    out.push({
      generator: g.generator,
      paths: whole.length,
      draws: draws.length,
      betweenPaths: pathShare(outcome, []).betweenPaths,
      range: whole.map((path, j) => {
        const d = outcome.map((row) => row[j] as number);
        return { path, min: Math.min(...d), max: Math.max(...d) };
      }),
      reaching: tails.flatMap((t) => {
        const fund = t.var.high ?? t.gpdVar?.high ?? null;
        if (fund === null) return [];
        const hits = whole.map((_, j) => outcome.filter((row) => (row[j] as number) >= fund).length);
        return [{ target: t.tail, fund, some: hits.filter((h) => h > 0).length, every: hits.filter((h) => h === draws.length).length }];
      }),
    });
  }
  return out;
}

/** Fraction of rows a plain-sampling estimate of P ≤ target would need: the rule of three (for the report). */
export const pathsToBound = (target: number) => Math.ceil(3 / target);
export { wilson };
