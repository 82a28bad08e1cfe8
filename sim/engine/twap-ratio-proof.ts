/**
 * A sound float proof that a row's exact liquidation ratio is at least maintenance, without
 * computing it (issue 15). On an insurance path ~60 % of the exact ratios the observations ask
 * for are of rows below maintenance at spot that the 15-minute TWAP keeps above it until the
 * window catches up; each was valued exactly (~3 µs) at every screen as time moved, where
 * readers need only know it is not below: a liquidator or searcher acts on a row's ratio only
 * below maintenance, and the row is written as maintenance itself (observe.ts).
 *
 * Why it is sound, for an account with one open position (a margin group of one: its collateral
 * or isolated margin b, the position's size s, open notional o, funding owed f), owing no
 * socialised loss and under no remap or migration (`noLossOwed`), on the `twap-reserves` design,
 * with the market not over the oracle spread limit (then the oracle's valuation is not taken):
 * the check's ratio is r(n) = (b − f + PnL(n)) / n at the spot exit n_s or the TWAP exit n_t,
 * the TWAP's unless the spot's PnL is higher. If r(n_t) > m (0 < m < 1) and the spot is taken:
 * for a long PnL(n) = n − o, so n_s > n_t, and r(n) = 1 + (b − f − o)/n is increasing in n when
 * b − f − o < 0 (r(n_s) > r(n_t)) and at least 1 otherwise; for a short PnL(n) = o − n, so
 * n_s < n_t, and r(n) = (b − f + o)/n − 1 is decreasing in n (r(n_t) > m > −1 rules out
 * b − f + o ≤ 0). Either way the ratio taken is above m. The TWAP exit is the curve's exit at
 * the window's average reserves (`Vamm.exitNotionalAtTwap`), so `provablyAbove` at those
 * reserves (their floats) proves r(n_t) above m beyond every rounding, as it proves a row at
 * spot. Nothing on the way may revert where the exact ratio would have fallen back to the spot
 * ratio (a short the curve cannot buy back at spot, the window's empty period, the spread
 * check): those rows are valued exactly.
 */
import type { ClearingHouse } from '../clearing-house.ts';
import { isModelError } from '../errors.ts';
import { weiToNumber } from '../math/units.ts';
import { PNL_TWAP_INTERVAL } from '../vamm.ts';
import { type ReservesFloat, provablyAbove } from './at-risk-screen.ts';

export class TwapRatioProof {
  /** Per market: the TWAP reserves' floats where the proof may use them, null where it may not; on the state and at the time `of`, `version` and `time` name. */
  private readonly reserves: Array<ReservesFloat | null | undefined> = [];
  private of: ClearingHouse | null = null;
  private version = -1;
  private time = Number.NaN;

  /**
   * Whether the liquidation ratio of the account whose rows are at `accountOffset` of `d` (its
   * own inputs and funding owed as they are now, one open position, in market `m` of
   * `markets`, owing no loss) is provably at least `mmr` (the float of maintenance).
   */
  clears(ch: ClearingHouse, d: Float64Array, accountOffset: number, positionOffsets: readonly number[], m: number, markets: readonly string[], mmr: number): boolean {
    if (!(mmr > 0 && mmr < 1) || ch.params.exitTwap !== 'twap-reserves') return false;
    const at = this.twapAt(ch, m, markets);
    return at !== null && provablyAbove(d, accountOffset, positionOffsets, this.reserves as ReservesFloat[], mmr);
  }

  /** The TWAP reserves of market `m` as floats (kept in `reserves[m]`), or null where the proof may not use them. */
  private twapAt(ch: ClearingHouse, m: number, markets: readonly string[]): ReservesFloat | null {
    if (this.of !== ch || this.version !== ch.j.version || this.time !== ch.clock.timestamp) {
      this.of = ch;
      this.version = ch.j.version;
      this.time = ch.clock.timestamp;
      this.reserves.fill(undefined);
    }
    let r = this.reserves[m];
    if (r === undefined) {
      r = null;
      const market = ch.market(markets[m] as string);
      try {
        if (!ch.isOverSpreadLimit(market)) {
          const twap = market.vamm.twapReserves(PNL_TWAP_INTERVAL);
          r = { quote: weiToNumber(twap.quote), base: weiToNumber(twap.base) };
        }
      } catch (e) {
        // The exact ratio would meet the same revert: it is computed, and falls back as it does.
        if (!isModelError(e)) throw e;
      }
      this.reserves[m] = r;
    }
    return r;
  }
}
