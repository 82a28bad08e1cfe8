/**
 * The population generator: a risk team's stated open interest, account count, concentration
 * and leverage distribution become a book of accounts, and the run holds exactly that book at
 * its start — each account at its stated leverage (notional at the mark over equity at the
 * mark), each side at its stated open interest, the top 1 / top 10 at their stated shares — with
 * the mark back at the start price and every invariant intact.
 */
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { PopulationSchema, assignLeverage, describeBook, populationBook, sideSizes, withPopulation } from '../scenarios/population.ts';
import { hostFor, runSimulation } from '../sim/engine/run-simulation.ts';
import { Simulation } from '../sim/engine/simulation.ts';
import type { EventSink } from '../sim/engine/event-log.ts';
import { weiToNumber } from '../sim/math/units.ts';

const stated = {
  openInterest: { long: '12000000', short: '9000000' },
  accounts: { long: 40, short: 30 },
  concentration: { top1: 0.08, top10: 0.45 },
  leverage: [
    { leverage: 2, share: 0.3 },
    { leverage: 5, share: 0.4 },
    { leverage: 10, share: 0.3 },
  ],
  depth: '25000000',
  feeShare: 0.25,
};
const environment = {
  name: 'book',
  profile: 'default',
  market: { id: 'ETH' },
  insuranceFund: '1000000000',
  invariants: 'action',
  agents: [
    { kind: 'arbitrageur', count: 1, capital: '3000000', params: { interval: 120, latency: 12 } },
    { kind: 'liquidator', count: 1, capital: '1000', params: { latency: 12 } },
    { kind: 'keeper', count: 1, capital: '1000' },
  ],
};
const calmDay = { file: 'w3_luna', gapPolicy: 'refuse', from: '2022-05-07T00:00', to: '2022-05-07T06:00' };
const null_sink: EventSink = { write() {}, close() {} };

describe('population generator', () => {
  it('sizes each side to its open interest with the stated top-1 and top-10 shares, and fails clearly when it cannot', () => {
    const sizes = sideSizes(12e6, 40, 0.08, 0.45, 'long');
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sizes).toHaveLength(40);
    expect(sum(sizes)).toBeCloseTo(12e6, 2);
    expect(sizes[0]! / 12e6).toBeCloseTo(0.08, 12);
    expect(sum(sizes.slice(0, 10)) / 12e6).toBeCloseTo(0.45, 9);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThanOrEqual(sizes[i - 1]! * (1 + 1e-12));
    expect(() => sideSizes(1e6, 40, 0.02, 0.5, 'long')).toThrow(/accounts 2–10 cannot hold 48.0 %/);
    expect(() => sideSizes(1e6, 12, 0.3, 0.5, 'short')).toThrow(/2 accounts beyond the top ten cannot hold 50.0 %/);
    // Leverage by share of open interest: off by less than the largest account.
    const lev = assignLeverage(sizes, stated.leverage);
    for (const b of stated.leverage) {
      const share = sum(sizes.filter((_, i) => lev[i] === b.leverage)) / 12e6;
      expect(Math.abs(share - b.share)).toBeLessThan(0.08);
    }
    expect(() => PopulationSchema.parse({ ...stated, leverage: [{ leverage: 2, share: 0.5 }] })).toThrow(/add up to 0.5/);
  });

  it('the run holds the stated book at its start: leverage per account, open interest per side, concentration, and the mark at the start price', async () => {
    const p = PopulationSchema.parse(stated);
    const book = populationBook(p);
    const scenario = parseRunScenario(JSON.stringify({ ...withPopulation(environment, p), prices: calmDay }));
    const config = await resolveRun(scenario);
    const sim = new Simulation(config, hostFor(config, 1), null_sink);
    const ch = sim.ch;
    const mark = weiToNumber(ch.market('ETH').vamm.spotPrice());
    const start = Number(config.markets[0]!.candles.open[0]) / 1e18;
    expect(mark / start - 1).toBeCloseTo(0, 9);
    expect(weiToNumber(ch.market('ETH').vamm.quoteReserve)).toBeCloseTo(25e6, 0);
    const held = { long: 0, short: 0 };
    for (const a of book) {
      const id = `${a.id}-1`;
      const pos = ch.position(id, 'ETH');
      const notional = Math.abs(weiToNumber(pos.size)) * mark;
      // PnL at the mark (what a position screen shows), not at the exit price the margin checks use.
      const pnl = pos.size > 0n ? notional - weiToNumber(pos.openNotional) : weiToNumber(pos.openNotional) - notional;
      const equity = weiToNumber(ch.accounts.get(id)!.collateral) + pnl;
      expect(notional / a.notional - 1).toBeCloseTo(0, 6);
      // Collateral moves in token units (1e-6 USD): the leverage is exact to that.
      expect(notional / equity / a.leverage - 1).toBeCloseTo(0, 5);
      expect(pos.size > 0n).toBe(a.side === 'long');
      if (a.id !== 'skew-holder') held[a.side] += notional;
    }
    expect(held.long / 12e6 - 1).toBeCloseTo(0, 6);
    expect(held.short / 9e6 - 1).toBeCloseTo(0, 6);
    // The vAMM's net is held by the skew holder, so the sides balance and funding starts neutral.
    expect(Math.abs(weiToNumber(ch.market('ETH').vamm.totalPositionSize) * mark)).toBeLessThan(1);
    const d = describeBook(book);
    expect(d.top1.long).toBeCloseTo(0.08, 6);
    expect(d.top10.short).toBeCloseTo(0.45, 6);

    // And the run goes on with every invariant after every action.
    const { summary } = await runSimulation(config);
    expect(summary.invariants.violations).toEqual({});
  }, 120_000);

  it('refuses a leverage the account could not hold, naming the account and why', async () => {
    const p = PopulationSchema.parse({ ...stated, leverage: [{ leverage: 17, share: 1 }] });
    const config = await resolveRun(parseRunScenario(JSON.stringify({ ...withPopulation(environment, p), prices: calmDay })));
    expect(() => new Simulation(config, hostFor(config, 1), null_sink)).toThrow(/long-1-1 asks for 17x, at or beyond 1 \/ maintenance margin \(16x\)/);
    const deep = PopulationSchema.parse({ ...stated, depth: '2000000', leverage: [{ leverage: 15, share: 1 }] });
    const shallow = await resolveRun(parseRunScenario(JSON.stringify({ ...withPopulation(environment, deep), prices: calmDay })));
    expect(() => new Simulation(shallow, hostFor(shallow, 1), null_sink)).toThrow(/-1 cannot open \d+ USD on a \d+ USD-deep vAMM even at 1x/);
    const tight = PopulationSchema.parse({ ...stated, depth: '15000000', leverage: [{ leverage: 15, share: 1 }] });
    const tightConfig = await resolveRun(parseRunScenario(JSON.stringify({ ...withPopulation(environment, tight), prices: calmDay })));
    expect(() => new Simulation(tightConfig, hostFor(tightConfig, 1), null_sink)).toThrow(/long-1-1 cannot hold 15x on 960000 USD at this depth .*: its exit value is \d+\.\d\d % worse than its mark value, so at that leverage its margin ratio would be under maintenance/);
  }, 60_000);
});
