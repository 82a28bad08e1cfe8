/**
 * The environment a funding manipulator is trained and compared in: short simulations of the
 * `default` design at a given funding cap and depth, on windows of real candles, with honest
 * agents around it (noise traders, arbitrageurs, a liquidator, a keeper). Each window is loaded
 * once; every candidate manipulator then runs the same windows with the same seeds (common
 * random numbers), so candidates differ only by what they do.
 *
 * Profit is the manipulator's net result as if it hedged its vAMM position off chain at the
 * reference price, like the arbitrageurs: equity change + hedge PnL − gas. That isolates what
 * manipulation earns (funding received, minus what pushing the mark costs in slippage and fees)
 * from where the price happened to go, which would otherwise swamp it and reward lucky
 * directional bets.
 */
import { type AgentSpec, AgentSpecSchema, expandAgents } from './registry.ts';
import { Rng, seedFrom } from '../data/prng.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { AgentLedger } from '../sim/engine/agent-ledger.ts';
import type { EventSink, LoggedEvent } from '../sim/engine/event-log.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import type { SimulationConfig } from '../sim/engine/simulation.ts';

export interface EpisodeWindow {
  readonly from: string;
  readonly to: string;
}

export interface ManipulatorEnvSettings {
  /** Candles (a path, a file in the data folder, or a unique prefix). */
  readonly file: string;
  readonly windows: readonly EpisodeWindow[];
  /** vAMM quote reserve (USD). */
  readonly depth: number;
  /** Funding cap: max |premium fraction| per 8 h as a share of the index (0.001 = 0.1 %). */
  readonly fundingCap: number;
  /** The manipulator's collateral (USD). */
  readonly capital: number;
  /** The honest agents around it. */
  readonly population: readonly unknown[];
  readonly seed: number;
  readonly invariants: 'off' | 'block';
}

export interface ArbitrageSettings {
  readonly count: number;
  /** Each arbitrageur's collateral (USD). */
  readonly capital: number;
  /** Seconds from seeing a gap to landing the trade. */
  readonly latency: number;
}

export const DEFAULT_ARBITRAGE: ArbitrageSettings = { count: 2, capital: 1_000_000, latency: 12 };

/** Honest agents: noise traders, arbitrageurs (how many, how rich, how slow), a liquidator and a keeper. */
export function population(arb: ArbitrageSettings = DEFAULT_ARBITRAGE): unknown[] {
  return [
    { kind: 'noise', count: 8, capital: '5000', params: { medianMargin: 2000, maxLeverage: 5 } },
    ...(arb.count > 0 ? [{ kind: 'arbitrageur', count: arb.count, capital: String(arb.capital), params: { interval: 60, latency: arb.latency } }] : []),
    { kind: 'liquidator', count: 1, capital: '1000', params: { latency: 12 } },
    { kind: 'keeper', count: 1, capital: '1000' },
  ];
}

export const DEFAULT_POPULATION: readonly unknown[] = population();

export interface EpisodeResult {
  readonly window: EpisodeWindow;
  /** Equity change + hedge PnL − gas (USD). */
  readonly net: number;
  readonly equityChange: number;
  readonly hedgePnl: number;
  readonly gas: number;
  /** Funding received (+) or paid (−), settled and pending. */
  readonly funding: number;
  readonly fees: number;
  readonly actions: number;
  readonly reverted: number;
  readonly invariantViolations: number;
}

export const ATTACKER = 'attacker';

/** Follows the attacker through the event log (its money from the agents' ledger) and counts invariant violations. */
export class AttackerBook implements EventSink {
  readonly needsLine = false;
  private readonly ledger = new AgentLedger();
  private violations = 0;

  constructor(private readonly id: string) {}

  write(e: LoggedEvent): void {
    this.ledger.write(e);
    if (e.type === 'InvariantViolation') this.violations++;
  }

  close(): void {}

