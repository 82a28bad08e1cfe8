/**
 * Calibration: the real side reproduces what ../shared/data/eth/SOURCES.md states of the perp–spot
 * basis, Binance's funding formula is applied as documented, and the default population meets
 * every tolerance the report states when `vamm calibrate` runs the calibration set.
 */
import { describe, expect, it } from 'vitest';
import { fundingWindows, loadRealMarket, quantile } from '../calibration/real-market.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { runCalibration } from '../cli/commands/calibrate.ts';

describe('the real market', () => {
  it('gives the basis SOURCES.md states: median 0.048 %, p99 0.25 %', async () => {
    const real = await loadRealMarket(findDataDir());
    const basis = [...real.hours.values()].map((h) => h.basis);
    expect(basis.length).toBeGreaterThan(38_000);
    expect(quantile(basis, 0.5)).toBeCloseTo(0.00048, 5);
    expect(Math.abs(quantile(basis, 0.99) - 0.0025)).toBeLessThan(0.0001);
    // A tenth of the hours are stressed, by construction of the threshold.
    const stressed = [...real.hours.values()].filter((h) => h.volatility >= real.stressThreshold).length;
    expect(stressed / basis.length).toBeCloseTo(0.1, 2);
  }, 120_000);

  it("applies Binance's funding formula: the interest rate unless the premium strays more than 0.05 % from it", () => {
    const hours = (premium: number) => new Map(Array.from({ length: 8 }, (_, i) => [i * 3600, { basis: Math.abs(premium), premium, volatility: 0 }]));
    expect(fundingWindows(hours(-0.00047), 0, 28_800).get(0)).toBeCloseTo(0.00003, 9);
    expect(fundingWindows(hours(0.0003), 0, 28_800).get(0)).toBeCloseTo(0.0001, 9);
    expect(fundingWindows(hours(0.002), 0, 28_800).get(0)).toBeCloseTo(0.0015, 9);
    // A window missing an hour is left out.
    expect(fundingWindows(new Map([...hours(0.001)].slice(0, 7)), 0, 28_800).size).toBe(0);
  });
});

describe('the default population', () => {
  it('meets every stated tolerance on the calibration set', async () => {
    const result = await runCalibration({ quiet: true });
    const failed = result.rows.filter((r) => r.pass === false);
    expect(failed, JSON.stringify(failed)).toEqual([]);
    expect(result.pass).toBe(true);
    // Both regimes are represented, and every tolerance-bearing fact was measured.
    expect(result.runs.reduce((a, r) => a + r.stressedHours, 0)).toBeGreaterThan(100);
    expect(result.rows.filter((r) => r.tolerance !== null).length).toBeGreaterThanOrEqual(16);
  }, 1_200_000);
});
