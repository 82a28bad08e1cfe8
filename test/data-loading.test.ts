/**
 * Loaders and validation: every malformed file fails with file, line, column and reason and
 * returns nothing; gaps are found and handled by the named policy; prices become wei exactly.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { type CandleSeries, emptyColumns } from '../data/candle-series.ts';
import { candlesCsv, roundsCsv } from '../data/csv-writers.ts';
import { type GapPolicy, carryForwardInPlace, findGaps } from '../data/gaps.ts';
import { InputError, InputErrors } from '../data/input-error.ts';
import { loadRounds, phaseRoundId } from '../data/round-loader.ts';
import { decimalToWei, floatPriceToWei, weiToDecimal } from '../data/wei-text.ts';
import { toWei } from '../sim/math/units.ts';

const fx = (name: string) => join(import.meta.dirname, 'fixtures', 'data', name);
const tmp = mkdtempSync(join(tmpdir(), 'vamm-data-'));

async function failure(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputErrors) return e.errors.map((x) => x.message);
    if (e instanceof InputError) return [e.message];
    throw e;
  }
  throw new Error('expected the load to fail');
}

const load = (name: string, gapPolicy: GapPolicy = 'skip') => loadCandles(fx(name), { gapPolicy });

describe('candle loader: good input', () => {
  it('reads prices into wei exactly and times in seconds', async () => {
    const s = await load('good-1h.csv');
    expect(s.time).toEqual([3600, 7200, 10800]);
    expect(s.open[0]).toBe(100_500_000_000_000_000_000n);
    expect(s.low[0]).toBe(99_250_000_000_000_000_000n);
    expect(s.close[1]).toBe(101_750_000_000_000_000_000n);
    expect(s.volume[2]).toBe(0n);
    expect(s.resolution).toBe(3600);
    expect(s.gaps?.count).toBe(0);
  });

  it('writes back byte-identical normalised CSV', async () => {
    const s = await load('good-1h.csv');
    expect(candlesCsv(s)).toBe(readFileSync(fx('good-1h.csv'), 'utf8'));
  });

  it('keeps only [from, to) but validates everything', async () => {
    const s = await loadCandles(fx('good-1h.csv'), { gapPolicy: 'skip', from: 7200, to: 10800 });
    expect(s.time).toEqual([7200]);
    const errs = await failure(loadCandles(fx('high-below-low.csv'), { gapPolicy: 'skip', from: 0, to: 3601 }));
    expect(errs[0]).toMatch(/high-below-low\.csv:3:/);
  });
});

describe('candle loader: bad input is located and nothing is returned', () => {
  const cases: Array<[string, RegExp]> = [
    ['bad-header.csv', /bad-header\.csv:1:\d+: volume: wrong header: expected "timestamp,open,high,low,close,volume"/],
    ['non-numeric.csv', /non-numeric\.csv:3:10: high: "abc" is not a decimal number/],
    ['negative-price.csv', /negative-price\.csv:3:14: low: price must be positive, found -99/],
    ['zero-price.csv', /zero-price\.csv:3:6: open: price must be positive, found 0/],
    ['bad-timestamp.csv', /bad-timestamp\.csv:3:1: timestamp: "2021-01-01 00:00" is not a unix timestamp in seconds/],
    ['millis.csv', /millis\.csv:2:1: timestamp: 1700000000000 looks like milliseconds/],
    ['out-of-order.csv', /out-of-order\.csv:4:1: timestamp: out of order: 7200 comes after 10800 \(line 3\)/],
    ['duplicate.csv', /duplicate\.csv:4:1: timestamp: duplicate timestamp 7200 \(also on line 3\)/],
    ['high-below-low.csv', /high-below-low\.csv:3:10: high: high 99 is below low 101/],
    ['short-row.csv', /short-row\.csv:3:1: expected 6 fields .* found 5 fields/],
    ['empty-line.csv', /empty-line\.csv:3:1: expected 6 fields .* found empty line/],
    ['header-only.csv', /header-only\.csv:1: no data rows after the header/],
    ['too-many-decimals.csv', /too-many-decimals\.csv:4?3:\d+: close: .*more than 18 decimal places/],
    ['close-above-high.csv', /close-above-high\.csv:3:\d+: close: close 101 is outside \[low 99, high 100\.5\]/],
  ];
  for (const [file, pattern] of cases) {
    it(file, async () => {
      const errs = await failure(load(file));
      expect(errs.join('\n')).toMatch(pattern);
    });
  }

  it('reports every bad row of a file in one pass', async () => {
    const errs = await failure(load('many-errors.csv'));
    expect(errs).toHaveLength(3);
    expect(errs[0]).toMatch(/:3:6: open:/);
    expect(errs[1]).toMatch(/:4:\d+: volume: volume must not be negative/);
    expect(errs[2]).toMatch(/:6:1: timestamp: duplicate/);
  });

  it('a missing file is an input error naming it', async () => {
    const errs = await failure(load('no-such-file.csv'));
    expect(errs[0]).toMatch(/no-such-file\.csv: cannot read the file/);
  });

  it('a rounds file given as candles says so', async () => {
    const errs = await failure(load('rounds-good.csv'));
    expect(errs[0]).toMatch(/Chainlink rounds file/);
  });
});

describe('gap policies', () => {
  it('finds the gaps: count, bars, longest, where', async () => {
    const s = await load('gaps-1h.csv', 'skip');
    const g = s.gaps!;
    expect(g.count).toBe(2);
    expect(g.missingBars).toBe(2 + 3);
    expect(g.longest).toMatchObject({ from: 25200, bars: 3, line: 6 });
    expect(g.gaps[0]).toMatchObject({ from: 10800, bars: 2, line: 4 });
    expect(s.time).toEqual([3600, 7200, 18000, 21600, 36000]);
  });

  it('refuse: an error naming the gaps', async () => {
    const errs = await failure(load('gaps-1h.csv', 'refuse'));
    expect(errs[0]).toMatch(/gaps-1h\.csv:6: timestamp: 2 gaps, 5 missing bars, longest 3 bars \(3h\) from 1970-01-01T07:00:00Z/);
    expect(errs[0]).toMatch(/policy is "refuse"/);
  });

  it('carry-forward: flat bars at the previous close, zero volume', async () => {
    const s = await load('gaps-1h.csv', 'carry-forward');
    expect(s.time).toEqual([3600, 7200, 10800, 14400, 18000, 21600, 25200, 28800, 32400, 36000]);
    expect(s.gaps?.filled).toBe(5);
    const prevClose = toWei('101');
    expect([s.open[2], s.high[2], s.low[2], s.close[2], s.volume[2]]).toEqual([prevClose, prevClose, prevClose, prevClose, 0n]);
    expect(s.close[6]).toBe(toWei('100.5'));
    expect(s.close[9]).toBe(toWei('100.75'));
  });

  it('carry-forward in place: no gaps remain and every original bar is kept (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 60 }), (steps) => {
        const cols = emptyColumns();
        let t = 0;
        steps.forEach((k, i) => {
          t += k * 60;
          cols.time.push(t);
          for (const c of [cols.open, cols.high, cols.low, cols.close]) c.push(BigInt(i + 1));
          cols.volume.push(1n);
        });
        const original = [...cols.time];
        const gaps = findGaps(cols.time, 60);
        const filled = carryForwardInPlace(cols, gaps, 60);
        expect(filled).toBe(steps.slice(1).reduce((n, k) => n + k - 1, 0));
        expect(findGaps(cols.time, 60)).toEqual([]);
        for (const c of [cols.open, cols.close, cols.volume]) expect(c).toHaveLength(cols.time.length);
        expect(cols.time.filter((_, i) => cols.volume[i] === 1n)).toEqual(original);
        for (let i = 1; i < cols.time.length; i++) if (cols.volume[i] === 0n) expect(cols.close[i]).toBe(cols.close[i - 1]);
      }),
    );
  });
});

describe('wei conversion', () => {
  const decimal = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.nat({ max: 18 }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }))
    .map(([whole, places, frac]) => (places === 0 ? `${whole}` : `${whole}.${(frac % 10n ** BigInt(places)).toString().padStart(places, '0')}`));

  it('the fast path equals decimal.js (toWei) on every plain decimal (property)', () => {
    fc.assert(
      fc.property(decimal, (text) => {
        expect(decimalToWei(text)).toBe(toWei(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('formats back to the same value (property)', () => {
    fc.assert(
      fc.property(decimal, (text) => {
        expect(decimalToWei(weiToDecimal(decimalToWei(text) as bigint))).toBe(decimalToWei(text));
      }),
    );
  });

  it('exponents go through decimal.js; junk is refused with a reason', () => {
    expect(decimalToWei('1.5e3')).toBe(toWei('1500'));
    expect(decimalToWei('12a')).toBe('is not a decimal number');
    expect(decimalToWei('')).toBe('is empty');
    expect(decimalToWei('1.')).toBe(toWei('1'));
    expect(decimalToWei('.')).toBe('is not a decimal number');
    expect(decimalToWei('-5')).toBe(-toWei('5'));
    expect(decimalToWei('0.1234567890123456789')).toBe('has more than 18 decimal places');
  });

  it('a generator float becomes wei rounded to 8 decimals, from its exact value', () => {
    expect(floatPriceToWei(2345.678)).toBe(toWei('2345.678'));
    expect(floatPriceToWei(0.1 + 0.2)).toBe(toWei('0.3'));
    expect(floatPriceToWei(1234.5678901249)).toBe(toWei('1234.56789012'));
    expect(floatPriceToWei(1234.5678901251)).toBe(toWei('1234.56789013'));
    expect(() => floatPriceToWei(Number.NaN)).toThrow();
    expect(() => floatPriceToWei(-1)).toThrow();
  });
});

describe('round loader', () => {
  it('reads rounds into the model shape', async () => {
    const { rounds } = await loadRounds(fx('rounds-good.csv'));
    expect(rounds).toEqual([
      { roundId: phaseRoundId(1n, 1n), answer: 190818855732n, startedAt: 1680734315, updatedAt: 1680734315 },
      { roundId: phaseRoundId(1n, 2n), answer: 191240000000n, startedAt: 1680737963, updatedAt: 1680737963 },
    ]);
    expect(roundsCsv(rounds)).toBe(readFileSync(fx('rounds-good.csv'), 'utf8'));
  });

  it('locates every bad round', async () => {
    const errs = await failure(loadRounds(fx('rounds-bad.csv')));
    expect(errs).toHaveLength(4);
    expect(errs[0]).toMatch(/rounds-bad\.csv:3:\d+: price: price "1912.4000001" is not answer 191240000000 \/ 1e8/);
    expect(errs[1]).toMatch(/:4:\d+: answer: answer must be positive/);
    expect(errs[2]).toMatch(/:5:1: round_id: round_id 18446744073709551620 is not phase 1 << 64 \| round 5/);
    expect(errs[3]).toMatch(/:6:\d+: updated_at: updated_at 1680734000 is before/);
  });

  it('a wrong header is located', async () => {
    const errs = await failure(loadRounds(fx('good-1h.csv')));
    expect(errs[0]).toMatch(/good-1h\.csv:1:1: round_id: wrong header/);
  });
});

describe('round trip through the writer (property)', () => {
  it('any valid series written and loaded again is identical', async () => {
    const price = fc.bigInt({ min: 1n, max: 10n ** 22n });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: 4000 }), price, price, price, price, fc.bigInt({ min: 0n, max: 10n ** 24n })), { minLength: 1, maxLength: 30 }), async (rows) => {
        const s: CandleSeries = { source: 'x', resolution: 0, ...emptyColumns(), segments: [] };
        let t = 1_600_000_000;
        for (const [dt, a, b, c, d, v] of rows) {
          const sorted = [a, b, c, d].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
          t += dt;
          s.time.push(t);
          s.low.push(sorted[0] as bigint);
          s.open.push(sorted[1] as bigint);
          s.close.push(sorted[2] as bigint);
          s.high.push(sorted[3] as bigint);
          s.volume.push(v);
        }
        const file = join(tmp, 'roundtrip.csv');
        writeFileSync(file, candlesCsv(s));
        const back = await loadCandles(file, { gapPolicy: 'skip' });
        expect([back.time, back.open, back.high, back.low, back.close, back.volume]).toEqual([s.time, s.open, s.high, s.low, s.close, s.volume]);
      }),
      { numRuns: 60 },
    );
  });
});