  result(window: EpisodeWindow): EpisodeResult {
    const a = this.ledger.agent(this.id);
    // The attacker is hedged whatever its kind says: its result is always net of the hedge.
    const hedgePnl = this.ledger.hedgePnl({ ...a, hedged: true });
    const equityChange = usd(a.equityEnd - a.equityStart);
    const gas = a.gasUsd;
    return {
      window,
      net: equityChange + hedgePnl - gas,
      equityChange,
      hedgePnl,
      gas,
      funding: -usd(a.fundingPaid + a.pendingFunding),
      fees: usd(a.fees),
      actions: a.actions,
      reverted: a.reverted,
      invariantViolations: this.violations,
    };
  }
}

const usd = (wei: bigint): number => Number(wei) / 1e18;

export class ManipulatorEnv {
  private readonly configs: SimulationConfig[] = [];
  private readonly population: AgentSpec[];

  private constructor(readonly settings: ManipulatorEnvSettings) {
    this.population = settings.population.map((p) => AgentSpecSchema.parse(p));
  }

  /** Loads every window once (candles and synthesised oracle rounds). */
  static async create(settings: ManipulatorEnvSettings, o: { dataDir?: string } = {}): Promise<ManipulatorEnv> {
    const env = new ManipulatorEnv(settings);
    for (const [i, w] of settings.windows.entries()) {
      const scenario = parseRunScenario(
        JSON.stringify({
          name: `manipulator-env-${i}`,
          profile: 'default',
          seed: seedFrom(`${settings.seed}/episode/${i}`),
          market: { id: 'ETH', depth: String(settings.depth), funding: { fundingCapRatio: String(settings.fundingCap) } },
          prices: { file: settings.file, gapPolicy: 'carry-forward', from: w.from, to: w.to },
          insuranceFund: '100000',
          agents: settings.population,
          invariants: settings.invariants,
        }),
      );
      env.configs.push(await resolveRun(scenario, o.dataDir ? { dataDir: o.dataDir } : {}));
    }
    return env;
  }

  get episodes(): number {
    return this.configs.length;
  }

  /** Runs episode `i` with the manipulator of `spec` (an agent spec without capital: the env's is used). */
  async run(i: number, spec: { kind: string; params: Record<string, unknown> }): Promise<EpisodeResult> {
    const base = this.configs[i];
    if (!base) throw new RangeError(`no episode ${i}`);
    const attacker = AgentSpecSchema.parse({ ...spec, name: ATTACKER, count: 1, capital: String(this.settings.capital) });
    const slots = expandAgents([...this.population, attacker], [base.markets[0]?.id as string]);
    const book = new AttackerBook(`${ATTACKER}-1`);
    await runSimulation({ ...base, slots }, { sinks: [book] });
    return book.result(this.settings.windows[i] as EpisodeWindow);
  }

  /** Mean net profit over the given episodes (all by default), with each episode's result. */
  async evaluate(spec: { kind: string; params: Record<string, unknown> }, episodes: readonly number[] = this.configs.map((_, i) => i)): Promise<{ mean: number; results: EpisodeResult[] }> {
    const results: EpisodeResult[] = [];
    for (const i of episodes) results.push(await this.run(i, spec));
    return { mean: results.reduce((s, r) => s + r.net, 0) / Math.max(1, results.length), results };
  }
}

/**
 * `count` windows of `days` days with starts drawn (seeded) from [from, to − days), at whole
 * hours so every window starts on a funding period.
 */
export function drawWindows(from: number, to: number, days: number, count: number, seed: number): EpisodeWindow[] {
  const rng = new Rng(seed);
  const span = Math.floor((to - days * 86400 - from) / 3600);
  if (span <= 0) throw new RangeError('the period is shorter than one window');
  const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  return Array.from({ length: count }, () => {
    const start = from + rng.int(span) * 3600;
    return { from: iso(start), to: iso(start + days * 86400) };
  });
}
