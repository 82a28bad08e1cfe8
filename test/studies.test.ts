/**
 * The studies' logic on small cases where the answer is known: no manipulator capital, no
 * manipulation profit; uncapped funding on a shallow vAMM with nobody to trade against the push
 * pays, exactly the funding the insurance fund pays out less fees, and the 0.1 %/8 h cap stops
 * it; the frontier and recommendation follow from the rows.
 */
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { type FundingCapConfig, FundingCapConfigSchema, analyseFundingCap, fundingCapMetrics } from '../scenarios/studies/funding-cap.ts';
import type { RunSummary } from '../sim/engine/summary.ts';
import type { SweepPoint } from '../scenarios/sweep.ts';
import type { SweepRow } from '../scenarios/sweep.ts';
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
      { kind: 'manipulator', count: 1, capital, params: { holdSide: 'short', holdMargin: 100000, pushMargin: 300000, holdLeverage: 2, pushLeverage: 2, pushLead: 3600, pushSteps: 2, unwindLead: 60 } },
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

describe('funding-cap study: what counts as manipulation profit', () => {
  const summary = (hedgePnl: number) =>
    ({
      agents: { 'manipulator-1': { pnl: '500', fees: '100', liquidationPenalties: '0', fundingPaid: '-700', hedgePnl, gasUsd: 10 } },
      funding: { insuranceFundNet: '-700', settlements: 8, capped: 0 },
      insuranceFund: { start: '1000', end: '300' },
      prices: { meanMarkIndexGap: 0.001, maxMarkIndexGap: 0.01 },
    }) as unknown as RunSummary;
  it('funding less costs, less what its trades lost against the hedge', () => {
    // Trading 500 + 100 − 700 = −100 on the vAMM, +50 on the hedge: a basis loss of 50.
    expect(fundingCapMetrics(summary(50), {} as SweepPoint)).toMatchObject({ manipulationProfit: 540, attackerProfit: 540, basis: -50, fundingReceived: 700 });
  });
  it('a trading gain (a stale mark) is the attacker\'s but not the cap\'s to stop', () => {
    expect(fundingCapMetrics(summary(1000), {} as SweepPoint)).toMatchObject({ manipulationProfit: 590, attackerProfit: 1490, basis: 900 });
  });
});

describe('funding-cap study: analysis', () => {
  const config: FundingCapConfig = FundingCapConfigSchema.parse({
    environment: {},
    windows: [{ label: 'w', prices: {} }],
    arbitrage: [{ label: 'arbs', agents: [] }, { label: 'none', agents: [] }],
    caps: [
      { label: 'none', ratio: '0', window: 28800 },
      { label: 'tight', ratio: '0.001', window: 28800 },
    ],
    depths: ['1000', '2000'],
    capitals: ['0', '10'],
    strategies: { holdSide: ['short'], holdShare: [0.1], pushShare: [0.2], pushLead: [3600] },
  });
  const row = (cap: string, depth: string, arb: string, capital: string, strategy: number, pnl: number, trackingError = 0): SweepRow => ({
    index: 0,
    key: `${cap}${depth}${arb}${capital}${strategy}`,
    values: { 'market.depth': depth, 'label.window': 'w', 'label.arbitrage': arb, 'label.cap': cap, 'label.capital': capital, 'label.strategy': strategy },
    seed: 1,
    ok: true,
    metrics: { manipulationProfit: pnl, attackerProfit: pnl + 7, basis: 0, fundingReceived: pnl + 100, insuranceFundFunding: -(pnl + 100), insuranceFundChange: 0, trackingError, maxGap: 0, settlements: 1, capped: 0 },
  });

  it('takes the best strategy per cell, the worst case per cap, and recommends the loosest safe cap', () => {
    const rows = [
      row('none', '1000', 'arbs', '0', -1, 0, 0.001),
      row('tight', '1000', 'arbs', '0', -1, 0, 0.004),
      row('none', '2000', 'arbs', '0', -1, 0, 0.0005),
      row('tight', '2000', 'arbs', '0', -1, 0, 0.002),
      row('none', '1000', 'none', '10', 0, 500),
      row('none', '1000', 'none', '10', 1, 900),
      row('none', '2000', 'none', '10', 0, -5),
      row('tight', '1000', 'none', '10', 0, -1),
      row('tight', '2000', 'none', '10', 0, -2),
    ];
    const r = analyseFundingCap(config, rows);
    const cell = r.cells.find((c) => c.cap === 'none' && c.depth === '1000' && c.capital === '10')!;
    expect(cell).toMatchObject({ bestProfit: 900, bestStrategy: 1, strategiesRun: 2 });
    expect(r.frontier['1000']!.map((p) => [p.cap, p.pays, p.trackingError])).toEqual([
      ['none', true, 0.001],
      ['tight', false, 0.004],
    ]);
    expect(r.frontier['2000']!.find((p) => p.cap === 'none')!.pays).toBe(false);
    // The frontier carries what the best attack moved, from its own row.
    expect(r.frontier['1000']![0]).toMatchObject({ fundingTransferred: 1000, insuranceFundDrain: 1000, bestAttackerProfit: 907, worstCase: 'w, none, capital 10' });
    expect(r.recommendation.cap).toBe('tight');
    expect(r.recommendation.reasoning).toMatch(/none lets the best attack make 900 USD \(depth 1,000 USD\)/);
    // Nothing safe everywhere: no recommendation, and the reason says so.
    const unsafe = analyseFundingCap(config, [...rows, row('tight', '2000', 'none', '10', 1, 50)]);
    expect(unsafe.recommendation.cap).toBeNull();
    expect(unsafe.recommendation.reasoning).toMatch(/No cap in the grid stops manipulation at every depth/);
    expect(unsafe.recommendation.reasoning).toMatch(/at depth 1,000 USD tight stops it \(tracking error 0\.400 %\); at depth 2,000 USD none stops it \(tracking error 0\.050 %\)/);
  });
});
