/**
 * An agent's open vAMM position is valued twice at the end of a run: at its exit (what closing
 * it alone on the curve would return) and at the mark (the vAMM's price, as the hedge venue's
 * position is valued at its closing mark). The difference, its exit cost, is what a large
 * inventory would pay to leave at once: on Black Thursday it was most of the arbitrageurs' loss.
 */
import { describe, expect, it } from 'vitest';
import { ClearingHouse } from '../sim/clearing-house.ts';
import { createClock } from '../sim/clock.ts';
import { spotPrice } from '../sim/curve.ts';
import { equityOf } from '../sim/engine/simulation.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { formatRunSummary } from '../sim/engine/summary-markdown.ts';
import { MemorySink } from '../sim/engine/event-log.ts';
import { mulD } from '../sim/math/fixed.ts';
import { toWei } from '../sim/math/units.ts';
import { profileByName } from '../sim/params.ts';

describe('an open position’s exit cost', () => {
  it('is the mark value less what closing the position on the curve returns, to the wei, for a long and a short', () => {
    const ch = new ClearingHouse(createClock(1_700_000_000, 100), profileByName('default'));
    ch.addMarket({ id: 'ETH', quoteReserve: toWei('100000'), baseReserve: toWei('50'), indexPrice: toWei('2000'), params: { fluctuationLimitRatio: 0n } });
    ch.seedInsuranceFund(toWei('1000'));
    for (const t of ['alice', 'bob']) {
      ch.mint(t, toWei('10000'));
      ch.deposit(t, toWei('5000'));
    }
    ch.openPosition({ trader: 'alice', market: 'ETH', side: 'long', margin: toWei('2000'), leverage: toWei('4') });
    ch.openPosition({ trader: 'bob', market: 'ETH', side: 'short', margin: toWei('1000'), leverage: toWei('3') });
    for (const trader of ['bob', 'alice']) {
      const m = ch.market('ETH');
      const size = ch.accounts.get(trader)?.positions.get('ETH')?.size as bigint;
      const atMark = mulD(size, spotPrice(m.vamm.quoteReserve, m.vamm.baseReserve));
      const { exitCost } = equityOf(ch, trader);
      // Closing it is the exit: a long receives the exchanged quote, a short pays it.
      const closed = ch.closePosition(trader, 'ETH');
      const exit = size > 0n ? closed.exchangedQuote : -closed.exchangedQuote;
      expect(exitCost).toBe(atMark - exit);
      expect(exitCost > 0n).toBe(true);
      expect(equityOf(ch, trader).exitCost).toBe(0n);
    }
  });

  it('is in every AgentResult, and the summary prints each kind’s net result at the exit and at the mark', async () => {
    const config = await resolveRun(
      parseRunScenario(
        JSON.stringify({
          name: 'exit-cost',
          profile: 'default',
          seed: 3,
          market: { id: 'ETH', depth: '3000000' },
          prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12T08:00', to: '2020-03-12T12:00' },
          insuranceFund: '100000',
          agents: [
            { kind: 'noise', count: 10, capital: '2500', params: { meanInterval: 600, medianMargin: 2000, maxLeverage: 10 } },
            { kind: 'arbitrageur', count: 2, capital: { median: '300000', sigma: 0.5 } },
            { kind: 'liquidator', count: 1, capital: '100' },
          ],
        }),
      ),
    );
    const sink = new MemorySink();
    const { summary } = await runSimulation(config, { sinks: [sink] });
    const results = sink.events.filter((e) => e.type === 'AgentResult');
    expect(results.length).toBe(13);
    let arbitrageurs = 0;
    for (const r of results) {
      const cost = Number(BigInt(r.exitCost as string)) / 1e18;
      expect(cost).toBeGreaterThanOrEqual(0);
      const a = summary.agents[r.agent as string]?.result as { net: number; netAtMark: number; exitCost: number };
      expect(a.exitCost).toBeCloseTo(cost, 5);
      expect(a.netAtMark - a.net).toBeCloseTo(cost, 5);
      if (r.kind === 'arbitrageur') arbitrageurs += cost;
    }
    // The arbitrageurs end the crash morning short on the curve: leaving at once would cost them.
    expect(arbitrageurs).toBeGreaterThan(0);
    expect(summary.pnlByKind.arbitrageur?.exitCost).toBeCloseTo(arbitrageurs, 5);
    expect((summary.pnlByKind.arbitrageur?.netAtMark ?? 0) - (summary.pnlByKind.arbitrageur?.net ?? 0)).toBeCloseTo(arbitrageurs, 5);
    const md = formatRunSummary(summary);
    expect(md).toContain('| agents | count | vAMM | hedge | fees | funding | gas | net | exit cost | net at the mark |');
  }, 120_000);
});
