/**
 * Collateral moves between a hedged agent's venue and the chain (sim/engine/collateral-transfer.ts):
 * in a fall, an arbitrageur buys the vAMM from the stated book's liquidation cascade, so it is
 * long on chain and short at the venue; its chain margin runs low while its hedge is in profit.
 * With its treasury it withdraws from the venue (fee, latency), deposits on chain (gas) and is not
 * closed out; without (interval 0) it is liquidated whole, with bad debt. Every move is logged
 * and replays on the model to the wei.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEngineLog, replayJsonFromEvents, scriptFromReplayJson } from '../contracts/harness/engine-log.ts';
import { replay } from '../contracts/harness/replay.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { parseScript } from '../scenarios/script-loader.ts';
import { runScript } from '../scenarios/script-runner.ts';
import { CollateralTreasury, DEFAULT_TRANSFER } from '../sim/engine/collateral-transfer.ts';
import { type LoggedEvent, MemorySink } from '../sim/engine/event-log.ts';
import { DEFAULT_HEDGE, HedgeVenue } from '../sim/engine/hedge-venue.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

const HOUR = 3600;
const START = 1_700_000_000 - (1_700_000_000 % HOUR);

/** Hourly candles: a day flat at 200, then a fall to 120 over a day, then flat (or, with `rally`, back up to 220 over a day). */
function fallCsv(rally = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'vamm-transfer-'));
  const rows = ['timestamp,open,high,low,close,volume'];
  let price = 200;
  for (let h = 0; h < (rally ? 84 : 60); h++) {
    const next = h < 24 ? 200 : h < 48 ? 200 - (80 * (h - 23)) / 24 : rally && h < 72 ? 120 + (100 * (h - 47)) / 24 : rally ? 220 : 120;
    rows.push(`${START + h * HOUR},${price},${Math.max(price, next)},${Math.min(price, next)},${next},1`);
    price = next;
  }
  const file = join(dir, 'fall-1h.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

/** A stated book of 10x and 3x longs over 3x shorts on a 20M vAMM, one hedged arbitrageur at 5x, a liquidator. */
function scenario(file: string, transfer: Record<string, number>): Record<string, unknown> & { agents: unknown[] } {
  return {
    name: 'collateral-transfer',
    profile: 'default',
    seed: 1,
    market: { id: 'ETH', depth: '20000000' },
    prices: { file, gapPolicy: 'refuse' },
    insuranceFund: '1000000',
    population: {
      openInterest: { long: '8000000', short: '4000000' },
      accounts: { long: 40, short: 40 },
      concentration: { top1: 0.06, top10: 0.4 },
      leverage: [
        { leverage: 10, share: 0.6 },
        { leverage: 3, share: 0.4 },
      ],
    },
    agents: [
      { kind: 'arbitrageur', count: 1, capital: '200000', params: { leverage: 5, interval: 12, minEdge: 0.0005, maxInventory: 5, hedge: { transfer } } },
      { kind: 'liquidator', count: 1, capital: '1000' },
    ],
    invariants: 'block',
    snapshotInterval: 3600,
    gas: { profile: 'l1', baseFeeGwei: 20 },
  };
}

async function run(file: string, transfer: Record<string, number>): Promise<LoggedEvent[]> {
  const sink = new MemorySink();
  await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario(file, transfer)), 'collateral-transfer')), { sinks: [sink] });
  return sink.events;
}

const liquidated = (events: readonly LoggedEvent[], agent: string) => events.filter((e) => e.type === 'PositionLiquidated' && e.trader === agent).length;

