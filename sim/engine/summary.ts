/**
 * The run summary, built from the event log alone (so it can be rebuilt from a saved log):
 * prices, funding, liquidations, bad debt, the insurance fund's path and its income by who paid
 * it, actions and their outcomes, every agent's and kind's net result (vAMM + hedge − fees −
 * funding − gas) with its breakdown, and invariant counts. Money is reported as decimal strings
 * in USD (exact, from wei); the hedge and gas, which are off chain, as floats.
 */
import { fromWei } from '../math/units.ts';
import { AgentLedger, type AgentTally } from './agent-ledger.ts';
import { type EventRecord, type EventSink, amountOf, decimalOf, jsonOf, numberOf } from './event-log.ts';
import { FundDecomposition } from './fund-decomposition.ts';
import { objectList } from './object-list.ts';

const big = amountOf;
const usd = (x: bigint): string => fromWei(x);

/** One remap variant's errors against the exact remap, over the probed positions. */
interface RemapTally {
  /** Σ traders' gain over the exact remap (the protocol's loss). */
  gain: bigint;
  absError: bigint;
  maxAbsError: bigint;
  /** Σ (size under this remap − exact size): base the curve does not account for. */
  baseMismatch: bigint;
}

interface RemapProbeRow {
  readonly trader: string;
  readonly when: string;
  readonly timestamp: number;
  readonly preSize: bigint;
  readonly exactSize: bigint;
  readonly lazySize: bigint;
  readonly exactValue: bigint;
  readonly lazyError: bigint;
  readonly noneError: bigint;
}

interface MigrationSummary {
  readonly market: string;
  readonly timestamp: number;
  readonly multiplier: bigint;
  readonly remap: string;
  readonly cost: bigint;
  readonly lazy: RemapTally;
  readonly none: RemapTally;
  readonly probes: RemapProbeRow[];
}

const tally = (): RemapTally => ({ gain: 0n, absError: 0n, maxAbsError: 0n, baseMismatch: 0n });

function emptyMigration(e: EventRecord): MigrationSummary {
  return { market: e.market as string, timestamp: e.timestamp, multiplier: big(e.multiplier), remap: e.remap as string, cost: big(e.cost), lazy: tally(), none: tally(), probes: [] };
}

function addProbe(mg: MigrationSummary, e: EventRecord): void {
  const row: RemapProbeRow = {
    trader: e.trader as string,
    when: e.when as string,
    timestamp: e.timestamp,
    preSize: big(e.preSize),
    exactSize: big(e.exactSize),
    lazySize: big(e.lazySize),
    exactValue: big(e.exactValue),
    lazyError: big(e.lazyError),
    noneError: big(e.noneError),
  };
  mg.probes.push(row);
  const add = (t: RemapTally, error: bigint, size: bigint) => {
    const a = error < 0n ? -error : error;
    t.gain += error;
    t.absError += a;
    if (a > t.maxAbsError) t.maxAbsError = a;
    t.baseMismatch += size - row.exactSize;
  };
  add(mg.lazy, row.lazyError, row.lazySize);
  add(mg.none, row.noneError, row.preSize);
}

function migrationJson(mg: MigrationSummary) {
  const t = (x: RemapTally) => ({ traderGain: usd(x.gain), sumAbsError: usd(x.absError), maxAbsError: usd(x.maxAbsError), baseMismatch: fromWei(x.baseMismatch) });
  return {
    market: mg.market,
    timestamp: mg.timestamp,
    multiplier: fromWei(mg.multiplier),
    remap: mg.remap,
    /** Change in the net trader position's value the migration caused (charged to the fee budget, or unfunded under lazy). */
    cost: usd(mg.cost),
    positions: mg.probes.length,
    lazy: t(mg.lazy),
    none: t(mg.none),
    probes: mg.probes.map((p) => ({
      trader: p.trader,
      when: p.when,
      timestamp: p.timestamp,
      preSize: fromWei(p.preSize),
      exactSize: fromWei(p.exactSize),
      lazySize: fromWei(p.lazySize),
      exactValue: usd(p.exactValue),
      lazyError: usd(p.lazyError),
      noneError: usd(p.noneError),
    })),
  };
}

