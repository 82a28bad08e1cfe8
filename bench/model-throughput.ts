/**
 * Model throughput on one core: open, close, liquidate and settleFunding per second on the
 * exact bigint model, the raw bigint swap, and a float64 reference loop of the same swaps.
 */
import { ClearingHouse } from '../sim/clearing-house.ts';
import { createClock } from '../sim/clock.ts';
import { inputPrice } from '../sim/curve.ts';
import { InvariantChecker } from '../sim/invariants.ts';
import { toWei } from '../sim/math/units.ts';
import { type ProfileName, profileByName } from '../sim/params.ts';
import { type Measurement, measure } from './measure.ts';

const TRADERS = 200;
const names = Array.from({ length: TRADERS }, (_, i) => `t${i}`);
// Amounts parsed once: decimal parsing is the caller's cost, not the model's.
const MARGIN = toWei('1000');
const LEVERAGE: Record<string, bigint> = { '3': toWei('3'), '5': toWei('5'), '8': toWei('8') };
const ORACLE_2000 = toWei('2000');

function world(profile: ProfileName, deposit = '50000'): ClearingHouse {
  const ch = new ClearingHouse(createClock(1_700_000_000, 1), profileByName(profile));
  ch.addMarket({ id: 'ETH', quoteReserve: toWei('20000000'), baseReserve: toWei('10000'), indexPrice: toWei('2000'), params: { fluctuationLimitRatio: 0n } });
  ch.seedInsuranceFund(toWei('1000000'));
  for (const t of names) {
    ch.mint(t, toWei('100000'));
    if (profile === 'default') ch.deposit(t, toWei(deposit));
  }
  ch.mint('keeper', 1n);
  ch.setBackstopLiquidityProvider('keeper', true);
  return ch;
}

/** Every trader opens once (alternating sides); each open in its own block. */
function openAll(ch: ClearingHouse, leverage: string): void {
  for (const [i, t] of names.entries()) {
    ch.clock.blockNumber++;
    ch.clock.timestamp += 12;
    ch.openPosition({ trader: t, market: 'ETH', side: i % 2 ? 'short' : 'long', margin: MARGIN, leverage: LEVERAGE[leverage] as bigint });
  }
}

export function modelThroughput(profile: ProfileName): Measurement[] {
  const out: Measurement[] = [];
  out.push(measure(`${profile}: openPosition`, TRADERS, () => world(profile), (ch) => openAll(ch, '5')));
  out.push(
    measure(
      `${profile}: closePosition`,
      TRADERS,
      () => {
        const ch = world(profile);
        openAll(ch, '5');
        return ch;
      },
      (ch) => {
        for (const t of names) {
          ch.clock.blockNumber++;
          ch.clock.timestamp += 12;
          ch.closePosition(t, 'ETH');
        }
      },
    ),
  );
  out.push(
    measure(
      `${profile}: liquidate`,
      TRADERS / 2,
      () => {
        // Longs at 8x (all their collateral), then a crash pushed by a whale; the TWAP catches up.
        const ch = world(profile, '1050');
        for (const t of names.slice(0, TRADERS / 2)) {
          ch.clock.blockNumber++;
          ch.clock.timestamp += 12;
          ch.openPosition({ trader: t, market: 'ETH', side: 'long', margin: toWei('1000'), leverage: toWei('8') });
        }
        ch.mint('whale', toWei('100000000'));
        if (profile === 'default') ch.deposit('whale', toWei('50000000'));
        ch.clock.blockNumber++;
        ch.clock.timestamp += 12;
        ch.openPosition({ trader: 'whale', market: 'ETH', side: 'short', margin: toWei('3000000'), leverage: toWei('1') });
        ch.clock.timestamp += 3600;
        ch.clock.blockNumber += 300;
        const spot = ch.spotPrice('ETH');
        ch.pushOracleRound('ETH', spot - (spot % 10n ** 10n));
        return ch;
      },
      (ch) => {
        for (const t of names.slice(0, TRADERS / 2)) {
          ch.clock.blockNumber++;
          ch.clock.timestamp += 12;
          ch.liquidate('keeper', t, 'ETH');
        }
      },
    ),
  );
  out.push(
    measure(
      `${profile}: settleFunding`,
      500,
      () => {
        const ch = world(profile);
        openAll(ch, '3');
        return ch;
      },
      (ch) => {
        const m = ch.market('ETH');
        for (let i = 0; i < 500; i++) {
          ch.clock.timestamp = m.nextFundingTime;
          ch.clock.blockNumber++;
          ch.pushOracleRound('ETH', ORACLE_2000);
          ch.settleFunding('ETH');
        }
      },
    ),
  );
  out.push(
    measure(
      `${profile}: openPosition + all invariants`,
      TRADERS,
      () => {
        const ch = world(profile);
        return { ch, checker: new InvariantChecker(ch, { incremental: true }) };
      },
      ({ ch, checker }) => {
        for (const [i, t] of names.entries()) {
          ch.clock.blockNumber++;
          ch.clock.timestamp += 12;
          const before = ch.events.length;
          ch.openPosition({ trader: t, market: 'ETH', side: i % 2 ? 'short' : 'long', margin: MARGIN, leverage: LEVERAGE['5'] as bigint });
          checker.check(ch.events.slice(before));
        }
      },
    ),
  );
  return out;
}

const SWAPS = 200_000;

/** The same alternating long/short swaps in exact bigint and in float64. */
export function swapThroughput(): { bigint: Measurement; float64: Measurement } {
  const amounts = Array.from({ length: 64 }, (_, i) => toWei(String(1000 + i * 37)));
  const bigint = measure(
    'bigint swap (x·y=k, Perp v1 rounding)',
    SWAPS,
    () => ({ q: toWei('20000000'), b: toWei('10000') }),
    (s) => {
      for (let i = 0; i < SWAPS; i++) {
        const amount = amounts[i & 63] as bigint;
        if (i & 1) {
          const base = inputPrice('REMOVE', amount, s.q, s.b);
          s.q -= amount;
          s.b += base;
        } else {
          const base = inputPrice('ADD', amount, s.q, s.b);
          s.q += amount;
          s.b -= base;
        }
      }
    },
  );
  const floats = amounts.map((a) => Number(a) / 1e18);
  let sink = 0;
  const float64 = measure(
    'float64 reference swap',
    SWAPS,
    () => ({ q: 20_000_000, b: 10_000 }),
    (s) => {
      for (let i = 0; i < SWAPS; i++) {
        const amount = floats[i & 63] as number;
        const k = s.q * s.b;
        if (i & 1) {
          const q = s.q - amount;
          s.b = k / q;
          s.q = q;
        } else {
          const q = s.q + amount;
          s.b = k / q;
          s.q = q;
        }
      }
      sink += s.b;
    },
  );
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return { bigint, float64 };
}
