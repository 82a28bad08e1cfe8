/**
 * The parametric adversary's best shot: a grid search over the `manipulator` agent's funding
 * strategy (which side to hold, how big, how hard and how early to push, in how many steps) in a
 * ManipulatorEnv, chosen on some episodes and reported on others. The funding-cap study can call
 * `parametricSearch` for each cap and depth; the adaptive manipulator is compared with it.
 */
import type { EpisodeResult, ManipulatorEnv } from './manipulator-env.ts';

export interface ParametricGrid {
  readonly holdSide: readonly ('long' | 'short')[];
  /** The receiving position's notional (USD). */
  readonly holdNotional: readonly number[];
  /** The push, as a multiple of the held notional. */
  readonly pushMultiple: readonly number[];
  /** Seconds before a settlement the push starts. */
  readonly pushLead: readonly number[];
  readonly pushSteps: readonly number[];
}

export const DEFAULT_GRID: ParametricGrid = {
  holdSide: ['short', 'long'],
  holdNotional: [50_000, 150_000],
  pushMultiple: [1, 2],
  pushLead: [900, 2700],
  pushSteps: [2, 4],
};

const LEVERAGE = 5;

/** The `manipulator` params of one grid point (funding mode, every settlement). */
export function manipulatorParams(side: 'long' | 'short', holdNotional: number, pushMultiple: number, pushLead: number, pushSteps: number): Record<string, unknown> {
  return {
    mode: 'funding',
    holdSide: side,
    holdMargin: holdNotional / LEVERAGE,
    holdLeverage: LEVERAGE,
    pushMargin: (holdNotional * pushMultiple) / LEVERAGE,
    pushLeverage: LEVERAGE,
    pushSteps,
    pushLead,
    unwindLead: 120,
    rounds: 0,
  };
}

export function gridPoints(g: ParametricGrid): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const side of g.holdSide)
    for (const n of g.holdNotional) for (const m of g.pushMultiple) for (const lead of g.pushLead) for (const steps of g.pushSteps) out.push(manipulatorParams(side, n, m, lead, steps));
  return out;
}

export interface GridResult {
  readonly params: Record<string, unknown>;
  readonly mean: number;
  readonly results: readonly EpisodeResult[];
}

/** Every grid point on `episodes`, best (highest mean net profit) first; ties keep grid order. */
export async function parametricSearch(env: ManipulatorEnv, grid: ParametricGrid, episodes: readonly number[], onPoint?: (done: number, total: number) => void): Promise<GridResult[]> {
  const points = gridPoints(grid);
  const out: GridResult[] = [];
  for (const [k, params] of points.entries()) {
    const { mean, results } = await env.evaluate({ kind: 'manipulator', params }, episodes);
    out.push({ params, mean, results });
    onPoint?.(k + 1, points.length);
  }
  return out.map((r, i) => ({ r, i })).sort((a, b) => b.r.mean - a.r.mean || a.i - b.i).map((x) => x.r);
}
