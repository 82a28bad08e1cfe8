/**
 * The cascade screen: a reduced float64 model of what makes the insurance fund draw down, run on
 * every phase-1 candidate path to rank it (strata.ts stratifies on the rank). It only ranks paths,
 * so it need not be exact; it must be cheap (hundreds of thousands of candidates) and
 * deterministic (a pure function of the index it walks and the stated market).
 *
 * What it models:
 * - the stated book (scenarios/population.ts): every account's side, notional and leverage, opened
 *   at the start price (size = notional / price, collateral = notional / leverage) and held until
 *   liquidated; cross margin, one market;
 * - the vAMM's x·y = k in doubles at the stated depth, the book's net position zero at the start
 *   (the skew holder is in the book), so the curve starts at the start price;
 * - the index walking the points the exact run's fast feed walks (screen-walk.ts): each 5-minute
 *   bar's extremes and close of the real shapes the run draws for the path's hours, calm hours as
 *   one candle, each point at its time;
 * - the arbitrageurs as one pool: at each step they trade the mark back toward the index, to within
 *   `band`, as far as their inventory room allows (`inventory`: the notional they can hold at the
 *   mark, so a position a move has shrunk frees room; from
 *   the calibrated population's capital and inventory limits; 0 when arbitrage is withdrawn);
 *   within a step the liquidators are faster than they are (12–60 s looks and a few seconds of
 *   latency against liquidations landing block after block), so what liquidations do to the mark
 *   inside a step stands until the next step;
 * - liquidations as the `default` design does them: an account whose margin ratio at its exit
 *   value on the curve falls under maintenance, and at its value on the curve of the mark's TWAP
 *   too (`twapWindow`: the contracts value a position at the better of spot and a 15-minute TWAP,
 *   so a fast move is closed minutes late, past where spot would have closed it, into bad debt),
 *   is closed by the smallest amount that restores it (liquidation-size.ts' closed form), or whole when its ratio is at or under the penalty or its
 *   notional under the full-liquidation floor; while the mark is more than `oracleSpread` from the
 *   index the index's ratio must be under maintenance too (the trader-favourable rule; checked on
 *   the account nearest its trigger only). Each close trades on the curve, so liquidations move the
 *   mark and can bring the next accounts to maintenance: cascades emerge;
 * - the fund: half the penalty and its share of the trading fee on every close and on the
 *   arbitrageurs' trades, less bad debt (an account closed with negative equity). The screen's
 *   drawdown is the fund's deepest fall below its start.
 *
 * What it leaves out (each a reason its drawdown is not the exact one): funding payments, the noise
 * traders, the blocks between the walk's points (the feed ticks every 100 s inside a 5-minute bar,
 * every 20 minutes in a merged calm hour; while the TWAP holds a close back the liquidators look
 * every `LOOK` seconds), gas and the liquidators' own limits, the arbitrageurs' own margin (their
 * liquidation in a fast rally) and their treasury desks, the oracle's rounds and the fast feed's
 * lag, the TWAP's reserves averaged apart (the screen keeps one k), partial liquidations spread over
 * blocks. Its output is a rank, not a loss: the study's numbers come from exact runs, and the
 * estimate is unbiased whatever the rank (a stratum's weight is its share of the candidates).
 */
import type { BookAccount } from '../population.ts';

export interface CascadeScreenMarket {
  /** The vAMM's quote reserve at the start (USD). */
  readonly depth: number;
  readonly startPrice: number;
  /** The stated book, skew holder included (populationBook). */
  readonly book: readonly BookAccount[];
  /** The clearing house's rules (the `default` profile's unless stated). */
  readonly maintenance?: number;
  readonly penalty?: number;
  readonly feeRatio?: number;
  readonly feeShare?: number;
  readonly fullBelowNotional?: number;
  readonly oracleSpread?: number;
  /** Notional the arbitrageurs can hold between them (USD; 0: arbitrage withdrawn). */
  readonly inventory: number;
  /** Relative gap they leave between mark and index (edge, fee and hedge cost). */
  readonly band?: number;
  /**
   * Share of the gap the arbitrageurs close after each liquidation inside a step (0: none until
   * the next step; 1: all of it, within their room).
   */
  readonly response?: number;
  /**
   * Seconds of the mark's TWAP the liquidation check also values a position at (the contracts
   * take the trader-favourable of spot and a 15-minute TWAP: a fast move is liquidated late, past
   * where a spot check would have closed it); 0: spot only.
   */
  readonly twapWindow?: number;
}

export interface CascadeScreenResult {
  /** The fund's deepest fall below its start (USD). */
  readonly drawdown: number;
  readonly badDebt: number;
  /** Notional closed by liquidations (USD). */
  readonly liquidated: number;
  readonly liquidations: number;
}

