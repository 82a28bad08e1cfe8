/**
 * A synthetic event log the size of a one-year, 1-minute run (525,600 minutes): per minute a
 * fast-feed tick, a trade (agent action, position change, fee into the fund), an oracle round
 * on 0.5 % moves; a snapshot every 15 minutes, funding every hour, a crash with liquidations
 * and bad debt. Only for measuring the report on a log that size: its numbers are made up.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { splitmix32 } from '../data/prng.ts';

const wei = (x: number): string => (BigInt(Math.round(x * 1e6)) * 10n ** 12n).toString();

export function writeSyntheticYear(file: string, minutes = 525_600): { events: number } {
  const fd = openSync(file, 'w');
  const next = splitmix32(2022);
  const rand = () => next() / 2 ** 32;
  let buffer: string[] = [];
  let events = 0;
  const out = (e: Record<string, unknown>) => {
    buffer.push(JSON.stringify(e));
    events++;
    if (buffer.length >= 20_000) {
      writeSync(fd, `${buffer.join('\n')}\n`);
      buffer = [];
    }
  };
  const start = 1_640_995_200; // 2022-01-01
  let price = 3700;
  let oracle = price;
  let fund = 1_000_000;
  let block = 14_000_000;
  out({ type: 'RunStarted', name: 'synthetic-year-1m', profile: 'default', seed: 1, agents: 100, config: {}, blockNumber: block, timestamp: start });
  for (let i = 0; i < minutes; i++) {
    const t = start + i * 60;
    block += 5;
    const crash = i >= 200_000 && i < 200_120;
    price *= crash ? 0.995 : 1 + (rand() - 0.5) * 0.004;
    const stamp = { blockNumber: block, timestamp: t };
    out({ type: 'FastPrice', market: 'ETH', price: wei(price), confidence: wei(price * 0.001), ...stamp });
    if (Math.abs(price / oracle - 1) > 0.005) {
      oracle = price;
      out({ type: 'OracleRound', market: 'ETH', roundId: String(i), answer: String(Math.round(price * 1e8)), updatedAt: t, ...stamp });
    }
    const mark = price * (1 + (rand() - 0.5) * 0.004);
    const size = (rand() - 0.5) * 20;
    out({ type: 'AgentAction', agent: `noise-${i % 80}`, kind: 'noise', action: 'openPosition', args: {}, priorityFee: 1, decidedAt: t, ok: true, reason: null, gasUsed: 250000, gasCostUsd: 0.05, ...stamp });
    out({ type: 'InsuranceFundFlow', reason: 'fee', amount: wei(Math.abs(size) * mark * 0.0002), balanceAfter: wei((fund += Math.abs(size) * mark * 0.0002)), ...stamp });
    out({ type: 'PositionChanged', trader: `noise-${i % 80}`, market: 'ETH', margin: wei(1000), positionNotional: wei(Math.abs(size) * mark), exchangedPositionSize: wei(size), fee: wei(Math.abs(size) * mark * 0.001), positionSizeAfter: wei(size), realizedPnl: '0', unrealizedPnlAfter: '0', badDebt: '0', liquidationPenalty: '0', spotPrice: wei(mark), fundingPayment: '0', ...stamp });
    if (crash && i % 10 === 0) {
      out({ type: 'PositionLiquidated', trader: `noise-${i % 80}`, market: 'ETH', positionNotional: wei(50_000), positionSize: wei(50_000 / mark), liquidationFee: wei(625), liquidator: 'liquidator-1', badDebt: wei(i % 20 === 0 ? 800 : 0), partial: i % 20 !== 0, ...stamp });
      if (i % 20 === 0) out({ type: 'BadDebt', trader: `noise-${i % 80}`, market: 'ETH', amount: wei(800), coveredByInsuranceFund: wei(800), socialised: '0', uncovered: '0', ...stamp });
    }
    if (i % 60 === 0 && i > 0) {
      const pf = (mark - oracle) / 8;
      const cap = oracle * 0.001 / 8;
      out({ type: 'FundingSettled', market: 'ETH', markTwap: wei(mark), indexTwap: wei(oracle), premiumFraction: wei(Math.max(-cap, Math.min(cap, pf))), uncappedPremiumFraction: wei(pf), premiumFractionCap: wei(cap), fundingRate: wei(Math.max(-cap, Math.min(cap, pf)) / oracle), cumulativePremiumFraction: '0', ammFundingProfit: '0', ...stamp });
    }
    if (i % 15 === 0) {
      out({ type: 'Snapshot', market: 'ETH', spot: wei(mark), markTwap: wei(mark), index: wei(oracle), fast: wei(price), totalPositionSize: '0', openNotionalLong: wei(2e6 + rand() * 1e6), openNotionalShort: wei(2e6 + rand() * 1e6), insuranceFund: wei(fund), vault: '0', ...stamp });
    }
  }
  out({ type: 'AgentResult', agent: 'noise-1', kind: 'noise', equityStart: wei(5000), equityEnd: wei(4000), unrealizedPnl: '0', pendingFunding: '0', exitCost: '0', hedged: false, blockNumber: block, timestamp: start + minutes * 60 });
  out({ type: 'RunEnded', blocks: minutes, actions: minutes, events: events + 1, invariants: null, blockNumber: block, timestamp: start + minutes * 60 });
  writeSync(fd, `${buffer.join('\n')}\n`);
  closeSync(fd);
  return { events };
}
