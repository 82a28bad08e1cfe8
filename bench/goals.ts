/**
 * Issue 15's speed goals beside the figure the issue started from and this run's figure. Ratios
 * against the float64 swap loop are measured within the run (they hold under load); absolute
 * times move with the machine's load, so a goal in seconds is only judged on an idle machine.
 */
export interface Goal {
  readonly name: string;
  /** What the issue measured before the work (idle machine unless stated). */
  readonly before: string;
  readonly goal: string;
  /** This run's figure, formatted. */
  readonly now: string;
  /** now / before as a speed-up (>1 is faster). */
  readonly speedup: number | null;
  readonly met: boolean;
}

export interface GoalInputs {
  /** float64 swap ops/s ÷ operation ops/s, measured in this run. */
  readonly slowdown: Readonly<Record<'default: openPosition' | 'perp-v1: openPosition' | 'default: liquidate' | 'perp-v1: liquidate', number>>;
  readonly yearSeconds: number;
  readonly monthSeconds: number;
  /** Steady state (every worker warm); the figure with start-up is printed beside it. */
  readonly insurancePathsPerSecond: number;
  readonly insuranceWithStartUp: number;
  /**
   * Variance-equivalent paths/s of the study's design and of the best measured one (plain paths
   * a design is worth for P(D ≥ the 1 % fund), per second of its wall time): beside the exact
   * rate, never instead of it (bench/insurance-tail-design.ts).
   */
  readonly insuranceVarianceEquivalent?: { readonly study: number; readonly best: number; readonly bestName: string };
  /** Settled (V8 done compiling: what a long sweep runs at); the steady state and the whole batch's ratio with start-up are printed beside it. */
  readonly batchSpeedup: number;
  readonly batchSteady: number;
  readonly batchWithStartUp: number;
  readonly replayTransactionsPerSecond: number;
}

const x = (n: number) => `${Math.round(n).toLocaleString('en-US')}×`;

/** The goals, each with the starting figure (the idle one where the issue gave both). */
export function goals(m: GoalInputs): Goal[] {
  const slower = (name: keyof GoalInputs['slowdown'], before: number): Goal => ({
    name: `${name} vs the float64 swap loop`,
    before: x(before),
    goal: 'within 1,000×',
    now: x(m.slowdown[name]),
    speedup: before / m.slowdown[name],
    met: m.slowdown[name] <= 1000,
  });
  return [
    slower('default: openPosition', 9611),
    slower('perp-v1: openPosition', 2057),
    slower('default: liquidate', 6230),
    slower('perp-v1: liquidate', 7038),
    { name: '100-agent year, hourly candles', before: '51.1 s', goal: 'under 5 s (idle)', now: `${m.yearSeconds.toFixed(1)} s`, speedup: 51.1 / m.yearSeconds, met: m.yearSeconds < 5 },
    { name: '100-agent month, 1-minute candles', before: '26.8 s', goal: 'under 3 s (idle)', now: `${m.monthSeconds.toFixed(1)} s`, speedup: 26.8 / m.monthSeconds, met: m.monthSeconds < 3 },
    {
      name: 'insurance study, 7-day paths, 2 workers',
      before: '9 paths/s',
      goal: '≥ 100 paths/s',
      now: `${m.insurancePathsPerSecond.toFixed(1)} paths/s steady (${m.insuranceWithStartUp.toFixed(1)} with start-up)`,
      speedup: m.insurancePathsPerSecond / 9,
      met: m.insurancePathsPerSecond >= 100,
    },
    ...(m.insuranceVarianceEquivalent
      ? [
          {
            name: 'insurance tail, variance-equivalent paths/s',
            before: `${m.insuranceVarianceEquivalent.study.toFixed(1)} (study)`,
            goal: '≥ 100 paths/s (not the exact rate: plain paths the design is worth at P(D ≥ 1 % fund), bootstrap)',
            now: `${m.insuranceVarianceEquivalent.best.toFixed(1)} (${m.insuranceVarianceEquivalent.bestName})`,
            speedup: m.insuranceVarianceEquivalent.best / m.insuranceVarianceEquivalent.study,
            met: m.insuranceVarianceEquivalent.best >= 100,
          },
        ]
      : []),
    { name: 'batch of runs, 2 workers vs 1', before: '1.59×', goal: '≥ 1.8×', now: `${m.batchSpeedup.toFixed(2)}× settled (${m.batchSteady.toFixed(2)}× steady, ${m.batchWithStartUp.toFixed(2)}× with start-up)`, speedup: m.batchSpeedup / 1.59, met: m.batchSpeedup >= 1.8 },
    {
      name: 'anvil replay, full comparison',
      before: '122.9 tx/s',
      goal: '≥ 1,000 tx/s',
      now: `${m.replayTransactionsPerSecond.toFixed(1)} tx/s`,
      speedup: m.replayTransactionsPerSecond / 122.9,
      met: m.replayTransactionsPerSecond >= 1000,
    },
  ];
}

export function printGoals(rows: readonly Goal[]): void {
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`\ngoals (issue 15): ${'figure'.padEnd(w - 17)}  before        now           speed-up  goal`);
  for (const r of rows) {
    const speedup = r.speedup === null ? '' : `${r.speedup.toFixed(2)}×`;
    console.log(`${r.name.padEnd(w)}  ${r.before.padEnd(12)}  ${r.now.padEnd(12)}  ${speedup.padEnd(8)}  ${r.goal}${r.met ? '  met' : '  not met'}`);
  }
}
