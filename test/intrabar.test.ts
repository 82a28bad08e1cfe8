/**
 * Intrabar extremes for generated paths: a generated hour takes a real hour's 5-minute shape
 * bent onto its return. The hourly closes stay exactly the generator's; every bar is a valid
 * candle; the refined paths' hourly ranges match the real ones' (the stylised fact the old
 * open→close bars missed entirely); adaptive paths keep 5-minute bars only where prices move.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { fitGenerator } from '../data/generators/registry.ts';
import { toPricePath } from '../data/generators/paths.ts';
import { loadHistory } from '../data/history.ts';
import { donorsOf, intrabarLibrary, libraryOf, refinePath } from '../data/intrabar.ts';
import { forPath } from '../data/prng.ts';
import { resample } from '../data/resample.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { toWei } from '../sim/math/units.ts';

const dir = findDataDir();
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] as number;
const hourlyRanges = (high: bigint[], low: bigint[]) => high.map((h, i) => Math.log(Number(h) / Number(low[i])));

describe('intrabar refinement', () => {
  it('keeps every generated hourly close to the wei, with valid candles and real 5-minute shapes', async () => {
    const luna = await loadCandles(join(dir, 'windows/w3_luna_2022-05-07_2022-05-15_binance_spot_5m.csv'), { gapPolicy: 'refuse' });
    const lib = libraryOf(donorsOf(luna), ['w3']);
    expect(lib.returns.length).toBe(216);
    const h = await loadHistory(join(dir, 'normalized/eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv'));
    const path = toPricePath(toWei('2000'), fitGenerator('bootstrap', h.returns, 3600).generate(forPath(1, 0), 48), 3600, 1_800_000_000);
    const s = refinePath(path, lib, forPath(2, 0), 'test');
    expect(s.time).toHaveLength(48 * 12);
    for (let i = 0; i < s.time.length; i++) {
      expect(s.high[i]! >= s.open[i]! && s.high[i]! >= s.close[i]! && s.low[i]! <= s.open[i]! && s.low[i]! <= s.close[i]!).toBe(true);
      if (i > 0) expect(s.open[i]).toBe(s.close[i - 1]);
      if (i % 12 === 11) expect(s.close[i]).toBe(path.price[(i + 1) / 12]);
    }
    const adaptive = refinePath(path, lib, forPath(2, 0), 'test', { calmRange: 0.015 });
    const hourly = adaptive.segments.filter((g) => g.resolution === 3600).reduce((n, g) => n + g.end - g.start, 0);
    const fine = adaptive.segments.filter((g) => g.resolution === 300).reduce((n, g) => n + g.end - g.start, 0);
    expect(hourly + fine / 12).toBe(48);
    expect(hourly).toBeGreaterThan(0);
    // Merged hours keep their refined extremes, and every hour still closes where the generator said.
    const full = resample(s, 3600);
    let k = 0;
    for (const g of adaptive.segments) {
      for (let i = g.start; i < g.end; i += g.resolution === 3600 ? 1 : 12) {
        const end = g.resolution === 3600 ? i : i + 11;
        expect(adaptive.close[end]).toBe(full.close[k]);
        if (g.resolution === 3600) {
          expect(adaptive.high[i]).toBe(full.high[k]);
          expect(adaptive.low[i]).toBe(full.low[k]);
        }
        k++;
      }
    }
  });

  it('the refined paths have the real hourly ranges (median, 90th and 99th percentile within 20 %)', async () => {
    const lib = await intrabarLibrary(dir);
    expect(lib.returns.length).toBeGreaterThan(20_000);
    const h = await loadHistory(join(dir, 'normalized/eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv'));
    const real = hourlyRanges(h.series.high, h.series.low);
    const gen = fitGenerator('bootstrap', h.returns, 3600);
    const refined: number[] = [];
    const closesOnly: number[] = [];
    for (let i = 0; i < 100; i++) {
      const path = toPricePath(toWei('2000'), gen.generate(forPath(5, i), 168), 3600, 1_800_000_000);
      const hours = resample(refinePath(path, lib, forPath(6, i), 'test'), 3600);
      refined.push(...hourlyRanges(hours.high, hours.low));
      for (let k = 1; k < path.price.length; k++) closesOnly.push(Math.abs(Math.log(Number(path.price[k]) / Number(path.price[k - 1]))));
    }
    for (const p of [0.5, 0.9, 0.99]) {
      expect(Math.abs(q(refined, p) / q(real, p) - 1)).toBeLessThan(0.2);
      // Bars with no wicks understate the range badly: the defect this fixes.
      expect(q(closesOnly, p) / q(real, p)).toBeLessThan(0.75);
    }
  }, 120_000);
});
