/**
 * The adversary's search in one cell: CMA-ES over the plan box (adversary-plan.ts), once from
 * each side of the hold (the multi-start), each candidate scored by its mean whole P&L over the
 * training episodes. Every generation is recorded (best so far, the mean's score, σ), so a reader
 * sees whether the search had stopped improving when it stopped; a search may start from another
 * cell's best plan (the study walks the cap grid from loose to tight, each cap's search starting
 * where the looser cap's ended).
 */
import { type CmaGeneration, cmaEs } from '../../agents/cma-es.ts';
import { seedFrom } from '../../data/prng.ts';
import type { Json } from '../../sim/state-view.ts';
import type { AttackEnv } from './attack-env.ts';
import { PLAN_CENTRE, type PlanContext, type PlanSide, decodePlan } from './adversary-plan.ts';

export interface SearchBudget {
  /** Generations per start (CMA-ES stops earlier once `patience` generations bring nothing). */
  readonly generations: number;
  readonly population?: number;
  readonly sigma: number;
  readonly patience: number;
  readonly seed: number;
  /** Improvement below max(tolerance, relativeTolerance × |best|) counts as none; below minSigma the step has collapsed. */
  readonly tolerance?: number;
  readonly relativeTolerance?: number;
  readonly minSigma?: number;
}

export interface SearchStart {
  readonly side: PlanSide;
  readonly x: readonly number[];
}

/** One generation as reported: its best, the distribution mean's score, the best so far, σ. */
export interface GenerationReport {
  readonly generation: number;
  readonly best: number;
  readonly mean: number;
  readonly bestSoFar: number;
  readonly sigma: number;
}

export interface StartReport {
  readonly side: PlanSide;
  readonly bestScore: number;
  readonly best: readonly number[];
  readonly evaluations: number;
  readonly stopped: 'converged' | 'sigma' | 'budget';
  readonly generations: readonly GenerationReport[];
}

export interface FoundPlan {
  readonly side: PlanSide;
  readonly x: readonly number[];
  readonly params: Record<string, Json>;
  /** Mean whole P&L on the training episodes. */
  readonly trainScore: number;
}

export interface PlanSearchResult {
  readonly best: FoundPlan;
  readonly starts: readonly StartReport[];
  readonly evaluations: number;
}

const report = (g: CmaGeneration): GenerationReport => ({ generation: g.generation, best: g.bestOfGeneration, mean: g.meanScore, bestSoFar: g.bestSoFar, sigma: g.sigma });

export function planSpec(x: ArrayLike<number>, side: PlanSide, ctx: PlanContext): { kind: string; params: Record<string, Json> } {
  return { kind: 'plan-manipulator', params: decodePlan(x, side, ctx) };
}

/** Mean whole P&L of a plan on the episodes. */
export async function scorePlan(env: AttackEnv, episodes: readonly number[], x: ArrayLike<number>, side: PlanSide, ctx: PlanContext): Promise<number> {
  const totals = await env.totals(planSpec(x, side, ctx), episodes);
  return totals.reduce((a, b) => a + b, 0) / Math.max(1, totals.length);
}

/** Searches the plan box from each start; returns the best plan found on the training episodes. */
export async function searchPlans(
  env: AttackEnv,
  train: readonly number[],
  ctx: PlanContext,
  budget: SearchBudget,
  starts: readonly SearchStart[],
  onGeneration?: (side: PlanSide, g: GenerationReport) => void,
): Promise<PlanSearchResult> {
  const reports: StartReport[] = [];
  let best: FoundPlan | null = null;
  for (const start of starts) {
    const result = await cmaEs(
      start.x.length > 0 ? start.x : PLAN_CENTRE,
      async (candidates) => {
        const scores: number[] = [];
        for (const c of candidates) scores.push(await scorePlan(env, train, c, start.side, ctx));
        return scores;
      },
      {
        maxGenerations: budget.generations,
        sigma: budget.sigma,
        patience: budget.patience,
        tolerance: budget.tolerance ?? 1,
        ...(budget.relativeTolerance ? { relativeTolerance: budget.relativeTolerance } : {}),
        ...(budget.minSigma ? { minSigma: budget.minSigma } : {}),
        seed: seedFrom(`${budget.seed}/${start.side}`),
        ...(budget.population ? { population: budget.population } : {}),
      },
      (g) => onGeneration?.(start.side, report(g)),
    );
    reports.push({ side: start.side, bestScore: result.bestScore, best: Array.from(result.best), evaluations: result.evaluations, stopped: result.stopped, generations: result.history.map(report) });
    if (!best || result.bestScore > best.trainScore) {
      best = { side: start.side, x: Array.from(result.best), params: decodePlan(result.best, start.side, ctx), trainScore: result.bestScore };
    }
  }
  if (!best) throw new Error('the search needs at least one start');
  return { best, starts: reports, evaluations: reports.reduce((a, r) => a + r.evaluations * train.length, 0) };
}
