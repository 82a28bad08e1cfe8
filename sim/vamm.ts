/**
 * One market's virtual AMM: reserves, the per-block reserve snapshots behind the TWAPs, the
 * trade-limit and per-block fluctuation checks, the net trader position, the liquidity
 * (k-change) history and shutdown. Mirrors Perp v1's Amm.sol; every mutation goes through the
 * journal so a reverted operation leaves no trace.
 */
import type { Clock } from './clock.ts';
import { type Dir, exitRangeOnBox, inputPrice, inputPriceScaled, outputPriceScaled, scaledK, spotPrice } from './curve.ts';
import { ModelError, requireThat, requireWith } from './errors.ts';
import type { Journal } from './journal.ts';
import { ONE, abs, divD, mulD, subU } from './math/fixed.ts';
import { type LiquiditySnapshot, baseAfterMigration } from './remap.ts';
import { twapWalk } from './twap.ts';

export type { LiquiditySnapshot } from './remap.ts';

/**
 * Reserves at the end of a block: the TWAP's step function, with the running integral of the
 * spot price up to its timestamp (Σ price·Δt over the earlier snapshots, Uniswap v2's
 * accumulator), so the mark TWAP is a binary search instead of a walk. A later trade in the
 * same block changes the reserves but not the integral, which ends where this block starts.
 */
export interface ReserveSnapshot {
  quote: bigint;
  base: bigint;
  readonly cumulative: bigint;
  /** Σ quote·Δt and Σ base·Δt up to `timestamp`: the time-weighted reserves behind the TWAP valuation. */
  readonly cumulativeQuote: bigint;
  readonly cumulativeBase: bigint;
  readonly timestamp: number;
  readonly blockNumber: number;
}

export interface VammParams {
  quoteReserve: bigint;
  baseReserve: bigint;
  /** Max share of a reserve one swap may remove (0 < r ≤ 1). */
  tradeLimitRatio: bigint;
  /** Max price move per block relative to the last block's price; 0 disables the check. */
  fluctuationLimitRatio: bigint;
  /** Max |position size| per trader, 0 = none. */
  maxHoldingBaseAsset: bigint;
  /** Max running open-interest notional, 0 = none. */
  openInterestNotionalCap: bigint;
  /** TWAP when all snapshots share the current timestamp: revert (Perp v1) or the latest value. */
  twapEmptyPeriod?: 'revert' | 'latest';
  /** How the per-block band is enforced: Perp v1 HEAD's (and the default design's) or 2.2.0's. */
  bandRule?: BandRule;
}

/**
/**
 * `head`: the price before a trade must be inside the band ("already over"), and after it
 * too unless the trade may overshoot once (closes and liquidations). `2.2.0`: only the price
 * after a trade is checked; a liquidation whose single trade crosses the band measured from
 * the latest snapshot skips the check, and a trader's close is never checked.
 */
export type BandRule = 'head' | '2.2.0';

/**
 * What one swap may do to this block's band: stay `within` it, overshoot it `once` (the price
 * must start inside it under `head`; closes and Perp v1's liquidations), or go `unchecked`
 * (2.2.0's trader closes, and the `default` design's liquidations, which a close over the band
 * must not block).
 */
export type BandCheck = 'within' | 'once' | 'unchecked';

/** Seconds of the exit-notional TWAP used for PnL and margin (hard-coded 15 min in Perp v1). */
export const PNL_TWAP_INTERVAL = 15 * 60;

const snapshotTime = (s: ReserveSnapshot): number => s.timestamp;

/** One accumulated series of the snapshots: its value in a block and its running integral. */
interface Series {
  value(s: ReserveSnapshot): bigint;
  cumulative(s: ReserveSnapshot): bigint;
}
const PRICE: Series = { value: (s) => divD(s.quote, s.base), cumulative: (s) => s.cumulative };

/**
 * Each snapshot's k·10¹⁸, kept while its reserves stay the same: a past block's reserves never
 * change, so Perp v1's walk pays one division per snapshot instead of three on every valuation.
 */
const scaledKs = new WeakMap<ReserveSnapshot, { readonly quote: bigint; readonly base: bigint; readonly scaled: bigint }>();

function snapshotScaledK(s: ReserveSnapshot): bigint {
  const cached = scaledKs.get(s);
  if (cached && cached.quote === s.quote && cached.base === s.base) return cached.scaled;
  const scaled = scaledK(s.quote, s.base);
  scaledKs.set(s, { quote: s.quote, base: s.base, scaled });
  return scaled;
}

