/** The bundled crash scenarios that engine property tests draw from: their agents and gas differ. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CRASH_BASES = {
  // L2 gas, first come first served: hedged arbitrageurs, a whale, a manipulator.
  ftx: { file: 'ftx-2022', prices: 'w5_ftx', from: '2022-11-08T00:00:00Z' },
  // L1 gas with its volatility-driven base fee, and an MEV searcher.
  'black-thursday': { file: 'black-thursday-2020', prices: 'w1_black_thursday', from: '2020-03-12T00:00:00Z' },
  // L2 ordered by priority fee, 1-minute candles.
  may19: { file: 'may19-2021', prices: 'w2_may19', from: '2021-05-19T00:00:00Z' },
} as const;

export type CrashBase = keyof typeof CRASH_BASES;

/** A bundled run scenario as parsed JSON. */
export const bundledScenario = (file: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'scenarios', 'runs', `${file}.json`), 'utf8')) as Record<string, unknown>;

/** Schedules are drawn in minutes into the run and dated once the run's start is known. */
export const dateAt = (from: string, minute: number) => new Date(Date.parse(from) + minute * 60_000).toISOString();

/** Four hours of a bundled crash's day from `fromHour` (UTC), as scenario text, under `name`, `profile` and `seed`. */
export function crashHours(base: CrashBase, name: string, profile: string, seed: number, fromHour: number): string {
  const b = CRASH_BASES[base];
  return JSON.stringify({
    ...bundledScenario(b.file),
    name,
    profile,
    seed,
    prices: { file: b.prices, gapPolicy: 'carry-forward', from: dateAt(b.from, fromHour * 60), to: dateAt(b.from, (fromHour + 4) * 60) },
  });
}
