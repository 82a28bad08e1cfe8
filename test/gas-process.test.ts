/**
 * The gas process: the shipped L1 elasticity is what the fit on the real daily gas of the
 * DeFi-era crash days gives; on the Black Thursday week (5-minute prices) the simulated daily
 * mean base fee is within a factor of 2 of the real daily average every day, 2020-03-12 and
 * 03-13 included; an L2 is flat; the noise is the same whenever it is asked.
 */
import { describe, expect, it } from 'vitest';
import { crashDays, fitElasticity, loadFitCandles } from '../calibration/gas-calibration.ts';
import { loadCandles } from '../data/candle-loader.ts';
import { gasLevelBefore, gasOnDay, loadGasHistory } from '../data/gas-history.ts';
import { HOURLY_HISTORY } from '../data/history.ts';
import { calmVolatilityBefore } from '../data/realised-volatility.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { DEFAULT_GAS, GasProcess, L1_VOLATILITY_ELASTICITY } from '../sim/engine/gas-process.ts';

const dataDir = findDataDir();
const hourlyFile = `${dataDir}/${HOURLY_HISTORY}`;

describe('L1 gas process', () => {
  it('ships the elasticity the crash-day fit gives, and the fit explains the crash days to an RMS log error under 0.4', async () => {
    const fit = fitElasticity(crashDays(await loadGasHistory(), await loadFitCandles(hourlyFile)));
    expect(fit.days.length).toBeGreaterThanOrEqual(20);
    expect(fit.days.some((d) => new Date(d.day * 1000).toISOString().startsWith('2020-03-12'))).toBe(true);
    expect(Math.abs(fit.elasticity - L1_VOLATILITY_ELASTICITY)).toBeLessThan(0.01);
    expect(fit.rmsLogError).toBeLessThan(0.4);
  }, 120_000);

  it('gives each day of the Black Thursday week a mean base fee within a factor of 2 of the real daily gas', async () => {
    const gas = await loadGasHistory();
    const candles = await loadCandles(`${dataDir}/windows/w1_black_thursday_2020-03-09_2020-03-16_binance_spot_5m.csv`, { gapPolicy: 'carry-forward' });
    const start = candles.time[0] as number;
    const level = gasLevelBefore(gas, start) as number;
    const calm = (await calmVolatilityBefore(hourlyFile, start)) as number;
    const process = new GasProcess({ ...DEFAULT_GAS, profile: 'l1', baseFeeGwei: level, calmVolatility: calm }, candles, 1);
    for (let day = start; day < start + 8 * 86400; day += 86400) {
      let sum = 0;
      let n = 0;
      for (let t = day; t < day + 86400; t += 60) {
        sum += process.baseFee(t);
        n++;
      }
      const real = gasOnDay(gas, day) as number;
      const ratio = sum / n / real;
      expect(ratio, new Date(day * 1000).toISOString().slice(0, 10)).toBeGreaterThan(0.5);
      expect(ratio, new Date(day * 1000).toISOString().slice(0, 10)).toBeLessThan(2);
    }
    // The crash day is priced several times the week before it.
    const peak = process.baseFee(Date.UTC(2020, 2, 12, 12) / 1000);
    expect(peak).toBeGreaterThan(3 * level);
  }, 120_000);

  it('is deterministic in time whatever was asked before; an L2 is flat and charges its L1 data', async () => {
    const candles = await loadCandles(`${dataDir}/windows/w1_black_thursday_2020-03-09_2020-03-16_binance_spot_5m.csv`, { gapPolicy: 'carry-forward' });
    const p = { ...DEFAULT_GAS, profile: 'l1' as const, baseFeeGwei: 12, calmVolatility: 0.04 };
    const t = Date.UTC(2020, 2, 12, 15) / 1000;
    const a = new GasProcess(p, candles, 3);
    const b = new GasProcess(p, candles, 3);
    a.baseFee(t - 86400);
    expect(a.baseFee(t)).toBe(b.baseFee(t));
    expect(new GasProcess(p, candles, 4).baseFee(t)).not.toBe(a.baseFee(t));
    const l2 = new GasProcess({ ...DEFAULT_GAS, profile: 'l2', baseFeeGwei: 0.1, l1DataGas: 3000, l1BaseFeeGwei: 20 }, candles, 3);
    expect(l2.baseFee(t)).toBe(0.1);
    expect(l2.baseFee(t + 3600)).toBe(0.1);
    // 320k L2 gas at 0.1 gwei plus 3,000 L1 gas at 20 gwei, at 2,000 USD/ETH.
    expect(l2.cost('open', true, 0.1, 0, 2000).usd).toBeCloseTo(((320_000 * 0.1 + 3000 * 20) * 2000) / 1e9, 9);
    // A revert burns its share of the units; a router revert its own units.
    expect(l2.cost('open', false, 0.1, 0, 2000).used).toBe(128_000);
    expect(l2.cost('routerRevert', false, 0.1, 0, 2000).used).toBe(60_000);
  });
});
