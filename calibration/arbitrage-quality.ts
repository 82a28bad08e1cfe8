/**
 * How well the arbitrageurs trade, read from a run's event log: the share of their trades at a
 * negative edge against the reference price when they executed (buying above it, selling below
 * it; also net of the vAMM fee), and how often two or more of them trade the same side in one
 * block (the crowding a population that sizes on stale state produces). A trade is an
 * arbitrageur's own open or close that changed its position; the reference is the fast feed in
 * force in that block.
 */
import type { EventSink, LoggedEvent } from '../sim/engine/event-log.ts';
import { indexAnswerScale } from '../sim/params.ts';

export interface ArbitrageQuality {
  readonly trades: number;
  /** Trades whose average price was on the wrong side of the reference. */
  readonly negativeEdge: number;
  readonly negativeEdgeShare: number;
  /** The same, counting the vAMM fee as part of the price. */
  readonly negativeEdgeNetOfFee: number;
  readonly negativeEdgeNetOfFeeShare: number;
  /** Blocks with at least one arbitrageur trade, and those where two or more traded the same side. */
  readonly tradingBlocks: number;
  readonly sameSideBlocks: number;
  readonly sameSideShare: number;
  /** Negative-edge share of the trades that were second or later in their block. */
  readonly laterInBlockNegativeShare: number;
}

export class ArbitrageQualitySink implements EventSink {
  /** It reads the events, never the JSON text. */
  readonly needsLine = false;
  private reference = Number.NaN;
  private actor: { agent: string; kind: string; action: string } | null = null;
  private block = -1;
  private blockSides = new Map<string, Set<string>>();
  private blockTrades = 0;
  private trades = 0;
  private negative = 0;
  private negativeNet = 0;
  private later = 0;
  private laterNegative = 0;
  private tradingBlocks = 0;
  private sameSideBlocks = 0;
  /** OracleRound answers × this = wei (the run's profile sets the feed's decimals). */
  private answerScale = indexAnswerScale('default');

  constructor(private readonly kind = 'arbitrageur') {}

  write(e: LoggedEvent): void {
    if (e.blockNumber !== this.block) this.endBlock(e.blockNumber);
    switch (e.type) {
      case 'RunStarted':
        this.answerScale = indexAnswerScale(e.profile as string);
        break;
      case 'FastPrice':
        this.reference = Number(BigInt(e.price as string)) / 1e18;
        break;
      case 'OracleRound':
        if (Number.isNaN(this.reference)) this.reference = Number(BigInt(e.answer as string) * this.answerScale) / 1e18;
        break;
      case 'AgentAction':
        this.actor = { agent: e.agent as string, kind: e.kind as string, action: e.action as string };
        break;
      case 'PositionChanged': {
        const a = this.actor;
        if (!a || a.kind !== this.kind || a.agent !== e.trader || (a.action !== 'open' && a.action !== 'close')) break;
        const base = Number(BigInt(e.exchangedPositionSize as string)) / 1e18;
        const quote = Number(BigInt(e.positionNotional as string)) / 1e18;
        if (base === 0 || quote === 0) break;
        const fee = Number(BigInt(e.fee as string)) / 1e18;
        const price = quote / Math.abs(base);
        const buy = base > 0;
        const bad = buy ? price > this.reference : price < this.reference;
        const netPrice = buy ? (quote + fee) / base : (quote - fee) / -base;
        const badNet = buy ? netPrice > this.reference : netPrice < this.reference;
        this.trades++;
        if (bad) this.negative++;
        if (badNet) this.negativeNet++;
        if (this.blockTrades > 0) {
          this.later++;
          if (bad) this.laterNegative++;
        }
        this.blockTrades++;
        const side = buy ? 'buy' : 'sell';
        const set = this.blockSides.get(side) ?? new Set<string>();
        set.add(a.agent);
        this.blockSides.set(side, set);
        break;
      }
    }
  }

  close(): void {
    this.endBlock(-1);
  }

  result(): ArbitrageQuality {
    this.endBlock(this.block);
    const share = (a: number, b: number) => (b === 0 ? 0 : a / b);
    return {
      trades: this.trades,
      negativeEdge: this.negative,
      negativeEdgeShare: share(this.negative, this.trades),
      negativeEdgeNetOfFee: this.negativeNet,
      negativeEdgeNetOfFeeShare: share(this.negativeNet, this.trades),
      tradingBlocks: this.tradingBlocks,
      sameSideBlocks: this.sameSideBlocks,
      sameSideShare: share(this.sameSideBlocks, this.tradingBlocks),
      laterInBlockNegativeShare: share(this.laterNegative, this.later),
    };
  }

  private endBlock(next: number): void {
    if (this.blockTrades > 0) {
      this.tradingBlocks++;
      if ([...this.blockSides.values()].some((s) => s.size >= 2)) this.sameSideBlocks++;
    }
    this.block = next;
    this.blockTrades = 0;
    this.blockSides = new Map();
  }
}
