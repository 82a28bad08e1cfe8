/**
 * What agents observe: a float64 snapshot of the protocol state at their wake-up, laid out in
 * one Float64Array (a SharedArrayBuffer when agents run in worker threads, so every shard reads
 * the same memory without copies). Agents decide on these floats; what they submit is
 * converted to wei once. Money is in USD (quote units), sizes in base units.
 */
export const MARKET_FIELDS = [
  'spot',
  /** Mark TWAP over the market's funding window. */
  'markTwap',
  /** Chainlink's latest answer. */
  'index',
  /** Fast feed on chain (or the index when there is none). */
  'fast',
  /** The true price on the CEX, off chain: what arbitrageurs see and hedge at (the fast feed, unless it is delayed or manipulated). */
  'cex',
  /** The last settlement's rate per funding period (positive: longs pay shorts). */
  'fundingRate',
  /** Seconds between settlements. */
  'fundingPeriod',
  'nextFundingTime',
  'quoteReserve',
  'baseReserve',
  'totalPositionSize',
  'feeRatio',
  'maxLeverage',
  /** Max price move per block (0 = none). */
  'fluctuationLimit',
  'open',
] as const;

export const ACCOUNT_FIELDS = ['wallet', 'collateral'] as const;

export const POSITION_FIELDS = [
  'size',
  'openNotional',
  'margin',
  'isolated',
  /** Exit value at spot. */
  'notional',
  'pnl',
  'fundingOwed',
  /** Margin ratio of the position's margin group at spot (NaN when flat). */
  'marginRatio',
  /** Account value of the group at spot. */
  'groupValue',
  /**
   * The ratio the liquidation check uses (trader-favourable of spot and TWAP, oracle-protected),
   * exact, computed only for groups near maintenance that it may carry below it; elsewhere the
   * spot ratio (then at or above maintenance whenever the exact one is: readers act only below),
   * or maintenance itself where the TWAP proves the exact ratio at or above it (twap-ratio-proof.ts).
   */
  'liquidationRatio',
] as const;

export const HEADER_FIELDS = [
  'timestamp',
  'blockNumber',
  'insuranceFund',
  'maintenanceMarginRatio',
  'initMarginRatio',
  /** Share of a liquidated notional paid as the penalty (half of it to the liquidator). */
  'liquidationFeeRatio',
  /** The block's base fee (gwei) on the run's venue, and the ETH price gas is paid at (USD). */
  'baseFee',
  'ethUsd',
  /** 1 when priority fees order the block (an L1, an OP-stack L2), 0 when it is first come, first served. */
  'feeOrdering',
  /** 1 when the design's restriction mode is on: after a liquidation, a trader who acted in the block cannot act again in it. */
  'restrictionMode',
  /**
   * 1 when the writer saw every position row's liquidation ratio at or above maintenance (or
   * flat): a liquidator's scan would find nothing. 0 when some row is below, or unknown.
   */
  'noneBelowMaintenance',
] as const;

/**
 * The position fields no reserve moves: what an account's records alone set, and the funding
 * it owes (its record and its market's premium index, one product). An agent reading only
 * these, and its account fields, has its deferred rows' records written, not valued
 * (`Observation.deferRows`); from them and the reserves it can bound its valued fields
 * (agents/room-bound.ts).
 */
export const RECORD_POSITION_FIELDS: ReadonlySet<(typeof POSITION_FIELDS)[number]> = new Set(['size', 'openNotional', 'margin', 'isolated', 'fundingOwed']);

type Index<T extends readonly string[]> = { readonly [K in T[number]]: number };
const indexOf = <T extends readonly string[]>(fields: T): Index<T> => Object.fromEntries(fields.map((f, i) => [f, i])) as Index<T>;
export const H = indexOf(HEADER_FIELDS);
export const M = indexOf(MARKET_FIELDS);
export const A = indexOf(ACCOUNT_FIELDS);
export const P = indexOf(POSITION_FIELDS);

export interface ObservationLayout {
  readonly markets: readonly string[];
  /** Account names; agent i owns account i. */
  readonly accounts: readonly string[];
}

export function observationLength(layout: ObservationLayout): number {
  const nm = layout.markets.length;
  return HEADER_FIELDS.length + nm * MARKET_FIELDS.length + layout.accounts.length * (ACCOUNT_FIELDS.length + nm * POSITION_FIELDS.length);
}

/** Read-only access to an observation by name (the agents' side). */
export class Observation {
  private readonly marketIndex: ReadonlyMap<string, number>;
  private readonly accountIndex: ReadonlyMap<string, number>;
  private readonly marketBase: number;
  private readonly accountBase: number;
  /** Fields per account: account i's rows start `i × accountStride` after account 0's (scans over every account step by it). */
  readonly accountStride: number;
  /**
   * Per account while its rows are deferred (`deferRows`): 1, nothing written yet; 2, its
   * record fields written (`fillRecords`), its valued fields not. 0 when none is deferred.
   */
  private readonly deferred: Uint8Array;
  private deferredCount = 0;
  private fill: ((account: number) => void) | null = null;
  private fillRecords: ((account: number) => void) | null = null;
  /** The rows of the accounts whose records were written ahead (state 2), as they were before: put back by `dropDeferred`. */
  private readonly before: Float64Array;
  /** Those accounts, the first `recordsAheadCount` (a typed list: emptying an array's length costs more than the wake it serves). */
  private readonly recordsAhead: Int32Array;
  private recordsAheadCount = 0;
  /** Per account: 1 while it is in `recordsAhead` (listed once, whatever its state since). */
  private readonly listed: Uint8Array;

