/**
 * The run report's model: everything the run report shows, aggregated from the event log while
 * it streams (see run-model-builder.ts). Series are downsampled with their extremes kept;
 * liquidations and bad-debt events are kept one by one. Prices and money are float64 USD here:
 * the model is for drawing, the exact figures are in the summary (decimal strings from wei).
 */
import type { RunSummary } from '../sim/engine/summary.ts';
import type { Series } from './downsample.ts';

export interface LiquidationPoint {
  readonly t: number;
  readonly market: string;
  /** Average execution price of the liquidated part: positionNotional / |positionSize|. */
  readonly price: number;
  readonly notional: number;
  readonly partial: boolean;
  readonly badDebt: number;
  readonly trader: string;
  readonly liquidator: string;
}

export interface BadDebtPoint {
  readonly t: number;
  readonly market: string;
  readonly trader: string;
  readonly amount: number;
  readonly coveredByInsuranceFund: number;
  readonly socialised: number;
  readonly uncovered: number;
  /** The insurance fund's balance once the event is logged (where its marker sits on the fund's line). */
  readonly fundAfter: number;
}

export interface FundingSeries {
  readonly settlements: number;
  readonly capped: number;
  /** Funding rate per period applied (premiumFraction / indexTwap). */
  readonly rate: Series;
  /** Before the cap (uncappedPremiumFraction / indexTwap). */
  readonly uncappedRate: Series;
  /** The cap's bound as a rate (premiumFractionCap / indexTwap); empty when uncapped or not logged. */
  readonly capRate: Series;
  /** Whether the log carries the cap bound (logs written before it was added do not). */
  readonly capLogged: boolean;
  /** markTwap / indexTwap − 1 at each settlement. */
  readonly twapPremium: Series;
}

export interface MarketModel {
  readonly id: string;
  /** vAMM spot price after every trade and at every snapshot. */
  readonly mark: Series;
  readonly markTwap: Series;
  /** Chainlink-style rounds (a step series). */
  readonly index: Series;
  readonly oracleRounds: number;
  readonly fast: Series;
  /** Spot / index − 1 at snapshots. */
  readonly premium: Series;
  readonly funding: FundingSeries;
  readonly openNotionalLong: Series;
  readonly openNotionalShort: Series;
  readonly liquidations: LiquidationPoint[];
  /** The lowest and highest mark seen (exact, not downsampled). */
  readonly markLow: { readonly t: number; readonly v: number } | null;
  readonly markHigh: { readonly t: number; readonly v: number } | null;
}

/** One agent kind's PnL split into its parts (USD). `net` = vAMM PnL + hedge − gas. */
export interface PnlBreakdown {
  readonly kind: string;
  readonly agents: number;
  readonly trading: number;
  readonly funding: number;
  readonly fees: number;
  readonly liquidationPenalties: number;
  readonly liquidationIncome: number;
  /** What the vAMM PnL has beyond the parts above: bad debt written off, socialised loss, rounding. */
  readonly other: number;
  readonly hedge: number;
  readonly gas: number;
  readonly net: number;
}

export interface InvariantRow {
  readonly invariant: string;
  readonly checks: number;
  readonly violations: number;
  readonly notApplicable: number;
}

export interface RunReportModel {
  readonly summary: RunSummary;
  readonly markets: MarketModel[];
  readonly insuranceFund: Series;
  /** Insurance-fund flows by reason: money in and out (USD). */
  readonly fundFlows: Record<string, { readonly in: number; readonly out: number; readonly count: number }>;
  readonly badDebt: BadDebtPoint[];
  /** Cumulative bad debt and its cover (step series). */
  readonly badDebtCumulative: { readonly total: Series; readonly insuranceFund: Series; readonly socialised: Series; readonly uncovered: Series };
  readonly socialisedLoss: Array<{ readonly t: number; readonly market: string; readonly side: string; readonly amount: number; readonly cause: string }>;
  readonly pnl: PnlBreakdown[];
  /** Null when the run had invariants off. */
  readonly invariants: InvariantRow[] | null;
  /** The first violations' messages (all are counted in `invariants`). */
  readonly violationSamples: Array<{ readonly t: number; readonly invariant: string; readonly message: string }>;
  readonly eventCounts: Record<string, number>;
  /** Points before downsampling, and kept, over every series. */
  readonly points: { readonly seen: number; readonly kept: number };
}
