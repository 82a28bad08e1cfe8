/**
 * One hedged agent's whole P&L, followed through the event log: what it made on the vAMM
 * (trading, funding, less fees and liquidation penalties), on its off-chain hedge, less gas and
 * what the hedge cost on its venue (fee, spread and size impact per trade, the venue's funding
 * while it is open). The hedge is the engine's (sim/engine/hedge-venue.ts, the same venue and
 * terms the arbitrageurs hedge on): its fills at the true reference price after the venue's
 * latency, read from the HedgeFill / HedgeFunding / HedgeMark events. The funding-cap study
 * judges attacks on this total and nothing less.
 *
 * The stale-mark gain is reported apart but stays inside the total: the vAMM trades' P&L plus the
 * hedge's is the mark–reference basis the agent captured; when positive, a stale mark paid it
 * (nobody else moved the mark to the reference), which no funding cap stops. Who paid the
 * funding it received is attributed at every settlement, pro rata to what each payer paid (the
 * traders on the paying side by kind, and the insurance fund for the imbalance).
 */
import { indexAnswerScale } from '../params.ts';
import { AgentLedger } from './agent-ledger.ts';
import type { EventSink, LoggedEvent } from './event-log.ts';

export interface WholePnl {
  /** Trading P&L on the vAMM (realised + unrealised at the end), before fees and funding. */
  readonly vammTrading: number;
  /** Funding received (+) or paid (−) on the vAMM, settled and pending. */
  readonly funding: number;
  readonly fees: number;
  readonly penalties: number;
  /** What else moved its equity (a socialised loss); 0 in a normal run. */
  readonly other: number;
  readonly gas: number;
  /** The hedge's trading P&L on the venue (fills at the reference, the rest valued at the venue's closing mark). */
  readonly hedge: number;
  /** Fee, spread and size impact of the hedge's trades. */
  readonly hedgeTradingCosts: number;
  /** Funding paid (+) on the hedge venue. */
  readonly hedgeFunding: number;
  /** vAMM trading + hedge: the basis captured. */
  readonly basis: number;
  /** max(0, basis): what a stale mark paid, inside the total. */
  readonly staleMarkGain: number;
  /** vAMM + hedge − fees − penalties − gas − the hedge's costs and funding. */
  readonly total: number;
  /** The total less the stale-mark gain: what the funding mechanism paid the plan, net. */
  readonly totalExStaleMark: number;
  readonly equityChange: number;
  /** Who paid the funding it received (USD, by payer: a trader kind or `insurance fund`). */
  readonly fundingPaidBy: Readonly<Record<string, number>>;
  readonly settlements: number;
  readonly trades: number;
  readonly actions: number;
  readonly reverted: number;
  /** The largest notional it held (USD, at the trade's reference price). */
  readonly peakNotional: number;
  /** The market's funding: what the traders on the paying side paid in all (USD), and Σ |rate| per settlement. */
  readonly market: { readonly fundingPaidByTraders: number; readonly sumAbsFundingRate: number };
}

const usd = (wei: bigint): number => Number(wei) / 1e18;
const num = (x: unknown): bigint => BigInt(x as string);

export class WholePnlBook implements EventSink {
  private readonly ledger = new AgentLedger();
  /** Every trader's size (wei), for the funding attribution. */
  private readonly sizes = new Map<string, bigint>();
  private reference = 0;
  private trades = 0;
  private peak = 0;
  private settlements = 0;
  private readonly paidBy = new Map<string, number>();
  private tradersPaid = 0;
  private absRates = 0;
  /** OracleRound answers × this = wei (the run's profile sets the feed's decimals). */
  private answerScale = indexAnswerScale('default');

  constructor(private readonly agent: string) {}

  write(e: LoggedEvent): void {
    this.ledger.write(e);
    switch (e.type) {
      case 'RunStarted':
        this.answerScale = indexAnswerScale(e.profile as string);
        break;
      case 'FastPrice':
        this.reference = Number(num(e.price)) / 1e18;
        break;
      case 'OracleRound':
        if (this.reference === 0) this.reference = Number(num(e.answer) * this.answerScale) / 1e18;
        break;
      case 'PositionChanged': {
        const trader = e.trader as string;
        this.sizes.set(trader, num(e.positionSizeAfter));
        if (trader !== this.agent) break;
        const change = Number(num(e.exchangedPositionSize)) / 1e18;
        if (change !== 0) this.trades++;
        this.peak = Math.max(this.peak, Math.abs((Number(num(e.positionSizeAfter)) / 1e18) * this.reference));
        break;
      }
      case 'FundingSettled': {
        this.settlements++;
        const rate = Number(num(e.fundingRate)) / 1e18;
        this.absRates += Math.abs(rate);
        this.attribute(num(e.premiumFraction), num(e.ammFundingProfit));
        break;
      }
    }
  }

  close(): void {}

  /** Splits what the agent received at one settlement among the payers, pro rata. */
  private attribute(premiumFraction: bigint, ammFundingProfit: bigint): void {
    const pf = Number(premiumFraction) / 1e18;
    const payment = (size: bigint) => (Number(size) / 1e18) * pf; // + pays
    for (const size of this.sizes.values()) this.tradersPaid += Math.max(0, payment(size));
    const received = -payment(this.sizes.get(this.agent) ?? 0n);
    if (!(received > 0)) return;
    const paid = new Map<string, number>();
    for (const [trader, size] of this.sizes) {
      const p = payment(size);
      if (p <= 0 || trader === this.agent) continue;
      const kind = this.ledger.agents.get(trader)?.kind || trader;
      paid.set(kind, (paid.get(kind) ?? 0) + p);
    }
    // ammFundingProfit < 0: the AMM side (the insurance fund) paid the imbalance.
    if (ammFundingProfit < 0n) paid.set('insurance fund', (paid.get('insurance fund') ?? 0) - usd(ammFundingProfit));
    const total = [...paid.values()].reduce((a, b) => a + b, 0);
    if (total <= 0) return;
    for (const [payer, p] of paid) this.paidBy.set(payer, (this.paidBy.get(payer) ?? 0) + (received * p) / total);
  }

  result(): WholePnl {
    const a = this.ledger.agent(this.agent);
    const funding = -usd(a.fundingPaid + a.pendingFunding);
    const fees = usd(a.fees);
    const penalties = usd(a.liquidationPenalties);
    const equityChange = usd(this.ledger.equityChange(a));
    const vammTrading = usd(a.realizedPnl + a.unrealizedPnl);
    const other = equityChange - (vammTrading + funding - fees - penalties);
    const hedge = this.ledger.hedgeTrading(a);
    const hedgeTradingCosts = a.hedgeFees + a.hedgeSpread;
    const basis = vammTrading + hedge;
    const staleMarkGain = Math.max(0, basis);
    const total = equityChange + hedge - a.gasUsd - hedgeTradingCosts - a.hedgeFunding - a.transferFees;
    return {
      vammTrading,
      funding,
      fees,
      penalties,
      other,
      gas: a.gasUsd,
      hedge,
      hedgeTradingCosts,
      hedgeFunding: a.hedgeFunding,
      basis,
      staleMarkGain,
      total,
      totalExStaleMark: total - staleMarkGain,
      equityChange,
      fundingPaidBy: Object.fromEntries([...this.paidBy].sort(([x], [y]) => (x < y ? -1 : 1))),
      settlements: this.settlements,
      trades: this.trades,
      actions: a.actions,
      reverted: a.reverted,
      peakNotional: this.peak,
      market: { fundingPaidByTraders: this.tradersPaid, sumAbsFundingRate: this.absRates },
    };
  }
}
