/** Hourly candle files with a chosen price per hour (open = high = low = close), in a temp folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** 2023-01-01T00:00Z. */
export const SYNTHETIC_START = 1_672_531_200;

export function hourlyCandleFile(prices: readonly number[], name = 'synthetic_1h.csv'): string {
  const dir = mkdtempSync(join(tmpdir(), 'candles-'));
  const rows = prices.map((p, h) => `${SYNTHETIC_START + h * 3600},${p},${p},${p},${p},1`);
  const file = join(dir, name);
  writeFileSync(file, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
  return file;
}
