/**
 * Random action sequences for property tests: every clearing-house operation plus clock and
 * oracle moves, over a small world of traders and two markets. Amounts are drawn as integers
 * and scaled, so a shrunk counterexample reads as plain numbers.
 */
import fc from 'fast-check';
import { ClearingHouse } from '../../sim/clearing-house.ts';
import { createClock } from '../../sim/clock.ts';
import { ModelError, isModelError } from '../../sim/errors.ts';
import { ONE, mulD } from '../../sim/math/fixed.ts';
import { toWei } from '../../sim/math/units.ts';
import type { FundingParams, ProfileName } from '../../sim/params.ts';
import { profileByName } from '../../sim/params.ts';

/** alice, bob and whale trade cross margin under `default`; carol and dave isolated. */
export const TRADERS = ['alice', 'bob', 'carol', 'dave', 'whale'] as const;
const WHALE = 4;
export const LIQUIDATOR = 'keeper';
export const MARKETS = ['ETH', 'BTC'] as const;

export type RandomAction =
  | { kind: 'open'; trader: number; market: number; long: boolean; margin: number; leverage: number }
  | { kind: 'close'; trader: number; market: number }
  | { kind: 'addMargin' | 'removeMargin'; trader: number; market: number; amount: number }
  | { kind: 'deposit' | 'withdraw'; trader: number; amount: number }
  | { kind: 'liquidate'; trader: number; market: number }
  /** A liquidator's scan: tries every position and liquidates what it may. */
  | { kind: 'sweep' }
  | { kind: 'advance'; seconds: number; blocks: number; heartbeat: boolean }
  | { kind: 'oracle'; market: number; movePermille: number }
  | { kind: 'funding'; market: number }
  | { kind: 'migrate'; market: number; multiplierPercent: number; remap: 'eager' | 'none' }
  | { kind: 'repeg'; market: number };

const trader = fc.integer({ min: 0, max: TRADERS.length - 1 });
const market = fc.integer({ min: 0, max: MARKETS.length - 1 });

const WEIGHTS = {
  /** Every operation, in proportions that keep books open and the clock moving. */
  mixed: { open: 8, close: 3, margin: 2, collateral: 2, liquidate: 2, sweep: 1, advance: 3, oracle: 3, funding: 2, migrate: 1, repeg: 1 },
  /** Leveraged books, big pushes and patient liquidators: exercises liquidation and bad debt. */
  liquidations: { open: 10, close: 1, margin: 1, collateral: 1, liquidate: 2, sweep: 5, advance: 4, oracle: 2, funding: 1, migrate: 0, repeg: 0 },
} as const;

export type ActionMix = keyof typeof WEIGHTS;

export function randomActions(mix: ActionMix = 'mixed'): fc.Arbitrary<RandomAction> {
  const w = WEIGHTS[mix];
  const minLeverage = mix === 'liquidations' ? 5 : 1;
  const entries: Array<fc.WeightedArbitrary<RandomAction>> = [
    { weight: w.open, arbitrary: fc.record({ kind: fc.constant('open' as const), trader, market, long: fc.boolean(), margin: fc.integer({ min: 1, max: 2000 }), leverage: fc.integer({ min: minLeverage, max: 10 }) }) },
    { weight: w.close, arbitrary: fc.record({ kind: fc.constant('close' as const), trader, market }) },
    { weight: w.margin, arbitrary: fc.record({ kind: fc.constantFrom('addMargin' as const, 'removeMargin' as const), trader, market, amount: fc.integer({ min: 1, max: 500 }) }) },
    { weight: w.collateral, arbitrary: fc.record({ kind: fc.constantFrom('deposit' as const, 'withdraw' as const), trader, amount: fc.integer({ min: 1, max: 3000 }) }) },
    { weight: w.liquidate, arbitrary: fc.record({ kind: fc.constant('liquidate' as const), trader, market }) },
    { weight: w.sweep, arbitrary: fc.constant({ kind: 'sweep' as const }) },
    { weight: w.advance, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 4 * 3600 }), blocks: fc.integer({ min: 0, max: 300 }), heartbeat: fc.boolean() }) },
    { weight: w.oracle, arbitrary: fc.record({ kind: fc.constant('oracle' as const), market, movePermille: fc.integer({ min: -300, max: 300 }) }) },
    { weight: w.funding, arbitrary: fc.record({ kind: fc.constant('funding' as const), market }) },
    { weight: w.migrate, arbitrary: fc.record({ kind: fc.constant('migrate' as const), market, multiplierPercent: fc.integer({ min: 50, max: 300 }), remap: fc.constantFrom('eager' as const, 'none' as const) }) },
    { weight: w.repeg, arbitrary: fc.record({ kind: fc.constant('repeg' as const), market }) },
  ];
  return fc.oneof(...entries.filter((e) => e.weight > 0));
}