interface CurveMemo {
  quote: bigint;
  base: bigint;
  scaledK: bigint | null;
  spot: bigint | null;
  exitDir: Dir;
  exitAmount: bigint | null;
  exit: bigint;
}

const emptyCurveMemo = (): CurveMemo => ({ quote: -1n, base: -1n, scaledK: null, spot: null, exitDir: 'ADD', exitAmount: null, exit: 0n });

interface TwapReservesMemo {
  readonly interval: number;
  readonly now: number;
  readonly length: number;
  readonly start: number;
  readonly latestQuote: bigint;
  readonly latestBase: bigint;
  readonly reserves: { readonly quote: bigint; readonly base: bigint };
  /** k·10¹⁸ of the time-weighted curve, once a valuation has needed it. */
  scaledK: bigint | null;
}

/** A quote swap worked out without being made (Vamm.previewSwapInput). */
export interface SwapPreview {
  readonly baseAmount: bigint;
  readonly quoteAfter: bigint;
  readonly baseAfter: bigint;
}

export interface SwapRecord {
  readonly kBefore: bigint;
  readonly kAfter: bigint;
}

export class Vamm {
  quoteReserve: bigint;
  baseReserve: bigint;
  tradeLimitRatio: bigint;
  fluctuationLimitRatio: bigint;
  maxHoldingBaseAsset: bigint;
  openInterestNotionalCap: bigint;
  /** Net trader base position (Σ trader sizes). */
  totalPositionSize = 0n;
  /** Net quote that has flowed into the AMM; used by the lazy migration remap. */
  cumulativeNotional = 0n;
  open = true;
  settlementPrice = 0n;
  readonly twapEmptyPeriod: 'revert' | 'latest';
  readonly bandRule: BandRule;
  readonly snapshots: ReserveSnapshot[] = [];
  /** Index of the oldest snapshot the TWAP walk may reach (older ones were pruned). */
  snapshotStart = 0;
  readonly liquiditySnapshots: LiquiditySnapshot[] = [];
  /** When set, swaps are recorded for the invariant checker (not journaled: it records what ran). */
  recordSwaps = false;
  readonly swapLog: SwapRecord[] = [];
  /** Pure functions of the current reserves, kept while the reserves are the same (null: not known yet). */
  private curve: CurveMemo = emptyCurveMemo();
  private previousCurve: CurveMemo = emptyCurveMemo();
  /** The last TWAP reserves, with everything they were computed from. */
  private twapMemo: TwapReservesMemo | null = null;

  constructor(
    private readonly j: Journal,
    private readonly clock: Clock,
    params: VammParams,
  ) {
    if (params.quoteReserve <= 0n || params.baseReserve <= 0n) {
      throw new ModelError('InvalidParameter', 'reserves must be positive');
    }
    if (params.tradeLimitRatio <= 0n || params.tradeLimitRatio > ONE) {
      throw new ModelError('InvalidParameter', 'tradeLimitRatio must be in (0, 1]');
    }
    this.quoteReserve = params.quoteReserve;
    this.baseReserve = params.baseReserve;
    this.tradeLimitRatio = params.tradeLimitRatio;
    this.fluctuationLimitRatio = params.fluctuationLimitRatio;
    this.maxHoldingBaseAsset = params.maxHoldingBaseAsset;
    this.openInterestNotionalCap = params.openInterestNotionalCap;
    this.twapEmptyPeriod = params.twapEmptyPeriod ?? 'revert';
    this.bandRule = params.bandRule ?? 'head';
    this.liquiditySnapshots.push({
      cumulativeNotional: 0n,
      quote: this.quoteReserve,
      base: this.baseReserve,
      totalPositionSize: 0n,
    });
    this.snapshots.push({
      quote: this.quoteReserve,
      base: this.baseReserve,
      cumulative: 0n,
      cumulativeQuote: 0n,
      cumulativeBase: 0n,
      timestamp: clock.timestamp,
      blockNumber: clock.blockNumber,
    });
  }

  // ---------------------------------------------------------------- swaps

  /**
   * Swaps a quote amount: ADD for a long (quote into the AMM), REMOVE for a short. Returns the
   * base amount; `baseLimit` (0 = none) is a minimum for a long and a maximum for a short.
   */
  swapInput(dirOfQuote: Dir, quoteAmount: bigint, baseLimit: bigint, band: BandCheck): bigint {
    this.requireOpen();
    if (quoteAmount === 0n) return 0n;
    const baseAmount = this.inputAmount(dirOfQuote, quoteAmount);
    if (baseLimit !== 0n) {
      if (dirOfQuote === 'ADD') requireWith(baseAmount >= baseLimit, 'LessThanMinimalBase', () => ({ amount: baseAmount, limit: baseLimit }));
      else requireWith(baseAmount <= baseLimit, 'MoreThanMaximalBase', () => ({ amount: baseAmount, limit: baseLimit }));
    }
    this.updateReserve(dirOfQuote, quoteAmount, baseAmount, band);
    return baseAmount;
  }