describe('collateral transfer between the hedge venue and the chain', () => {
  it('decides nothing while the chain margin is healthy, and tops the chain up from the venue when it runs low', () => {
    const treasury = new CollateralTreasury();
    treasury.add('arb', 'ETH', DEFAULT_TRANSFER, 0);
    expect(treasury.size).toBe(1);
    const off = new CollateralTreasury();
    off.add('arb', 'ETH', { ...DEFAULT_TRANSFER, interval: 0 }, 0);
    expect(off.size).toBe(0);
    // The venue: a short hedge of 1,000 at 100 that the price has halved (in profit by 50,000).
    const venue = new HedgeVenue('ETH', [{ time: 0, price: 100n * 10n ** 18n, confidence: 0n }, { time: 100, price: 50n * 10n ** 18n, confidence: 0n }], 0);
    venue.open('arb', { ...DEFAULT_HEDGE, latency: 0, capital: 20_000 }, 0);
    venue.hedge('arb', 1000, 0);
    const before = { equity: Number.NaN, requirement: Number.NaN };
    expect(venue.standingInto('arb', 100, before)).toBe(true);
    expect(before.requirement).toBeCloseTo(1000 * 50 * 0.1, 6);
    expect(before.equity).toBeGreaterThan(60_000);
    const w = venue.withdraw('arb', 30_000, 10, 1900);
    expect(w).toMatchObject({ type: 'HedgeWithdrawal', amount: 30_000, fee: 10, arrivesAt: 1900 });
    // The standing read again into the same object holds the new equity (and one without an account leaves it alone).
    const after = { ...before };
    expect(venue.standingInto('arb', 100, after)).toBe(true);
    expect(after.equity).toBeCloseTo(before.equity - 30_010, 6);
    expect(after.requirement).toBe(before.requirement);
    expect(venue.standingInto('nobody', 100, after)).toBe(false);
    expect(after.equity).toBeCloseTo(before.equity - 30_010, 6);
    treasury.land({ at: 1900, kind: 'toChain', agent: 'arb', market: 'ETH', amount: 30_000 });
    expect(treasury.nextArrival()).toBe(1900);
    expect(treasury.dueArrivals(1899)).toEqual([]);
    expect(treasury.dueArrivals(1900)).toHaveLength(1);
  });

  it('keeps a hedged arbitrageur alive through a fall its chain margin alone would not survive, at the venue’s fee, latency and gas', { timeout: 300_000 }, async () => {
    const file = fallCsv();
    const without = await run(file, { interval: 0 });
    const withTransfer = await run(file, {});
    const arb = 'arbitrageur-1';
    // Without a transfer the arbitrageur's long is liquidated whole in the fall, with bad debt, while its hedge is in profit.
    const badDebt = (events: readonly LoggedEvent[]) => events.filter((e) => e.type === 'PositionLiquidated' && e.trader === arb).reduce((a, e) => a + BigInt(e.badDebt as string), 0n);
    expect(without.some((e) => e.type === 'PositionLiquidated' && e.trader === arb && e.partial === false)).toBe(true);
    expect(badDebt(without)).toBeGreaterThan(0n);
    expect(without.some((e) => e.type === 'HedgeWithdrawal' || e.type === 'CollateralArrived')).toBe(false);
    // With one, collateral leaves the venue, arrives after the latency and is deposited on chain.
    const withdrawals = withTransfer.filter((e) => e.type === 'HedgeWithdrawal' && e.agent === arb);
    const arrivals = withTransfer.filter((e) => e.type === 'CollateralArrived' && e.agent === arb);
    expect(withdrawals.length).toBeGreaterThan(0);
    expect(arrivals.length).toBeGreaterThan(0);
    const first = withdrawals[0] as LoggedEvent;
    expect(first.fee).toBe(DEFAULT_TRANSFER.withdrawalFee);
    expect(first.arrivesAt).toBe(first.timestamp + DEFAULT_TRANSFER.withdrawalLatency);
    const arrived = arrivals[0] as LoggedEvent;
    expect(arrived.timestamp).toBeGreaterThanOrEqual(first.arrivesAt as number);
    expect(BigInt(arrived.amount as string)).toBe(BigInt(first.amount as number) * 10n ** 18n);
    const deposit = withTransfer.find((e) => e.type === 'AgentAction' && e.agent === arb && e.action === 'deposit' && e.timestamp === arrived.timestamp);
    expect(deposit).toMatchObject({ ok: true });
    expect(deposit?.gasCostUsd as number).toBeGreaterThan(0);
    expect(withTransfer.some((e) => e.type === 'PositionLiquidated' && e.trader === arb && e.partial === false)).toBe(false);
    expect(badDebt(withTransfer)).toBe(0n);
    expect(liquidated(withTransfer, arb)).toBeLessThan(liquidated(without, arb));
    // Every invariant held with tokens entering the chain mid-run.
    expect(withTransfer.filter((e) => e.type === 'InvariantViolation')).toEqual([]);
  });

  it('sends collateral back to the venue when the hedge is the leg that lost; both directions replay on the model and on the contracts to the wei', { timeout: 600_000 }, async () => {
    const file = fallCsv(true);
    /** A whale on `side`, and an arbitrageur taking the other side of it (the book-less run replays). */
    const runWith = async (side: 'long' | 'short', arbitrageur: Record<string, unknown>) => {
      const { population: _book, ...s } = scenario(file, {});
      s.market = { id: 'ETH', depth: '4000000' };
      s.agents = [
        { kind: 'arbitrageur', count: 1, capital: '200000', params: { interval: 12, minEdge: 0.0005, maxInventory: 5, ...arbitrageur } },
        { kind: 'whale', count: 1, capital: '600000', params: { side, margin: 300000, leverage: 2, openAfter: 3600 } },
        { kind: 'liquidator', count: 1, capital: '1000' },
      ];
      const sink = new MemorySink();
      await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(s), 'collateral-transfer')), { sinks: [sink] });
      return sink.events;
    };
    /** The run as a script (its actions and collateral moves, each checked), then on anvil. */
    const replays = async (events: LoggedEvent[]) => {
      const script = parseScript(JSON.stringify(scriptFromReplayJson(replayJsonFromEvents(events, 'collateral-transfer', { checks: true }))), 'collateral-transfer.script.json');
      const result = runScript(script);
      expect(result.failures).toEqual([]);
      const dir = mkdtempSync(join(tmpdir(), 'vamm-transfer-log-'));
      writeFileSync(join(dir, 'events.jsonl'), `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
      const report = await replay(await loadEngineLog(join(dir, 'events.jsonl')));
      expect(report.divergences).toEqual([]);
      return { steps: result.steps.map((x) => x.action), gas: report.gas };
    };

    // The whale buys, the arbitrageur sells it the vAMM (short on chain at 3x, long at a venue holding
    // 30k), then the price falls: the hedge loses, the chain leg gains, and the chain pays the venue.
    const back = await runWith('long', { leverage: 3, hedge: { capital: 30000, transfer: { chainLow: 0.3, chainTarget: 0.45, chainHigh: 0.6 } } });
    const sent = back.filter((e) => e.type === 'CollateralSent');
    expect(sent.length).toBeGreaterThan(0);
    const withdrawn = back.find((e) => e.type === 'Withdrawn' && e.timestamp === (sent[0] as LoggedEvent).timestamp);
    expect(withdrawn?.amount).toBe((sent[0] as LoggedEvent).amount);
    const credited = back.filter((e) => e.type === 'HedgeDeposit');
    expect(credited.length).toBe(sent.length);
    expect((credited[0] as LoggedEvent).timestamp).toBe((sent[0] as LoggedEvent).timestamp + DEFAULT_TRANSFER.depositLatency);
    const backReplay = await replays(back);
    expect(backReplay.steps.filter((x) => x === 'transfer')).toHaveLength(sent.length);
    expect(backReplay.gas.transfer?.count).toBe(sent.length);

    // The whale sells, the arbitrageur buys (long on chain at 5x); its desk keeps the chain at 50–70 %: the venue pays the chain.
    const toChain = await runWith('short', { leverage: 5, hedge: { capital: 200000, transfer: { chainLow: 0.5, chainTarget: 0.7, chainHigh: 0.9 } } });
    const arrived = toChain.filter((e) => e.type === 'CollateralArrived');
    expect(arrived.length).toBeGreaterThan(0);
    const chainReplay = await replays(toChain);
    expect(chainReplay.steps.filter((x) => x === 'mint')).toHaveLength(arrived.length);
    expect(chainReplay.gas.deposit?.count).toBeGreaterThanOrEqual(arrived.length);
  });
});
