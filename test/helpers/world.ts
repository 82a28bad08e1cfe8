/** A small protocol for unit tests: one ETH market at 2000 with funded traders. */
import { ClearingHouse, type MarketSetup, type OpenPositionArgs } from '../../sim/clearing-house.ts';
import { createClock } from '../../sim/clock.ts';
import { InvariantChecker } from '../../sim/invariants.ts';
import { toWei } from '../../sim/math/units.ts';
import type { Profile, ProfileName } from '../../sim/params.ts';
import { profileByName } from '../../sim/params.ts';

export const w = toWei;

export interface TestWorld {
  readonly ch: ClearingHouse;
  readonly checker: InvariantChecker;
  /** Moves the clock (12 s blocks by default). */
  advance(seconds: number, blocks?: number): void;
  open(trader: string, side: 'long' | 'short', margin: string, leverage: string, extra?: Partial<OpenPositionArgs>): void;
  /** Asserts every invariant after the operations so far. */
  checkInvariants(): void;
}

export interface WorldOptions {
  readonly profile?: ProfileName;
  readonly customise?: (p: Profile) => Profile;
  readonly market?: Partial<MarketSetup>;
  readonly insuranceFund?: string;
  readonly traders?: Record<string, string>;
  /** `default`: deposit this much of each trader's wallet. */
  readonly deposit?: string;
}

export function makeWorld(options: WorldOptions = {}): TestWorld {
  const profileName = options.profile ?? 'default';
  const base = profileByName(profileName);
  const profile = options.customise ? options.customise(base) : base;
  const ch = new ClearingHouse(createClock(1_700_000_000, 1000), profile);
  ch.addMarket({
    id: 'ETH',
    quoteReserve: w('200000'),
    baseReserve: w('100'),
    indexPrice: w('2000'),
    ...options.market,
    params: { fluctuationLimitRatio: 0n, ...options.market?.params },
  });
  if (options.insuranceFund !== '0') ch.seedInsuranceFund(w(options.insuranceFund ?? '10000'));
  for (const [trader, amount] of Object.entries(options.traders ?? { alice: '10000', bob: '10000', carol: '10000' })) {
    ch.mint(trader, w(amount));
    if (profileName === 'default' && options.deposit !== '0') ch.deposit(trader, w(options.deposit ?? amount));
  }
  const checker = new InvariantChecker(ch);
  return {
    ch,
    checker,
    advance(seconds, blocks) {
      ch.clock.timestamp += seconds;
      ch.clock.blockNumber += blocks ?? Math.max(1, Math.floor(seconds / 12));
    },
    open(trader, side, margin, leverage, extra = {}) {
      ch.openPosition({ trader, market: 'ETH', side, margin: w(margin), leverage: w(leverage), ...extra });
    },
    checkInvariants() {
      const violations = checker.check(ch.events);
      if (violations.length > 0) throw new Error(`invariants: ${JSON.stringify(violations)}`);
    },
  };
}

/**
 * bob buys 1000 at 1× in four blocks (each within a 1.2 % band), then, a block later, closes:
 * closing it all would break the band. His size before and after the close.
 */
export function closeOverBand({ ch, open, advance }: TestWorld): { size: bigint; left: bigint } {
  for (let i = 0; i < 4; i++) {
    advance(15);
    open('bob', 'long', '1000', '1');
  }
  advance(15);
  const size = ch.position('bob', 'ETH').size;
  if (!ch.market('ETH').vamm.isOverFluctuationLimit('ADD', size)) throw new Error('closing bob would not break the band');
  ch.closePosition('bob', 'ETH');
  return { size, left: ch.position('bob', 'ETH').size };
}

/** Runs `fn`, expects a model revert with `reason`, and that the state did not change. */
export function expectRevertUnchanged(ch: ClearingHouse, reason: string, fn: () => unknown, snapshot: () => string): void {
  const before = snapshot();
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (!caught) throw new Error(`expected a revert with ${reason}, but the call succeeded`);
  const got = (caught as { reason?: string }).reason;
  if (got !== reason) throw new Error(`expected ${reason}, got ${got ?? String(caught)}`);
  const after = snapshot();
  if (after !== before) throw new Error(`the revert ${reason} changed the state`);
}