  /**
   * Swaps a base amount (full closes and full liquidations): ADD closes a long, REMOVE closes
   * a short. `quoteLimit` (0 = none) is a minimum when selling base and a maximum when buying.
   * Overshoots the fluctuation limit at most `once` by default; `unchecked` ignores the band
   * (2.2.0's trader closes, the `default` design's liquidations).
   */
  swapOutput(dirOfBase: Dir, baseAmount: bigint, quoteLimit: bigint, band: Exclude<BandCheck, 'within'> = 'once'): bigint {
    this.requireOpen();
    if (baseAmount === 0n) return 0n;
    if (dirOfBase === 'REMOVE') {
      const limit = mulD(this.baseReserve, this.tradeLimitRatio);
      requireWith(limit >= baseAmount, 'OverTradingLimit', () => ({ amount: baseAmount, limit }));
    }
    const quoteAmount = this.outputPrice(dirOfBase, baseAmount);
    const dirOfQuote: Dir = dirOfBase === 'ADD' ? 'REMOVE' : 'ADD';
    if (quoteLimit !== 0n) {
      if (dirOfQuote === 'REMOVE') requireWith(quoteAmount >= quoteLimit, 'LessThanMinimalQuote', () => ({ amount: quoteAmount, limit: quoteLimit }));
      else requireWith(quoteAmount <= quoteLimit, 'MoreThanMaximalQuote', () => ({ amount: quoteAmount, limit: quoteLimit }));
    }
    this.updateReserve(dirOfQuote, quoteAmount, baseAmount, band);
    return quoteAmount;
  }

  /**
   * What swapInput (without a base limit) would return and leave, with the same reverts, and
   * nothing written: a liquidation's size search checks each candidate close on it.
   */
  previewSwapInput(dirOfQuote: Dir, quoteAmount: bigint, band: BandCheck): SwapPreview {
    this.requireOpen();
    if (quoteAmount === 0n) return { baseAmount: 0n, quoteAfter: this.quoteReserve, baseAfter: this.baseReserve };
    const baseAmount = this.inputAmount(dirOfQuote, quoteAmount);
    this.checkBlockFluctuationLimit(dirOfQuote, quoteAmount, baseAmount, band);
    const quoteAfter = this.quoteAfter(dirOfQuote, quoteAmount);
    const baseAfter = this.baseAfter(dirOfQuote, baseAmount);
    // The checker counted the dry-run swaps the preview replaces (the count is in the run's log).
    this.recordSwap(quoteAfter, baseAfter);
    return { baseAmount, quoteAfter, baseAfter };
  }

  /** The base a quote swap moves, within the trade limit when quote leaves the AMM. */
  private inputAmount(dirOfQuote: Dir, quoteAmount: bigint): bigint {
    if (dirOfQuote === 'REMOVE') {
      const limit = mulD(this.quoteReserve, this.tradeLimitRatio);
      requireWith(limit >= quoteAmount, 'OverTradingLimit', () => ({ amount: quoteAmount, limit }));
    }
    return this.inputPrice(dirOfQuote, quoteAmount);
  }

  /** The quote reserve after a swap of `quoteAmount` (reverting where it would go negative). */
  private quoteAfter(dirOfQuote: Dir, quoteAmount: bigint): bigint {
    return dirOfQuote === 'ADD' ? this.quoteReserve + quoteAmount : subU(this.quoteReserve, quoteAmount);
  }

  /** The base reserve after a quote swap that moved `baseAmount` (reverting where it would go negative). */
  private baseAfter(dirOfQuote: Dir, baseAmount: bigint): bigint {
    return dirOfQuote === 'ADD' ? subU(this.baseReserve, baseAmount) : this.baseReserve + baseAmount;
  }

  /** A swap from the current reserves to these, for the invariant checker when it watches. */
  private recordSwap(quoteAfter: bigint, baseAfter: bigint): void {
    if (this.recordSwaps) this.swapLog.push({ kBefore: mulD(this.quoteReserve, this.baseReserve), kAfter: mulD(quoteAfter, baseAfter) });
  }

