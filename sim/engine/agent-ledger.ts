/**
 * Each agent's money, followed through the event log: trading PnL, fees, funding, liquidation
 * penalties and income, gas, actions, its equity at start and end, and the hedge a hedged agent
 * (arbitrageur, manipulator, searcher) holds on the CEX venue: its fills, fees, spread, funding
 * and margin calls, valued at the venue's closing mark. Its net result is the vAMM's equity
 * change plus the hedge's, less gas. The run summary and the manipulator's training environment
 * both read agents' results from it.
 */
import { indexAnswerScale } from '../params.ts';
import { type EventRecord, amountOf as big, numberOf as num } from './event-log.ts';

export interface AgentTally {
  kind: string;
  realizedPnl: bigint;
  fees: bigint;
  fundingPaid: bigint;
  liquidationPenalties: bigint;
  liquidationIncome: bigint;
  gasUsd: number;
  actions: number;
  reverted: number;
  equityStart: bigint;
  equityEnd: bigint;
  unrealizedPnl: bigint;
  pendingFunding: bigint;
  /** Its open vAMM positions at the mark less at their exit (from AgentResult). */
  exitCost: bigint;
  /** The hedge on the CEX venue (USD floats): cash from its fills, its position, and its costs. */
  hedgeCash: number;
  hedgePosition: number;
  hedgeFees: number;
  hedgeSpread: number;
  hedgeFunding: number;
  hedgeMarginCalls: number;
  /** Collateral its treasury moved onto the chain from the venue, less what it sent back (wei), and the venue's withdrawal fees (USD). */
  transferredToChain: bigint;
  transferFees: number;
  hedged: boolean;
  /** The vAMM position's size (base, signed). */
  size: number;
}

export class AgentLedger {
  readonly agents = new Map<string, AgentTally>();
  /** The hedge venue's closing mark (of the first market). */
  private hedgeMark = Number.NaN;
  /**
   * Per market, the reference price in wei as the log gave it (bigint or decimal text): the fast
   * feed's latest, or the first oracle round's before it. Read at the end only, so converted then
   * (a month of 1-minute candles logs ~134,000 fast prices).
   */
  private readonly referenceWei = new Map<string, unknown>();
  /** OracleRound answers × this = wei (set from the run's profile). */
  private answerScale = indexAnswerScale('default');

  /** Reads an event as the engine built it or as its log reads back, alike. */
  write(e: EventRecord): void {
    switch (e.type) {
      case 'RunStarted':
        this.answerScale = indexAnswerScale(e.profile as string);
        break;
      case 'AgentAction': {
        const a = this.agent(e.agent as string, e.kind as string);
        a.actions++;
        if (!e.ok) a.reverted++;
        a.gasUsd += num(e.gasCostUsd);
        break;
      }
      case 'HedgeFill': {
        const a = this.agent(e.agent as string);
        a.hedgeCash -= num(e.size) * num(e.price);
        a.hedgePosition = num(e.position);
        a.hedgeFees += num(e.fee);
        a.hedgeSpread += num(e.spreadCost);
        break;
      }
      case 'HedgeFunding':
        this.agent(e.agent as string).hedgeFunding += num(e.amount);
        break;
      case 'HedgeWithdrawal':
        this.agent(e.agent as string).transferFees += num(e.fee);
        break;
      case 'CollateralArrived':
        this.agent(e.agent as string).transferredToChain += big(e.amount);
        break;
      case 'CollateralSent': {
        const a = this.agent(e.agent as string);
        a.transferredToChain -= big(e.amount);
        a.gasUsd += num(e.gasCostUsd);
        break;
      }
      case 'HedgeMarginCall':
        this.agent(e.agent as string).hedgeMarginCalls++;
        break;
      case 'HedgeMark':
        if (Number.isNaN(this.hedgeMark)) this.hedgeMark = num(e.price);
        break;
      case 'FastPrice':
        this.referenceWei.set(e.market as string, e.price);
        break;
      case 'OracleRound':
        if (!this.referenceWei.has(e.market as string)) this.referenceWei.set(e.market as string, big(e.answer) * this.answerScale);
        break;
      case 'PositionChanged': {
        const a = this.agent(e.trader as string);
        const change = Number(big(e.exchangedPositionSize)) / 1e18;
        a.size += change;
        a.realizedPnl += big(e.realizedPnl);
        a.fees += big(e.fee);
        a.fundingPaid += big(e.fundingPayment);
        a.liquidationPenalties += big(e.liquidationPenalty);
        break;
      }
      case 'PositionLiquidated':
        this.agent(e.liquidator as string).liquidationIncome += big(e.liquidationFee);
        break;
      case 'AgentResult': {
        const a = this.agent(e.agent as string, e.kind as string);
        a.equityStart = big(e.equityStart);
        a.equityEnd = big(e.equityEnd);
        a.unrealizedPnl = big(e.unrealizedPnl);
        a.pendingFunding = big(e.pendingFunding);
        a.exitCost = e.exitCost === undefined ? 0n : big(e.exitCost);
        a.hedged = e.hedged === true;
        break;
      }
    }
  }

  /** What the hedge's trades made, valued at the venue's closing mark (before its costs). */
  hedgeTrading(a: AgentTally): number {
    return a.hedgePosition === 0 && a.hedgeCash === 0 ? 0 : a.hedgeCash + a.hedgePosition * (Number.isNaN(this.hedgeMark) ? 0 : this.hedgeMark);
  }

  /** What the hedge made in all: its trading less its fees, spread, funding and withdrawal fees. */
  hedgePnl(a: AgentTally): number {
    return this.hedgeTrading(a) - a.hedgeFees - a.hedgeSpread - a.hedgeFunding - a.transferFees;
  }

  /** Its equity change on chain less the collateral its treasury brought there (which the venue's side no longer counts). */
  equityChange(a: AgentTally): bigint {
    return a.equityEnd - a.equityStart - a.transferredToChain;
  }

  /** The reference price at the end (of the first market). */
  endPrice(): number {
    for (const wei of this.referenceWei.values()) return Number(big(wei)) / 1e18;
    return 0;
  }

  /** The agent's net result: its equity change on the vAMM plus its hedge's result, less gas (USD); open vAMM positions at their exit. */
  net(a: AgentTally): number {
    return Number(this.equityChange(a)) / 1e18 + this.hedgePnl(a) - a.gasUsd;
  }

  /**
   * The same with open vAMM positions at the mark, as the hedge is valued at the venue's mark:
   * a going concern's result, which does not charge a large inventory for leaving at once.
   */
  netAtMark(a: AgentTally): number {
    return this.net(a) + Number(a.exitCost) / 1e18;
  }

  agent(id: string, kind = ''): AgentTally {
    let a = this.agents.get(id);
    if (!a) {
      a = {
        kind,
        realizedPnl: 0n,
        fees: 0n,
        fundingPaid: 0n,
        liquidationPenalties: 0n,
        liquidationIncome: 0n,
        gasUsd: 0,
        actions: 0,
        reverted: 0,
        equityStart: 0n,
        equityEnd: 0n,
        unrealizedPnl: 0n,
        pendingFunding: 0n,
        exitCost: 0n,
        hedgeCash: 0,
        hedgePosition: 0,
        hedgeFees: 0,
        hedgeSpread: 0,
        hedgeFunding: 0,
        hedgeMarginCalls: 0,
        transferredToChain: 0n,
        transferFees: 0,
        hedged: false,
        size: 0,
      };
      this.agents.set(id, a);
    } else if (kind && !a.kind) a.kind = kind;
    return a;
  }
}
