/**
 * A deterministic crash as an event log (the replay's input format: scenario header + timed
 * actions), made by four simple agent kinds acting on the model block by block, so the
 * cross-check and the benchmark have thousands of realistic transactions before the agent engine
 * (issue 4) writes such logs itself:
 * - noise traders open, add to and close cross and isolated positions at random;
 * - an arbitrageur trades the mark toward the index when the gap beats the fee;
 * - a manipulator pushes the mark before each funding settlement and unwinds after it;
 * - a liquidator scans every position each block and liquidates what it may;
 * plus a keeper settling funding on the hour and a Chainlink feed (0.5 % deviation, 1 h heartbeat)
 * following an ETH path that falls 45 % in a day.
 */
import { isModelError } from '../../sim/errors.ts';
import { divD } from '../../sim/math/fixed.ts';
import { toWei } from '../../sim/math/units.ts';
import { buildWorld, tryAction } from '../../scenarios/script-runner.ts';
import type { Action, Script } from '../../scenarios/script-schema.ts';
import type { ReplayInput, TimedAction } from './replay.ts';

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CrashOptions {
  /** Blocks (12 s each) to simulate; the crash happens over the whole window. */
  readonly blocks: number;
  readonly traders?: number;
  readonly seed?: number;
}

const BLOCK_SECONDS = 12;

export function crashLog(options: CrashOptions): ReplayInput {
  const rand = prng(options.seed ?? 2026);
  const traders = Array.from({ length: options.traders ?? 24 }, (_, i) => `trader${i}`);
  const header: Omit<Script, 'steps'> = {
    name: `eth-crash-${options.blocks}-blocks`,
    description: 'ETH falls 45 % over the window; noise traders, an arbitrageur, a manipulator and a liquidator act on a 2 M-deep market',
    profile: 'default',
    clock: { timestamp: 1_652_572_800, block: 14_770_000, secondsPerBlock: BLOCK_SECONDS },
    markets: [{ id: 'ETH', quoteReserve: toWei('4000000'), baseReserve: toWei('2000'), indexPrice: toWei('2000') }],
    insuranceFund: toWei('50000'),
    wallets: Object.fromEntries([...traders.map((t) => [t, toWei('50000')]), ['arb', toWei('400000')], ['manipulator', toWei('300000')], ['liquidator', toWei('1')]]),
  };
  const world = buildWorld(header);
  const { ch } = world;
  const actions: TimedAction[] = [];
  const act = (action: Action) => {
    actions.push({ action, blockNumber: ch.clock.blockNumber, timestamp: ch.clock.timestamp });
    return tryAction(world, action).revert === null;
  };
  for (const t of traders) act({ name: 'deposit', args: { trader: t, amount: toWei('3000') } });
  act({ name: 'deposit', args: { trader: 'arb', amount: toWei('400000') } });
  act({ name: 'deposit', args: { trader: 'manipulator', amount: toWei('300000') } });

  const m = ch.market('ETH');
  let lastRound = { price: 2000, time: ch.clock.timestamp };
  let manipulating = false;
  for (let b = 1; b <= options.blocks; b++) {
    ch.clock.blockNumber += 1;
    ch.clock.timestamp += BLOCK_SECONDS;
    const progress = b / options.blocks;
    // the index: a smooth 45 % fall with noise
    const smooth = progress * progress * (3 - 2 * progress);
    const price = 2000 * (1 - 0.45 * smooth) * (1 + 0.004 * (rand() - 0.5));
    if (Math.abs(price / lastRound.price - 1) >= 0.005 || ch.clock.timestamp - lastRound.time >= 3600) {
      act({ name: 'setOraclePrice', args: { market: 'ETH', price: toWei(price.toFixed(8)) } });
      lastRound = { price, time: ch.clock.timestamp };
    }
    // keeper
    if (ch.clock.timestamp >= m.nextFundingTime) act({ name: 'settleFunding', args: { market: 'ETH' } });
    // noise traders
    for (const t of traders) {
      if (rand() > 0.045) continue;
      const pos = ch.position(t, 'ETH');
      const r = rand();
      if (pos.size !== 0n && r < 0.12) act({ name: 'closePosition', args: { trader: t, market: 'ETH' } });
      else {
        const margin = 100 + Math.floor(rand() * 1500);
        const leverage = 1 + Math.floor(rand() * 9);
        const isolated = pos.size !== 0n ? undefined : rand() < 0.3;
        const long = pos.size !== 0n && rand() < 0.6 ? pos.size > 0n : rand() < 0.7; // a crowd leaning long
        act({
          name: 'openPosition',
          args: { trader: t, market: 'ETH', side: long ? 'long' : 'short', margin: toWei(margin), leverage: toWei(leverage), ...(isolated === undefined ? {} : { isolated }) },
        });
      }
    }
    // arbitrageur: trade the mark toward the index when the gap beats 0.4 %
    const index = m.oracle.chainlink.price();
    const spot = m.vamm.spotPrice();
    const gap = Number(divD(spot - index, index)) / 1e18;
    if (Math.abs(gap) > 0.004 && rand() < 0.5) {
      const notional = Math.min(60000, Math.floor(Math.abs(gap) * 2_000_000));
      act({ name: 'openPosition', args: { trader: 'arb', market: 'ETH', side: gap > 0 ? 'short' : 'long', margin: toWei(Math.max(10, Math.floor(notional / 4))), leverage: toWei(4) } });
    }
    // manipulator: push the mark up in the 10 minutes before funding, unwind after
    const toFunding = m.nextFundingTime - ch.clock.timestamp;
    if (!manipulating && toFunding > 0 && toFunding <= 600 && rand() < 0.3) {
      manipulating = act({ name: 'openPosition', args: { trader: 'manipulator', market: 'ETH', side: 'long', margin: toWei(20000), leverage: toWei(5) } });
    } else if (manipulating && toFunding > 1800) {
      manipulating = !act({ name: 'closePosition', args: { trader: 'manipulator', market: 'ETH' } });
    }
    // liquidator: scan every position
    for (const t of [...traders, 'arb', 'manipulator']) {
      const pos = ch.position(t, 'ETH');
      if (pos.size === 0n) continue;
      let ratio: bigint;
      try {
        ratio = ch.liquidationMarginRatio(t, 'ETH');
      } catch (e) {
        if (isModelError(e)) continue;
        throw e;
      }
      if (ratio < ch.params.maintenanceMarginRatio) act({ name: 'liquidate', args: { liquidator: 'liquidator', trader: t, market: 'ETH' } });
    }
  }
  return { header, actions };
}
