/**
 * Sinks that read records (the summary, its agent ledger and fund decomposition) get the
 * engine's events as built, without their JSON copy: what they make of an event must equal
 * what they make of the same event read back from its log line, for every field form the
 * engine writes (bigint amounts, −0 from rounding, non-finite floats, undefined fields,
 * nested values). Over whole runs the pin test rebuilds each bundled run's summary from its
 * log's bytes and compares it with the run's own. An action's arguments may be `Deferred` (a
 * refused order's or a call's, built only when read): the JSON copy and the line build them,
 * record sinks read them through `jsonOf`, and a run whose sinks all read records never builds them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deferred, type EventRecord, type EventSink, type LogEvent, type LoggedEvent, MemorySink, TeeSink, jsonOf, serialiseEvent } from '../sim/engine/event-log.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { SummaryBuilder } from '../sim/engine/summary.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import type { Json } from '../sim/state-view.ts';

/** Arguments built only when read, counting how often they were. */
class CountedArgs extends Deferred {
  static built = 0;
  constructor(private readonly args: Json) {
    super();
  }
  toJSON(): Json {
    CountedArgs.built++;
    return this.args;
  }
}

const stamp = (t: number) => ({ blockNumber: 100 + t, timestamp: 1_600_000_000 + 12 * t });

/** Floats as hedge venues and gas round them: ±0, −0 included, and the non-finite ones a bug could make. */
const float = fc.oneof(fc.double(), fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-7, -1e-7));
const wei = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
const agent = fc.constantFrom('noise-1', 'arbitrageur-1', 'liquidator-1');

/** Events of every kind the summary reads, with random amounts and floats. */
const event = (t: number): fc.Arbitrary<LogEvent> =>
  fc.oneof(
    fc.record({ agent, kind: fc.constantFrom('noise', 'arbitrageur', 'liquidator'), ok: fc.boolean(), gas: float, trader: agent, liq: fc.boolean(), deferred: fc.boolean() }).map(
      (x) =>
        ({
          type: 'AgentAction',
          agent: x.agent,
          kind: x.kind,
          action: x.liq ? 'liquidate' : 'openPosition',
          args: x.deferred ? new CountedArgs({ trader: x.trader }) : { trader: x.trader },
          priorityFee: 0,
          decidedAt: 0,
          ok: x.ok,
          reason: x.ok ? null : 'MarginRatioNotMet',
          gasUsed: 1,
          gasCostUsd: x.gas,
          ...stamp(t),
        }) as LogEvent,
    ),
    fc.record({ agent, size: float, price: float, fee: float, spread: float, position: float }).map(
      (x) => ({ type: 'HedgeFill', agent: x.agent, market: 'ETH', size: x.size, price: x.price, fee: x.fee, spreadCost: x.spread, position: x.position, filledAt: 0, ...stamp(t) }) as LogEvent,
    ),
    fc.record({ agent, amount: float }).map((x) => ({ type: 'HedgeFunding', agent: x.agent, market: 'ETH', position: 0, price: 0, rate: 0, amount: x.amount, fundingTime: 0, ...stamp(t) }) as LogEvent),
    fc.record({ agent, fee: float }).map((x) => ({ type: 'HedgeWithdrawal', agent: x.agent, market: 'ETH', amount: 1, fee: x.fee, arrivesAt: 0, ...stamp(t) }) as LogEvent),
    fc.record({ price: float }).map((x) => ({ type: 'HedgeMark', market: 'ETH', price: x.price, ...stamp(t) }) as LogEvent),
    fc.record({ agent, amount: wei, gas: float }).map((x) => ({ type: 'CollateralSent', agent: x.agent, to: 'hedge-venue', amount: x.amount, gasUsed: 1, gasCostUsd: x.gas, ...stamp(t) }) as LogEvent),
    fc.record({ agent, amount: wei }).map((x) => ({ type: 'CollateralArrived', agent: x.agent, amount: x.amount, ...stamp(t) }) as LogEvent),
    fc.record({ reason: fc.constantFrom('funding', 'fee', 'penalty', 'bad-debt', 'seed'), amount: wei, balance: wei }).map(
      (x) => ({ type: 'InsuranceFundFlow', reason: x.reason, amount: x.amount, balanceAfter: x.balance, ...stamp(t) }) as unknown as LogEvent,
    ),
    fc.record({ amount: wei }).map((x) => ({ type: 'BadDebt', amount: x.amount, coveredByInsuranceFund: x.amount, socialised: 0n, uncovered: 0n, ...stamp(t) }) as unknown as LogEvent),
    fc.record({ a: wei, b: wei }).map((x) => ({ type: 'FundingSettled', fundingRate: x.a, premiumFraction: x.a, uncappedPremiumFraction: x.b, ...stamp(t) }) as unknown as LogEvent),
    fc.record({ trader: agent, a: wei, b: wei }).map(
      (x) => ({ type: 'PositionChanged', trader: x.trader, exchangedPositionSize: x.a, realizedPnl: x.b, fee: x.a, fundingPayment: x.b, liquidationPenalty: 0n, ...stamp(t) }) as unknown as LogEvent,
    ),
    fc.record({ spot: fc.bigInt({ min: 1n, max: 10n ** 24n }), fund: wei, fee: float }).map(
      (x) =>
        ({ type: 'Snapshot', market: 'ETH', spot: x.spot, markTwap: x.spot, index: x.spot, fast: x.spot, totalPositionSize: 0n, openNotionalLong: 0n, openNotionalShort: 0n, insuranceFund: x.fund, vault: 0n, baseFee: x.fee, ...stamp(t) }) as LogEvent,
    ),
    fc.record({ agent, a: wei, b: wei, hedged: fc.boolean(), exit: fc.option(wei, { nil: undefined }) }).map(
      (x) => ({ type: 'AgentResult', agent: x.agent, kind: 'noise', equityStart: x.a, equityEnd: x.b, unrealizedPnl: x.a, pendingFunding: x.b, exitCost: x.exit, hedged: x.hedged, ...stamp(t) }) as unknown as LogEvent,
    ),
  );