/** Missing bars in a market's price window, as the run met them (from PriceGaps). */
export interface PriceGapsSummary {
  readonly market: string;
  /** `skip`: the run jumped over them; `carry-forward`: flat bars stood in. */
  readonly policy: string;
  readonly count: number;
  readonly missingBars: number;
  readonly missingSeconds: number;
  readonly filled: number;
  readonly longest: { readonly from: number; readonly bars: number; readonly seconds: number } | null;
}

export interface PricePoint {
  readonly timestamp: number;
  readonly spot: string;
  readonly index: string;
  readonly fast: string;
  readonly markTwap: string;
  readonly insuranceFund: string;
  readonly openNotionalLong: string;
  readonly openNotionalShort: string;
}

export class SummaryBuilder implements EventSink {
  readonly needsLine = false;
  /** It reads the engine's events as built (no JSON copy per event), and a saved log's alike. */
  readonly readsRecords = true;
  private name = '';
  private profile = '';
  private seed = 0;
  private start = Number.NaN;
  private end = Number.NaN;
  private blocks = 0;
  private events = 0;
  /** Actions by kind, action and outcome (nested: a key text built per action cost a flatten and a hash per count). */
  private readonly outcomes = new Map<unknown, Map<unknown, Map<unknown, number>>>();
  /** Every agent's money (also what the training environment reads). */
  private readonly ledger = new AgentLedger();
  /** The insurance fund's flows by reason, and the composition of each new low. */
  private readonly fundFlows = new FundDecomposition();
  private fundings = 0;
  private maxAbsFundingRate = 0n;
  private sumPremiumFraction = 0n;
  private cappedFundings = 0;
  private fundFromFunding = 0n;
  private liquidations = { partial: 0, full: 0, notional: 0n, toLiquidators: 0n };
  private badDebt = { count: 0, total: 0n, coveredByInsuranceFund: 0n, socialised: 0n, uncovered: 0n };
  private dilution = 0n;
  /** [timestamp, amount] of every bad debt, for per-horizon distributions (most runs have none: `objectList`). */
  private readonly badDebtEvents = objectList<[number, string]>();
  private readonly migrations = objectList<MigrationSummary>();
  private readonly adminFailures = objectList<{ action: string; market: string; reason: string; timestamp: number }>();
  private fundStart: bigint | null = null;
  private fundEnd = 0n;
  private fundMin: bigint | null = null;
  /** [timestamp, drawdown] each time the fund reached a new low below its start: the drawdown by any horizon. */
  private readonly drawdownHighs = objectList<[number, bigint]>();
  /** Who is acting now (the last AgentAction's kind, null before any, and its liquidation target), to say who paid the insurance fund: two fields, not an object per action. */
  private actorKind: string | null = null;
  private actorTarget: string | null = null;
  private readonly kindOf = new Map<string, string>();
  /** Insurance-fund flows by payer (an agent kind, or `funding imbalance`) and reason, wei. */
  private readonly fundByPayer = new Map<string, Map<string, bigint>>();
  private maxPremium = 0;
  private sumAbsPremium = 0;
  private snapshots = 0;
  private readonly violations = new Map<string, number>();
  private readonly priceGaps: PriceGapsSummary[] = [];
  private invariantChecks: Record<string, unknown> | null = null;
  readonly series: PricePoint[] = [];

