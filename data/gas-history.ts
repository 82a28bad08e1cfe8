/**
 * Ethereum mainnet's daily average gas price (../shared/data/gas, Etherscan's chart export,
 * 2015-07-30 → 2022-09-19): the level of an era and the size of a crash day's spike, for the
 * L1 gas process and its calibration. Validated row by row with located errors.
 */
import { forEachRecord } from './csv-records.ts';
import { InputError } from './input-error.ts';
import { findShared } from './shared-dir.ts';

export const GAS_HISTORY_FILE = 'data/gas/eth_mainnet_avg_gas_price_1d_2015-07-30_2022-09-19.csv';

export interface GasHistory {
  readonly file: string;
  /** Start of each UTC day (unix s), ascending. */
  readonly day: readonly number[];
  /** The day's average gas price paid, in gwei. */
  readonly gwei: Float64Array;
}

export async function loadGasHistory(file = findShared(GAS_HISTORY_FILE)): Promise<GasHistory> {
  const day: number[] = [];
  const gwei: number[] = [];
  await forEachRecord(file, (fields, line) => {
    if (line === 1) {
      if (fields[0] !== 'time' || fields[1] !== 'avg_gas_price_wei') throw new InputError({ file, line }, 'expected the header time,avg_gas_price_wei');
      return;
    }
    if (fields.length === 1 && fields[0] === '') return;
    const t = Number(fields[0]);
    const wei = Number(fields[1]);
    if (!Number.isInteger(t) || t % 86400 !== 0) throw new InputError({ file, line, column: 1, field: 'time' }, `"${fields[0]}" is not the start of a UTC day in unix seconds`);
    if (!Number.isFinite(wei) || wei < 0) throw new InputError({ file, line, column: (fields[0] as string).length + 2, field: 'avg_gas_price_wei' }, `"${fields[1]}" is not a gas price in wei`);
    if (day.length > 0 && t <= (day.at(-1) as number)) throw new InputError({ file, line, column: 1, field: 'time' }, 'days must ascend with no duplicates');
    day.push(t);
    gwei.push(wei / 1e9);
  });
  return { file, day, gwei: Float64Array.from(gwei) };
}

/** Index of the first day at or after `t` (day.length when none). */
function firstDayFrom(h: GasHistory, t: number): number {
  let lo = 0;
  let hi = h.day.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((h.day[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The median daily gas (gwei) over the `days` full days before `t`, or null when the file does not cover them. */
export function gasLevelBefore(h: GasHistory, t: number, days = 30): number | null {
  const end = firstDayFrom(h, Math.floor(t / 86400) * 86400);
  const start = end - days;
  if (start < 0 || end > h.day.length || (h.day[end - 1] as number) < Math.floor(t / 86400) * 86400 - 86400) return null;
  const window = Array.from(h.gwei.subarray(start, end)).filter((g) => g > 0);
  if (window.length < days / 2) return null;
  return median(window);
}

/** The gas of the UTC day holding `t`, or null. */
export function gasOnDay(h: GasHistory, t: number): number | null {
  const d = Math.floor(t / 86400) * 86400;
  const i = firstDayFrom(h, d);
  return h.day[i] === d ? (h.gwei[i] as number) : null;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
