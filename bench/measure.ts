/**
 * A small timing harness: warm up, then the median of many short timed rounds (short rounds
 * are noisy — a GC pause lands in some — so the median of 21 is what is reported).
 *
 * The warm-up runs for at least WARM_UP_MS as well as three rounds: V8 compiles the hot code on
 * background threads while the first rounds run, so three rounds of the first operation a
 * process measures timed its compilation too (the first row of the bench read 2–5× slower
 * than the same code warm, and slower still when other jobs held the cores).
 */
const WARM_UP_MS = 500;
export interface Measurement {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly rounds: number;
  readonly opsPerRound: number;
}

/**
 * @param setup builds a fresh fixture for one round (not timed)
 * @param run performs `ops` operations on the fixture (timed)
 */
export function measure<F>(name: string, ops: number, setup: () => F, run: (fixture: F) => void, rounds = 21): Measurement {
  const warmUpStart = Date.now();
  for (let i = 0; i < 3 || Date.now() - warmUpStart < WARM_UP_MS; i++) run(setup()); // warm-up: JIT, caches
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const fixture = setup();
    const start = process.hrtime.bigint();
    run(fixture);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(ops / seconds);
  }
  rates.sort((a, b) => a - b);
  return { name, opsPerSecond: rates[Math.floor(rates.length / 2)] as number, rounds, opsPerRound: ops };
}