  write(e: EventRecord): void {
    this.events++;
    this.ledger.write(e);
    this.fundFlows.write(e);
    if (Number.isNaN(this.start)) this.start = e.timestamp;
    this.end = e.timestamp;
    switch (e.type) {
      case 'RunStarted':
        // The opening book's accounts never act, so no AgentAction names their kind: they are holders.
        for (const b of ((e.setup as { book?: Array<{ account: string }> } | undefined)?.book ?? [])) this.kindOf.set(b.account, 'holder');
        this.name = e.name as string;
        this.profile = e.profile as string;
        this.seed = numberOf(e.seed);
        // Logs from before RunStarted carried the fund start from its first snapshot instead.
        if (e.insuranceFund !== undefined) {
          this.fundStart = big(e.insuranceFund);
          this.fundMin = this.fundStart;
          this.fundEnd = this.fundStart;
        }
        break;
      case 'AgentAction': {
        this.countOutcome(e.kind, e.action, e.ok ? 'ok' : e.reason);
        this.kindOf.set(e.agent as string, e.kind as string);
        this.actorKind = e.kind as string;
        this.actorTarget = e.action === 'liquidate' ? ((jsonOf(e.args) as { trader?: string } | null)?.trader ?? null) : null;
        break;
      }
      case 'PositionLiquidated': {
        if (e.partial) this.liquidations.partial++;
        else this.liquidations.full++;
        this.liquidations.notional += big(e.positionNotional);
        this.liquidations.toLiquidators += big(e.liquidationFee);
        break;
      }
      case 'FundingSettled': {
        this.fundings++;
        const rate = big(e.fundingRate);
        const abs = rate < 0n ? -rate : rate;
        if (abs > this.maxAbsFundingRate) this.maxAbsFundingRate = abs;
        this.sumPremiumFraction += big(e.premiumFraction);
        if (e.premiumFraction !== e.uncappedPremiumFraction) this.cappedFundings++;
        break;
      }
      case 'InsuranceFundFlow': {
        if (e.reason === 'funding') this.fundFromFunding += big(e.amount);
        this.addFundFlow(e.reason as string, big(e.amount));
        const balance = big(e.balanceAfter);
        this.fundEnd = balance;
        if (this.fundMin === null || balance < this.fundMin) {
          this.fundMin = balance;
          const drawdown = (this.fundStart ?? 0n) - balance;
          if (drawdown > 0n) this.drawdownHighs.push([e.timestamp, drawdown]);
        }
        break;
      }
      case 'LiquidityMigrated':
        this.migrations.push(emptyMigration(e));
        break;
      case 'AdminActionFailed':
        this.adminFailures.push({ action: e.action as string, market: e.market as string, reason: e.reason as string, timestamp: e.timestamp });
        break;
      case 'RemapProbe': {
        const mg = this.migrations.findLast((x) => x.market === e.market);
        if (mg) addProbe(mg, e);
        break;
      }
      case 'BadDebt':
        this.badDebtEvents.push([e.timestamp, decimalOf(e.amount)]);
        this.badDebt.count++;
        this.badDebt.total += big(e.amount);
        this.badDebt.coveredByInsuranceFund += big(e.coveredByInsuranceFund);
        this.badDebt.socialised += big(e.socialised);
        this.badDebt.uncovered += big(e.uncovered);
        break;
      case 'BackstopDilution':
        this.dilution += big(e.amount);
        break;
      case 'Snapshot': {
        const fund = big(e.insuranceFund);
        if (this.fundStart === null) this.fundStart = fund;
        this.fundEnd = fund;
        if (this.fundMin === null || fund < this.fundMin) this.fundMin = fund;
        const spot = Number(big(e.spot)) / 1e18;
        const index = Number(big(e.index)) / 1e18;
        const premium = Math.abs(spot / index - 1);
        this.maxPremium = Math.max(this.maxPremium, premium);
        this.sumAbsPremium += premium;
        this.snapshots++;
        this.series.push({
          timestamp: e.timestamp,
          spot: decimalOf(e.spot),
          index: decimalOf(e.index),
          fast: decimalOf(e.fast),
          markTwap: decimalOf(e.markTwap),
          insuranceFund: decimalOf(e.insuranceFund),
          openNotionalLong: decimalOf(e.openNotionalLong),
          openNotionalShort: decimalOf(e.openNotionalShort),
        });
        break;
      }
      case 'PriceGaps': {
        const gaps = (e.gaps as Array<{ from: number; bars: number }>).map((g) => ({ from: numberOf(g.from), bars: numberOf(g.bars) }));
        const longest = gaps.reduce<{ from: number; bars: number } | null>((a, g) => (a === null || g.bars > a.bars ? g : a), null);
        this.priceGaps.push({
          market: e.market as string,
          policy: e.policy as string,
          count: numberOf(e.count),
          missingBars: numberOf(e.missingBars),
          missingSeconds: numberOf(e.missingBars) * numberOf(e.resolution),
          filled: numberOf(e.filled),
          longest: longest && { from: longest.from, bars: longest.bars, seconds: longest.bars * numberOf(e.resolution) },
        });
        break;
      }
      case 'InvariantViolation':
        this.violations.set(e.invariant as string, (this.violations.get(e.invariant as string) ?? 0) + 1);
        break;
      case 'RunEnded':
        this.blocks = numberOf(e.blocks);
        this.invariantChecks = (e.invariants as Record<string, unknown> | null) ?? null;
        break;
    }
  }

