/**
 * The arbitrage-quality sink and the whole-P&L book read the index from OracleRound answers
 * before the first fast-feed tick; the answers carry the index feed's decimals (8 under
 * `default`, 18 under `perp-v1`), so they must scale them by the run's profile.
 */
import { describe, expect, it } from 'vitest';
import { ArbitrageQualitySink } from '../calibration/arbitrage-quality.ts';
import type { LoggedEvent } from '../sim/engine/event-log.ts';
import { WholePnlBook } from '../sim/engine/whole-pnl.ts';

const at = (blockNumber: number, e: Record<string, unknown>) => ({ ...e, blockNumber, timestamp: 1_600_000_000 + 12 * blockNumber }) as unknown as LoggedEvent;

/** The index at 200 USD, then an arbitrageur selling 10 ETH at 201 (above the index: a good edge). */
function log(profile: 'default' | 'perp-v1'): LoggedEvent[] {
  const answer = profile === 'perp-v1' ? 200n * 10n ** 18n : 200n * 10n ** 8n;
  return [
    at(0, { type: 'RunStarted', name: 'r', profile, seed: 1 }),
    at(1, { type: 'OracleRound', market: 'ETH', answer: String(answer), updatedAt: 1_600_000_000, roundId: '1' }),
    at(2, { type: 'AgentAction', agent: 'arb-1', kind: 'arbitrageur', action: 'open', ok: true, gasCostUsd: 0 }),
    at(2, {
      type: 'PositionChanged',
      trader: 'arb-1',
      market: 'ETH',
      exchangedPositionSize: String(-10n * 10n ** 18n),
      positionSizeAfter: String(-10n * 10n ** 18n),
      positionNotional: String(2010n * 10n ** 18n),
      fee: '0',
      realizedPnl: '0',
      fundingPayment: '0',
      liquidationPenalty: '0',
    }),
  ];
}

describe('readers of OracleRound answers', () => {
  for (const profile of ['default', 'perp-v1'] as const) {
    it(`read the index at 200 under ${profile}`, () => {
      const quality = new ArbitrageQualitySink();
      const book = new WholePnlBook('arb-1');
      for (const e of log(profile)) {
        quality.write(e);
        book.write(e);
      }
      const q = quality.result();
      expect(q.trades).toBe(1);
      expect(q.negativeEdge).toBe(0);
      // The largest notional it held, at the index: 10 ETH at 200.
      expect(book.result().peakNotional).toBeCloseTo(2000, 9);
    });
  }
});
