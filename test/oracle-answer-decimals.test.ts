/**
 * An OracleRound event carries the index feed's own answer: 8 decimals from a Chainlink
 * aggregator (`default`), 18 from Perp v1's L2PriceFeed (`perp-v1`). Every reader of a run's
 * log scales it by the run's profile: the run report's index, the agent ledger's hedge price and
 * the replay of a run on the contracts.
 */
import { describe, expect, it } from 'vitest';
import { replayJsonFromEvents } from '../contracts/harness/engine-log.ts';
import { RunModelBuilder } from '../reports/run-model-builder.ts';
import { AgentLedger } from '../sim/engine/agent-ledger.ts';
import type { LoggedEvent } from '../sim/engine/event-log.ts';

const T = 1_700_000_000;
/** A run's first events: RunStarted (its set-up at 2000) and one index round at 1990. */
function runStart(profile: 'default' | 'perp-v1'): LoggedEvent[] {
  const answer = profile === 'perp-v1' ? '1990000000000000000000' : '199000000000';
  return [
    {
      type: 'RunStarted',
      name: 'r',
      profile,
      seed: 1,
      agents: 0,
      insuranceFund: '0',
      config: { name: 'r', profile, market: { depth: 'x' } },
      setup: {
        markets: [{ id: 'ETH', quoteReserve: '200000000000000000000000', baseReserve: '100000000000000000000', oracle: { answer: '200000000000', updatedAt: T, roundId: '1' } }],
        accounts: [],
        blockTime: 12,
        backstopLiquidityProviders: [],
      },
      blockNumber: 1,
      timestamp: T,
    },
    { type: 'OracleRound', market: 'ETH', roundId: '2', answer, updatedAt: T + 12, blockNumber: 2, timestamp: T + 12 },
  ] as unknown as LoggedEvent[];
}

describe('OracleRound answers in the index feed’s decimals', () => {
  for (const profile of ['default', 'perp-v1'] as const) {
    it(`${profile}: the run report, the agent ledger and the replay all read 1990`, () => {
      const events = runStart(profile);
      const builder = new RunModelBuilder();
      for (const e of events) builder.write(e);
      expect(builder.result().markets[0]!.index.v).toEqual([1990]);

      const ledger = new AgentLedger();
      for (const e of events) ledger.write(e);
      expect(ledger.endPrice()).toBe(1990);

      const log = replayJsonFromEvents(events, 'events.jsonl').log as Array<Record<string, { price?: string }>>;
      expect(log.map((s) => s.setOraclePrice?.price)).toEqual(['2000', '1990']);
    });
  }

  it('the agent ledger’s end price is the last fast price once one came (either form), else the first round', () => {
    const events = runStart('default');
    const fast = (price: unknown, at: number) => ({ type: 'FastPrice', market: 'ETH', price, confidence: '0', publishTime: T + at, blockNumber: 3, timestamp: T + at }) as unknown as LoggedEvent;
    const ledger = new AgentLedger();
    for (const e of [...events, fast(2010n * 10n ** 18n, 24), fast('2020500000000000000000', 36)]) ledger.write(e);
    expect(ledger.endPrice()).toBeCloseTo(2020.5, 9);
    // A later round does not replace a fast price.
    ledger.write({ ...(events[1] as LoggedEvent), roundId: '3', timestamp: T + 48 } as LoggedEvent);
    expect(ledger.endPrice()).toBeCloseTo(2020.5, 9);
    expect(new AgentLedger().endPrice()).toBe(0);
  });
});
