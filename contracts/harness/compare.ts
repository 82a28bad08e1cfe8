/**
 * What every replay reports the same way: the fields where the model's flat state and the
 * chain's differ, and gas per operation as min / median / max.
 */
import type { GasStats } from './replay.ts';

/** Fields whose values differ, over the union of both sides' fields ('(absent)' where one side lacks it). */
export function diffFlatStates(model: Readonly<Record<string, string>>, chain: Readonly<Record<string, string>>): Array<{ field: string; model: string; chain: string }> {
  const out: Array<{ field: string; model: string; chain: string }> = [];
  for (const field of new Set([...Object.keys(model), ...Object.keys(chain)])) {
    const m = model[field];
    const c = chain[field];
    if (m !== c) out.push({ field, model: m ?? '(absent)', chain: c ?? '(absent)' });
  }
  return out;
}

/** Min / median / max of each operation's gas, operations in name order. */
export function gasStatistics(gas: ReadonlyMap<string, readonly number[]>): Record<string, GasStats> {
  const stats: Record<string, GasStats> = {};
  for (const [op, list] of [...gas].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const sorted = [...list].sort((x, y) => x - y);
    stats[op] = { count: sorted.length, min: sorted[0]!, median: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted[sorted.length - 1]! };
  }
  return stats;
}
