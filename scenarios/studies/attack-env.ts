/**
 * Where the funding-cap study's adversaries are tried: one cell (a funding cap, a vAMM depth and
 * an arbitrage regime) on a set of episodes (a history window × a seed). Each episode is resolved
 * once (candles, oracle rounds, the honest population); every candidate attacker then runs the
 * same episodes with the same seeds (common random numbers), so candidates differ only by what
 * they do. Each run is judged on the attacker's whole P&L (sim/engine/whole-pnl.ts).
 */
import { type AgentSpec, AgentSpecSchema, expandAgents } from '../../agents/registry.ts';
import { runSimulation } from '../../sim/engine/run-simulation.ts';
import type { SimulationConfig } from '../../sim/engine/simulation.ts';
import type { RunSummary } from '../../sim/engine/summary.ts';
import { WholePnlBook, type WholePnl } from '../../sim/engine/whole-pnl.ts';
import type { Json } from '../../sim/state-view.ts';
import { parseRunScenario, resolveRun } from '../run-loader.ts';
import type { StudyWindow } from './windows.ts';

export interface FundingCap {
  readonly label: string;
  /** Max |premium fraction| per `window` seconds as a share of the index ("0": uncapped). */
  readonly ratio: string;
  readonly window: number;
}

export interface ArbitrageRegime {
  readonly label: string;
  /** Agent specs added to the environment (none: a stalled bridge). */
  readonly agents: readonly Json[];
  /**
   * The depth (USD) the agents' capital is stated for: on a market of another depth each agent's
   * capital (a fixed amount or a distribution's median) is scaled by depth / this, so a population
   * keeps its weight against the curve (unset: the capital as stated, at every depth).
   */
  readonly depthReference?: string;
}

/** The regime's agents on a market of `depth`: capitals scaled to it when the regime states the depth they are for. */
export function regimeAgents(regime: ArbitrageRegime, depth: string): Json[] {
  if (!regime.depthReference) return [...regime.agents];
  const scale = (x: Json): Json => {
    if (typeof x === 'string' && /^\d+$/.test(x)) return ((BigInt(x) * BigInt(depth)) / BigInt(regime.depthReference as string)).toString();
    if (x && typeof x === 'object' && !Array.isArray(x) && 'median' in x) return { ...x, median: scale((x as Record<string, Json>).median as Json) };
    return x;
  };
  return regime.agents.map((a) => (a && typeof a === 'object' && !Array.isArray(a) && 'capital' in a ? { ...a, capital: scale((a as Record<string, Json>).capital as Json) } : a));
}

export interface AttackCell {
  readonly cap: FundingCap;
  readonly depth: string;
  readonly regime: ArbitrageRegime;
  /** The oracle on a window (the scenario's `prices.oracle`), when not the mainnet feed's rules. */
  readonly oracle?: (window: StudyWindow) => Json;
}

export interface Episode {
  readonly window: StudyWindow;
  readonly seed: number;
}

/** An attacker to try: a kind and its parameters (its name and capital are the env's). */
export interface AttackerSpec {
  readonly kind: string;
  readonly params: Record<string, Json>;
}

/**
 * The attacker as a scenario agent: one account of `capital`, hedged on the engine's venue under
 * the study's `hedge` terms, its orders landing `latency` seconds after it decides (unless its
 * spec says otherwise) like every other agent's.
 */
export function attackerAgent(attacker: AttackerSpec, capital: string, hedge: Readonly<Record<string, number>>, latency?: number): Record<string, Json> {
  const own = (attacker.params.hedge ?? {}) as Record<string, Json>;
  const withLatency = latency === undefined || attacker.params.latency !== undefined ? attacker.params : { ...attacker.params, latency };
  const params = Object.keys(hedge).length > 0 ? { ...withLatency, hedge: { ...hedge, ...own } } : withLatency;
  return { kind: attacker.kind, name: 'attacker', count: 1, capital, params };
}

export interface EpisodeOutcome {
  readonly pnl: WholePnl;
  /** The market around it: tracking error, funding, the insurance fund. */
  readonly market: MarketOutcome;
}

export interface MarketOutcome {
  readonly trackingError: number;
  readonly maxGap: number;
  /** Funding the insurance fund paid (+) for the imbalance. */
  readonly insuranceFundPaid: number;
  readonly settlements: number;
  readonly capped: number;
  /** Funding the traders on the paying side paid in all (USD). */
  readonly fundingPaidByTraders: number;
  /** Mean |funding rate| per settlement (a share of the index per funding period). */
  readonly meanAbsFundingRate: number;
  /** Every other agent kind's result (equity change, plus the hedge of hedged kinds) and the insurance fund's change: who paid. */
  readonly pnlByKind: Readonly<Record<string, number>>;
  readonly insuranceFundChange: number;
}

