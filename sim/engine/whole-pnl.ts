/**
 * One hedged agent's whole P&L, followed through the event log: what it made on the vAMM
 * (trading, funding, less fees and liquidation penalties), on its off-chain hedge, less gas and
 * what the hedge cost on its venue (fee, spread and size impact per trade, the venue's funding
 * while it is open). The hedge is the engine's (sim/engine/hedge-venue.ts, the same venue and
 * terms the arbitrageurs hedge on): its fills at the true reference price after the venue's
 * latency, read from the HedgeFill / HedgeFunding / HedgeMark events. The funding-cap study
 * judges attacks on this total and nothing less.
 *
 * A hedge is credited only as far as it hedges. A vAMM position is worth its exit on the curve,
 * and that exit follows the index only as far as the rest of the market moves the mark with it:
 * where nobody does (no arbitrage), the position has no exposure to the index, and a venue
 * position beside it is a naked bet, not a hedge. The hedge ratio is measured in the run itself,
 * hour by hour: the slope of the mark's moves made by everyone but the agent on the move that
 * would have brought the mark to the reference (the reference's new level less the mark at the
 * hour's start, less the agent's own moves, which a market that tracks the reference undoes too),
 * clamped to [0, 1]: hedge accounting's regression test of effectiveness. That share of
 * the hedge's trading P&L is the hedge; the rest is `directional`, reported apart and not in the
 * total (the venue's price direction, which no protocol parameter pays or stops); the hedge's
 * costs and funding are charged whole.
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
  /** The hedge's trading P&L on the venue (fills at the reference, the rest valued at the venue's closing mark), all of it. */
  readonly hedge: number;
  /** The share of the vAMM position's exposure to the reference the market gave it (0 – 1): the mark's moves by others per move of the reference. */
  readonly hedgeRatio: number;
  /** The hedge's trading P&L beyond what hedged the vAMM position, (1 − hedgeRatio) × hedge: a bet on the venue's direction, not in the total. */
  readonly directional: number;
  /** Fee, spread and size impact of the hedge's trades. */
  readonly hedgeTradingCosts: number;
  /** Funding paid (+) on the hedge venue. */
  readonly hedgeFunding: number;
  /** vAMM trading + the hedge's effective part: the basis captured. */
  readonly basis: number;
  /** max(0, basis): what a stale mark paid, inside the total. */
  readonly staleMarkGain: number;
  /** vAMM + the hedge's effective part − fees − penalties − gas − the hedge's costs and funding. */
  readonly total: number;
  /** The same with the directional part: what the agent's accounts ended with. */
  readonly totalWithDirectional: number;
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

/** What a position of `size` pays at a settlement of premium fraction `pf` (+ pays). */
function payment(size: bigint, pf: number): number {
  return (Number(size) / 1e18) * pf;
}

export class WholePnlBook implements EventSink {
  private readonly ledger = new AgentLedger();
  /** Every trader's size (wei), for the funding attribution. */
  private readonly sizes = new Map<string, bigint>();
  private reference = 0;
  private trades = 0;
  private peak = 0;
  private settlements = 0;
  private readonly paidBy = new Map<string, number>();
  /** The spot after the last trade, and the log moves of the mark made by others than the agent and by the agent, summed. */
  private spot = 0;
  private othersLogMark = 0;
  private ownLogMark = 0;
  /** The last hourly sample of the hedge-ratio regression. */
  private lastSample: { time: number; others: number; own: number; mark: number } | null = null;
  private sxy = 0;
  private sxx = 0;
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
      case 'Snapshot':
        if (this.spot === 0) this.spot = Number(num(e.spot)) / 1e18;
        // The reference the hedge trades at: the fast feed where there is one, else the index.
        this.sample(e.timestamp as number, Number(num(e.fast) > 0n ? num(e.fast) : num(e.index)) / 1e18);
        break;
      case 'PositionChanged': {
        const trader = e.trader as string;
        const spot = e.spotPrice === undefined ? 0 : Number(num(e.spotPrice)) / 1e18;
        if (this.spot > 0 && spot > 0) {
          if (trader === this.agent) this.ownLogMark += Math.log(spot / this.spot);
          else this.othersLogMark += Math.log(spot / this.spot);
        }
        if (spot > 0) this.spot = spot;
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

  /** An hourly point of the hedge-ratio regression (through the origin): others' mark moves on the move that would have closed the gap. */
  private sample(time: number, reference: number): void {
    if (!(reference > 0) || !(this.spot > 0)) return;
    const point = { time, others: this.othersLogMark, own: this.ownLogMark, mark: Math.log(this.spot) };
    if (!this.lastSample) this.lastSample = point;
    else if (time - this.lastSample.time >= 3600) {
      const closing = Math.log(reference) - this.lastSample.mark - (point.own - this.lastSample.own);
      this.sxy += (point.others - this.lastSample.others) * closing;
      this.sxx += closing * closing;
      this.lastSample = point;
    }
  }

  /** The share of the gap to the reference the others closed, clamped to [0, 1]; 1 when there was never a gap to close (the hedge then made nothing to judge). */
  hedgeRatio(): number {
    return this.sxx > 0 ? Math.min(1, Math.max(0, this.sxy / this.sxx)) : 1;
  }

  /** Splits what the agent received at one settlement among the payers, pro rata. */
  private attribute(premiumFraction: bigint, ammFundingProfit: bigint): void {
    const pf = Number(premiumFraction) / 1e18;
    for (const size of this.sizes.values()) this.tradersPaid += Math.max(0, payment(size, pf));
    const received = -payment(this.sizes.get(this.agent) ?? 0n, pf);
    if (!(received > 0)) return;
    const paid = new Map<string, number>();
    for (const [trader, size] of this.sizes) {
      const p = payment(size, pf);
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
    const hedgeRatio = this.hedgeRatio();
    const directional = (1 - hedgeRatio) * hedge;
    const hedgeTradingCosts = a.hedgeFees + a.hedgeSpread;
    const basis = vammTrading + hedge - directional;
    const staleMarkGain = Math.max(0, basis);
    const totalWithDirectional = equityChange + hedge - a.gasUsd - hedgeTradingCosts - a.hedgeFunding - a.transferFees;
    const total = totalWithDirectional - directional;
    return {
      vammTrading,
      funding,
      fees,
      penalties,
      other,
      gas: a.gasUsd,
      hedge,
      hedgeRatio,
      directional,
      hedgeTradingCosts,
      hedgeFunding: a.hedgeFunding,
      basis,
      staleMarkGain,
      total,
      totalWithDirectional,
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
