/**
 * The insurance study's tail in variance-equivalent paths per second: how many plain Monte Carlo
 * paths a stratified design is worth for P(D ≥ the 1 % fund), per second of the design's wall
 * time on two cores. Not the exact rate (exact seven-day paths per second, measured by the bench
 * beside it): a design that puts its runs where the variance is is worth more plain paths than it
 * runs. The worth (N_eq for 600 exact runs) cannot be measured inside a bench run (it takes
 * thousands of exact runs); it is the committed measurement below, and the bench times what the
 * design costs now: phase 1's candidates (drawn and scored) and the exact runs.
 */
import type { ScreenTiming } from './insurance-throughput.ts';

export interface MeasuredDesign {
  readonly name: string;
  /** Which phase-1 scores it computes per candidate. */
  readonly scores: ReadonlyArray<'largest-move' | 'cascade'>;
  readonly exactRuns: number;
  /** Plain-Monte-Carlo-equivalent sample size p(1 − p)/Var at the measured level. */
  readonly nEq: number;
  /** 95 % interval of its variance factor against the study's design. */
  readonly factor: readonly [number, number, number];
}

/**
 * `npx tsx bench/insurance-tail-variance.ts /work/runs/ins-main/rows.jsonl --cache bench/out/scores`
 * (the full study's rows of main ec47b0b, 2026-12-06), bootstrap, P(D ≥ 318,671) = 1.76 % (the
 * study's 1 % fund for that generator), measured on the odd paths (500 plain and 317 stratified
 * rows), allocations set on the even ones; 200,000 candidates. The cascade designs' N_eq are the
 * seventh session's screen's (hourly closes and an overshoot); the screen now walks the drawn
 * 5-minute shapes with the TWAP check (docs/PERFORMANCE.md, seventeenth session), costs ~10× as
 * much a candidate, and its N_eq on these rows is not measured: those rows time today's screen
 * against the old screen's worth.
 */
export const MEASURED_TAIL = {
  generator: 'bootstrap',
  level: 0.01,
  p: 0.0176,
  candidates: 200_000,
  designs: [
    { name: 'largest move, 150 runs a stratum (the study today)', scores: ['largest-move'], exactRuns: 600, nEq: 369, factor: [1, 1, 1] },
    { name: 'largest move, Neyman allocation', scores: ['largest-move'], exactRuns: 600, nEq: 849, factor: [2.3, 1.51, 2.57] },
    { name: 'cascade screen, 150 runs a stratum', scores: ['cascade'], exactRuns: 600, nEq: 427, factor: [1.16, 0.59, 2.91] },
    { name: 'either score (max rank), Neyman allocation', scores: ['largest-move', 'cascade'], exactRuns: 600, nEq: 1277, factor: [3.46, 1.76, 9.38] },
  ] satisfies MeasuredDesign[],
} as const;

export interface EquivalentRate {
  readonly name: string;
  readonly nEq: number;
  /** The design's wall time on two cores: phase 1 plus the exact runs, at this run's rates. */
  readonly seconds: number;
  readonly pathsPerSecond: number;
}

/** Each measured design's variance-equivalent paths/s at this run's exact rate and phase-1 cost. */
export function varianceEquivalentRates(exactPathsPerSecond: number, phase1: ScreenTiming, cores = 2): EquivalentRate[] {
  return MEASURED_TAIL.designs.map((d) => {
    const perCandidate = phase1.drawMicroseconds + (d.scores as readonly string[]).reduce((a, s) => a + (s === 'cascade' ? phase1.screenMicroseconds : phase1.largestMoveMicroseconds), 0);
    const seconds = (MEASURED_TAIL.candidates * perCandidate) / 1e6 / cores + d.exactRuns / exactPathsPerSecond;
    return { name: d.name, nEq: d.nEq, seconds, pathsPerSecond: d.nEq / seconds };
  });
}