/**
 * A two-market world with funded traders (and, `default`, their deposits). `socialising`: an
 * empty insurance fund that fees do not refill, so every bad debt and funding imbalance it
 * would pay is socialised (loss indices move). `ethFunding`: ETH's funding parameters changed.
 */
export function randomWorld(profile: ProfileName, socialising = false, ethFunding: Partial<FundingParams> = {}): ClearingHouse {
  const params = profileByName(profile);
  const ch = new ClearingHouse(createClock(1_700_000_000, 1000), socialising ? { ...params, clearingHouse: { ...params.clearingHouse, insuranceFundFeeShare: 0n } } : params);
  // ETH has no per-block fluctuation limit; BTC keeps the profile's (1.2 % under perp-v1).
  ch.addMarket({ id: 'ETH', quoteReserve: toWei('200000'), baseReserve: toWei('100'), indexPrice: toWei('2000'), params: { fluctuationLimitRatio: 0n, funding: ethFunding } });
  ch.addMarket({ id: 'BTC', quoteReserve: toWei('300000'), baseReserve: toWei('10'), indexPrice: toWei('30000') });
  if (!socialising) ch.seedInsuranceFund(toWei('20000'));
  for (const [i, t] of TRADERS.entries()) {
    ch.mint(t, toWei(i === WHALE ? '1000000' : '100000'));
    if (profile === 'default') ch.deposit(t, toWei(i === WHALE ? '100000' : '3000'));
  }
  ch.setBackstopLiquidityProvider(LIQUIDATOR, true);
  return ch;
}

/** Applies one random action; a revert (ModelError) is an allowed outcome and is returned. */
export function applyRandomAction(ch: ClearingHouse, a: RandomAction): ModelError | null {
  const clock = ch.clock;
  try {
    switch (a.kind) {
      case 'open':
        ch.openPosition({
          trader: TRADERS[a.trader]!,
          market: MARKETS[a.market]!,
          side: a.long ? 'long' : 'short',
          margin: toWei(a.trader === WHALE ? a.margin * 20 : a.margin),
          leverage: toWei(a.leverage),
          // `default`: alice and bob trade cross, carol and dave isolated.
          isolated: a.trader === 2 || a.trader === 3,
        });
        break;
      case 'close':
        ch.closePosition(TRADERS[a.trader]!, MARKETS[a.market]!);
        break;
      case 'addMargin':
        ch.addMargin(TRADERS[a.trader]!, MARKETS[a.market]!, toWei(a.amount));
        break;
      case 'removeMargin':
        ch.removeMargin(TRADERS[a.trader]!, MARKETS[a.market]!, toWei(a.amount));
        break;
      case 'deposit':
        ch.deposit(TRADERS[a.trader]!, toWei(a.amount));
        break;
      case 'withdraw':
        ch.withdraw(TRADERS[a.trader]!, toWei(a.amount));
        break;
      case 'liquidate':
        ch.liquidate(LIQUIDATOR, TRADERS[a.trader]!, MARKETS[a.market]!);
        break;
      case 'sweep':
        for (const t of TRADERS) {
          for (const m of MARKETS) {
            try {
              ch.liquidate(LIQUIDATOR, t, m);
            } catch (e) {
              if (!isModelError(e)) throw e;
            }
          }
        }
        break;
      case 'advance':
        clock.timestamp += a.seconds;
        clock.blockNumber += Math.max(1, a.blocks);
        // Chainlink's heartbeat: a round at the unchanged price (unless the feed is down).
        if (a.heartbeat) for (const m of ch.markets.values()) ch.pushOracleRound(m.id, m.oracle.chainlink.price());
        break;
      case 'oracle': {
        const m = ch.market(MARKETS[a.market]!);
        const price = m.oracle.chainlink.price();
        const next = price + (price * BigInt(a.movePermille)) / 1000n;
        ch.pushOracleRound(m.id, (next / 10n ** 10n) * 10n ** 10n);
        break;
      }
      case 'funding': {
        const m = ch.market(MARKETS[a.market]!);
        if (clock.timestamp < m.nextFundingTime) {
          clock.blockNumber += Math.max(1, Math.floor((m.nextFundingTime - clock.timestamp) / 12));
          clock.timestamp = m.nextFundingTime;
        }
        // The keeper settles on a fresh index (`default` refuses a stale one): Chainlink's heartbeat.
        if (!m.oracle.indexFresh(clock.timestamp)) ch.pushOracleRound(m.id, m.oracle.chainlink.price());
        ch.settleFunding(m.id);
        break;
      }
      case 'migrate':
        ch.migrateLiquidity(MARKETS[a.market]!, (ONE * BigInt(a.multiplierPercent)) / 100n, a.remap);
        break;
      case 'repeg': {
        const m = ch.market(MARKETS[a.market]!);
        const oracle = m.oracle.referencePrice(clock.timestamp);
        const spot = m.vamm.spotPrice();
        ch.repeg(m.id, spot + mulD(oracle - spot, toWei('0.5')));
        break;
      }
    }
    return null;
  } catch (e) {
    if (isModelError(e)) return e;
    throw e;
  }
}

