/**
 * Builds the run report's model from the event log in one streaming pass: an EventSink, so
 * `vamm run` can feed it while the run goes, and `buildRunModel(path)` feeds it from a saved
 * events.jsonl, one event at a time. Nothing grows with the log's length except the kept
 * liquidations and bad-debt events (every one is kept, as the report must show each).
 */
import type { EventSink, LoggedEvent } from '../sim/engine/event-log.ts';
import { readEventLog } from '../sim/engine/event-log.ts';
import { type RunSummary, SummaryBuilder } from '../sim/engine/summary.ts';
import { indexAnswerScale } from '../sim/params.ts';
import { ExtremaDownsampler } from './downsample.ts';
import type { BadDebtPoint, InvariantRow, LiquidationPoint, MarketModel, PnlBreakdown, RunReportModel } from './run-model.ts';

/** 18-decimal wei (a decimal string in the log) as a float: exact enough to draw. */
const wei = (x: unknown): number => Number(x as string) / 1e18;
const MAX_VIOLATION_SAMPLES = 20;

class MarketAggregate {
  readonly mark: ExtremaDownsampler;
  readonly markTwap: ExtremaDownsampler;
  readonly index: ExtremaDownsampler;
  readonly fast: ExtremaDownsampler;
  readonly premium: ExtremaDownsampler;
  readonly rate: ExtremaDownsampler;
  readonly uncappedRate: ExtremaDownsampler;
  readonly capRate: ExtremaDownsampler;
  readonly twapPremium: ExtremaDownsampler;
  readonly openNotionalLong: ExtremaDownsampler;
  readonly openNotionalShort: ExtremaDownsampler;
  readonly liquidations: LiquidationPoint[] = [];
  oracleRounds = 0;
  settlements = 0;
  capped = 0;
  capLogged = false;
  markLow: { t: number; v: number } | null = null;
  markHigh: { t: number; v: number } | null = null;

  constructor(
    readonly id: string,
    buckets: number,
  ) {
    const d = () => new ExtremaDownsampler(buckets);
    this.mark = d();
    this.markTwap = d();
    this.index = d();
    this.fast = d();
    this.premium = d();
    this.rate = d();
    this.uncappedRate = d();
    this.capRate = d();
    this.twapPremium = d();
    this.openNotionalLong = d();
    this.openNotionalShort = d();
  }

  addMark(t: number, v: number): void {
    this.mark.add(t, v);
    if (!this.markLow || v < this.markLow.v) this.markLow = { t, v };
    if (!this.markHigh || v > this.markHigh.v) this.markHigh = { t, v };
  }

  all(): ExtremaDownsampler[] {
    return [this.mark, this.markTwap, this.index, this.fast, this.premium, this.rate, this.uncappedRate, this.capRate, this.twapPremium, this.openNotionalLong, this.openNotionalShort];
  }

  model(): MarketModel {
    return {
      id: this.id,
      mark: this.mark.series(),
      markTwap: this.markTwap.series(),
      index: this.index.series(),
      oracleRounds: this.oracleRounds,
      fast: this.fast.series(),
      premium: this.premium.series(),
      funding: {
        settlements: this.settlements,
        capped: this.capped,
        rate: this.rate.series(),
        uncappedRate: this.uncappedRate.series(),
        capRate: this.capRate.series(),
        capLogged: this.capLogged,
        twapPremium: this.twapPremium.series(),
      },
      openNotionalLong: this.openNotionalLong.series(),
      openNotionalShort: this.openNotionalShort.series(),
      liquidations: this.liquidations,
      markLow: this.markLow,
      markHigh: this.markHigh,
    };
  }
}

export interface RunModelOptions {
  /** Buckets per series (each keeps ≤ 4 points); default 1000, enough for a page-wide chart. */
  readonly buckets?: number;
}

export class RunModelBuilder implements EventSink {
  readonly needsLine = false;
  private readonly summary = new SummaryBuilder();
  private readonly markets = new Map<string, MarketAggregate>();
  private readonly buckets: number;
  private readonly fund: ExtremaDownsampler;
  private readonly fundFlows = new Map<string, { in: number; out: number; count: number }>();
  private readonly badDebt: BadDebtPoint[] = [];
  private readonly cumulative = { total: 0, insuranceFund: 0, socialised: 0, uncovered: 0 };
  private readonly cumulativeSeries: Record<keyof RunModelBuilder['cumulative'], ExtremaDownsampler>;
  private readonly socialisedLoss: RunReportModel['socialisedLoss'] = [];
  private readonly violationSamples: RunReportModel['violationSamples'] = [];
  private readonly eventCounts = new Map<string, number>();
  private lastTime = Number.NaN;
  private lastFund = 0;
  private closedAt = Number.NaN;
  private started = false;
  /** OracleRound answers × this = wei (set from the run's profile). */
  private answerScale = indexAnswerScale('default');

