/**
 * Shared set-up of the property tests over random TWAP histories: a vAMM with no trade or
 * fluctuation limit to walk prices on, and a model call's value or the reason it reverted.
 */
import type { Clock } from '../../sim/clock.ts';
import { ModelError } from '../../sim/errors.ts';
import { Journal } from '../../sim/journal.ts';
import { Vamm } from '../../sim/vamm.ts';

/** 20M quote against 10,000 base (2,000 a unit), trades up to 90 % of a reserve, no price band. */
export function historyVamm(clock: Clock, twapEmptyPeriod: 'latest' | 'revert'): Vamm {
  return new Vamm(new Journal(), clock, {
    quoteReserve: 2n * 10n ** 25n,
    baseReserve: 10n ** 22n,
    tradeLimitRatio: 9n * 10n ** 17n,
    fluctuationLimitRatio: 0n,
    maxHoldingBaseAsset: 0n,
    openInterestNotionalCap: 0n,
    twapEmptyPeriod,
  });
}

/** What `f` returns, or the reason of the ModelError it throws (any other error is rethrown). */
export function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    if (e instanceof ModelError) return e.reason;
    throw e;
  }
}
