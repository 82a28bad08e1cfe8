/**
 * Where an arbitrageur's gap test (`noGapEitherSide`) was found to hold, on one set of a market's
 * floats (issue 15): the engine tests it at every look it takes as promised (1.49 M on the
 * 1-minute month), and between two trades the reserves and fee stand while only the CEX price
 * moves, back and forth over the same few cents.
 *
 * Exact by monotonicity. On fixed reserves Q, B > 0 (Q·B finite) and fee, the long side's gap
 * `max(0, √(Q·B·c·r) − Q)` (`gapQuoteAt`, r the long ratio, > 0) is non-decreasing in the CEX
 * price c: the product c·r, its product with Q·B, the square root, the difference and the max
 * are each non-decreasing in their varying operand, and rounding to nearest is monotone. So
 * "under the minimum" holding at c > 0 holds at every c' in (0, c]. The short side's gap
 * `max(0, Q − √(Q·B·c·r'))` is non-increasing in c, so holding at c it holds at every c' ≥ c.
 * The range kept is [the least c where the short side held, the largest where the long side
 * did]; a price inside it is tested by neither, a price outside it by the side it leaves.
 */
import { MIN_ARBITRAGE_NOTIONAL, arbitrageRatio, gapQuoteAt } from '../../agents/arbitrage-pricing.ts';
import type { HedgeParams } from './hedge-venue.ts';

/** The floats the test reads besides the CEX price, with a version that changes whenever any of them does. */
export interface GapFloats {
  readonly version: number;
  readonly quoteReserve: number;
  readonly baseReserve: number;
  readonly feeRatio: number;
}

/** What a look's gap test is priced with (an arbitrageur's promise). */
export interface GapTerms {
  readonly hedge: HedgeParams;
  readonly minEdge: number;
}

export class NoGapRange {
  private version = Number.NaN;
  private terms: GapTerms | null = null;
  /** Whether the sides are monotone on these floats and terms (both ratios positive and finite, Q, B > 0, Q·B finite). */
  private monotone = false;
  private longUpTo = Number.NEGATIVE_INFINITY;
  private shortFrom = Number.POSITIVE_INFINITY;

  /** `noGapEitherSide(f.quoteReserve, f.baseReserve, f.feeRatio, cex, terms.hedge, terms.minEdge)`, to the bit. */
  holds(f: GapFloats, cex: number, terms: GapTerms): boolean {
    if (this.version !== f.version || this.terms !== terms) this.reset(f, terms);
    const known = this.monotone && cex > 0 && cex < Number.POSITIVE_INFINITY;
    if (!(known && cex <= this.longUpTo)) {
      if (!(gapQuoteAt(f.quoteReserve, f.baseReserve, f.feeRatio, cex, 'long', terms.hedge, terms.minEdge) < MIN_ARBITRAGE_NOTIONAL)) return false;
      if (known) this.longUpTo = cex;
    }
    if (!(known && cex >= this.shortFrom)) {
      if (!(gapQuoteAt(f.quoteReserve, f.baseReserve, f.feeRatio, cex, 'short', terms.hedge, terms.minEdge) < MIN_ARBITRAGE_NOTIONAL)) return false;
      if (known) this.shortFrom = cex;
    }
    return true;
  }

  private reset(f: GapFloats, terms: GapTerms): void {
    this.version = f.version;
    this.terms = terms;
    this.longUpTo = Number.NEGATIVE_INFINITY;
    this.shortFrom = Number.POSITIVE_INFINITY;
    const k = f.quoteReserve * f.baseReserve;
    const long = arbitrageRatio(terms.hedge, f.feeRatio, 0, 'long', terms.minEdge);
    const short = arbitrageRatio(terms.hedge, f.feeRatio, 0, 'short', terms.minEdge);
    this.monotone = f.quoteReserve > 0 && f.baseReserve > 0 && k < Number.POSITIVE_INFINITY && long > 0 && long < Number.POSITIVE_INFINITY && short > 0 && short < Number.POSITIVE_INFINITY;
  }
}
