/**
 * The funding-cap stress test. For a grid of funding caps × vAMM depths × manipulator capital,
 * on real ETH windows with honest arbitrageurs: the manipulator's best net profit over its
 * strategy space, the funding it collected, what the insurance fund paid, and the mark–index
 * tracking error of the honest market (the runs with no manipulator capital) — the cost of a
 * tight cap. The frontier says, per depth, at which caps manipulation stops paying and what
 * tracking error they cost; the recommendation is the loosest cap that stops it everywhere.
 */
import { z } from 'zod';
import type { RunSummary } from '../../sim/engine/summary.ts';
import type { Json } from '../../sim/state-view.ts';
import { LABEL_PREFIX, type SweepPoint, type SweepRow, type SweepSpec } from '../sweep.ts';

const capSchema = z.strictObject({
  label: z.string(),
  /** Max |premium fraction| as a share of the index per window (0 = uncapped). */
  ratio: z.string().regex(/^\d+(\.\d+)?$/),
  window: z.number().int().positive(),
});

export const FundingCapConfigSchema = z.strictObject({
  name: z.string().default('funding-cap'),
  /** The environment: a run scenario without prices (honest traders, arbitrageurs, keeper). */
  environment: z.record(z.string(), z.unknown()),
  windows: z.array(z.strictObject({ label: z.string(), prices: z.record(z.string(), z.unknown()) })).min(1),
  /**
   * Arbitrage regimes (agent specs added to the environment). The first is the honest market the
   * tracking error is measured on; others (a stalled bridge, thin capital) are the conditions an
   * attacker waits for.
   */
  arbitrage: z.array(z.strictObject({ label: z.string(), agents: z.array(z.record(z.string(), z.unknown())) })).min(1),
  caps: z.array(capSchema).min(1),
  depths: z.array(z.string().regex(/^\d+$/)).min(1),
  /** Manipulator capital (USD); 0 gives the honest market the tracking error is measured on. */
  capitals: z.array(z.string().regex(/^\d+$/)).min(1),
  /**
   * The strategy space searched for each capital: every combination is run. Sizes are shares of
   * the vAMM's depth (the receiving position, and the push on top of it); the capital decides how
   * much of a plan the manipulator can actually put on.
   */
  strategies: z.strictObject({
    holdSide: z.array(z.enum(['long', 'short'])).min(1),
    holdShare: z.array(z.number().gt(0).lt(1)).min(1),
    pushShare: z.array(z.number().gt(0).lt(1)).min(1),
    pushLead: z.array(z.number().int().positive()).min(1),
    leverage: z.number().min(1).default(5),
    pushSteps: z.number().int().min(1).default(2),
  }),
  seeds: z.array(z.number().int().nonnegative()).default([1]),
  timeoutMs: z.number().int().positive().optional(),
});

export type FundingCapConfig = z.output<typeof FundingCapConfigSchema>;

const MANIPULATOR = 'manipulator-1';

/** The manipulator's parameter sets for a depth: the strategy space. */
export function strategySpace(c: FundingCapConfig, depth: number): Array<Record<string, Json>> {
  const out: Array<Record<string, Json>> = [];
  const s = c.strategies;
  for (const holdSide of s.holdSide)
    for (const holdShare of s.holdShare)
      for (const pushShare of s.pushShare)
        for (const pushLead of s.pushLead) {
          out.push({
            mode: 'funding',
            holdSide,
            holdMargin: (depth * holdShare) / s.leverage,
            holdLeverage: s.leverage,
            pushMargin: (depth * pushShare) / s.leverage,
            pushLeverage: s.leverage,
            pushSteps: s.pushSteps,
            pushLead,
            unwindLead: 60,
            rounds: 0,
          });
        }
  return out;
}

/** The sweep: windows × arbitrage regimes × caps × depths × (capital, strategy), in list mode. */
export function fundingCapSweep(c: FundingCapConfig): SweepSpec {
  const env = c.environment as { agents?: unknown[] };
  const base = [...(env.agents ?? [])];
  const values: Record<string, Json[]> = { prices: [], 'market.funding': [], 'market.depth': [], agents: [], window: [], arbitrage: [], cap: [], capital: [], strategy: [] };
  for (const w of c.windows)
    for (const arb of c.arbitrage)
      for (const cap of c.caps)
        for (const depth of c.depths)
          for (const capital of c.capitals) {
            // The honest market alone gives the tracking error; attacks search the strategy space.
            if (Number(capital) === 0 && arb !== c.arbitrage[0]) continue;
            const strategies = Number(capital) === 0 ? [null] : strategySpace(c, Number(depth));
            strategies.forEach((params, i) => {
              values.prices!.push(w.prices as Json);
              values['market.funding']!.push({ fundingCapRatio: cap.ratio, fundingCapWindow: cap.window });
              values['market.depth']!.push(depth);
              values.agents!.push([...base, ...arb.agents, { kind: 'manipulator', name: 'manipulator', capital, ...(params ? { params } : {}) }] as Json);
              values.window!.push(w.label);
              values.arbitrage!.push(arb.label);
              values.cap!.push(cap.label);
              values.capital!.push(capital);
              values.strategy!.push(params ? i : -1);
            });
          }
  return {
    name: c.name,
    scenario: { ...c.environment },
    mode: 'list',
    points: [],
    axes: Object.entries(values).map(([path, v]) => ({ path: ['window', 'arbitrage', 'cap', 'capital', 'strategy'].includes(path) ? `${LABEL_PREFIX}${path}` : path, values: v })),
    seeds: c.seeds,
    ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}),
  };
}

