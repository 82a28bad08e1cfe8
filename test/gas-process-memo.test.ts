/**
 * The L1 base fee reuses the last block's fee when the block falls in the same noise step and
 * its volatility window starts and ends after the same closes (gas-process.ts): over random
 * candle series (close times on any second, resolutions that do and do not divide a minute,
 * windows of any length) and random block times (forward, backward, repeated), every fee
 * equals the one a fresh process computes for that time alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CandleSeries } from '../data/candle-series.ts';
import { DEFAULT_GAS, GasProcess } from '../sim/engine/gas-process.ts';

function series(start: number, resolution: number, closes: readonly number[]): CandleSeries {
  const wei = closes.map((c) => BigInt(c) * 10n ** 16n);
  return { source: 'synthetic', resolution, time: closes.map((_, i) => start + i * resolution), open: wei, high: wei, low: wei, close: wei, volume: wei.map(() => 0n), segments: [] };
}

const world = fc.record({
  start: fc.integer({ min: 1_600_000_000, max: 1_600_100_000 }),
  resolution: fc.constantFrom(7, 45, 60, 300, 301, 3600),
  closes: fc.array(fc.integer({ min: 1000, max: 400_000 }), { minLength: 0, maxLength: 60 }),
  window: fc.constantFrom(1, 59, 600, 3600, 7777),
  seed: fc.integer({ min: 1, max: 50 }),
  // Offsets of the blocks asked for, from the series' start: mostly forward in small steps, as the engine asks.
  steps: fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: -5000, max: 5000 }) }), { minLength: 1, maxLength: 200 }),
});

describe('L1 base fee: the last fee reused', () => {
  it('equals a fresh process’s fee at every block time', () => {
    let reused = 0;
    fc.assert(
      fc.property(world, (w) => {
        const params = { ...DEFAULT_GAS, profile: 'l1' as const, baseFeeGwei: 20, calmVolatility: 0.03, volatilityWindow: w.window };
        const candles = series(w.start, w.resolution, w.closes);
        const gas = new GasProcess(params, candles, w.seed);
        let t = w.start - 100;
        let previous = Number.NaN;
        for (const step of w.steps) {
          t += step;
          const fee = gas.baseFee(t);
          if (fee === previous) reused++;
          previous = fee;
          expect(fee, `t = ${t}`).toBe(new GasProcess(params, candles, w.seed).baseFee(t));
        }
      }),
      { numRuns: 300 },
    );
    // Not vacuous: many blocks repeat the fee before them.
    expect(reused).toBeGreaterThan(1000);
  });
});