const runStart = (fund: bigint): LogEvent =>
  ({ type: 'RunStarted', name: 'records', profile: 'default', seed: 3, agents: 3, insuranceFund: fund, config: {}, setup: { blockTime: 12, markets: [], accounts: [], backstopLiquidityProviders: [] }, ...stamp(0) }) as LogEvent;
const runEnd = (n: number): LogEvent => ({ type: 'RunEnded', blocks: n, actions: 0, events: n, invariants: { ledger: { checks: n, violations: 0 } }, ...stamp(n) }) as LogEvent;

/** The summary of `events` as the engine hands them over (through a tee, as runs do), and as their log lines read back. */
function bothWays(events: readonly LogEvent[]) {
  const direct = new SummaryBuilder();
  const tee = new TeeSink([direct]);
  for (const e of events) tee.writeEvent(e);
  const readBack = new SummaryBuilder();
  for (const e of events) readBack.write(JSON.parse(serialiseEvent(e)) as LoggedEvent);
  return { direct: direct.result(), readBack: readBack.result() };
}

describe('sinks that read records', () => {
  it('make of an event as built what they make of its log line', () => {
    fc.assert(
      fc.property(wei, fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 40 }).chain((ts) => fc.tuple(...ts.map((_, i) => event(i + 1)))), (fund, middle) => {
        const { direct, readBack } = bothWays([runStart(fund), ...middle, runEnd(middle.length + 1)]);
        expect(direct).toEqual(readBack);
        // −0 survives toEqual's comparison only as 0: JSON text shows any difference left.
        expect(JSON.stringify(direct)).toBe(JSON.stringify(readBack));
      }),
      { numRuns: 300 },
    );
  });

  it('a run whose sinks all read records never builds an action’s arguments, and they read as the log shows them', async () => {
    const base = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'scenarios', 'runs', 'year-2022-hourly.json'), 'utf8')) as Record<string, unknown>;
    // Two weeks of the bundled hourly year: arbitrageurs' limited orders are refused by their router.
    const config = await resolveRun(parseRunScenario(JSON.stringify({ ...base, prices: { ...(base.prices as object), from: '2022-06-01', to: '2022-06-15' } })));
    const records: EventRecord[] = [];
    const recordSink: EventSink = { readsRecords: true, needsLine: false, write: (e) => records.push(e as unknown as EventRecord), close() {} };
    await runSimulation(config, { sinks: [recordSink] });
    const lines = new MemorySink(true);
    await runSimulation(config, { sinks: [lines] });
    const refused = records.filter((e) => e.type === 'AgentAction' && e.reason === 'PriceLimit');
    expect(refused.length).toBeGreaterThan(100);
    // Not built by the run: still deferred when the run ended, as are the arguments of every call made (kept or reverted).
    expect(refused.every((e) => e.args instanceof Deferred)).toBe(true);
    const called = records.filter((e) => e.type === 'AgentAction' && e.reason !== 'PriceLimit' && e.reason !== 'BelowMinProfit');
    expect(called.filter((e) => e.ok).length).toBeGreaterThan(100);
    expect(called.every((e) => e.args instanceof Deferred)).toBe(true);
    // Built when read, they are what the log line of the same run shows.
    expect(records.length).toBe(lines.lines.length);
    for (let i = 0; i < records.length; i++) {
      const e = records[i] as EventRecord;
      if (e.type !== 'AgentAction') continue;
      expect(jsonOf(e.args), lines.lines[i]).toEqual((JSON.parse(lines.lines[i] as string) as LoggedEvent).args);
    }
  }, 120_000);

  it('a tee builds deferred arguments only for the JSON copy and the line', () => {
    const seen: LoggedEvent[] = [];
    const e = { type: 'AgentAction', agent: 'a', kind: 'noise', action: 'open', args: new CountedArgs({ trader: 'a', margin: '5' }), priorityFee: 0, decidedAt: 0, ok: false, reason: 'PriceLimit', gasUsed: 0, gasCostUsd: 0, ...stamp(1) } as LogEvent;
    const built = CountedArgs.built;
    new TeeSink([{ readsRecords: true, needsLine: false, write: (x) => seen.push(x), close() {} }]).writeEvent(e);
    expect(CountedArgs.built).toBe(built);
    expect(seen[0]?.args).toBeInstanceOf(Deferred);
    let line = '';
    new TeeSink([{ readsRecords: true, needsLine: true, write: (_x, l) => (line = l), close() {} }]).writeEvent(e);
    expect(JSON.parse(line).args).toEqual({ trader: 'a', margin: '5' });
    expect(line).toBe(serialiseEvent(e));
  });

  it('a tee copies events into JSON only for the sinks that do not read records', () => {
    const seen: Array<{ record: boolean; e: unknown; line: string }> = [];
    const sink = (record: boolean, line: boolean): EventSink => ({ readsRecords: record, needsLine: line, write: (e, l) => seen.push({ record, e, line: l }), close() {} });
    const e = { type: 'CollateralArrived', agent: 'a', amount: 5n, ...stamp(1) } as LogEvent;
    new TeeSink([sink(true, false), sink(false, false), sink(true, true)]).writeEvent(e);
    expect(seen[0]).toEqual({ record: true, e, line: '' });
    expect(seen[1]?.e).toEqual(JSON.parse(serialiseEvent(e)));
    expect(seen[2]).toEqual({ record: true, e, line: serialiseEvent(e) });
    // A tee of mixed sinks is itself no record reader: a record handed on must reach each sink as it reads.
    expect(new TeeSink([sink(true, false), sink(false, false)]).readsRecords).toBe(false);
    expect(new TeeSink([sink(true, false)]).readsRecords).toBe(true);
  });
});