  constructor(
    readonly layout: ObservationLayout,
    readonly data: Float64Array,
  ) {
    this.marketIndex = new Map(layout.markets.map((m, i) => [m, i]));
    this.accountIndex = new Map(layout.accounts.map((a, i) => [a, i]));
    this.marketBase = HEADER_FIELDS.length;
    this.accountBase = this.marketBase + layout.markets.length * MARKET_FIELDS.length;
    this.accountStride = ACCOUNT_FIELDS.length + layout.markets.length * POSITION_FIELDS.length;
    this.deferred = new Uint8Array(layout.accounts.length);
    this.before = new Float64Array(layout.accounts.length * this.accountStride);
    this.recordsAhead = new Int32Array(layout.accounts.length);
    this.listed = new Uint8Array(layout.accounts.length);
  }

  /**
   * The writer's side: these accounts' rows are valued by `fill` when an agent in this thread
   * first asks for their offset or reads a valued field (an agent that reads only its own rows
   * and decides without them costs no valuation); a read of an account field or a record
   * position field (`RECORD_POSITION_FIELDS`) first writes just the record fields
   * (`fillRecords`). Only for agents reading this object itself, within the wake the
   * observation was written for: `dropDeferred` before the state moves on.
   */
  deferRows(accounts: readonly number[], fill: (account: number) => void, fillRecords: (account: number) => void): void {
    this.fill = fill;
    this.fillRecords = fillRecords;
    for (const i of accounts) {
      if (this.deferred[i] !== 0) continue;
      this.deferred[i] = 1;
      this.deferredCount++;
    }
  }

  /**
   * Forgets rows deferred and never valued: they hold what they held before the wake (the
   * writer did not record them as valued; records written ahead are put back, so no later read
   * sees records newer than the valued fields beside them).
   */
  dropDeferred(): void {
    if (this.deferredCount === 0) return;
    const stride = this.accountStride;
    for (let r = 0; r < this.recordsAheadCount; r++) {
      const i = this.recordsAhead[r] as number;
      this.listed[i] = 0;
      if (this.deferred[i] !== 2) continue;
      // Field by field, as they were saved: a subarray per account costs more than the copy.
      const to = this.accountBase + i * stride;
      const from = i * stride;
      for (let k = 0; k < stride; k++) this.data[to + k] = this.before[from + k] as number;
    }
    this.recordsAheadCount = 0;
    this.deferred.fill(0);
    this.deferredCount = 0;
    this.fill = null;
    this.fillRecords = null;
  }

  get timestamp(): number {
    return this.data[H.timestamp] as number;
  }

  header(field: (typeof HEADER_FIELDS)[number]): number {
    return this.data[H[field]] as number;
  }

  market(market: string, field: (typeof MARKET_FIELDS)[number]): number {
    return this.data[this.marketOffset(market) + M[field]] as number;
  }

  account(account: string | number, field: (typeof ACCOUNT_FIELDS)[number]): number {
    return this.data[this.rowsOffset(account, true) + A[field]] as number;
  }

  position(account: string | number, market: string, field: (typeof POSITION_FIELDS)[number]): number {
    const m = this.indexOfMarket(market);
    if (m === undefined) throw new RangeError(`no market ${market} in the observation`);
    return this.data[this.rowsOffset(account, RECORD_POSITION_FIELDS.has(field)) + ACCOUNT_FIELDS.length + m * POSITION_FIELDS.length + P[field]] as number;
  }

  marketOffset(market: string): number {
    const i = this.indexOfMarket(market);
    if (i === undefined) throw new RangeError(`no market ${market} in the observation`);
    return this.marketBase + i * MARKET_FIELDS.length;
  }

  /** The market's index (agents read their first market on nearly every call: no map lookup for it). */
  private indexOfMarket(market: string): number | undefined {
    return market === this.layout.markets[0] ? 0 : this.marketIndex.get(market);
  }

  accountOffset(account: string | number): number {
    return this.rowsOffset(account, false);
  }

  /**
   * The account's rows' offset with its account fields and record position fields
   * (`RECORD_POSITION_FIELDS`) up to date, for a reader of those alone: its valued fields may be
   * stale (deferred, `deferRows`), and are not valued by this.
   */
  recordsOffset(account: number): number {
    return this.rowsOffset(account, true);
  }

  /** The account's rows' offset, its deferred rows written first: the record fields only when that is all the read needs. */
  private rowsOffset(account: string | number, recordsOnly: boolean): number {
    const i = typeof account === 'number' ? account : this.accountIndex.get(account);
    if (i === undefined || i < 0 || i >= this.layout.accounts.length) throw new RangeError(`no account ${account} in the observation`);
    if (this.deferredCount !== 0 && this.deferred[i] !== 0) {
      if (!recordsOnly) {
        this.deferred[i] = 0;
        this.deferredCount--;
        (this.fill as (account: number) => void)(i);
      } else if (this.deferred[i] === 1) {
        this.deferred[i] = 2;
        // Copied field by field: a subarray per records read costs more than the copy.
        const from = this.accountBase + i * this.accountStride;
        const to = i * this.accountStride;
        for (let k = 0; k < this.accountStride; k++) this.before[to + k] = this.data[from + k] as number;
        this.listAhead(i);
        (this.fillRecords as (account: number) => void)(i);
      }
    }
    return this.accountBase + i * this.accountStride;
  }

  /** Lists account `i` as written ahead, once: one valued since it was listed (its state back to 0) and deferred again is listed already. */
  private listAhead(i: number): void {
    if (this.listed[i] === 1) return;
    this.listed[i] = 1;
    this.recordsAhead[this.recordsAheadCount++] = i;
  }

  positionOffset(account: string | number, market: string): number {
    const m = this.indexOfMarket(market);
    if (m === undefined) throw new RangeError(`no market ${market} in the observation`);
    return this.accountOffset(account) + ACCOUNT_FIELDS.length + m * POSITION_FIELDS.length;
  }
}