  private updateReserve(dirOfQuote: Dir, quoteAmount: bigint, baseAmount: bigint, band: BandCheck): void {
    this.checkBlockFluctuationLimit(dirOfQuote, quoteAmount, baseAmount, band);
    const quoteAfter = this.quoteAfter(dirOfQuote, quoteAmount);
    const baseAfter = this.baseAfter(dirOfQuote, baseAmount);
    this.recordSwap(quoteAfter, baseAfter);
    const j = this.j;
    j.set(this, 'quoteReserve', quoteAfter);
    j.set(this, 'baseReserve', baseAfter);
    if (dirOfQuote === 'ADD') {
      j.set(this, 'totalPositionSize', this.totalPositionSize + baseAmount);
      j.set(this, 'cumulativeNotional', this.cumulativeNotional + quoteAmount);
    } else {
      j.set(this, 'totalPositionSize', this.totalPositionSize - baseAmount);
      j.set(this, 'cumulativeNotional', this.cumulativeNotional - quoteAmount);
    }
    this.addReserveSnapshot();
  }

  /** One snapshot per block: a later trade in the same block overwrites it. */
  addReserveSnapshot(): void {
    const latest = this.snapshots[this.snapshots.length - 1] as ReserveSnapshot;
    if (latest.blockNumber === this.clock.blockNumber) {
      this.j.set(latest, 'quote', this.quoteReserve);
      this.j.set(latest, 'base', this.baseReserve);
    } else {
      const elapsed = BigInt(this.clock.timestamp - latest.timestamp);
      this.j.push(this.snapshots, {
        quote: this.quoteReserve,
        base: this.baseReserve,
        cumulative: latest.cumulative + this.snapshotPrice(latest) * elapsed,
        cumulativeQuote: latest.cumulativeQuote + latest.quote * elapsed,
        cumulativeBase: latest.cumulativeBase + latest.base * elapsed,
        timestamp: this.clock.timestamp,
        blockNumber: this.clock.blockNumber,
      });
    }
  }

  // ---------------------------------------------------------------- fluctuation limit

  /** Price bounds of this block: the last snapshot from a previous block ± the limit. */
  private priceBoundsOfLastBlock(ratio = this.fluctuationLimitRatio): { lower: bigint; upper: bigint } {
    const len = this.snapshots.length;
    let latest = this.snapshots[len - 1] as ReserveSnapshot;
    if (latest.blockNumber === this.clock.blockNumber && len > 1) latest = this.snapshots[len - 2] as ReserveSnapshot;
    const lastPrice = divD(latest.quote, latest.base);
    return {
      upper: mulD(lastPrice, ONE + ratio),
      lower: mulD(lastPrice, subU(ONE, ratio)),
    };
  }

  private checkBlockFluctuationLimit(dirOfQuote: Dir, quoteAmount: bigint, baseAmount: bigint, band: BandCheck): void {
    if (this.fluctuationLimitRatio === 0n || band === 'unchecked') return;
    const { lower, upper } = this.priceBoundsOfLastBlock();
    const after =
      dirOfQuote === 'ADD'
        ? divD(this.quoteReserve + quoteAmount, subU(this.baseReserve, baseAmount))
        : divD(subU(this.quoteReserve, quoteAmount), this.baseReserve + baseAmount);
    if (this.bandRule === '2.2.0') {
      if (band === 'once' && this.crossesBandOfLatestSnapshot(after)) return;
      requireWith(after <= upper && after >= lower, 'PriceOverFluctuationLimit', () => ({ price: after, lower, upper }));
      return;
    }
    const price = divD(this.quoteReserve, this.baseReserve);
    requireWith(price <= upper && price >= lower, 'PriceAlreadyOverFluctuationLimit', () => ({ price, lower, upper }));
    if (band === 'within') requireWith(after <= upper && after >= lower, 'PriceOverFluctuationLimit', () => ({ price: after, lower, upper }));
  }

  /** 2.2.0's isSingleTxOverFluctuation: the price after a trade, against the band of the latest snapshot (this block's too). */
  private crossesBandOfLatestSnapshot(after: bigint): boolean {
    const latest = this.snapshots[this.snapshots.length - 1] as ReserveSnapshot;
    const last = divD(latest.quote, latest.base);
    return after > mulD(last, ONE + this.fluctuationLimitRatio) || after < mulD(last, subU(ONE, this.fluctuationLimitRatio));
  }

