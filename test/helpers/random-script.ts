/**
 * Random action sequences (test/helpers/random-actions.ts) as scripted-scenario actions for the
 * `default` profile, so the same sequence runs through the model and, in the cross-check, on the
 * contracts. Values that depend on the state (the oracle's next price, the next funding time, a
 * repeg target) are computed on a model run while the list is built; the replay then re-runs the
 * model from scratch and gets the same values.
 */
import fc from 'fast-check';
import type { TimedAction } from '../../contracts/harness/replay.ts';
import { ONE, mulD } from '../../sim/math/fixed.ts';
import { toWei } from '../../sim/math/units.ts';
import { applyAction, buildWorld } from '../../scenarios/script-runner.ts';
import type { Action, Script } from '../../scenarios/script-schema.ts';
import { isModelError } from '../../sim/errors.ts';
import { type ActionMix, LIQUIDATOR, MARKETS, type RandomAction, TRADERS, randomActions } from './random-actions.ts';

const WHALE = 4;

export const RANDOM_HEADER: Omit<Script, 'steps'> = {
  name: 'random-default',
  profile: 'default',
  clock: { timestamp: 1_700_000_000, block: 1000, secondsPerBlock: 12 },
  markets: [
    { id: 'ETH', quoteReserve: toWei('200000'), baseReserve: toWei('100'), indexPrice: toWei('2000'), fluctuationLimitRatio: 0n },
    { id: 'BTC', quoteReserve: toWei('300000'), baseReserve: toWei('10'), indexPrice: toWei('30000') },
  ],
  insuranceFund: toWei('20000'),
  wallets: Object.fromEntries(TRADERS.map((t, i) => [t, toWei(i === WHALE ? '1000000' : '100000')])),
};

/**
 * A model of `header` that records the actions pushed to it (a revert is a recorded outcome), so
 * a random sequence's state-dependent values can be computed while it is built.
 */
export function recordingWorld(header: Omit<Script, 'steps'>): { ch: ReturnType<typeof buildWorld>['ch']; out: TimedAction[]; push: (action: Action) => void } {
  const world = buildWorld(header);
  const out: TimedAction[] = [];
  const push = (action: Action) => {
    out.push({ action });
    try {
      applyAction(world, action);
    } catch (e) {
      if (!isModelError(e)) throw e;
    }
  };
  return { ch: world.ch, out, push };
}

/** Turns random actions into timed script actions (deposits first), computing state-dependent values on a model. */
export function scriptFromRandom(random: readonly RandomAction[]): TimedAction[] {
  const { ch, out, push } = recordingWorld(RANDOM_HEADER);
  TRADERS.forEach((t, i) => push({ name: 'deposit', args: { trader: t, amount: toWei(i === WHALE ? '100000' : '3000') } }));
  for (const a of random) {
    const trader = 'trader' in a ? TRADERS[a.trader]! : '';
    const market = 'market' in a ? MARKETS[a.market]! : '';
    switch (a.kind) {
      case 'open':
        push({
          name: 'openPosition',
          args: { trader, market, side: a.long ? 'long' : 'short', margin: toWei(a.trader === WHALE ? a.margin * 20 : a.margin), leverage: toWei(a.leverage), isolated: a.trader === 2 || a.trader === 3 },
        });
        break;
      case 'close':
        push({ name: 'closePosition', args: { trader, market } });
        break;
      case 'addMargin':
      case 'removeMargin':
        push({ name: a.kind, args: { trader, market, amount: toWei(a.amount) } });
        break;
      case 'deposit':
      case 'withdraw':
        push({ name: a.kind, args: { trader, amount: toWei(a.amount) } });
        break;
      case 'liquidate':
        push({ name: 'liquidate', args: { liquidator: LIQUIDATOR, trader, market } });
        break;
      case 'sweep':
        for (const t of TRADERS) for (const m of MARKETS) push({ name: 'liquidate', args: { liquidator: LIQUIDATOR, trader: t, market: m } });
        break;
      case 'advance':
        push({ name: 'advance', args: { seconds: a.seconds, blocks: Math.max(1, a.blocks) } });
        if (a.heartbeat) for (const m of ch.markets.values()) push({ name: 'setOraclePrice', args: { market: m.id, price: m.oracle.chainlink.price() } });
        break;
      case 'oracle': {
        const m = ch.market(market);
        const price = m.oracle.chainlink.price();
        const next = price + (price * BigInt(a.movePermille)) / 1000n;
        push({ name: 'setOraclePrice', args: { market, price: (next / 10n ** 10n) * 10n ** 10n } });
        break;
      }
      case 'funding': {
        const m = ch.market(market);
        if (ch.clock.timestamp < m.nextFundingTime) {
          push({ name: 'advance', args: { seconds: m.nextFundingTime - ch.clock.timestamp, blocks: Math.max(1, Math.floor((m.nextFundingTime - ch.clock.timestamp) / 12)) } });
        }
        // The keeper settles on a fresh index (`default` refuses a stale one): Chainlink's heartbeat.
        if (!m.oracle.indexFresh(ch.clock.timestamp)) push({ name: 'setOraclePrice', args: { market, price: m.oracle.chainlink.price() } });
        push({ name: 'settleFunding', args: { market } });
        break;
      }
      case 'migrate':
        push({ name: 'migrateLiquidity', args: { market, multiplier: (ONE * BigInt(a.multiplierPercent)) / 100n, remap: a.remap } });
        break;
      case 'repeg': {
        const m = ch.market(market);
        const oracle = m.oracle.referencePrice(ch.clock.timestamp);
        const spot = m.vamm.spotPrice();
        push({ name: 'repeg', args: { market, price: spot + mulD(oracle - spot, toWei('0.5')) } });
        break;
      }
    }
  }
  return out;
}

/** A deterministic random sequence of `length` actions of the given mix. */
export function sampleRandom(seed: number, length: number, mix: ActionMix): RandomAction[] {
  return fc.sample(fc.array(randomActions(mix), { minLength: length, maxLength: length }), { seed, numRuns: 1 })[0]!;
}
