/**
 * Random action sequences with injected faults, as scripted-scenario actions for the `default`
 * design: trades and liquidations among cross and isolated traders, clock and oracle moves, and
 * the faults the liveness properties must survive — the Chainlink feed reverting or answering ≤ 0,
 * both feeds going stale, fast prices from the future, a per-block fluctuation band with closes
 * over it, a yield source that loses assets or lets nothing leave (and its breaker), floods of
 * dust accounts and positions, paged k migrations and a shutdown. The same sequence runs on the
 * model (test/liveness.test.ts) and, replayed, on the contracts (test/crosscheck.test.ts).
 * Values that depend on the state are computed on a model while the list is built.
 */
import fc from 'fast-check';
import type { TimedAction } from '../../contracts/harness/replay.ts';
import type { Script } from '../../scenarios/script-schema.ts';
import { ONE } from '../../sim/math/fixed.ts';
import { toWei } from '../../sim/math/units.ts';
import { recordingWorld } from './random-script.ts';

/** alice and bob trade cross margin, carol isolated; the whale moves the market. */
export const FAULT_TRADERS = ['alice', 'bob', 'carol', 'whale'] as const;
const WHALE = 3;

export const FAULT_HEADER: Omit<Script, 'steps'> = {
  name: 'random-faults',
  profile: 'default',
  clock: { timestamp: 1_700_000_000, block: 1000, secondsPerBlock: 12 },
  markets: [{ id: 'ETH', quoteReserve: toWei('200000'), baseReserve: toWei('100'), indexPrice: toWei('2000'), fluctuationLimitRatio: 0n }],
  insuranceFund: toWei('20000'),
  wallets: Object.fromEntries(FAULT_TRADERS.map((t, i) => [t, toWei(i === WHALE ? '1000000' : '20000')])),
};

export type FaultAction =
  | { kind: 'open'; trader: number; long: boolean; margin: number; leverage: number }
  | { kind: 'close' | 'liquidate'; trader: number }
  | { kind: 'advance'; seconds: number; blocks: number; heartbeat: boolean }
  /** The whale moves the mark hard, then 15 minutes pass (the TWAP catches up). */
  | { kind: 'push'; long: boolean; margin: number }
  | { kind: 'oracle'; movePermille: number }
  | { kind: 'oracleFault'; fault: 'none' | 'revert' | 'zero' | 'negative' }
  | { kind: 'fastPrice'; offsetPermille: number; confidencePermille: number; ageSeconds: number }
  | { kind: 'band'; ratioPercent: number; partialClose: boolean }
  | { kind: 'yieldDeposit' | 'yieldWithdraw' | 'yieldLoss' | 'yieldLiquidity'; percent: number }
  | { kind: 'breaker'; guardian: boolean }
  | { kind: 'recognize' }
  | { kind: 'dust'; count: number; open: boolean }
  | { kind: 'migrate'; multiplierPercent: number; page: number; complete: boolean }
  | { kind: 'remap' }
  | { kind: 'funding' }
  | { kind: 'shutdown' };

const trader = fc.integer({ min: 0, max: FAULT_TRADERS.length - 1 });
const percent = fc.integer({ min: 1, max: 100 });