export const ATTACKER_ID = 'attacker-1';

/** The scenario JSON of a cell on a window (the honest environment, no attacker). */
export function cellScenario(environment: Record<string, unknown>, cell: AttackCell, window: StudyWindow, extraAgents: readonly Json[] = [], walk: { tickInterval?: number } = {}): Record<string, unknown> {
  const env = environment as { agents?: Json[]; market?: Record<string, Json>; name?: string };
  return {
    ...environment,
    name: env.name ?? 'funding-cap',
    market: { ...(env.market ?? { id: 'ETH' }), depth: cell.depth, funding: { ...((env.market?.funding as Record<string, Json>) ?? {}), fundingCapRatio: cell.cap.ratio, fundingCapWindow: cell.cap.window } },
    prices: { file: window.file, gapPolicy: 'carry-forward', from: window.from, to: window.to, ...(walk.tickInterval ? { tickInterval: walk.tickInterval } : {}), ...(cell.oracle ? { oracle: cell.oracle(window) } : {}) },
    agents: [...(env.agents ?? []), ...regimeAgents(cell.regime, cell.depth), ...extraAgents],
  };
}

export function marketOutcome(s: RunSummary, pnl: WholePnl): MarketOutcome {
  return {
    trackingError: s.prices.meanMarkIndexGap,
    maxGap: s.prices.maxMarkIndexGap,
    insuranceFundPaid: -Number(s.funding.insuranceFundNet),
    settlements: s.funding.settlements,
    capped: s.funding.capped,
    fundingPaidByTraders: pnl.market.fundingPaidByTraders,
    meanAbsFundingRate: pnl.settlements > 0 ? pnl.market.sumAbsFundingRate / pnl.settlements : 0,
    pnlByKind: Object.fromEntries(Object.entries(s.pnlByKind).filter(([, k]) => k.agents > 0).map(([kind, k]) => [kind, Number(k.pnl) + k.hedgePnl - k.gasUsd])),
    insuranceFundChange: Number(s.insuranceFund.end) - Number(s.insuranceFund.start),
  };
}

export class AttackEnv {
  private constructor(
    readonly cell: AttackCell,
    readonly episodes: readonly Episode[],
    private readonly configs: readonly SimulationConfig[],
    private readonly population: readonly AgentSpec[],
    private readonly capital: string,
    private readonly hedge: Readonly<Record<string, number>>,
    private readonly latency: number | undefined,
  ) {}

  /** Resolves every episode of a cell (windows are read once per process and shared). */
  static async create(
    environment: Record<string, unknown>,
    cell: AttackCell,
    episodes: readonly Episode[],
    o: { capital: string; hedge?: Readonly<Record<string, number>>; dataDir?: string; tickInterval?: number; latency?: number },
  ): Promise<AttackEnv> {
    const configs: SimulationConfig[] = [];
    let population: AgentSpec[] = [];
    for (const e of episodes) {
      const scenario = parseRunScenario(JSON.stringify(cellScenario(environment, cell, e.window, [], o.tickInterval ? { tickInterval: o.tickInterval } : {})), `${cell.cap.label} / ${cell.depth} / ${cell.regime.label} / ${e.window.label}`);
      population = scenario.agents;
      configs.push(await resolveRun(scenario, { seed: e.seed, ...(o.dataDir ? { dataDir: o.dataDir } : {}) }));
    }
    return new AttackEnv(cell, episodes, configs, population, o.capital, o.hedge ?? {}, o.latency);
  }

  /** Runs episode `i` with the attacker (null: the honest market alone). */
  async run(i: number, attacker: AttackerSpec | null): Promise<EpisodeOutcome> {
    const base = this.configs[i];
    if (!base) throw new RangeError(`no episode ${i}`);
    const extra = attacker ? [AgentSpecSchema.parse(attackerAgent(attacker, this.capital, this.hedge, this.latency))] : [];
    const slots = expandAgents([...this.population, ...extra], [base.markets[0]?.id as string]);
    const book = new WholePnlBook(ATTACKER_ID);
    const { summary } = await runSimulation({ ...base, slots }, { sinks: [book] });
    const pnl = book.result();
    return { pnl, market: marketOutcome(summary, pnl) };
  }

  /** The attacker's whole P&L on each of the given episodes (all by default). */
  async totals(attacker: AttackerSpec, episodes: readonly number[] = this.episodes.map((_, i) => i)): Promise<number[]> {
    const out: number[] = [];
    for (const i of episodes) out.push((await this.run(i, attacker)).pnl.total);
    return out;
  }
}
