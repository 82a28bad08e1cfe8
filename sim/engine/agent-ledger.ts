/**
 * Each agent's money, followed through the event log: trading PnL, fees, funding, liquidation
 * penalties and income, gas, actions, its equity at start and end, and the off-chain hedge a
 * hedged agent (arbitrageur, manipulator) holds at the reference price. The run summary and the
 * manipulator's training environment both read agents' results from it.
 */
import { indexAnswerScale } from '../params.ts';
import type { LoggedEvent } from './event-log.ts';

const big = (x: unknown): bigint => BigInt(x as string);

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
  /** Off-chain hedge: base sold at the reference price as the vAMM position grew (USD floats). */
  hedgeCash: number;
  size: number;
  hedged: boolean;
}

export class AgentLedger {
  readonly agents = new Map<string, AgentTally>();
  /** Per market, the price a hedge trades at: the fast feed, or the first oracle round before it. */
  private readonly referencePrice = new Map<string, number>();
  /** OracleRound answers × this = wei (set from the run's profile). */
  private answerScale = indexAnswerScale('default');

  write(e: LoggedEvent): void {
    switch (e.type) {
      case 'RunStarted':
        this.answerScale = indexAnswerScale(e.profile as string);
        break;
      case 'AgentAction': {
        const a = this.agent(e.agent as string, e.kind as string);
        a.actions++;
        if (!e.ok) a.reverted++;
        a.gasUsd += e.gasCostUsd as number;
        break;
      }
      case 'FastPrice':
        this.referencePrice.set(e.market as string, Number(big(e.price)) / 1e18);
        break;
      case 'OracleRound':
        if (!this.referencePrice.has(e.market as string)) this.referencePrice.set(e.market as string, Number(big(e.answer) * this.answerScale) / 1e18);
        break;
      case 'PositionChanged': {
        const a = this.agent(e.trader as string);
        // A hedge at the reference price offsets every change of the vAMM position.
        const change = Number(big(e.exchangedPositionSize)) / 1e18;
        a.hedgeCash += change * (this.referencePrice.get(e.market as string) ?? 0);
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
        a.hedged = e.hedged === true;
        break;
      }
    }
  }

  /** The reference price at the end (of the first market): where open hedges are valued. */
  endPrice(): number {
    return [...this.referencePrice.values()][0] ?? 0;
  }

  /** What a hedged agent's hedge made: its cash less the base it is short, at the end price. */
  hedgePnl(a: AgentTally): number {
    return a.hedged ? a.hedgeCash - a.size * this.endPrice() : 0;
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
        hedgeCash: 0,
        size: 0,
        hedged: false,
      };
      this.agents.set(id, a);
    } else if (kind && !a.kind) a.kind = kind;
    return a;
  }
}
