/**
 * The rules where Perp v1 2.2.0 (the bytecode the twin replays on) differs from Perp v1 HEAD
 * (the `perp-v1` profile's default), one test each, the same actions under both releases:
 * docs/PERP_V1.md lists them. The twin checks the 2.2.0 side against the bytecode; these pin
 * that the switch selects each rule and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { ONE, abs, mulD } from '../sim/math/fixed.ts';
import type { PerpV1Release } from '../sim/params.ts';
import { type WorldOptions, closeOverBand, makeWorld, w } from './helpers/world.ts';

const at = (release: PerpV1Release, options: WorldOptions = {}) =>
  makeWorld({ profile: 'perp-v1', ...options, customise: (p) => ({ ...p, clearingHouse: { ...p.clearingHouse, release } }) });

/** alice long 100 at 10×, then bob's short takes the price down until alice is underwater. */
function underwater(release: PerpV1Release) {
  const world = at(release, { traders: { alice: '10000', bob: '1000000', keeper: '0.000001' } });
  world.open('alice', 'long', '100', '10');
  world.advance(15);
  world.open('bob', 'short', '100000', '1');
  world.advance(15);
  expect(world.ch.accountValue('alice', 'ETH', 'spot')).toBeLessThan(0n);
  return world;
}

describe('perp-v1 releases: HEAD against 2.2.0, rule by rule', () => {
  it('a close that leaves bad debt: HEAD reverts "bad debt"; 2.2.0 closes, realises it from the fund and restricts the block', () => {
    expect(() => underwater('head').ch.closePosition('alice', 'ETH')).toThrow(/BadDebt/);
    const { ch, open } = underwater('2.2.0');
    const fund = ch.insuranceFundBalance();
    ch.closePosition('alice', 'ETH');
    const badDebt = ch.events.find((e) => e.type === 'BadDebt');
    const close = ch.events.findLast((e) => e.type === 'PositionChanged');
    expect(badDebt && badDebt.amount).toBeGreaterThan(0n);
    expect(ch.position('alice', 'ETH').size).toBe(0n);
    // The fund pays the bad debt and takes the close's spread, in whole token units.
    const expected = badDebt!.amount - (close?.type === 'PositionChanged' ? close.fee : 0n);
    expect(abs(fund - ch.insuranceFundBalance() - expected)).toBeLessThan(10n ** 12n);
    expect(ch.market('ETH').lastRestrictionBlock).toBe(ch.clock.blockNumber);
    expect(() => open('alice', 'long', '10', '1')).toThrow(/OnlyOneActionAllowed/);
  });

  it('a reduce that leaves bad debt: HEAD reverts; 2.2.0 lets it through and never realises it (ignored bad debt)', () => {
    const reduce = (release: PerpV1Release) => {
      const { ch, open, advance } = at(release, { traders: { alice: '10000', bob: '1000000', carol: '1000000' } });
      open('alice', 'long', '100', '10');
      advance(15);
      open('carol', 'long', '10000', '1');
      advance(30 * 60); // the mark TWAP at carol's price, above alice's entry
      open('bob', 'short', '30000', '1'); // a crash in this block: alice is underwater at spot
      expect(ch.accountValue('alice', 'ETH', 'spot')).toBeLessThan(0n);
      // 95 % of the exit notional: the realised share of the loss exceeds the margin, while the
      // rest, valued at the TWAP, still meets maintenance.
      const notional = mulD(ch.market('ETH').vamm.outputPrice('ADD', ch.position('alice', 'ETH').size), w('0.95'));
      ch.openPosition({ trader: 'alice', market: 'ETH', side: 'short', margin: notional, leverage: ONE });
      return ch;
    };
    expect(() => reduce('head')).toThrow(/BadDebt/);
    const ch = reduce('2.2.0');
    expect(ch.ignoredBadDebt).toBeGreaterThan(0n);
    expect(ch.events.some((e) => e.type === 'BadDebt')).toBe(false);
    expect(ch.market('ETH').lastRestrictionBlock).toBe(ch.clock.blockNumber);
  });

  it('partial or full liquidation: HEAD decides on the spot ratio, 2.2.0 on the ratio that allowed the liquidation', () => {
    const liquidate = (release: PerpV1Release) => {
      const { ch, open, advance } = at(release, { traders: { alice: '10000', bob: '1000000' } });
      ch.setBackstopLiquidityProvider('carol', true); // HEAD's full liquidation here leaves bad debt
      open('alice', 'long', '100', '10');
      advance(15);
      open('bob', 'short', '20000', '1');
      advance(16 * 60); // the 15-minute TWAP has caught up with the spot price
      // The index where alice's oracle-based ratio is 4 %: between the 2.5 % penalty and 6.25 % maintenance.
      const size = ch.position('alice', 'ETH').size;
      const oracle = (w('900') * ONE) / mulD(size, w('0.96'));
      ch.pushOracleRound('ETH', oracle);
      expect(ch.marginRatio('alice', 'ETH', 'spot')).toBeLessThan(ch.params.liquidationFeeRatio);
      const ratio = ch.liquidationMarginRatio('alice', 'ETH');
      expect(ratio > ch.params.liquidationFeeRatio && ratio < ch.params.maintenanceMarginRatio).toBe(true);
      return { result: ch.liquidate('carol', 'alice', 'ETH'), size, left: ch.position('alice', 'ETH').size };
    };
    const head = liquidate('head');
    expect(head.result.partial).toBe(false);
    expect(head.left).toBe(0n);
    const v220 = liquidate('2.2.0');
    expect(v220.result.partial).toBe(true);
    expect(v220.left).toBe(v220.size - mulD(v220.size, w('0.25')));
  });

  it('a bad-debt liquidation: HEAD lets only a backstop liquidity provider do it; 2.2.0 anyone', () => {
    const liquidatable = (release: PerpV1Release) => {
      const world = underwater(release);
      world.advance(16 * 60); // the TWAP follows the crash, and the index too
      world.ch.pushOracleRound('ETH', world.ch.market('ETH').vamm.spotPrice());
      return world.ch;
    };
    expect(() => liquidatable('head').liquidate('keeper', 'alice', 'ETH')).toThrow(/NotBackstopLiquidityProvider/);
    const ch = liquidatable('2.2.0');
    const result = ch.liquidate('keeper', 'alice', 'ETH');
    expect(result.partial).toBe(false);
    expect(result.badDebt).toBeGreaterThan(0n);
  });

  it('removeMargin: HEAD needs free collateral (the profit does not count); 2.2.0 the margin ratio at the initial ratio (it does)', () => {
    const remove = (release: PerpV1Release) => {
      const { ch, open, advance } = at(release, { traders: { alice: '10000', bob: '1000000' } });
      open('alice', 'long', '100', '5');
      advance(15);
      open('bob', 'long', '20000', '1');
      advance(16 * 60);
      expect(ch.unrealizedPnl('alice', 'ETH', 'spot')).toBeGreaterThan(w('60'));
      ch.removeMargin('alice', 'ETH', w('60'));
      return ch;
    };
    expect(() => remove('head')).toThrow(/FreeCollateralNotEnough/);
    expect(remove('2.2.0').position('alice', 'ETH').margin).toBe(w('40'));
  });

  it('a margin below one token unit: HEAD refuses it ("invalid token amount"); 2.2.0 takes it and moves no token; both refuse 0', () => {
    const add = (release: PerpV1Release, amount: bigint) => {
      const world = at(release);
      world.open('alice', 'long', '100', '2');
      const wallet = world.ch.ledger.balanceOf('alice');
      world.ch.addMargin('alice', 'ETH', amount);
      return { ch: world.ch, moved: wallet - world.ch.ledger.balanceOf('alice') };
    };
    const subUnit = w('0.0000001');
    expect(() => add('head', subUnit)).toThrow(/InvalidTokenAmount/);
    const { ch, moved } = add('2.2.0', subUnit);
    expect(moved).toBe(0n);
    expect(ch.position('alice', 'ETH').margin).toBe(w('100') + subUnit);
    expect(() => add('2.2.0', 0n)).toThrow(/ZeroInput/);
    expect(() => add('head', 0n)).toThrow(/InvalidTokenAmount/);
  });

  it('the band: HEAD refuses a trade while the price is already over this block\'s band; 2.2.0 checks only the price after it', () => {
    const backInside = (release: PerpV1Release) => {
      const { ch, advance } = at(release, { market: { params: { fluctuationLimitRatio: w('0.012') } } });
      advance(15);
      const vamm = ch.market('ETH').vamm;
      // A close may overshoot the band once: 2 % of the base sold takes the price ~4 % down.
      vamm.swapOutput('ADD', w('2'), 0n);
      // A buy that brings the price back inside this block's band.
      vamm.swapInput('ADD', w('3000'), 0n, 'within');
      return vamm;
    };
    expect(() => backInside('head')).toThrow(/PriceAlreadyOverFluctuationLimit/);
    const vamm = backInside('2.2.0');
    const start = w('2000');
    expect(abs(vamm.spotPrice() - start)).toBeLessThanOrEqual(mulD(start, w('0.012')));
  });

  it('a close that would break the band: HEAD closes the partial liquidation ratio of it; 2.2.0 closes it all, unchecked', () => {
    const close = (release: PerpV1Release) => closeOverBand(at(release, { traders: { bob: '100000' }, market: { params: { fluctuationLimitRatio: w('0.012') } } }));
    const head = close('head');
    expect(head.left).toBe(head.size - mulD(head.size, w('0.25')));
    expect(close('2.2.0').left).toBe(0n);
  });
});