/** The index a path walks after the start: each point's price and time (seconds from the start, ascending). */
export interface IndexPoints {
  readonly time: Float64Array;
  readonly price: Float64Array;
}

/** The screen of one path, given the index it walks (screen-walk.ts). */
export type CascadeScreen = (walk: IndexPoints) => CascadeScreenResult;

/** Liquidations one step may cascade through before it is cut short (a rank needs no more). */
const LOOP_LIMIT = 2000;

/** Seconds between the liquidators' looks while a close waits on the TWAP (their look intervals run 12–60 s). */
const LOOK = 60;

/**
 * The screen for a stated market: returns a function of the index a path walks. Every call starts
 * from the same opened book; the function keeps its arrays between calls (one screen per thread).
 */
export function cascadeScreen(market: CascadeScreenMarket): CascadeScreen {
  const mm = market.maintenance ?? 0.0625;
  const p = market.penalty ?? 0.025;
  const fee = market.feeRatio ?? 0.001;
  const feeShare = market.feeShare ?? 0.2;
  const fullBelow = market.fullBelowNotional ?? 500;
  const oracleSpread = market.oracleSpread ?? 0.1;
  const band = market.band ?? 0.003;
  const response = market.response ?? 0;
  const window = market.twapWindow ?? 0;
  const inventoryMax = market.inventory;
  const p0 = market.startPrice;
  if (!(market.depth > 0 && p0 > 0)) throw new Error(`cascade screen: depth ${market.depth} and start price ${p0} must be positive`);
  if (!(mm > p)) throw new Error(`cascade screen: maintenance ${mm} must exceed the penalty ${p} (the minimal liquidation needs it)`);
  const k = market.depth * (market.depth / p0);
  const r = Math.sqrt(k);

  const n = market.book.length;
  const long0 = market.book.map((a) => a.side === 'long');
  const size0 = Float64Array.from(market.book, (a) => a.notional / p0);
  const open0 = Float64Array.from(market.book, (a) => a.notional);
  const coll0 = Float64Array.from(market.book, (a) => a.notional / a.leverage);
  // Live state, reset per path.
  const size = new Float64Array(n);
  const open = new Float64Array(n);
  const coll = new Float64Array(n);
  const spotAt = new Float64Array(n);
  const oracleAt = new Float64Array(n);
  const longs = new Int32Array(market.book.filter((a) => a.side === 'long').length);
  const shorts = new Int32Array(n - longs.length);
  let nLong = 0;
  let nShort = 0;

  /** The marks at which account i reaches maintenance: on the curve (spot) and at the index (oracle). */
  const triggers = (i: number) => {
    const s = size[i] as number;
    const o = open[i] as number;
    const c = coll[i] as number;
    if (long0[i]) {
      // Exit value E(m) = Q − k/(B + s) with Q = r√m, B = r/√m; maintenance needs E ≥ T.
      const t = (o - c) / (1 - mm);
      if (t <= 0) {
        spotAt[i] = 0;
        oracleAt[i] = 0;
        return;
      }
      const u = (t * s + Math.sqrt(t * t * s * s + 4 * k * s * t)) / (2 * r * s);
      spotAt[i] = u * u;
      oracleAt[i] = t / s;
    } else {
      // Cost to close E(m) = k/(B − s) − Q; maintenance needs E ≤ T.
      const t = (c + o) / (1 + mm);
      const u = (-t * s + Math.sqrt(t * t * s * s + 4 * k * s * t)) / (2 * r * s);
      spotAt[i] = u * u;
      oracleAt[i] = t / s;
    }
  };

  const initial = (() => {
    for (let i = 0; i < n; i++) {
      size[i] = size0[i] as number;
      open[i] = open0[i] as number;
      coll[i] = coll0[i] as number;
      triggers(i);
    }
    const l = [...Array(n).keys()].filter((i) => long0[i]).sort((a, b) => (spotAt[b] as number) - (spotAt[a] as number) || a - b);
    const s = [...Array(n).keys()].filter((i) => !long0[i]).sort((a, b) => (spotAt[a] as number) - (spotAt[b] as number) || a - b);
    return { l: Int32Array.from(l), s: Int32Array.from(s), spot: Float64Array.from(spotAt), oracle: Float64Array.from(oracleAt) };
  })();

  // The curve's history for the TWAP: quote and base reserves held from segT[j] (reset per path).
  let segT = new Float64Array(64);
  let segQ = new Float64Array(64);
  let segB = new Float64Array(64);

  return (walk: IndexPoints): CascadeScreenResult => {
    size.set(size0);
    open.set(open0);
    coll.set(coll0);
    spotAt.set(initial.spot);
    oracleAt.set(initial.oracle);
    longs.set(initial.l);
    shorts.set(initial.s);
    nLong = longs.length;
    nShort = shorts.length;
    let q = market.depth; // quote reserve; base = k / q, mark = q² / k
    let inventory = 0; // the arbitrageurs' net position (base, long positive)
    let fund = 0;
    let low = 0;
    let badDebt = 0;
    let liquidated = 0;
    let liquidations = 0;
    let index = p0;
    // The TWAP's mark at `twapTime`: the curve of the window's time-weighted quote and base
    // reserves, computed only when a liquidation check needs it (NaN until then).
    let twapTime = 0;
    let twapMark = Number.NaN;
    const twap = (): number => {
      if (Number.isNaN(twapMark)) twapMark = twapAt(twapTime);
      return twapMark;
    };
    segT[0] = Number.NEGATIVE_INFINITY;
    segQ[0] = q;
    segB[0] = k / q;
    let nSeg = 1;
    /** The curve holds q from time t on. */
    const record = (t: number) => {
      if (nSeg === segT.length) {
        const grown = [new Float64Array(2 * nSeg), new Float64Array(2 * nSeg), new Float64Array(2 * nSeg)] as const;
        grown[0].set(segT);
        grown[1].set(segQ);
        grown[2].set(segB);
        [segT, segQ, segB] = grown;
      }
      segT[nSeg] = t;
      segQ[nSeg] = q;
      segB[nSeg] = k / q;
      nSeg++;
    };
    /** Checks from time t on read the TWAP at t. */
    const at = (t: number) => {
      twapTime = t;
      twapMark = Number.NaN;
    };
    /** An account the spot would close but the TWAP (or the oracle beyond the spread) holds back. */
    const pending = (): boolean => {
      const mark = (q * q) / k;
      if (nLong > 0 && mark < (spotAt[longs[0] as number] as number) * (1 - 1e-12)) return true;
      return nShort > 0 && mark > (spotAt[shorts[0] as number] as number) * (1 + 1e-12);
    };
    /** The TWAP mark at time t over the last `window` seconds (the curve as it was before the path: the start's). */
    const twapAt = (t: number): number => {
      let quote = 0;
      let base = 0;
      let end = t;
      for (let j = nSeg - 1; j >= 0 && end > t - window; j--) {
        const from = Math.max(segT[j] as number, t - window);
        quote += (segQ[j] as number) * (end - from);
        base += (segB[j] as number) * (end - from);
        end = from;
      }
      return quote / base;
    };

    /** Long i closed by `quote` of its exit value (all of it when `whole`). */
    const closeLong = (i: number, whole: boolean, exit: number, quote: number) => {
      const s = size[i] as number;
      const base = whole ? s : k / (q - quote) - k / q;
      const got = whole ? exit : quote;
      const realised = got - ((open[i] as number) * base) / s;
      q -= got;
      settle(i, whole, got, realised, base / s);
    };
    const closeShort = (i: number, whole: boolean, cost: number, quote: number) => {
      const s = size[i] as number;
      const paid = whole ? cost : quote;
      const base = whole ? s : k / q - k / (q + quote);
      const realised = ((open[i] as number) * base) / s - paid;
      q += paid;
      settle(i, whole, paid, realised, base / s);
    };
    const settle = (i: number, whole: boolean, notional: number, realised: number, share: number) => {
      liquidated += notional;
      liquidations++;
      const tradingFee = fee * notional;
      fund += feeShare * tradingFee;
      const penalty = p * notional;
      let c = (coll[i] as number) + realised - tradingFee - penalty / 2;
      if (whole) {
        const toFund = Math.min(Math.max(c, 0), penalty / 2);
        fund += toFund;
        c -= toFund;
        if (c < 0) {
          badDebt -= c;
          fund += c;
        }
        size[i] = 0;
        open[i] = 0;
        coll[i] = 0;
        spotAt[i] = Number.NaN;
        return;
      }
      fund += penalty / 2;
      coll[i] = c;
      size[i] = (size[i] as number) * (1 - share);
      open[i] = (open[i] as number) * (1 - share);
      triggers(i);
    };

    /**
     * The arbitrageurs trade `share` of the gap between mark and index (beyond their band), as far
     * as their room allows: their limit is on the notional they hold at the mark, so a short that
     * a fall has shrunk frees room to sell again.
     */
    const arbitrage = (share: number) => {
      const mark = (q * q) / k;
      const held = inventory * mark;
      if (mark < index * (1 - band)) {
        const want = share * (Math.sqrt(k * index * (1 - band)) - q);
        const buy = Math.min(want, Math.max(0, inventoryMax - held));
        if (buy <= 0) return;
        inventory += k / q - k / (q + buy);
        q += buy;
        fund += feeShare * fee * buy;
      } else if (mark > index * (1 + band)) {
        const want = share * (q - Math.sqrt(k * index * (1 + band)));
        const sell = Math.min(want, Math.max(0, inventoryMax + held));
        if (sell <= 0) return;
        inventory -= k / (q - sell) - k / q;
        q -= sell;
        fund += feeShare * fee * sell;
      }
    };

    /** Liquidates what is under maintenance at the current curve, cascading; true if anything was. */
    const liquidate = (): boolean => {
      let any = false;
      for (let loop = 0; loop < LOOP_LIMIT; loop++) {
        const mark = (q * q) / k;
        const spread = Math.abs(mark - index) / index > oracleSpread;
        let acted = false;
        if (nLong > 0) {
          const i = longs[0] as number;
          if (mark < (spotAt[i] as number) * (1 - 1e-12) && (window === 0 || twap() < (spotAt[i] as number)) && (!spread || index < (oracleAt[i] as number))) {
            const s = size[i] as number;
            const exit = q - k / (k / q + s);
            const value = (coll[i] as number) + exit - (open[i] as number);
            const ratio = value / exit;
            const partial = exit >= fullBelow && ratio > p ? (mm * exit - value) / (mm - p) : 0;
            if (partial > 0 && partial < exit) closeLong(i, false, exit, partial);
            else closeLong(i, true, exit, exit);
            reorder(longs, nLong, (a, b) => (spotAt[a] as number) >= (spotAt[b] as number));
            if (Number.isNaN(spotAt[longs[nLong - 1] as number] as number)) nLong--;
            acted = true;
          }
        }
        if (!acted && nShort > 0) {
          const i = shorts[0] as number;
          const s = size[i] as number;
          if (mark > (spotAt[i] as number) * (1 + 1e-12) && (window === 0 || twap() > (spotAt[i] as number)) && (!spread || index > (oracleAt[i] as number)) && k / q > s) {
            const cost = k / (k / q - s) - q;
            const value = (coll[i] as number) + (open[i] as number) - cost;
            const ratio = value / cost;
            const partial = cost >= fullBelow && ratio > p ? (mm * cost - value) / (mm - p) : 0;
            if (partial > 0 && partial < cost) closeShort(i, false, cost, partial);
            else closeShort(i, true, cost, cost);
            reorder(shorts, nShort, (a, b) => (spotAt[a] as number) <= (spotAt[b] as number));
            if (Number.isNaN(spotAt[shorts[nShort - 1] as number] as number)) nShort--;
            acted = true;
          }
        }
        if (!acted) break;
        any = true;
        if (response > 0) arbitrage(response);
      }
      return any;
    };

    /**
     * Between ticks the index holds, but the liquidators keep looking: what the TWAP held back
     * goes through as it catches up, at their pace, until `until` or until the TWAP has caught up
     * with the tick at `tick` (after that, looks with the index held change nothing).
     */
    const catchUp = (tick: number, until: number) => {
      for (let look = tick + LOOK; look < until && look <= tick + window + LOOK && pending(); look += LOOK) {
        at(look);
        arbitrage(1);
        if (liquidate() && fund < low) low = fund;
        record(look);
      }
    };

    const { time, price } = walk;
    let last = 0;
    for (let t = 0; t < price.length; t++) {
      const now = time[t] as number;
      if (window > 0) catchUp(last, now);
      // The TWAP as the block at the tick reads it: the curve up to now, before the tick's trades.
      at(now);
      index = price[t] as number;
      arbitrage(1);
      if (liquidate() && fund < low) low = fund;
      if (window > 0) record(now);
      last = now;
    }
    if (window > 0) catchUp(last, Number.POSITIVE_INFINITY);
    return { drawdown: Math.max(0, -low), badDebt, liquidated, liquidations };
  };
}

/**
 * Moves the head of `order` (whose key just changed) down to its place among the first `count`;
 * a closed account (NaN key) goes to the end.
 */
function reorder(order: Int32Array, count: number, before: (a: number, b: number) => boolean): void {
  const head = order[0] as number;
  let j = 0;
  // NaN compares false: a closed account sinks past every live one.
  while (j + 1 < count && !before(head, order[j + 1] as number)) {
    order[j] = order[j + 1] as number;
    j++;
  }
  order[j] = head;
}

/**
 * One number to rank by: the screen's drawdown, then (where it is zero, most paths) its bad debt,
 * then the notional it liquidated, each a step closer to a drawdown.
 */
export function screenScore(r: CascadeScreenResult): number {
  return r.drawdown + 1e-3 * r.badDebt + 1e-7 * r.liquidated;
}
