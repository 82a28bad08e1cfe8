/**
 * What the insurance fund's drawdown is made of, from its flows in the event log: bad debt it
 * absorbed, funding imbalance it paid and received, liquidation penalties and trading fees it
 * earned (and curve costs). At each new low of the fund below its start, the composition of
 * that drawdown is recorded, so a study can read, for any horizon, how deep the fund fell and
 * why; the totals by reason at the end give each component's own distribution.
 */
import { type EventRecord, type EventSink, amountOf } from './event-log.ts';
import { fromWei } from '../math/units.ts';

export const FLOW_PARTS = ['badDebt', 'fundingPaid', 'fundingReceived', 'penalty', 'fee', 'yieldLoss', 'other'] as const;
export type FlowPart = (typeof FLOW_PARTS)[number];

/** Money out of the fund is positive for bad debt, funding paid and the vault's yield loss; income positive for the rest. */
function partOf(reason: string, amount: bigint): FlowPart {
  if (reason === 'bad-debt' || reason === 'prepaid-bad-debt') return 'badDebt';
  if (reason === 'funding') return amount < 0n ? 'fundingPaid' : 'fundingReceived';
  if (reason === 'penalty') return 'penalty';
  if (reason === 'fee') return 'fee';
  if (reason === 'yield-loss') return 'yieldLoss';
  return 'other';
}

const OUTFLOWS: ReadonlySet<FlowPart> = new Set(['badDebt', 'fundingPaid', 'yieldLoss']);

export class FundDecomposition implements EventSink {
  readonly readsRecords = true;
  private start: bigint | null = null;
  private low: bigint | null = null;
  private readonly totals: Record<FlowPart, bigint> = { badDebt: 0n, fundingPaid: 0n, fundingReceived: 0n, penalty: 0n, fee: 0n, yieldLoss: 0n, other: 0n };
  /** At each new low: [timestamp, drawdown, ...the totals by part then], USD decimal strings. */
  private readonly lows: Array<[number, ...string[]]> = [];

  write(e: EventRecord): void {
    if (e.type === 'RunStarted' && e.insuranceFund !== undefined) {
      this.start = amountOf(e.insuranceFund);
      this.low = this.start;
      return;
    }
    if (e.type !== 'InsuranceFundFlow' || e.reason === 'seed') return;
    const amount = amountOf(e.amount);
    const part = partOf(e.reason as string, amount);
    // Outflows as positive amounts for bad debt and funding paid; income as positive amounts.
    this.totals[part] += OUTFLOWS.has(part) ? -amount : amount;
    const balance = amountOf(e.balanceAfter);
    if (this.start === null) return;
    if (this.low === null || balance < this.low) {
      this.low = balance;
      if (this.start - balance > 0n) this.lows.push([e.timestamp, fromWei(this.start - balance), ...FLOW_PARTS.map((p) => fromWei(this.totals[p]))]);
    }
  }

  close(): void {}

  result() {
    return { parts: FLOW_PARTS, totals: Object.fromEntries(FLOW_PARTS.map((p) => [p, fromWei(this.totals[p])])) as Record<FlowPart, string>, lows: this.lows };
  }
}