  constructor(options: RunModelOptions = {}) {
    this.buckets = options.buckets ?? 1000;
    this.fund = new ExtremaDownsampler(this.buckets);
    const d = () => new ExtremaDownsampler(this.buckets);
    this.cumulativeSeries = { total: d(), insuranceFund: d(), socialised: d(), uncovered: d() };
  }

  private market(id: string): MarketAggregate {
    let m = this.markets.get(id);
    if (!m) {
      m = new MarketAggregate(id, this.buckets);
      this.markets.set(id, m);
    }
    return m;
  }

  /** Records the cumulative bad debt now; called before and after each jump, so it draws as steps. */
  private stepCumulative(t: number): void {
    for (const key of Object.keys(this.cumulative) as Array<keyof RunModelBuilder['cumulative']>) {
      this.cumulativeSeries[key].add(t, this.cumulative[key]);
    }
  }

  write(e: LoggedEvent): void {
    this.summary.write(e);
    this.eventCounts.set(e.type, (this.eventCounts.get(e.type) ?? 0) + 1);
    const t = e.timestamp;
    this.lastTime = t;
    if (!this.started) {
      this.started = true;
      this.stepCumulative(t);
    }
    switch (e.type) {
      case 'RunStarted':
        this.answerScale = indexAnswerScale(e.profile as string);
        break;
      case 'PositionChanged':
        this.market(e.market as string).addMark(t, wei(e.spotPrice));
        break;
      case 'Snapshot': {
        const m = this.market(e.market as string);
        const spot = wei(e.spot);
        const index = wei(e.index);
        m.addMark(t, spot);
        m.markTwap.add(t, wei(e.markTwap));
        if (index > 0) m.premium.add(t, spot / index - 1);
        m.openNotionalLong.add(t, wei(e.openNotionalLong));
        m.openNotionalShort.add(t, wei(e.openNotionalShort));
        this.lastFund = wei(e.insuranceFund);
        this.fund.add(t, this.lastFund);
        break;
      }
      case 'OracleRound': {
        const m = this.market(e.market as string);
        m.oracleRounds++;
        m.index.add(t, Number(BigInt(e.answer as string) * this.answerScale) / 1e18);
        break;
      }
      case 'FastPrice':
        this.market(e.market as string).fast.add(t, wei(e.price));
        break;
      case 'FundingSettled': {
        const m = this.market(e.market as string);
        const indexTwap = wei(e.indexTwap);
        m.settlements++;
        if (e.premiumFraction !== e.uncappedPremiumFraction) m.capped++;
        if (indexTwap > 0) {
          m.rate.add(t, wei(e.premiumFraction) / indexTwap);
          m.uncappedRate.add(t, wei(e.uncappedPremiumFraction) / indexTwap);
          m.twapPremium.add(t, wei(e.markTwap) / indexTwap - 1);
          if (e.premiumFractionCap !== undefined) {
            m.capLogged = true;
            const cap = wei(e.premiumFractionCap);
            if (cap > 0) m.capRate.add(t, cap / indexTwap);
          }
        }
        break;
      }
      case 'PositionLiquidated': {
        const size = Math.abs(wei(e.positionSize));
        const notional = wei(e.positionNotional);
        this.market(e.market as string).liquidations.push({
          t,
          market: e.market as string,
          price: size > 0 ? notional / size : Number.NaN,
          notional,
          partial: e.partial === true,
          badDebt: wei(e.badDebt),
          trader: e.trader as string,
          liquidator: e.liquidator as string,
        });
        break;
      }
      case 'InsuranceFundFlow': {
        const amount = wei(e.amount);
        const flow = this.fundFlows.get(e.reason as string) ?? { in: 0, out: 0, count: 0 };
        if (amount >= 0) flow.in += amount;
        else flow.out -= amount;
        flow.count++;
        this.fundFlows.set(e.reason as string, flow);
        this.lastFund = wei(e.balanceAfter);
        this.fund.add(t, this.lastFund);
        break;
      }
      case 'BadDebt': {
        const p: BadDebtPoint = {
          t,
          market: e.market as string,
          trader: e.trader as string,
          amount: wei(e.amount),
          coveredByInsuranceFund: wei(e.coveredByInsuranceFund),
          socialised: wei(e.socialised),
          uncovered: wei(e.uncovered),
          fundAfter: this.lastFund,
        };
        this.badDebt.push(p);
        this.stepCumulative(t);
        this.cumulative.total += p.amount;
        this.cumulative.insuranceFund += p.coveredByInsuranceFund;
        this.cumulative.socialised += p.socialised;
        this.cumulative.uncovered += p.uncovered;
        this.stepCumulative(t);
        break;
      }
      case 'SocialisedLoss':
        this.socialisedLoss.push({ t, market: e.market as string, side: e.side as string, amount: wei(e.amount), cause: e.cause as string });
        break;
      case 'InvariantViolation':
        if (this.violationSamples.length < MAX_VIOLATION_SAMPLES) {
          this.violationSamples.push({ t, invariant: e.invariant as string, message: e.message as string });
        }
        break;
    }
  }