  /** Would closing `baseAmount` (dirOfBase) move the price outside this block's band? */
  isOverFluctuationLimit(dirOfBase: Dir, baseAmount: bigint): boolean {
    if (this.fluctuationLimitRatio === 0n) return false;
    const { lower, upper } = this.priceBoundsOfLastBlock();
    const quoteBack = this.outputPrice(dirOfBase, baseAmount);
    const price =
      dirOfBase === 'REMOVE'
        ? divD(this.quoteReserve + quoteBack, subU(this.baseReserve, baseAmount))
        : divD(subU(this.quoteReserve, quoteBack), this.baseReserve + baseAmount);
    return !(price <= upper && price >= lower);
  }

  // ---------------------------------------------------------------- views

  inputPrice(dirOfQuote: Dir, quoteAmount: bigint): bigint {
    if (quoteAmount === 0n) return 0n;
    const c = this.curveMemo();
    c.scaledK ??= scaledK(this.quoteReserve, this.baseReserve);
    return inputPriceScaled(dirOfQuote, quoteAmount, this.quoteReserve, this.baseReserve, c.scaledK);
  }

  /**
   * The exit notional of `baseAmount` on the current reserves. An operation values the same
   * position on the same reserves several times (its margin ratio, the close, the event), so
   * the last answer is kept with the reserves and amount it was computed on.
   */
  outputPrice(dirOfBase: Dir, baseAmount: bigint): bigint {
    const c = this.curveMemo();
    if (c.exitAmount === baseAmount && c.exitDir === dirOfBase) return c.exit;
    c.scaledK ??= scaledK(this.quoteReserve, this.baseReserve);
    const exit = outputPriceScaled(dirOfBase, baseAmount, this.quoteReserve, this.baseReserve, c.scaledK);
    c.exitDir = dirOfBase;
    c.exitAmount = baseAmount;
    c.exit = exit;
    return exit;
  }

  spotPrice(): bigint {
    const c = this.curveMemo();
    c.spot ??= spotPrice(this.quoteReserve, this.baseReserve);
    return c.spot;
  }

  /**
   * What is known about the current reserves. Two curves are kept, the current and the one
   * before (a block's first trade records the price of the reserves it moved away from).
   */
  private curveMemo(): CurveMemo {
    const c = this.curve;
    if (c.quote === this.quoteReserve && c.base === this.baseReserve) return c;
    const p = this.previousCurve;
    this.previousCurve = c;
    this.curve = p;
    if (p.quote === this.quoteReserve && p.base === this.baseReserve) return p;
    p.quote = this.quoteReserve;
    p.base = this.baseReserve;
    p.scaledK = null;
    p.spot = null;
    p.exitAmount = null;
    return p;
  }

  /** Q/B (divD) of a snapshot's reserves, from the memo when they are a curve it knows. */
  private snapshotPrice(s: ReserveSnapshot): bigint {
    const c = this.curve;
    if (c.spot !== null && c.quote === s.quote && c.base === s.base) return c.spot;
    const p = this.previousCurve;
    if (p.spot !== null && p.quote === s.quote && p.base === s.base) return p.spot;
    return divD(s.quote, s.base);
  }

  k(): bigint {
    return mulD(this.quoteReserve, this.baseReserve);
  }

  /**
   * TWAP of the reserve price Q/B over `interval` seconds (the mark TWAP): the integral over the
   * window from the accumulator, divided by the window (or by the history there is, when it is
   * shorter). The same integer sum as Perp v1's backward walk, so the same result to the wei,
   * found in O(log n) (Vamm.sol's twapPrice is its twin).
   */
  twapPrice(interval: number): bigint {
    return this.windowAverage(interval, PRICE);
  }

  /**
   * Time-weighted average reserves over `interval` seconds (each floored), from their
   * accumulators in O(log n); the current block's reserves weigh nothing until time passes.
   */
  twapReserves(interval: number): { readonly quote: bigint; readonly base: bigint } {
    // A block's valuations share one answer: it changes only with the time, the snapshots or
    // the latest snapshot's reserves (earlier snapshots never change; pruning clears the memo),
    // and not with those when they weigh nothing (`latestWeighsNothing`): a block's later trades
    // overwrite its own snapshot's reserves and leave the window's average as it was.
    const s = this.snapshots;
    const latest = s[s.length - 1] as ReserveSnapshot;
    const memo = this.twapMemo;
    const now = this.clock.timestamp;
    if (
      memo !== null &&
      memo.now === now &&
      memo.interval === interval &&
      memo.length === s.length &&
      memo.start === this.snapshotStart &&
      ((memo.latestQuote === latest.quote && memo.latestBase === latest.base) || this.latestWeighsNothing(interval, now))
    ) {
      return memo.reserves;
    }
    const reserves = this.windowReserves(interval);
    this.twapMemo = { interval, now, length: s.length, start: this.snapshotStart, latestQuote: latest.quote, latestBase: latest.base, reserves, scaledK: null };
    return reserves;
  }

