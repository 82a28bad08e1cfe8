/**
 * A refused order's logged arguments are written as text, without building the wei amounts
 * (issue 15): `actionArgs` must give what the executor logs for the call it makes (its wei
 * amounts' decimal strings). Over random actions of every kind with amounts from zero and dust
 * through whole dollars to exponent forms (≥ 1e21), and invalid ones (negative, NaN, ±∞), the
 * two agree field for field, and an invalid amount fails both with the same message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentAction } from '../agents/agent.ts';
import { actionArgs, executeAction, roundedToWei } from '../sim/engine/action-executor.ts';
import { jsonOf } from '../sim/engine/event-log.ts';
import { toWei } from '../sim/math/units.ts';
import { randomWorld } from './helpers/random-actions.ts';

const amount = fc.oneof(
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.integer({ min: 0, max: 10 ** 9 }).map((k) => k / 1e6),
  fc.constantFrom(0, -0, 1e-7, 4.9999995e-7, 5e-7, 0.0000005, 1e20, 9.99e20, 1e21, 1.5e25, 123456789.123456789),
  fc.double({ min: 1e20, max: 1e30, noNaN: true }),
  fc.constantFrom(-1, -1e-9, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);

const action: fc.Arbitrary<AgentAction> = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), market: fc.constant('ETH'), side: fc.constantFrom('long' as const, 'short' as const), margin: amount, leverage: amount, isolated: fc.option(fc.boolean(), { nil: undefined }) }).map((a) => {
    const { isolated, ...rest } = a;
    return isolated === undefined ? rest : a;
  }),
  fc.record({ kind: fc.constantFrom('deposit' as const, 'withdraw' as const), amount }),
  fc.record({ kind: fc.constantFrom('addMargin' as const, 'removeMargin' as const), market: fc.constant('ETH'), amount }),
  fc.record({ kind: fc.constantFrom('close' as const, 'settleFunding' as const), market: fc.constant('ETH') }),
  fc.record({ kind: fc.constant('liquidate' as const), market: fc.constant('ETH'), trader: fc.constant('bob') }),
);

describe('a refused order’s arguments as text', () => {
  it('equal the executor’s arguments for the call, and fail alike on an invalid amount', () => {
    let exponent = 0;
    let valid = 0;
    const ch = randomWorld('default');
    fc.assert(
      fc.property(action, (a) => {
        const executed = executeAction(ch, 'alice', a);
        let text: unknown;
        try {
          text = actionArgs('alice', a);
        } catch (e) {
          text = { error: (e as Error).message };
        }
        expect(text).toEqual(jsonOf(executed.args));
        if (executed.reason !== 'InvalidAgentAction') valid++;
        const amounts = [(a as { margin?: number }).margin, (a as { leverage?: number }).leverage, (a as { amount?: number }).amount];
        if (amounts.some((x) => x !== undefined && x >= 1e21 && Number.isFinite(x))) exponent++;
      }),
      { numRuns: 3000 },
    );
    expect(valid).toBeGreaterThan(1000);
    expect(exponent).toBeGreaterThan(50);
  });

  it('in wei without the text are what toFixed’s text parses to, at and around every half unit', () => {
    // Half units of the last place and their float neighbours (where the float product may land on the half), plain amounts, the 2⁵² edge and exponent forms.
    const nextUp = (x: number) => x + x * 2 ** -52;
    const nearHalf = fc.tuple(fc.integer({ min: 0, max: 2 ** 53 }), fc.constantFrom(4, 6), fc.integer({ min: -3, max: 3 })).map(([k, places, step]) => {
      let x = (k + 0.5) / 10 ** places;
      for (let i = 0; i < Math.abs(step); i++) x = step > 0 ? nextUp(x) : x - x * 2 ** -52;
      return { x, places };
    });
    const plain = fc.tuple(fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 1e23, noNaN: true }), fc.constantFrom(0, -0, 2 ** 52 / 1e6, 2 ** 52 / 1e4, (2 ** 52 - 0.5) / 1e4, 1e21)), fc.constantFrom(4, 6)).map(([x, places]) => ({ x, places }));
    let fast = 0;
    fc.assert(
      fc.property(fc.oneof(nearHalf, plain), ({ x, places }) => {
        expect(roundedToWei(x, places)).toBe(toWei(x.toFixed(places)));
        if (x * 10 ** places < 2 ** 52) fast++;
      }),
      { numRuns: 20_000 },
    );
    expect(fast).toBeGreaterThan(5000);
  });
});
