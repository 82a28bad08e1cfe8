/**
 * The run report's model from a hand-written event log: every figure it derives (liquidation
 * prices, funding against the cap, fund flows, cumulative bad debt, the PnL split, invariant
 * rows) checked against the numbers written into the log; the same from a file as from the
 * stream; and the figures agree with the run summary.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRunModel, RunModelBuilder } from '../reports/run-model-builder.ts';
import type { LoggedEvent } from '../sim/engine/event-log.ts';

const wei = (x: number) => (BigInt(Math.round(x * 1e6)) * 10n ** 12n).toString();
let clock = 1_700_000_000;
const ev = (type: string, fields: Record<string, unknown>, dt = 12): LoggedEvent => {
  clock += dt;
  return { type, blockNumber: clock / 12, timestamp: clock, ...fields } as LoggedEvent;
};

function syntheticLog(): LoggedEvent[] {
  clock = 1_700_000_000;
  const log: LoggedEvent[] = [];
  log.push(ev('RunStarted', { name: 'synthetic', profile: 'default', seed: 7, agents: 2, config: {} }, 0));
  log.push(ev('OracleRound', { market: 'ETH', roundId: '1', answer: '200000000000', updatedAt: clock }));
  log.push(ev('Snapshot', { market: 'ETH', spot: wei(2010), markTwap: wei(2005), index: wei(2000), fast: wei(2001), totalPositionSize: '0', openNotionalLong: wei(1000), openNotionalShort: wei(500), insuranceFund: wei(10000), vault: '0' }));
  log.push(ev('PositionChanged', { trader: 'a1', market: 'ETH', margin: '0', positionNotional: wei(500), exchangedPositionSize: wei(0.25), fee: wei(0.5), positionSizeAfter: wei(0.25), realizedPnl: '0', unrealizedPnlAfter: '0', badDebt: '0', liquidationPenalty: '0', spotPrice: wei(2020), fundingPayment: '0' }));
  log.push(ev('InsuranceFundFlow', { reason: 'fee', amount: wei(0.1), balanceAfter: wei(10000.1) }));
  // A capped settlement: uncapped 0.002 of the index, cap 0.000125 of it.
  log.push(ev('FundingSettled', { market: 'ETH', markTwap: wei(2004), indexTwap: wei(2000), premiumFraction: wei(0.25), uncappedPremiumFraction: wei(4), premiumFractionCap: wei(0.25), fundingRate: wei(0.000125), cumulativePremiumFraction: wei(0.25), ammFundingProfit: '0' }));
  log.push(ev('FundingSettled', { market: 'ETH', markTwap: wei(2000.1), indexTwap: wei(2000), premiumFraction: wei(0.0125), uncappedPremiumFraction: wei(0.0125), premiumFractionCap: wei(0.25), fundingRate: wei(0.00000625), cumulativePremiumFraction: wei(0.2625), ammFundingProfit: '0' }));
  log.push(ev('PositionChanged', { trader: 'a1', market: 'ETH', margin: '0', positionNotional: wei(1000), exchangedPositionSize: wei(-0.5), fee: '0', positionSizeAfter: '0', realizedPnl: wei(-300), unrealizedPnlAfter: '0', badDebt: wei(40), liquidationPenalty: wei(25), spotPrice: wei(1500), fundingPayment: wei(2) }));
  log.push(ev('PositionLiquidated', { trader: 'a1', market: 'ETH', positionNotional: wei(1000), positionSize: wei(0.5), liquidationFee: wei(12.5), liquidator: 'liq', badDebt: wei(40), partial: false }, 0));
  log.push(ev('InsuranceFundFlow', { reason: 'bad-debt', amount: wei(-30), balanceAfter: wei(9970.1) }, 0));
  log.push(ev('BadDebt', { trader: 'a1', market: 'ETH', amount: wei(40), coveredByInsuranceFund: wei(30), socialised: wei(10), uncovered: '0' }, 0));
  log.push(ev('SocialisedLoss', { market: 'ETH', side: 'short', amount: wei(10), indexDelta: '1', cause: 'bad-debt' }, 0));
  log.push(ev('AgentAction', { agent: 'a1', kind: 'noise', action: 'openPosition', args: {}, priorityFee: 1, decidedAt: clock, ok: true, reason: null, gasUsed: 1, gasCostUsd: 0.5 }));
  log.push(ev('InvariantViolation', { invariant: 'ledger', message: 'synthetic' }, 0));
  log.push(ev('Snapshot', { market: 'ETH', spot: wei(1500), markTwap: wei(1800), index: wei(1600), fast: wei(1590), totalPositionSize: '0', openNotionalLong: '0', openNotionalShort: wei(500), insuranceFund: wei(9970.1), vault: '0' }));
  log.push(ev('AgentResult', { agent: 'a1', kind: 'noise', equityStart: wei(1000), equityEnd: wei(672.5), unrealizedPnl: '0', pendingFunding: '0', hedged: false }, 0));
  log.push(ev('AgentResult', { agent: 'liq', kind: 'liquidator', equityStart: wei(100), equityEnd: wei(112.5), unrealizedPnl: '0', pendingFunding: '0', hedged: false }, 0));
  log.push(ev('RunEnded', { blocks: 9, actions: 1, events: 18, invariants: { ledger: { checks: 9, violations: 1, notApplicable: 0 }, 'zero-sum': { checks: 9, violations: 0, notApplicable: 2 } } }, 0));
  return log;
}

const dir = mkdtempSync(join(tmpdir(), 'vamm-run-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run report model', () => {
  const builder = new RunModelBuilder();
  for (const e of syntheticLog()) builder.write(e);
  const m = builder.result();
  const eth = m.markets[0]!;

  it('draws the mark from trades and snapshots, the index from oracle rounds, and keeps the mark low', () => {
    expect(eth.mark.v).toEqual([2010, 2020, 1500, 1500]);
    expect(eth.index.v).toEqual([2000]);
    expect(eth.oracleRounds).toBe(1);
    expect(eth.markLow?.v).toBe(1500);
    expect(eth.markHigh?.v).toBe(2020);
    expect(eth.premium.v.map((x) => Number(x.toFixed(6)))).toEqual([0.005, -0.0625]);
  });

  it('puts each liquidation at its execution price (notional / size)', () => {
    expect(eth.liquidations).toEqual([{ t: expect.any(Number), market: 'ETH', price: 2000, notional: 1000, partial: false, badDebt: 40, trader: 'a1', liquidator: 'liq' }]);
  });

  it('draws the funding rate against the cap and counts capped settlements', () => {
    expect(eth.funding.settlements).toBe(2);
    expect(eth.funding.capped).toBe(1);
    expect(eth.funding.capLogged).toBe(true);
    expect(eth.funding.rate.v).toEqual([0.25 / 2000, 0.0125 / 2000]);
    expect(eth.funding.uncappedRate.v).toEqual([4 / 2000, 0.0125 / 2000]);
    expect(eth.funding.capRate.v).toEqual([0.25 / 2000, 0.25 / 2000]);
  });

  it('adds up the insurance fund flows by reason and draws cumulative bad debt as steps', () => {
    expect(m.fundFlows.fee).toEqual({ in: 0.1, out: 0, count: 1 });
    expect(m.fundFlows['bad-debt']).toEqual({ in: 0, out: 30, count: 1 });
    expect(m.insuranceFund.v[m.insuranceFund.v.length - 1]).toBeCloseTo(9970.1, 9);
    expect(m.badDebt).toHaveLength(1);
    expect(m.badDebt[0]!.fundAfter).toBeCloseTo(9970.1, 9);
    const total = m.badDebtCumulative.total.v;
    expect(total[0]).toBe(0);
    expect(total[total.length - 1]).toBe(40);
    expect(m.badDebtCumulative.socialised.v.at(-1)).toBe(10);
    expect(m.socialisedLoss).toEqual([expect.objectContaining({ side: 'short', amount: 10, cause: 'bad-debt' })]);
  });

  it('splits PnL by kind so the parts add up to the vAMM PnL', () => {
    const noise = m.pnl.find((p) => p.kind === 'noise')!;
    expect(noise.trading).toBe(-300);
    expect(noise.fees).toBe(-0.5);
    expect(noise.funding).toBe(-2);
    expect(noise.liquidationPenalties).toBe(-25);
    // vAMM PnL −327.5 = −300 −0.5 −2 −25 + 0 (other); gas is off chain.
    expect(noise.other).toBeCloseTo(0, 9);
    expect(noise.gas).toBe(-0.5);
    expect(noise.net).toBeCloseTo(-328, 9);
    const liq = m.pnl.find((p) => p.kind === 'liquidator')!;
    expect(liq.liquidationIncome).toBe(12.5);
    expect(liq.net).toBe(12.5);
  });

  it('reports the invariant counts of RunEnded and samples the violations', () => {
    expect(m.invariants).toEqual([
      { invariant: 'ledger', checks: 9, violations: 1, notApplicable: 0 },
      { invariant: 'zero-sum', checks: 9, violations: 0, notApplicable: 2 },
    ]);
    expect(m.violationSamples).toEqual([{ t: expect.any(Number), invariant: 'ledger', message: 'synthetic' }]);
    expect(m.summary.invariants.violations).toEqual({ ledger: 1 });
  });

  it('gives the same model when asked twice', () => {
    expect(builder.result()).toEqual(m);
  });

  it('is the same read from a file', async () => {
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, `${syntheticLog().map((e) => JSON.stringify(e)).join('\n')}\n`);
    expect(await buildRunModel(file)).toEqual(m);
  });

  it('counts points in and out', () => {
    expect(m.points.seen).toBeGreaterThanOrEqual(m.points.kept);
    expect(m.eventCounts.PositionChanged).toBe(2);
  });
});