  /**
   * Whether `windowReserves(interval)` at `now` reads no reserve of the latest snapshot: the
   * window is not empty, the latest was taken at `now` (its weight, now − its time, is zero, and
   * its accumulators hold only earlier snapshots' reserves) and the oldest kept is older (so the
   * latest is not the only one kept, and the history is not an empty period: both answer with
   * the latest reserves themselves).
   */
  private latestWeighsNothing(interval: number, now: number): boolean {
    const s = this.snapshots;
    return interval !== 0 && (s[s.length - 1] as ReserveSnapshot).timestamp === now && (s[this.snapshotStart] as ReserveSnapshot).timestamp !== now;
  }

  /**
   * The `default` design's TWAP valuation: the exit notional of `baseAmount` on the curve of the
   * time-weighted reserves of the last 15 minutes (Vamm.sol's exitNotionalAtTwap is its twin).
   * Like Perp v1's walk, a position is valued on the curve as it was, so a trade that moves the
   * market is not valued on the depth it created; unlike the walk, it costs O(log n).
   */
  exitNotionalAtTwap(dirOfBase: Dir, baseAmount: bigint, interval = PNL_TWAP_INTERVAL): bigint {
    if (baseAmount === 0n) return 0n;
    const r = this.twapReserves(interval);
    const memo = this.twapMemo as TwapReservesMemo;
    memo.scaledK ??= scaledK(r.quote, r.base);
    return outputPriceScaled(dirOfBase, baseAmount, r.quote, r.base, memo.scaledK);
  }

