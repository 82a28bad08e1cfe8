/**
 * A simulated market's stylised facts, read from its event log: the hourly |mark − reference|
 * (the vAMM's spot against the fast feed, at each whole hour's snapshot), the funding premium
 * per 8 hours (8 × each hourly settlement's rate: the vAMM's premium over its 8-hour TWAPs),
 * volume by the kind of trader whose position changed (and how much of it liquidations closed),
 * liquidations against the reference's worst fall, what the arbitrageurs made per unit of the
 * capital they put up (on chain and at the hedge venue), the gas they paid, and the quality of
 * their trades (calibration/arbitrage-quality.ts).
 */
import { AgentLedger } from '../sim/engine/agent-ledger.ts';
import type { EventSink, LoggedEvent } from '../sim/engine/event-log.ts';
import { type ArbitrageQuality, ArbitrageQualitySink } from './arbitrage-quality.ts';

export interface MarketFacts {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** [hour, |mark − reference| / reference] at each whole-hour snapshot. */
  readonly basis: ReadonlyArray<readonly [number, number]>;
  /** [settlement time, funding rate per 8 h] (signed: 8 × the hourly settlement's rate, the premium of the 8-hour TWAPs). */
  readonly funding: ReadonlyArray<readonly [number, number]>;
  /** Traded notional by the kind of trader whose position changed (USD), and the part liquidations closed. */
  readonly volumeByKind: Readonly<Record<string, number>>;
  readonly liquidatedVolume: number;
  readonly liquidations: number;
  /** The reference's worst peak-to-trough fall over the run (0.45 = 45 %). */
  readonly worstFall: number;
  readonly arbitrage: {
    readonly agents: number;
    /** Collateral on chain plus capital at the hedge venue (USD). */
    readonly capital: number;
    /** Net with open vAMM positions at their exit, and at the mark (as the hedge is valued). */
    readonly net: number;
    readonly netAtMark: number;
    readonly gross: number;
    readonly gas: number;
    readonly quality: ArbitrageQuality;
  };
}

export class MarketFactsSink implements EventSink {
  /** It reads the events, never the JSON text. */
  readonly needsLine = false;
  private name = '';
  private start = Number.NaN;
  private end = Number.NaN;
  private readonly basis: Array<[number, number]> = [];
  private readonly funding: Array<[number, number]> = [];
  private readonly volume = new Map<string, number>();
  private liquidatedVolume = 0;
  private liquidations = 0;
  private peak = 0;
  private worstFall = 0;
  private readonly kindOf = new Map<string, string>();
  private action = '';
  private readonly ledger = new AgentLedger();
  private readonly quality = new ArbitrageQualitySink();
  /** Hedge-venue capital per hedged agent (0: as much as on chain). */
  private readonly hedgeCapital = new Map<string, number>();

  write(e: LoggedEvent, line: string): void {
    this.ledger.write(e);
    this.quality.write(e);
    if (Number.isNaN(this.start)) this.start = e.timestamp;
    this.end = e.timestamp;
    switch (e.type) {
      case 'RunStarted': {
        this.name = e.name as string;
        const agents = ((e.config as { agents?: Array<{ kind: string; params?: { hedge?: { capital?: number } } }> }).agents ?? []);
        for (const a of agents) if (a.kind === 'arbitrageur' && a.params?.hedge?.capital) this.hedgeCapital.set(a.kind, a.params.hedge.capital);
        break;
      }
      case 'AgentAction':
        this.kindOf.set(e.agent as string, e.kind as string);
        this.action = e.action as string;
        break;
      case 'AgentResult':
        this.kindOf.set(e.agent as string, e.kind as string);
        break;
      case 'PositionChanged': {
        const kind = this.kindOf.get(e.trader as string) ?? 'unknown';
        const notional = Math.abs(Number(BigInt(e.positionNotional as string))) / 1e18;
        this.volume.set(kind, (this.volume.get(kind) ?? 0) + notional);
        if (this.action === 'liquidate') this.liquidatedVolume += notional;
        break;
      }
      case 'PositionLiquidated':
        this.liquidations++;
        break;
      case 'FundingSettled':
        this.funding.push([e.timestamp, (8 * Number(BigInt(e.fundingRate as string))) / 1e18]);
        break;
      case 'FastPrice': {
        const p = Number(BigInt(e.price as string)) / 1e18;
        this.peak = Math.max(this.peak, p);
        this.worstFall = Math.max(this.worstFall, 1 - p / this.peak);
        break;
      }
      case 'Snapshot': {
        if (e.timestamp % 3600 >= 60) break;
        const spot = Number(BigInt(e.spot as string));
        const reference = Number(BigInt(e.fast as string));
        this.basis.push([Math.floor(e.timestamp / 3600) * 3600, Math.abs(spot - reference) / reference]);
        break;
      }
    }
    void line;
  }

  close(): void {}

  result(): MarketFacts {
    let capital = 0;
    let net = 0;
    let netAtMark = 0;
    let gross = 0;
    let gas = 0;
    let agents = 0;
    for (const a of this.ledger.agents.values()) {
      if (a.kind !== 'arbitrageur') continue;
      agents++;
      const onChain = Number(a.equityStart) / 1e18;
      capital += onChain + (this.hedgeCapital.get('arbitrageur') ?? onChain);
      net += this.ledger.net(a);
      netAtMark += this.ledger.netAtMark(a);
      gas += a.gasUsd;
      gross += this.ledger.net(a) + a.gasUsd;
    }
    return {
      name: this.name,
      start: this.start,
      end: this.end,
      basis: this.basis,
      funding: this.funding,
      volumeByKind: Object.fromEntries([...this.volume].sort(([a], [b]) => (a < b ? -1 : 1))),
      liquidatedVolume: this.liquidatedVolume,
      liquidations: this.liquidations,
      worstFall: this.worstFall,
      arbitrage: { agents, capital, net, netAtMark, gross, gas, quality: this.quality.result() },
    };
  }
}