export function faultActions(): fc.Arbitrary<FaultAction> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('open' as const), trader, long: fc.boolean(), margin: fc.integer({ min: 1, max: 2000 }), leverage: fc.integer({ min: 1, max: 10 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('close' as const, 'liquidate' as const), trader }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 5000 }), blocks: fc.integer({ min: 1, max: 100 }), heartbeat: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('push' as const), long: fc.boolean(), margin: fc.integer({ min: 1000, max: 8000 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('oracle' as const), movePermille: fc.integer({ min: -300, max: 300 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('oracleFault' as const), fault: fc.constantFrom('none' as const, 'revert' as const, 'zero' as const, 'negative' as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('fastPrice' as const),
        offsetPermille: fc.integer({ min: -200, max: 200 }),
        confidencePermille: fc.integer({ min: 0, max: 20 }),
        ageSeconds: fc.integer({ min: -300, max: 120 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('band' as const), ratioPercent: fc.constantFrom(0, 3, 10), partialClose: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('yieldDeposit' as const, 'yieldWithdraw' as const, 'yieldLoss' as const, 'yieldLiquidity' as const), percent }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('breaker' as const), guardian: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'recognize' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('dust' as const), count: fc.integer({ min: 1, max: 4 }), open: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('migrate' as const), multiplierPercent: fc.integer({ min: 50, max: 300 }), page: fc.integer({ min: 1, max: 3 }), complete: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'remap' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'funding' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'shutdown' as const }) },
  );
}

const market = 'ETH';
const roundPrice = (p: bigint) => (p / 10n ** 10n) * 10n ** 10n;

/** Turns fault actions into timed script actions (deposits first), computing state-dependent values on a model. */
export function scriptFromFaults(faults: readonly FaultAction[]): TimedAction[] {
  const { ch, out, push } = recordingWorld(FAULT_HEADER);
  const m = () => ch.market(market);
  const lastAnswer = () => m().oracle.chainlink.latestRound()!.answer * 10n ** 10n;
  const units = (pct: number, of: bigint) => (of * BigInt(pct)) / 100n;
  FAULT_TRADERS.forEach((t, i) => push({ name: 'deposit', args: { trader: t, amount: toWei(i === WHALE ? '200000' : '2500') } }));
  for (const a of faults) {
    const t = 'trader' in a ? FAULT_TRADERS[a.trader]! : '';
    switch (a.kind) {
      case 'open':
        push({
          name: 'openPosition',
          args: { trader: t, market, side: a.long ? 'long' : 'short', margin: toWei(a.trader === WHALE ? a.margin * 20 : a.margin), leverage: toWei(a.leverage), isolated: a.trader === 2 },
        });
        break;
      case 'close':
        push({ name: 'closePosition', args: { trader: t, market } });
        break;
      case 'liquidate':
        push({ name: 'liquidate', args: { liquidator: 'keeper', trader: t, market } });
        break;
      case 'advance':
        push({ name: 'advance', args: { seconds: a.seconds, blocks: a.blocks } });
        if (a.heartbeat) push({ name: 'setOraclePrice', args: { market, price: lastAnswer() } });
        break;
      case 'push':
        push({ name: 'openPosition', args: { trader: 'whale', market, side: a.long ? 'long' : 'short', margin: toWei(a.margin), leverage: toWei(5) } });
        push({ name: 'advance', args: { seconds: 900, blocks: 75 } });
        break;
      case 'oracle': {
        const p = lastAnswer();
        push({ name: 'setOraclePrice', args: { market, price: roundPrice(p + (p * BigInt(a.movePermille)) / 1000n) } });
        break;
      }
      case 'oracleFault':
        push({ name: 'setOracleFault', args: { market, fault: a.fault } });
        break;
      case 'fastPrice': {
        const spot = roundPrice(m().vamm.spotPrice());
        const price = spot + (spot * BigInt(a.offsetPermille)) / 1000n;
        push({ name: 'setFastPrice', args: { market, price, confidence: (price * BigInt(a.confidencePermille)) / 1000n, publishTime: ch.clock.timestamp - a.ageSeconds } });
        break;
      }
      case 'band':
        push({ name: 'setMarketParams', args: { market, fluctuationLimitRatio: (ONE * BigInt(a.ratioPercent)) / 100n } });
        push({ name: 'setClearingHouseParams', args: { partialCloseRatio: a.partialClose ? ONE : toWei('0.25') } });
        break;
      case 'yieldDeposit':
        if (!ch.vault.attached) push({ name: 'setYieldSource', args: { maxLossRatio: toWei('0.05') } });
        push({ name: 'depositToYield', args: { amount: units(a.percent, ch.vault.idle()) * 10n ** 12n } });
        break;
      case 'yieldWithdraw':
        push({ name: 'withdrawFromYield', args: { amount: units(a.percent, ch.vault.principal) * 10n ** 12n } });
        break;
      case 'yieldLoss':
        push({ name: 'yieldSourceLoss', args: { amount: units(a.percent, ch.vault.source.totalAssets()) * 10n ** 12n } });
        break;
      case 'yieldLiquidity':
        push({ name: 'setYieldSourceLiquidity', args: { amount: a.percent > 80 ? null : units(a.percent, ch.vault.principal) * 10n ** 12n } });
        break;
      case 'breaker':
        push({ name: 'tripCircuitBreaker', args: { by: a.guardian ? 'guardian' : 'keeper' } });
        break;
      case 'recognize':
        push({ name: 'recognizeYieldLoss', args: {} });
        break;
      case 'dust':
        push({ name: 'dustAccounts', args: { count: a.count, amount: toWei('0.000001'), ...(a.open ? { open: market } : {}) } });
        break;
      case 'migrate':
        push({ name: 'setClearingHouseParams', args: { remapPageSize: a.page } });
        push({ name: 'migrateLiquidity', args: { market, multiplier: (ONE * BigInt(a.multiplierPercent)) / 100n, complete: a.complete } });
        break;
      case 'remap':
        push({ name: 'remapPositions', args: { market } });
        break;
      case 'funding':
        if (ch.clock.timestamp < m().nextFundingTime) {
          const s = m().nextFundingTime - ch.clock.timestamp;
          push({ name: 'advance', args: { seconds: s, blocks: Math.max(1, Math.floor(s / 12)) } });
        }
        push({ name: 'settleFunding', args: { market } });
        break;
      case 'shutdown':
        push({ name: 'shutdown', args: { market } });
        for (const name of FAULT_TRADERS) push({ name: 'settlePosition', args: { trader: name, market } });
        break;
    }
  }
  return out;
}

/** A deterministic random fault sequence of `length` actions. */
export function sampleFaults(seed: number, length: number): FaultAction[] {
  return fc.sample(fc.array(faultActions(), { minLength: length, maxLength: length }), { seed, numRuns: 1 })[0]!;
}