/** A market-wide step beside the random actions: shut a market down, page its pending k migration, or start one (lazy, or paged). */
export type MarketStep = { kind: 'shutdown' | 'page'; market: number } | { kind: 'lazy' | 'paged'; market: number; multiplierPercent: number };

/** Applies a market-wide step; a revert is an allowed outcome. */
export function applyMarketStep(ch: ClearingHouse, s: MarketStep): void {
  const id = MARKETS[s.market] as string;
  try {
    if (s.kind === 'shutdown') ch.shutdown(id);
    else if (s.kind === 'page') ch.remapPositions(id);
    else if (s.kind === 'lazy' || s.kind === 'paged') ch.migrateLiquidity(id, (ONE * BigInt(s.multiplierPercent)) / 100n, s.kind === 'lazy' ? 'lazy' : 'none');
  } catch (e) {
    if (!isModelError(e)) throw e;
  }
}

const UNDO = new Error('undo');

/** What `call` does to `ch` now, undone: its revert's reason, or null when it goes through. */
export function revertReasonUndone(ch: ClearingHouse, call: () => void): string | null {
  try {
    ch.j.atomic(() => {
      call();
      throw UNDO;
    });
  } catch (e) {
    if (e === UNDO) return null;
    if (isModelError(e)) return e.reason;
    throw e;
  }
  return null;
}

export function describeAction(a: RandomAction): string {
  const t = 'trader' in a ? TRADERS[a.trader] : '';
  const m = 'market' in a ? MARKETS[a.market] : '';
  return `${a.kind} ${t ?? ''} ${m ?? ''} ${JSON.stringify(a)}`;
}

/** Runs `fn` with funding (`fundingUsd` a unit of size) and socialised loss (‰ of open notional) owed on every position, then takes them back. */
export function withCarryOwed(ch: ClearingHouse, fundingUsd: number, lossPermille: number, fn: () => void): void {
  const funding = toWei(fundingUsd);
  const loss = BigInt(lossPermille) * 10n ** 15n;
  const move = (sign: bigint): void => {
    for (const m of ch.markets.values()) {
      m.cumulativePremiumFraction += sign * funding;
      m.lossIndexLong += sign * loss;
      m.lossIndexShort += sign * loss;
    }
  };
  move(1n);
  try {
    fn();
  } finally {
    move(-1n);
  }
}
