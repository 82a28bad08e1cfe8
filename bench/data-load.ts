/**
 * Loader speed and memory on the shared files: `npx tsx bench/data-load.ts [file]` (with
 * NODE_OPTIONS=--expose-gc for the heap held by the loaded series; give one file per run for a
 * clean heap figure). Prints the median of 3 loads per file.
 */
import { join } from 'node:path';
import { loadCandles } from '../data/candle-loader.ts';
import { loadRounds } from '../data/round-loader.ts';
import { findDataDir } from '../data/shared-dir.ts';

const dir = findDataDir();
const all = [
  'normalized/eth_usdt_binance_spot_5m_2022-01-01_2023-09-27.csv',
  'normalized/eth_usdt_binance_spot_1m_2021-04-20_2021-06-15.csv',
  'normalized/eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv',
  'normalized/eth_usdt_binance_spot_5m_2024-01-01_2024-09-24.csv',
];
// One file per process gives clean heap figures: `npx tsx bench/data-load.ts <file>`.
const files = process.argv[2] ? [process.argv[2]] : all;
const gc = (globalThis as { gc?: () => void }).gc;
console.log('file | rows | median load (ms) | ms per 100k rows | heap held (MB)');
for (const f of files) {
  const times: number[] = [];
  let rows = 0;
  let heap = Number.NaN;
  let held: unknown;
  for (let k = 0; k < 3; k++) {
    held = undefined;
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const s = await loadCandles(join(dir, f), { gapPolicy: 'skip' });
    held = s;
    times.push(performance.now() - t0);
    rows = s.time.length;
    gc?.();
    if (gc && k === 0) heap = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    if (s.time.length === 0) throw new Error('empty');
  }
  if (!held) throw new Error('nothing loaded');
  const med = times.sort((a, b) => a - b)[1] as number;
  console.log(`${f} | ${rows} | ${med.toFixed(0)} | ${((med / rows) * 1e5).toFixed(0)} | ${Number.isNaN(heap) ? 'n/a' : heap.toFixed(1)}`);
}
if (process.argv[2]) process.exit(0);
const t0 = performance.now();
const r = await loadRounds(join(dir, 'chainlink/chainlink_eth_usd_mainnet_rounds_2023-04-05_2024-01-29.csv'));
console.log(`chainlink rounds | ${r.rounds.length} | ${(performance.now() - t0).toFixed(0)} | ${(((performance.now() - t0) / r.rounds.length) * 1e5).toFixed(0)} | -`);
