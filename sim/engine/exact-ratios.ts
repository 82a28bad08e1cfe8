/**
 * The exact liquidation ratios an observation writes near maintenance, kept per account × market
 * with the state and time they were valued at. The ratio is a function of the clearing house's
 * state (every write goes through the journal, whose version names the state outside an
 * operation) and of the time (the TWAP window and the oracle's freshness move with it): within
 * one block the liquidators' flag screen and the observation a woken liquidator reads value the
 * same accounts on the same state, and the second is answered from the first.
 */
import type { ClearingHouse } from '../clearing-house.ts';
import { isModelError } from '../errors.ts';
import { weiToNumber } from '../math/units.ts';

export class ExactRatios {
  /** Per account × market: the ratio's float and the journal version and time it was valued at. */
  private readonly ratio: number[] = [];
  private readonly version: number[] = [];
  private readonly time: number[] = [];
  /** The clearing house the kept ratios are of (another one's versions name other states). */
  private of: ClearingHouse | null = null;

  /**
   * The exact liquidation ratio of `owner`'s group holding `market` (row `at`), or `spotRatio`
   * when the position cannot be valued on a past curve (not kept: the caller's spot ratio).
   */
  at(ch: ClearingHouse, at: number, owner: string, market: string, spotRatio: number): number {
    const version = ch.j.version;
    const time = ch.clock.timestamp;
    if (this.of !== ch) {
      this.of = ch;
      this.version.length = 0;
    } else if (this.version[at] === version && this.time[at] === time) {
      return this.ratio[at] as number;
    }
    let ratio: number;
    try {
      ratio = weiToNumber(ch.liquidationMarginRatio(owner, market));
    } catch (e) {
      if (isModelError(e)) return spotRatio;
      throw e;
    }
    this.ratio[at] = ratio;
    this.version[at] = version;
    this.time[at] = time;
    return ratio;
  }
}