export interface FundingCapMetrics {
  /**
   * What the funding mechanism paid the attack: funding received, less fees, penalties and gas,
   * less any loss its trades made against its off-chain hedge. A trading gain is not credited:
   * with no arbitrageurs a stale mark pays any hedged trader, whatever the cap (it is reported
   * as `basis`, the attacker's other income).
   */
  readonly manipulationProfit: number;
  /** The attacker's whole result: vAMM PnL plus its hedge, less gas. */
  readonly attackerProfit: number;
  /** Its trades' PnL against its hedge at the reference price (the mark–index basis it captured or paid). */
  readonly basis: number;
  readonly fundingReceived: number;
  readonly insuranceFundFunding: number;
  readonly insuranceFundChange: number;
  readonly trackingError: number;
  readonly maxGap: number;
  readonly settlements: number;
  readonly capped: number;
}

export function fundingCapMetrics(s: RunSummary, _p: SweepPoint): Json {
  const m = s.agents[MANIPULATOR];
  const fundingReceived = m ? -Number(m.fundingPaid) : 0;
  const costs = m ? Number(m.fees) + Number(m.liquidationPenalties) + m.gasUsd : 0;
  // pnl = trading + funding received − fees − penalties.
  const basis = m ? Number(m.pnl) + Number(m.fees) + Number(m.liquidationPenalties) - fundingReceived + m.hedgePnl : 0;
  const metrics: FundingCapMetrics = {
    manipulationProfit: fundingReceived - costs + Math.min(0, basis),
    attackerProfit: m ? Number(m.pnl) + m.hedgePnl - m.gasUsd : 0,
    basis,
    fundingReceived,
    insuranceFundFunding: Number(s.funding.insuranceFundNet),
    insuranceFundChange: Number(s.insuranceFund.end) - Number(s.insuranceFund.start),
    trackingError: s.prices.meanMarkIndexGap,
    maxGap: s.prices.maxMarkIndexGap,
    settlements: s.funding.settlements,
    capped: s.funding.capped,
  };
  return metrics as unknown as Json;
}

export interface FundingCapCell {
  readonly window: string;
  readonly arbitrage: string;
  readonly cap: string;
  readonly depth: string;
  readonly capital: string;
  /** The best strategy's manipulation profit (what funding paid it, net). */
  readonly bestProfit: number;
  /** That strategy's whole result and the basis in it. */
  readonly attackerProfit: number;
  readonly basis: number;
  readonly bestStrategy: number;
  readonly fundingReceived: number;
  readonly insuranceFundDrain: number;
  readonly strategiesRun: number;
}

export interface FrontierPoint {
  readonly cap: string;
  readonly perDay: number;
  /** The best profit any manipulator capital found, over every window and arbitrage regime. */
  readonly bestProfit: number;
  /** Where that best attack ran. */
  readonly worstCase: string;
  /** Funding the best attack collected, and what the insurance fund paid in funding meanwhile (USD). */
  readonly fundingTransferred: number;
  /** The most any attacker made in all, manipulation or not (a stale mark with no arbitrage pays whatever the cap). */
  readonly bestAttackerProfit: number;
  readonly insuranceFundDrain: number;
  readonly pays: boolean;
  /** Mean mark–index gap of the honest market at this cap and depth. */
  readonly trackingError: number;
}

export interface FundingCapResult {
  readonly cells: FundingCapCell[];
  readonly frontier: Record<string, FrontierPoint[]>;
  readonly recommendation: { readonly cap: string | null; readonly reasoning: string };
  readonly failed: number;
}

const perDay = (c: FundingCapConfig['caps'][number]): number => (Number(c.ratio) === 0 ? Number.POSITIVE_INFINITY : (Number(c.ratio) * 86400) / c.window);

