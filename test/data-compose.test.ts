/**
 * Series composition (hourly history with crash windows spliced in), resampling, the data-folder
 * resolution, and the catalog behind `vamm data list`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { type CandleSeries, emptyColumns, sliceSeries } from '../data/candle-series.ts';
import { listDataFiles, resolveDataFile, venueOf } from '../data/catalog.ts';
import { composeSeries, resolutionAt } from '../data/compose.ts';
import { findGaps } from '../data/gaps.ts';
import { InputError } from '../data/input-error.ts';
import { resample } from '../data/resample.ts';
import { DATA_DIR_ENV, dataDirCandidates, findDataDir } from '../data/shared-dir.ts';

const DATA = findDataDir();
const file = (sub: string, name: string) => join(DATA, sub, name);

describe('composition: hourly history with the crash windows spliced in', () => {
  let base: CandleSeries;
  let windows: CandleSeries[];

  beforeAll(async () => {
    base = await loadCandles(file('normalized', 'eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv'), { gapPolicy: 'skip', from: Date.UTC(2020, 0, 1) / 1000, to: Date.UTC(2025, 0, 1) / 1000 });
    windows = [];
    for (const w of ['w1_black_thursday_2020-03-09_2020-03-16_binance_spot_5m.csv', 'w2_may19_2021-05-16_2021-05-23_binance_spot_1m.csv', 'w5_ftx_2022-11-05_2022-11-13_binance_spot_5m.csv', 'w6_aug5_2024-08-01_2024-08-09_binance_spot_1m.csv']) {
      windows.push(await loadCandles(file('windows', w), { gapPolicy: 'refuse' }));
    }
  });

  it('one ascending series: hourly outside the windows, fine inside, nothing lost or doubled', () => {
    const { series, splices } = composeSeries(base, windows);
    for (let i = 1; i < series.time.length; i++) expect(series.time[i] as number).toBeGreaterThan(series.time[i - 1] as number);
    const fine = windows.reduce((n, w) => n + w.time.length, 0);
    const replaced = splices.reduce((n, s) => n + s.replaced, 0);
    expect(series.time.length).toBe(base.time.length - replaced + fine);
    expect(splices.map((s) => s.replaced)).toEqual([8 * 24, 8 * 24, 9 * 24, 9 * 24]);
    expect(series.segments.map((s) => s.resolution)).toEqual([3600, 300, 3600, 60, 3600, 300, 3600, 60, 3600]);
    expect(series.segments.reduce((n, s) => n + s.end - s.start, 0)).toBe(series.time.length);
    // No gap appears at a splice (gaps are judged at each bar's own resolution).
    const gapsBefore = findGaps(base.time, 3600).length;
    expect(findGaps(series.time, 3600, undefined, (i) => resolutionAt(series, i - 1)).length).toBe(gapsBefore);
  });

  it('the windows agree with the hourly bars they replace (the same Binance data)', () => {
    const { splices } = composeSeries(base, windows);
    for (const s of splices) {
      expect(s.compared).toBe(s.replaced);
      expect(s.maxCloseDiff).toBe(0);
    }
  });

  it('the Black Thursday low is in the composed series at 5-minute resolution', () => {
    const { series } = composeSeries(base, windows);
    const day = sliceSeries(series, Date.UTC(2020, 2, 13) / 1000, Date.UTC(2020, 2, 14) / 1000);
    expect(day.time.length).toBe(288);
    const low = day.low.reduce((a, b) => (b < a ? b : a));
    expect(low).toBe(86n * 10n ** 18n);
  });

  it('refuses overlapping windows and windows no finer than the base', async () => {
    expect(() => composeSeries(base, [windows[0] as CandleSeries, windows[0] as CandleSeries])).toThrow(/overlaps/);
    const hourly = resample(windows[0] as CandleSeries, 3600);
    expect(() => composeSeries(base, [hourly])).toThrow(InputError);
  });
});

describe('resampling', () => {
  it('5-minute windows aggregated to 1 h equal the hourly file exactly', async () => {
    const w = await loadCandles(file('windows', 'w3_luna_2022-05-07_2022-05-15_binance_spot_5m.csv'), { gapPolicy: 'refuse' });
    const h = await loadCandles(file('normalized', 'eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv'), { gapPolicy: 'skip', from: w.time[0], to: (w.time[w.time.length - 1] as number) + 300 });
    const agg = resample(w, 3600);
    expect(agg.time).toEqual(h.time);
    expect(agg.open).toEqual(h.open);
    expect(agg.high).toEqual(h.high);
    expect(agg.low).toEqual(h.low);
    expect(agg.close).toEqual(h.close);
  });

  it('keeps open/close/extremes/volume (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 9n })), { minLength: 1, maxLength: 120 }), (rows) => {
        const c = emptyColumns();
        rows.forEach(([p, up, down, v], i) => {
          c.time.push(i * 60);
          c.open.push(p + 100n);
          c.close.push(p + 100n);
          c.high.push(p + 100n + up);
          c.low.push(p + 100n - down);
          c.volume.push(v);
        });
        const s: CandleSeries = { source: 'p', resolution: 60, ...c, segments: [] };
        const agg = resample(s, 600);
        expect(agg.time.length).toBe(Math.ceil(rows.length / 10));
        expect(agg.volume.reduce((a, b) => a + b, 0n)).toBe(c.volume.reduce((a, b) => a + b, 0n));
        agg.time.forEach((t, k) => {
          const part = c.time.map((x, i) => [x, i] as const).filter(([x]) => x >= t && x < t + 600).map(([, i]) => i);
          expect(agg.open[k]).toBe(c.open[part[0] as number]);
          expect(agg.close[k]).toBe(c.close[part[part.length - 1] as number]);
          expect(agg.high[k]).toBe(part.map((i) => c.high[i] as bigint).reduce((a, b) => (a > b ? a : b)));
          expect(agg.low[k]).toBe(part.map((i) => c.low[i] as bigint).reduce((a, b) => (a < b ? a : b)));
        });
      }),
    );
  });
});

describe('data folder resolution: --data, then VAMM_DATA_DIR, then ../shared/data/eth', () => {
  const saved = process.env[DATA_DIR_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[DATA_DIR_ENV];
    else process.env[DATA_DIR_ENV] = saved;
  });

  it('the flag wins, then the variable, then the default', () => {
    const a = mkdtempSync(join(tmpdir(), 'vamm-data-a-'));
    const b = mkdtempSync(join(tmpdir(), 'vamm-data-b-'));
    process.env[DATA_DIR_ENV] = b;
    expect(findDataDir(a)).toBe(a);
    expect(findDataDir()).toBe(b);
    delete process.env[DATA_DIR_ENV];
    expect(dataDirCandidates()[0]?.path).toMatch(/shared[/\\]data[/\\]eth$/);
    expect(findDataDir()).toMatch(/data[/\\]eth$/);
  });

  it('a wrong explicit folder fails (no silent fallback) and says where it looked and how to fetch', () => {
    process.env[DATA_DIR_ENV] = '/no/such/vamm-data';
    expect(() => findDataDir()).toThrow(InputError);
    try {
      findDataDir();
    } catch (e) {
      expect((e as Error).message).toMatch(/looked in \/no\/such\/vamm-data \(VAMM_DATA_DIR\)/);
      expect((e as Error).message).toMatch(/vamm data fetch candles/);
      expect((e as Error).message).toMatch(/--data/);
    }
    expect(() => findDataDir('/no/such/flag-dir')).toThrow(/\(--data\)/);
  });
});

describe('catalog', () => {
  it('lists the shared files with venue, resolution, span and rows (matching SOURCES.md)', () => {
    const files = listDataFiles(DATA);
    const h1 = files.find((f) => f.file.endsWith('eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv'));
    expect(h1).toMatchObject({ kind: 'candles', venue: 'binance spot', quote: 'USDT', resolution: 3600, rows: 76467, from: 1502942400 });
    const cl = files.find((f) => f.file.includes('chainlink_eth_usd_mainnet_rounds'));
    expect(cl).toMatchObject({ kind: 'rounds', rows: 11106, from: 1680734315, to: 1706558123 });
    expect(files.filter((f) => f.file.startsWith('windows/')).length).toBe(7);
  });

  it('finds a file by unique prefix, and reports ambiguous or unknown names', () => {
    expect(resolveDataFile('w1_black', () => DATA)).toMatch(/w1_black_thursday.*\.csv$/);
    expect(() => resolveDataFile('w6_aug5', () => DATA)).toThrow(/matches 2 files/);
    expect(() => resolveDataFile('nope', () => DATA)).toThrow(/no such file/);
  });

  it('reads venue and quote from the names', () => {
    expect(venueOf('eth_usd_gemini_1h_2018.csv')).toEqual({ venue: 'gemini', quote: 'USD' });
    expect(venueOf('w2_may19_2021-05-16_2021-05-23_binance_spot_1m.csv')).toEqual({ venue: 'binance spot', quote: 'USDT' });
    expect(venueOf('eth_usdt_binance_usdm_perp_1h.csv')).toEqual({ venue: 'binance usdm perp', quote: 'USDT' });
  });

  it('a fetched folder (one file at the top) is listed too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vamm-cat-'));
    mkdirSync(join(dir, 'normalized'));
    writeFileSync(join(dir, 'normalized', 'mine.csv'), 'timestamp,open,high,low,close,volume\n60,1,1,1,1,0\n120,1,1,1,1,0\n');
    writeFileSync(join(dir, 'top.csv'), 'x,y\n1,2\n');
    const files = listDataFiles(dir);
    expect(files.map((f) => [f.file, f.kind, f.rows, f.resolution])).toEqual([
      ['normalized/mine.csv', 'candles', 2, 60],
      ['top.csv', 'other', 1, 0],
    ]);
  });
});

describe('segments inferred from a file (a composed series read back)', () => {
  it('recovers alternating hourly / fine stretches and keeps gaps inside a stretch (property)', async () => {
    const { inferSegments } = await import('../data/candle-series.ts');
    const stretch = fc.record({ fine: fc.constantFrom(60, 300, 900), hours: fc.integer({ min: 1, max: 4 }), coarse: fc.integer({ min: 4, max: 12 }), gapAt: fc.option(fc.integer({ min: 1, max: 2 })) });
    fc.assert(
      fc.property(fc.array(stretch, { minLength: 1, maxLength: 5 }), (parts) => {
        const times: number[] = [];
        const expected: Array<[number, number]> = [];
        let t = 1_600_000_000 - (1_600_000_000 % 3600);
        for (const p of parts) {
          expected.push([3600, times.length]);
          for (let k = 0; k < p.coarse; k++) {
            if (p.gapAt !== null && k === p.gapAt) t += 3600; // one missing hour, mid-stretch
            times.push(t);
            t += 3600;
          }
          expected.push([p.fine, times.length]);
          for (let k = 0; k < (p.hours * 3600) / p.fine; k++) {
            times.push(t);
            t += p.fine;
          }
        }
        expected.push([3600, times.length]);
        for (let k = 0; k < 5; k++) {
          times.push(t);
          t += 3600;
        }
        const segs = inferSegments(times, 'x', 3600);
        expect(segs.map((s) => [s.resolution, s.start])).toEqual(expected);
        expect(segs[segs.length - 1]?.end).toBe(times.length);
      }),
      { numRuns: Number(process.env.VAMM_PROP_RUNS ?? 100) },
    );
  });

  it('a plain hourly file with outages is one segment', async () => {
    const s = await loadCandles(file('normalized', 'eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv'), { gapPolicy: 'skip' });
    expect(s.segments).toHaveLength(1);
    expect(s.gaps?.count).toBe(28);
  });
});
