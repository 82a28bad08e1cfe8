/**
 * `prices.seed`: a generated path held while the run's seed changes the agents' draws
 * (scripts/insurance-path-share.ts splits a drawdown's variance into the path's and the agents'
 * on it). The path under its own seed is the path the run seed of that value draws, hourly
 * returns and 5-minute shapes alike; without it the run seed draws the path.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioPrices } from '../scenarios/price-source.ts';
import { parseRunScenario } from '../scenarios/run-loader.ts';

const prices = {
  generator: 'bootstrap',
  history: { file: 'eth_usdt_binance_spot_1h', from: '2022-01-01', to: '2023-01-01' },
  path: 3,
  horizon: 2 * 86400,
  startPrice: '2267.39',
  startTime: '2026-05-14',
  intrabar: '5m',
};
const scenario = (p: Record<string, unknown>) => parseRunScenario(JSON.stringify({ name: 'path-seed', profile: 'default', market: { id: 'ETH', depth: '2000000' }, agents: [{ kind: 'keeper', count: 1, capital: '1000' }], prices: p }), 'path-seed.json');
const candles = async (p: Record<string, unknown>, runSeed: number) => {
  const { candles: c } = await loadScenarioPrices(scenario(p), runSeed);
  return { time: c.time, open: c.open, high: c.high, low: c.low, close: c.close };
};

describe('a generated path under its own seed', () => {
  it('is the path its seed draws as the run seed, whatever the run seed, shapes included', async () => {
    const drawnBySeven = await candles(prices, 7);
    expect(drawnBySeven.time.length).toBeGreaterThan(48);
    // The 5-minute shapes come from their own stream under the path's seed: highs and lows too.
    expect(await candles({ ...prices, seed: 7 }, 99)).toEqual(drawnBySeven);
    expect(await candles({ ...prices, seed: 7 }, 7)).toEqual(drawnBySeven);
  }, 120_000);

  it('without it, the run seed draws the path', async () => {
    const [a, b] = [await candles(prices, 7), await candles(prices, 99)];
    expect(a.close).not.toEqual(b.close);
    const held = await candles({ ...prices, seed: 99 }, 7);
    expect(held).toEqual(b);
  }, 120_000);

  it('refuses a seed that is not a non-negative integer, naming the field', () => {
    expect(() => scenario({ ...prices, seed: -1 })).toThrow(/prices\.seed/);
    expect(() => scenario({ ...prices, seed: 1.5 })).toThrow(/prices\.seed/);
  });
});
