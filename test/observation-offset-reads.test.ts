/**
 * The agents' readers that read the observation by offset (issue 15: a read by field name is a
 * keyed lookup, ~20 ns in a run, and an arbitrageur's order made about twenty-five): each equals
 * the same formula on the reads by name. Over random observations whose every field holds its own
 * value (so a field read in place of another shows), for every market and account, both sides,
 * with and without fee ordering.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feeAffordable, maxQuoteWithinBand } from '../agents/account-view.ts';
import { type Bid, gasCostUsd, gasUsd, pricingRow, priorityFeeFor } from '../agents/arbitrage-pricing.ts';
import { H, Observation, observationLength } from '../sim/engine/observation.ts';

const layout = { markets: ['ETH', 'BTC'], accounts: ['a', 'b', 'c'] };
const n = observationLength(layout);

/** Every field its own value: positive, negative or zero, so signs and zero branches are both drawn. */
const fields = fc.array(fc.oneof(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), fc.double({ min: -1e3, max: -1e-3, noNaN: true }), fc.constant(0)), { minLength: n, maxLength: n });

describe('observation: the readers by offset', () => {
  it('read what the reads by name read', () => {
    let feeOrdered = 0;
    fc.assert(
      fc.property(fields, fc.constantFrom(0, 1), fc.double({ min: 0, max: 1e4, noNaN: true }), (data, ordering, value) => {
        const view = new Observation(layout, Float64Array.from(data));
        view.data[H.feeOrdering] = ordering;
        for (const market of layout.markets) {
          expect(pricingRow(view, market)).toEqual({
            quoteReserve: view.market(market, 'quoteReserve'),
            baseReserve: view.market(market, 'baseReserve'),
            fee: view.market(market, 'feeRatio'),
            cex: view.market(market, 'cex'),
          });
          for (const side of ['long', 'short'] as const) {
            const limit = view.market(market, 'fluctuationLimit') * 0.9;
            const q = view.market(market, 'quoteReserve');
            const band = limit <= 0 ? Number.POSITIVE_INFINITY : side === 'long' ? q * (Math.sqrt(1 + limit) - 1) : q * (1 - Math.sqrt(1 - limit));
            expect(maxQuoteWithinBand(view, market, side)).toBe(band);
          }
          for (let i = 0; i < layout.accounts.length; i++) {
            const fee = view.market(market, 'feeRatio');
            const affordable = view.account(i, 'collateral') > 0 || fee <= 0 ? Number.POSITIVE_INFINITY : view.account(i, 'wallet') / (fee * 1.05);
            expect(feeAffordable(view, i, market)).toBe(affordable);
          }
        }
        const bid: Bid = { share: 0.3, min: 0.01, max: 1000 };
        const ethUsd = view.header('ethUsd');
        const total = ethUsd > 0 ? (bid.share * value * 1e9) / (300_000 * ethUsd) : 0;
        const tip = view.header('feeOrdering') === 0 ? bid.min : Math.min(bid.max, Math.max(bid.min, total - view.header('baseFee')));
        expect(priorityFeeFor(view, 300_000, value, bid)).toBe(tip);
        expect(gasUsd(view, 300_000, tip)).toBe(gasCostUsd(300_000, view.header('baseFee'), tip, view.header('ethUsd')));
        if (ordering === 1) feeOrdered++;
      }),
      { numRuns: 300 },
    );
    expect(feeOrdered).toBeGreaterThan(50);
  });
});
