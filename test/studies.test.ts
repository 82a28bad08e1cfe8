/**
 * The funding mechanism on small cases where the answer is known: no manipulator capital, no
 * manipulation profit; uncapped funding on a shallow vAMM with nobody to trade against the push
 * pays, exactly the funding the insurance fund pays out less fees, and the 0.1 %/8 h cap stops
 * it; arbitrageurs that ask a hurdle of funding make a tight cap cost tracking. (The study itself:
 * test/funding-cap-study.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

async function manipulate(cap: string, capital: string) {
  const s = {
    name: 'manipulation',
    profile: 'default',
    market: { id: 'ETH', depth: '2000000', funding: { fundingCapRatio: cap } },
    prices: { file: 'eth_usdt_binance_spot_5m_2022', gapPolicy: 'carry-forward', from: '2023-09-24T00:00', to: '2023-09-24T12:00' },
    insuranceFund: '1000000',
    agents: [
      { kind: 'keeper', count: 1, capital: '100' },
      { kind: 'manipulator', count: 1, capital, params: { holdSide: 'short', holdMargin: 100000, pushMargin: 300000, holdLeverage: 2, pushLeverage: 2, pushLead: 3600, pushSteps: 2, unwindLead: 60, execution: { style: 'market', slippageLimit: 0 } } },
    ],
  };
  const { summary } = await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(s))));
  return { summary, m: summary.agents['manipulator-1']! };
}

describe('funding-cap study: known cases', () => {
  it('no capital, no manipulation and no profit', async () => {
    const { m } = await manipulate('0', '0');
    expect(m.actions).toBe(0);
    expect(Number(m.pnl)).toBe(0);
  });

  it('uncapped on a shallow vAMM with no one to trade against: profit = funding the fund pays − fees', async () => {
    const { summary, m } = await manipulate('0', '1000000');
    const received = -Number(m.fundingPaid);
    expect(received).toBeGreaterThan(0);
    expect(Number(m.pnl)).toBeGreaterThan(0);
    // Alone on the curve, the push round-trips at no cost but fees (x·y=k is path-independent)...
    expect(Math.abs(Number(m.realizedPnl))).toBeLessThan(1e-6);
    expect(Number(m.pnl)).toBeCloseTo(received - Number(m.fees), 6);
    // ...and every dollar of funding it receives is the insurance fund's.
    expect(-Number(summary.funding.insuranceFundNet)).toBeCloseTo(received, 6);
  }, 60_000);

  it('the 0.1 %/8 h cap makes the same attack lose money', async () => {
    const { m } = await manipulate('0.001', '1000000');
    expect(Number(m.pnl)).toBeLessThan(0);
  }, 60_000);
});

describe('funding-cap study: the tracking cost of a cap', () => {
  async function trackingError(cap: string, hurdleRate: number) {
    const s = {
      name: 'tracking',
      profile: 'default',
      market: { id: 'ETH', depth: '5000000', funding: { fundingCapRatio: cap } },
      prices: { file: 'w5_ftx', gapPolicy: 'carry-forward', from: '2022-11-08T00:00', to: '2022-11-10T00:00' },
      insuranceFund: '1000000',
      invariants: 'off',
      agents: [
        { kind: 'noise', count: 20, capital: '50000', params: { meanInterval: 1800, medianMargin: 10000, longBias: 0.7 } },
        { kind: 'arbitrageur', count: 2, capital: '2000000', params: { interval: 60, hurdleRate, freeInventory: 0.05 } },
        { kind: 'keeper', count: 1, capital: '100' },
      ],
    };
    const { summary } = await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(s))));
    return summary.prices.meanMarkIndexGap;
  }

  it('arbitrageurs that ask funding to pay for their capital hold the mark less tightly under a cap below their hurdle', async () => {
    const [free, freeCapped, paid, paidCapped] = await Promise.all([trackingError('0', 0), trackingError('0.0001', 0), trackingError('0', 0.2), trackingError('0.0001', 0.2)]);
    // Capital that asks nothing of funding does not care about the cap...
    expect(freeCapped).toBeCloseTo(free, 3);
    // ...capital that does stays out when the cap holds funding under 20 %/yr, and the mark strays.
    expect(paidCapped).toBeGreaterThan(paid * 1.3);
  }, 120_000);
});