  close(): void {}

  result(): RunReportModel {
    const summary = this.summary.result();
    // Close the cumulative bad-debt steps at the run's end (once, however often this is called).
    if (!Number.isNaN(this.lastTime) && this.closedAt !== this.lastTime) {
      this.stepCumulative(this.lastTime);
      this.closedAt = this.lastTime;
    }
    const markets = [...this.markets.values()];
    const samplers = [...markets.flatMap((m) => m.all()), this.fund, ...Object.values(this.cumulativeSeries)];
    const model: RunReportModel = {
      summary,
      markets: markets.map((m) => m.model()),
      insuranceFund: this.fund.series(),
      fundFlows: Object.fromEntries([...this.fundFlows].sort(([a], [b]) => (a < b ? -1 : 1))),
      badDebt: this.badDebt,
      badDebtCumulative: {
        total: this.cumulativeSeries.total.series(),
        insuranceFund: this.cumulativeSeries.insuranceFund.series(),
        socialised: this.cumulativeSeries.socialised.series(),
        uncovered: this.cumulativeSeries.uncovered.series(),
      },
      socialisedLoss: this.socialisedLoss,
      pnl: pnlBreakdown(summary),
      invariants: invariantRows(summary),
      violationSamples: this.violationSamples,
      eventCounts: Object.fromEntries([...this.eventCounts].sort(([a], [b]) => (a < b ? -1 : 1))),
      points: { seen: 0, kept: 0 },
    };
    let seen = 0;
    for (const s of samplers) seen += s.count;
    const kept = model.markets.reduce(
      (n, m) =>
        n + m.mark.t.length + m.markTwap.t.length + m.index.t.length + m.fast.t.length + m.premium.t.length + m.funding.rate.t.length +
        m.funding.uncappedRate.t.length + m.funding.capRate.t.length + m.funding.twapPremium.t.length + m.openNotionalLong.t.length + m.openNotionalShort.t.length,
      model.insuranceFund.t.length + Object.values(model.badDebtCumulative).reduce((k, s) => k + s.t.length, 0),
    );
    return { ...model, points: { seen, kept } };
  }
}

/** Per agent kind: the summary's per-agent figures added up, with the residual named. */
export function pnlBreakdown(summary: RunSummary): PnlBreakdown[] {
  const byKind = new Map<string, { agents: number; trading: number; funding: number; fees: number; penalties: number; income: number; pnl: number; hedge: number; gas: number }>();
  for (const a of Object.values(summary.agents)) {
    const k = byKind.get(a.kind) ?? { agents: 0, trading: 0, funding: 0, fees: 0, penalties: 0, income: 0, pnl: 0, hedge: 0, gas: 0 };
    k.agents++;
    k.trading += Number(a.realizedPnl) + Number(a.unrealizedPnl);
    k.funding -= Number(a.fundingPaid);
    k.fees -= Number(a.fees);
    k.penalties -= Number(a.liquidationPenalties);
    k.income += Number(a.liquidationIncome);
    k.pnl += Number(a.pnl);
    k.hedge += a.hedgePnl;
    k.gas -= a.gasUsd;
    byKind.set(a.kind, k);
  }
  return [...byKind]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([kind, k]) => ({
      kind,
      agents: k.agents,
      trading: k.trading,
      funding: k.funding,
      fees: k.fees,
      liquidationPenalties: k.penalties,
      liquidationIncome: k.income,
      other: k.pnl - (k.trading + k.funding + k.fees + k.penalties + k.income),
      hedge: k.hedge,
      gas: k.gas,
      net: k.pnl + k.hedge + k.gas,
    }));
}

function invariantRows(summary: RunSummary): InvariantRow[] | null {
  const checks = summary.invariants.checks as Record<string, { checks: number; violations: number; notApplicable: number }> | null;
  if (!checks) return null;
  return Object.entries(checks).map(([invariant, c]) => ({ invariant, checks: c.checks, violations: c.violations, notApplicable: c.notApplicable }));
}

/** Streams a saved events.jsonl into the model. */
export async function buildRunModel(eventLog: string, options: RunModelOptions = {}): Promise<RunReportModel> {
  const builder = new RunModelBuilder(options);
  for await (const e of readEventLog(eventLog)) builder.write(e);
  return builder.result();
}