export function analyseFundingCap(c: FundingCapConfig, rows: readonly SweepRow[]): FundingCapResult {
  const label = (r: SweepRow, k: string) => r.values[`${LABEL_PREFIX}${k}`] as string | number;
  const ok = rows.filter((r) => r.ok);
  const groups = new Map<string, SweepRow[]>();
  for (const r of ok) {
    const key = JSON.stringify([label(r, 'window'), label(r, 'arbitrage'), label(r, 'cap'), r.values['market.depth'], label(r, 'capital')]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const cells: FundingCapCell[] = [...groups].map(([key, rs]) => {
    const [window, arbitrage, cap, depth, capital] = JSON.parse(key) as [string, string, string, string, string];
    const best = rs.reduce((a, b) => ((b.metrics as unknown as FundingCapMetrics).manipulationProfit > (a.metrics as unknown as FundingCapMetrics).manipulationProfit ? b : a));
    const m = best.metrics as unknown as FundingCapMetrics;
    return {
      window,
      arbitrage,
      cap,
      depth,
      capital,
      bestProfit: m.manipulationProfit,
      attackerProfit: m.attackerProfit,
      basis: m.basis,
      bestStrategy: label(best, 'strategy') as number,
      fundingReceived: m.fundingReceived,
      insuranceFundDrain: -m.insuranceFundFunding,
      strategiesRun: rs.length,
    };
  });
  const frontier: Record<string, FrontierPoint[]> = {};
  for (const depth of c.depths) {
    frontier[depth] = [...c.caps]
      .sort((a, b) => perDay(b) - perDay(a))
      .map((cap) => {
        const attack = cells.filter((x) => x.depth === depth && x.cap === cap.label && Number(x.capital) > 0);
        const honest = ok.filter((r) => r.values['market.depth'] === depth && label(r, 'cap') === cap.label && Number(label(r, 'capital')) === 0);
        const worst = attack.reduce<FundingCapCell | null>((a, x) => (a === null || x.bestProfit > a.bestProfit ? x : a), null);
        const bestProfit = worst?.bestProfit ?? 0;
        const trackingError = honest.length ? honest.reduce((a, r) => a + (r.metrics as unknown as FundingCapMetrics).trackingError, 0) / honest.length : Number.NaN;
        const worstCase = worst ? `${worst.window}, ${worst.arbitrage}, capital ${worst.capital}` : '';
        return {
          cap: cap.label,
          perDay: perDay(cap),
          bestProfit,
          pays: bestProfit > 0,
          worstCase,
          fundingTransferred: worst?.fundingReceived ?? 0,
          bestAttackerProfit: Math.max(0, ...attack.map((x) => x.attackerProfit)),
          insuranceFundDrain: worst?.insuranceFundDrain ?? 0,
          trackingError,
        };
      });
  }
  return { cells, frontier, recommendation: recommend(c, frontier), failed: rows.length - ok.length };
}

const usdText = (x: number | string) => `${Math.round(Number(x)).toLocaleString('en-US')} USD`;

function recommend(c: FundingCapConfig, frontier: Record<string, FrontierPoint[]>): { cap: string | null; reasoning: string } {
  const pct = (x: number) => `${(x * 100).toFixed(3)} %`;
  const safeEverywhere = c.caps
    .filter((cap) => Object.values(frontier).every((points) => points.find((p) => p.cap === cap.label)?.pays === false))
    .sort((a, b) => perDay(b) - perDay(a));
  const chosen = safeEverywhere[0];
  if (!chosen) {
    // Per depth, the loosest cap that stops it there (if any).
    const perDepth = Object.entries(frontier).map(([depth, points]) => {
      const safe = points.find((p) => !p.pays);
      const best = Math.max(...points.map((p) => p.bestProfit));
      return safe ? `at depth ${usdText(depth)} ${safe.cap} stops it (tracking error ${pct(safe.trackingError)})` : `at depth ${usdText(depth)} none does (the tightest still pays ${usdText(points.at(-1)?.bestProfit ?? best)})`;
    });
    return {
      cap: null,
      reasoning: `No cap in the grid stops manipulation at every depth: ${perDepth.join('; ')}. Deepen the vAMM to where a cap stops it, or tighten the cap beyond the grid.`,
    };
  }
  const cost = Object.entries(frontier).map(([depth, points]) => `${pct(points.find((p) => p.cap === chosen.label)?.trackingError ?? Number.NaN)} at depth ${usdText(depth)}`);
  const looser = c.caps.filter((cap) => perDay(cap) > perDay(chosen));
  const why = looser.map((cap) => {
    const worst = Object.entries(frontier).map(([d, pts]) => [d, pts.find((p) => p.cap === cap.label)?.bestProfit ?? 0] as const).sort((a, b) => b[1] - a[1])[0];
    return `${cap.label} lets the best attack make ${usdText(worst?.[1] ?? 0)} (depth ${usdText(worst?.[0] ?? 0)})`;
  });
  return {
    cap: chosen.label,
    reasoning: `${chosen.label} is the loosest cap in the grid under which the best manipulation strategy loses money at every depth${why.length ? ` (${why.join('; ')})` : ''}. Its cost is the honest market's mean mark–index gap: ${cost.join(', ')}.`,
  };
}