  /**
   * The last kept snapshot at or before `timestamp`, by binary search: the caller knows the oldest
   * kept snapshot is at or before it and the latest after it, so the one after is `index + 1`.
   */
  private lastSnapshotAtOrBefore(timestamp: number): number {
    const s = this.snapshots;
    let lo = this.snapshotStart;
    let hi = s.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((s[mid] as ReserveSnapshot).timestamp <= timestamp) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** The average of one accumulated series over the window (see twapPrice). */
  private windowAverage(interval: number, series: Series): bigint {
    const s = this.snapshots;
    const last = s.length - 1;
    const latest = s[last] as ReserveSnapshot;
    const latestValue = series.value(latest);
    if (interval === 0) return latestValue;
    const now = this.clock.timestamp;
    const baseTimestamp = now - interval;
    const first = this.snapshotStart;
    if (last === first || latest.timestamp <= baseTimestamp) return latestValue;
    const cumulativeNow = series.cumulative(latest) + latestValue * BigInt(now - latest.timestamp);
    const oldest = s[first] as ReserveSnapshot;
    if (oldest.timestamp > baseTimestamp) {
      const period = now - oldest.timestamp;
      if (period === 0) {
        if (this.twapEmptyPeriod === 'latest') return latestValue;
        throw new ModelError('DivisionByZero', 'TWAP over an empty period');
      }
      return (cumulativeNow - series.cumulative(oldest)) / BigInt(period);
    }
    // The last snapshot at or before the window's start: timestamps never decrease.
    const lo = this.lastSnapshotAtOrBefore(baseTimestamp);
    const start = s[lo] as ReserveSnapshot;
    const next = s[lo + 1] as ReserveSnapshot;
    const weighted = cumulativeNow - series.cumulative(next) + series.value(start) * BigInt(next.timestamp - baseTimestamp);
    return weighted / BigInt(interval);
  }

  /** The window's average of the quote and of the base reserve (as windowAverage does each), with one search of the window. */
  private windowReserves(interval: number): { readonly quote: bigint; readonly base: bigint } {
    const s = this.snapshots;
    const last = s.length - 1;
    const latest = s[last] as ReserveSnapshot;
    if (interval === 0) return { quote: latest.quote, base: latest.base };
    const now = this.clock.timestamp;
    const baseTimestamp = now - interval;
    const first = this.snapshotStart;
    if (last === first || latest.timestamp <= baseTimestamp) return { quote: latest.quote, base: latest.base };
    const sinceLatest = BigInt(now - latest.timestamp);
    const quoteNow = latest.cumulativeQuote + latest.quote * sinceLatest;
    const baseNow = latest.cumulativeBase + latest.base * sinceLatest;
    const oldest = s[first] as ReserveSnapshot;
    if (oldest.timestamp > baseTimestamp) {
      const period = now - oldest.timestamp;
      if (period === 0) {
        if (this.twapEmptyPeriod === 'latest') return { quote: latest.quote, base: latest.base };
        throw new ModelError('DivisionByZero', 'TWAP over an empty period');
      }
      const p = BigInt(period);
      return { quote: (quoteNow - oldest.cumulativeQuote) / p, base: (baseNow - oldest.cumulativeBase) / p };
    }
    const lo = this.lastSnapshotAtOrBefore(baseTimestamp);
    const start = s[lo] as ReserveSnapshot;
    const next = s[lo + 1] as ReserveSnapshot;
    const head = BigInt(next.timestamp - baseTimestamp);
    const window = BigInt(interval);
    return {
      quote: (quoteNow - next.cumulativeQuote + start.quote * head) / window,
      base: (baseNow - next.cumulativeBase + start.base * head) / window,
    };
  }

  /**
   * Bounds on both TWAP valuations of `baseAmount` (the walk's outputTwap and the default
   * design's exitNotionalAtTwap) without computing either: each is a weighted mean of exits on
   * the window's snapshots, or one exit on reserves inside the window's range, so each lies in
   * [lb, ub] from the window's least and greatest reserves, widened by every rounding the exit
   * can make (see exitRangeOnBox). Null where either
   * valuation could revert (an empty period, a short the curve cannot buy back, a dust exit),
   * so a caller that needs the exact answer computes it.
   */
  twapExitBounds(dirOfBase: Dir, baseAmount: bigint, interval = PNL_TWAP_INTERVAL): { lb: bigint; ub: bigint } | null {
    if (baseAmount <= 0n) return null;
    const s = this.snapshots;
    const last = s.length - 1;
    const first = this.snapshotStart;
    const now = this.clock.timestamp;
    if ((s[first] as ReserveSnapshot).timestamp >= now) return null;
    // The window: from the last snapshot at or before its start (or the oldest kept) to the latest.
    const baseTimestamp = now - interval;
    let lo = first;
    if ((s[last] as ReserveSnapshot).timestamp <= baseTimestamp) lo = last;
    else if ((s[first] as ReserveSnapshot).timestamp <= baseTimestamp) lo = this.lastSnapshotAtOrBefore(baseTimestamp);
    let at = s[lo] as ReserveSnapshot;
    let qMin = at.quote;
    let qMax = at.quote;
    let bMin = at.base;
    let bMax = at.base;
    for (let i = lo + 1; i <= last; i++) {
      at = s[i] as ReserveSnapshot;
      if (at.quote < qMin) qMin = at.quote;
      else if (at.quote > qMax) qMax = at.quote;
      if (at.base < bMin) bMin = at.base;
      else if (at.base > bMax) bMax = at.base;
    }
    return exitRangeOnBox(dirOfBase, baseAmount, qMin, qMax, bMin, bMax);
  }

  /** TWAP of the exit notional of `baseAmount` (Perp v1's getOutputTwap), 15 min by default. */
  outputTwap(dirOfBase: Dir, baseAmount: bigint, interval = PNL_TWAP_INTERVAL): bigint {
    if (baseAmount === 0n) return 0n;
    return twapWalk(
      this.snapshots,
      (s) => outputPriceScaled(dirOfBase, baseAmount, s.quote, s.base, snapshotScaledK(s)),
      snapshotTime,
      this.clock.timestamp,
      interval,
      this.snapshotStart,
      this.twapEmptyPeriod,
    );
  }

  /** TWAP of the base bought for `quoteAmount` (Perp v1's getInputTwap). */
  inputTwap(dirOfQuote: Dir, quoteAmount: bigint, interval = PNL_TWAP_INTERVAL): bigint {
    if (quoteAmount === 0n) return 0n;
    return twapWalk(
      this.snapshots,
      (s) => inputPrice(dirOfQuote, quoteAmount, s.quote, s.base),
      snapshotTime,
      this.clock.timestamp,
      interval,
      this.snapshotStart,
      this.twapEmptyPeriod,
    );
  }

  latestLiquiditySnapshot(): LiquiditySnapshot {
    return this.liquiditySnapshots[this.liquiditySnapshots.length - 1] as LiquiditySnapshot;
  }

  get liquidityHistoryIndex(): number {
    return this.liquiditySnapshots.length - 1;
  }

  // ---------------------------------------------------------------- k change, repeg, shutdown

  /**
   * The size whose exit on the current curve returns what `size` exits for on the curve
   * (fromQuote, fromBase): Perp v1's calcBaseAssetAfterLiquidityMigration.
   */
  baseAfterLiquidityMigration(size: bigint, fromQuote: bigint, fromBase: bigint): bigint {
    return baseAfterMigration(size, { quote: fromQuote, base: fromBase }, { quote: this.quoteReserve, base: this.baseReserve });
  }

  /**
   * Multiplies both reserves by `multiplier` (price unchanged, k·m²) and records the liquidity
   * snapshot; the caller remaps positions. Returns the reserves before the change.
   */
  migrateLiquidity(
    multiplier: bigint,
    fluctuationLimitRatio: bigint,
    overBandReason: 'PriceAlreadyOverFluctuationLimit' | 'PriceOverFluctuationLimit' = 'PriceAlreadyOverFluctuationLimit',
  ): { quote: bigint; base: bigint } {
    this.requireOpen();
    requireThat(multiplier > 0n, 'InvalidParameter', 'liquidity multiplier must be positive');
    requireThat(multiplier !== ONE, 'LiquidityMultiplierIsOne');
    if (this.totalPositionSize > 0n) {
      // Perp v1: a net long must still be closable on the shrunk curve.
      const lowerBound = divD(this.totalPositionSize + 10n ** 9n, this.baseReserve);
      requireThat(multiplier >= lowerBound, 'IllegalLiquidityMultiplier');
    }
    this.checkPriceWithinBand(fluctuationLimitRatio, overBandReason);
    const from = { quote: this.quoteReserve, base: this.baseReserve };
    this.j.set(this, 'quoteReserve', mulD(from.quote, multiplier));
    this.j.set(this, 'baseReserve', mulD(from.base, multiplier));
    this.j.set(this, 'totalPositionSize', this.baseAfterLiquidityMigration(this.totalPositionSize, from.quote, from.base));
    this.j.push(this.liquiditySnapshots, {
      cumulativeNotional: this.cumulativeNotional,
      quote: this.quoteReserve,
      base: this.baseReserve,
      totalPositionSize: this.totalPositionSize,
    });
    this.addReserveSnapshot();
    return from;
  }

  /**
   * #53 sandwich fix: the current price must be inside the band around the last block's price.
   * Perp v1's legacy Amm reverts with its one fluctuation message there.
   */
  private checkPriceWithinBand(ratio: bigint, reason: 'PriceAlreadyOverFluctuationLimit' | 'PriceOverFluctuationLimit'): void {
    if (ratio === 0n) return;
    const { lower, upper } = this.priceBoundsOfLastBlock(ratio);
    const price = divD(this.quoteReserve, this.baseReserve);
    requireWith(price <= upper && price >= lower, reason, () => ({ price, lower, upper }));
  }

  /** Sets the quote reserve (a repeg moves the peg by moving Q at fixed B). */
  setQuoteReserve(quote: bigint): void {
    this.requireOpen();
    requireThat(quote > 0n, 'InvalidParameter', 'quote reserve must be positive');
    this.j.set(this, 'quoteReserve', quote);
    this.addReserveSnapshot();
  }

  /**
   * What Perp v1 settles the net position at: the quote it moved against the curve of the
   * latest liquidity snapshot (its average entry), signed as the position's value. The
   * settlement price is this over the net size (Amm.implShutdown).
   */
  perpV1SettlementValue(): bigint {
    const snap = this.latestLiquiditySnapshot();
    const previousK = mulD(snap.base, snap.quote);
    const initBase = snap.totalPositionSize + snap.base;
    const initQuote = divD(previousK, initBase);
    return this.quoteReserve - initQuote;
  }

  shutdown(settlementPrice: bigint): void {
    this.j.set(this, 'settlementPrice', settlementPrice);
    this.j.set(this, 'open', false);
  }

  requireOpen(): void {
    requireThat(this.open, 'MarketClosed');
  }

  /**
   * Drops snapshots the TWAPs can no longer reach: keeps the newest snapshot at or before
   * `oldestNeeded` and everything after it, which leaves every TWAP up to that age unchanged.
   * Not journaled: call it between operations.
   */
  pruneSnapshots(oldestNeeded: number): void {
    let start = this.snapshotStart;
    while (start + 1 < this.snapshots.length && (this.snapshots[start + 1] as ReserveSnapshot).timestamp <= oldestNeeded) start++;
    if (start > 4096 && start > this.snapshots.length / 2) {
      this.snapshots.splice(0, start);
      start = 0;
    }
    this.snapshotStart = start;
    this.twapMemo = null;
  }
}