  close(): void {}

  /** Counts one action by its kind, action and outcome. */
  private countOutcome(kind: unknown, action: unknown, outcome: unknown): void {
    let byAction = this.outcomes.get(kind);
    if (byAction === undefined) this.outcomes.set(kind, (byAction = new Map()));
    let byOutcome = byAction.get(action);
    if (byOutcome === undefined) byAction.set(action, (byOutcome = new Map()));
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  }

  /** The counts by `kind:action:outcome` (values that read alike as text count together, as one key would). */
  private outcomeCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [kind, byAction] of this.outcomes) {
      for (const [action, byOutcome] of byAction) {
        for (const [outcome, n] of byOutcome) {
          const key = `${kind}:${action}:${outcome}`;
          out.set(key, (out.get(key) ?? 0) + n);
        }
      }
    }
    return out;
  }

  /** Who paid a flow into (or was paid by) the fund: the liquidated trader's kind in a liquidation, the actor's otherwise; funding is the imbalance between the sides. */
  private addFundFlow(reason: string, amount: bigint): void {
    let payer: string;
    if (reason === 'funding') payer = 'funding imbalance';
    else if (reason === 'seed') payer = 'seed';
    else if (this.actorKind === null) payer = 'protocol';
    else if (this.actorTarget !== null) payer = this.kindOf.get(this.actorTarget) ?? 'unknown';
    else payer = this.actorKind;
    let m = this.fundByPayer.get(payer);
    if (m === undefined) this.fundByPayer.set(payer, (m = new Map<string, bigint>()));
    m.set(reason, (m.get(reason) ?? 0n) + amount);
  }

  /** An agent's result, broken down: vAMM trading (with liquidations), hedge trading, fees, funding, gas, net (USD). */
  private breakdown(a: AgentTally) {
    const fundingVamm = Number(a.fundingPaid + a.pendingFunding) / 1e18;
    const feesVamm = Number(a.fees) / 1e18;
    return {
      vamm: Number(this.ledger.equityChange(a)) / 1e18 + feesVamm + fundingVamm,
      hedge: this.ledger.hedgeTrading(a),
      fees: feesVamm + a.hedgeFees + a.hedgeSpread,
      funding: fundingVamm + a.hedgeFunding,
      gas: a.gasUsd,
      net: this.ledger.net(a),
      exitCost: Number(a.exitCost) / 1e18,
      netAtMark: this.ledger.netAtMark(a),
    };
  }

  /** The JSON summary. */
  result() {
    const agents = [...this.ledger.agents].filter(([, a]) => a.kind !== '');
    const hedgePnl = (a: AgentTally) => this.ledger.hedgePnl(a);
    const byKind = new Map<string, { agents: number; pnl: bigint; hedgePnl: number; gasUsd: number; vamm: number; hedge: number; fees: number; funding: number; net: number; exitCost: number; netAtMark: number }>();
    for (const [, a] of agents) {
      const k = byKind.get(a.kind) ?? { agents: 0, pnl: 0n, hedgePnl: 0, gasUsd: 0, vamm: 0, hedge: 0, fees: 0, funding: 0, net: 0, exitCost: 0, netAtMark: 0 };
      const b = this.breakdown(a);
      k.agents++;
      k.pnl += this.ledger.equityChange(a);
      k.hedgePnl += hedgePnl(a);
      k.gasUsd += a.gasUsd;
      k.vamm += b.vamm;
      k.hedge += b.hedge;
      k.fees += b.fees;
      k.funding += b.funding;
      k.net += b.net;
      k.exitCost += b.exitCost;
      k.netAtMark += b.netAtMark;
      byKind.set(a.kind, k);
    }
    return {
      run: { name: this.name, profile: this.profile, seed: this.seed, start: this.start, end: this.end, blocks: this.blocks, events: this.events },
      prices: {
        snapshots: this.snapshots,
        maxMarkIndexGap: round(this.maxPremium),
        meanMarkIndexGap: round(this.snapshots ? this.sumAbsPremium / this.snapshots : 0),
        /** Missing bars in the price window and how they were handled (none: an empty list). */
        gaps: this.priceGaps,
      },
      funding: {
        settlements: this.fundings,
        capped: this.cappedFundings,
        maxAbsFundingRate: fromWei(this.maxAbsFundingRate),
        sumPremiumFraction: fromWei(this.sumPremiumFraction),
        insuranceFundNet: usd(this.fundFromFunding),
      },
      liquidations: {
        partial: this.liquidations.partial,
        full: this.liquidations.full,
        notional: usd(this.liquidations.notional),
        feesToLiquidators: usd(this.liquidations.toLiquidators),
      },
      badDebt: {
        count: this.badDebt.count,
        total: usd(this.badDebt.total),
        coveredByInsuranceFund: usd(this.badDebt.coveredByInsuranceFund),
        socialised: usd(this.badDebt.socialised),
        uncovered: usd(this.badDebt.uncovered),
        backstopDilution: usd(this.dilution),
        events: this.badDebtEvents.map(([t, a]) => [t, usd(BigInt(a))] as [number, string]),
      },
      insuranceFund: {
        start: usd(this.fundStart ?? 0n),
        end: usd(this.fundEnd),
        min: usd(this.fundMin ?? 0n),
        /** The most the fund fell below where it started: what a fund of this size would have had to cover. */
        maxDrawdown: usd((this.fundStart ?? 0n) - (this.fundMin ?? 0n)),
        drawdownHighs: this.drawdownHighs.map(([t, a]) => [t, usd(a)] as [number, string]),
        /** Flows by reason (bad debt, funding paid and received, penalties, fees, other) and at each new low. */
        flows: this.fundFlows.result(),
        /** Flows by who paid them (+ in, − out) and why: fees, penalties, funding, bad debt. */
        byPayer: Object.fromEntries(
          [...this.fundByPayer].sort(([a], [b]) => (a < b ? -1 : 1)).map(([payer, m]) => [payer, Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, v]) => [r, usd(v)]))]),
        ),
      },
      migrations: this.migrations.map(migrationJson),
      adminFailures: this.adminFailures,
      actions: Object.fromEntries([...this.outcomeCounts()].sort(([a], [b]) => (a < b ? -1 : 1))),
      pnlByKind: Object.fromEntries(
        [...byKind]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [
            k,
            { agents: v.agents, pnl: usd(v.pnl), hedgePnl: round(v.hedgePnl), gasUsd: round(v.gasUsd), vamm: round(v.vamm), hedge: round(v.hedge), fees: round(v.fees), funding: round(v.funding), net: round(v.net), exitCost: round(v.exitCost), netAtMark: round(v.netAtMark) },
          ]),
      ),
      agents: Object.fromEntries(
        agents.map(([id, a]) => [
          id,
          {
            kind: a.kind,
            pnl: usd(this.ledger.equityChange(a)),
            realizedPnl: usd(a.realizedPnl),
            unrealizedPnl: usd(a.unrealizedPnl),
            fundingPaid: usd(a.fundingPaid + a.pendingFunding),
            fees: usd(a.fees),
            liquidationPenalties: usd(a.liquidationPenalties),
            liquidationIncome: usd(a.liquidationIncome),
            hedgePnl: round(hedgePnl(a)),
            gasUsd: round(a.gasUsd),
            hedge: {
              trading: round(this.ledger.hedgeTrading(a)),
              fees: round(a.hedgeFees),
              spread: round(a.hedgeSpread),
              funding: round(a.hedgeFunding),
              position: a.hedgePosition,
              marginCalls: a.hedgeMarginCalls,
            },
            result: Object.fromEntries(Object.entries(this.breakdown(a)).map(([k, v]) => [k, round(v)])),
            actions: a.actions,
            reverted: a.reverted,
          },
        ]),
      ),
      invariants: { checks: this.invariantChecks, violations: Object.fromEntries(this.violations) },
    };
  }
}

export type RunSummary = ReturnType<SummaryBuilder['result']>;

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
