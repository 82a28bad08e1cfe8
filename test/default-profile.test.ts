/**
 * The project's own design (`default`): cross margin with optional isolated positions, fees
 * from collateral split with the insurance fund, hourly capped funding on 8 h TWAPs, minimal
 * partial liquidation, socialised loss, oracle staleness, repeg and shutdown.
 */
import { describe, expect, it } from 'vitest';
import { inputPrice, outputPrice } from '../sim/curve.ts';
import { divD, mulD } from '../sim/math/fixed.ts';
import { stateView } from '../sim/state-view.ts';
import { expectRevertUnchanged, makeWorld, w } from './helpers/world.ts';

const snap = (ch: Parameters<typeof stateView>[0]) => () => JSON.stringify(stateView(ch, { views: false }));

describe('default: fees and cross margin', () => {
  it('takes the fee from collateral and splits it 20/80 between fund and treasury', () => {
    const { ch, open, checkInvariants } = makeWorld();
    const fundBefore = ch.insuranceFundBalance();
    open('alice', 'long', '1000', '5');
    const notional = w('5000');
    const fee = mulD(notional, w('0.001'));
    expect(ch.account('alice').collateral).toBe(w('10000') - fee);
    expect(ch.insuranceFundBalance() - fundBefore).toBe(mulD(fee, w('0.2')));
    expect(ch.treasury).toBe(fee - mulD(fee, w('0.2')));
    // The position is cross: no margin is locked in it.
    expect(ch.position('alice', 'ETH').margin).toBe(0n);
    expect(ch.position('alice', 'ETH').size).toBe(inputPrice('ADD', notional, w('200000'), w('100')));
    checkInvariants();
  });

  it('values the whole cross account: a second market shares the collateral', () => {
    const world = makeWorld();
    const { ch, open } = world;
    ch.addMarket({ id: 'BTC', quoteReserve: w('3000000'), baseReserve: w('100'), indexPrice: w('30000') });
    open('alice', 'long', '1000', '5');
    ch.openPosition({ trader: 'alice', market: 'BTC', side: 'short', margin: w('1000'), leverage: w('5') });
    const eth = ch.marginRatio('alice', 'ETH', 'spot');
    const btc = ch.marginRatio('alice', 'BTC', 'spot');
    expect(eth).toBe(btc);
    const value = ch.accountValue('alice', 'ETH', 'spot');
    const notional = ch.positionNotional('alice', 'ETH', 'spot') + ch.positionNotional('alice', 'BTC', 'spot');
    expect(eth).toBe(divD(value, notional));
    world.checkInvariants();
  });

  it('rejects an increase beyond the initial margin on the least favourable valuation', () => {
    const { ch, open } = makeWorld({ traders: { alice: '1000' } });
    open('alice', 'long', '1000', '5');
    // 1000 of collateral cannot back another 6000 of notional at 10 % initial margin.
    expectRevertUnchanged(ch, 'MarginRatioNotMet', () => open('alice', 'long', '600', '10'), snap(ch));
  });

  it('will not withdraw unrealised profit or collateral the positions need', () => {
    const { ch, open, advance } = makeWorld({ traders: { alice: '1000', bob: '100000' } });
    open('alice', 'long', '500', '8');
    advance(12);
    open('bob', 'long', '20000', '5'); // lifts the price: alice is in profit
    expect(ch.unrealizedPnl('alice', 'ETH', 'spot')).toBeGreaterThan(0n);
    const free = ch.freeCollateral('alice');
    expect(free).toBeLessThan(ch.account('alice').collateral);
    expectRevertUnchanged(ch, 'FreeCollateralNotEnough', () => ch.withdraw('alice', free + w('1')), snap(ch));
    ch.withdraw('alice', free - (free % 10n ** 12n));
  });

  it('moves isolated margin out of and back into the cross collateral', () => {
    const { ch, open, checkInvariants } = makeWorld();
    open('alice', 'long', '400', '5', { isolated: true });
    const fee = mulD(w('2000'), w('0.001'));
    expect(ch.position('alice', 'ETH').isolated).toBe(true);
    expect(ch.position('alice', 'ETH').margin).toBe(w('400'));
    expect(ch.account('alice').collateral).toBe(w('10000') - w('400') - fee);
    ch.addMargin('alice', 'ETH', w('100'));
    ch.removeMargin('alice', 'ETH', w('50'));
    expect(ch.position('alice', 'ETH').margin).toBe(w('450'));
    ch.closePosition('alice', 'ETH');
    expect(ch.position('alice', 'ETH').size).toBe(0n);
    checkInvariants();
    // A cross position is backed by the account: margin calls are deposits.
    open('bob', 'long', '100', '2');
    expectRevertUnchanged(ch, 'InvalidParameter', () => ch.addMargin('bob', 'ETH', w('1')), snap(ch));
  });

  it('deposits credit what arrives: the token is floored to 6 decimals', () => {
    const { ch } = makeWorld({ traders: { alice: '10' }, deposit: '0' });
    ch.deposit('alice', w('1.0000009'));
    expect(ch.account('alice').collateral).toBe(w('1'));
    expectRevertUnchanged(ch, 'InvalidTokenAmount', () => ch.deposit('alice', w('0.0000009')), snap(ch));
  });
});

describe('default: funding', () => {
  it('converges over 8 h and is capped at 0.1 % of the index per 8 h', () => {
    const { ch, open, advance, checkInvariants } = makeWorld({ traders: { alice: '100000', bob: '10000' } });
    open('alice', 'long', '20000', '5'); // mark far above the 2000 index
    advance(3600 * 8);
    ch.pushOracleRound('ETH', w('2000'));
    const r = ch.settleFunding('ETH');
    const bound = (mulD(r.indexTwap, w('0.001')) * 3600n) / 28800n;
    expect(r.uncappedPremiumFraction).toBe(((r.markTwap - r.indexTwap) * 3600n) / 28800n);
    expect(r.uncappedPremiumFraction).toBeGreaterThan(bound);
    expect(r.premiumFraction).toBe(bound);
    expect(ch.fundingOwed('alice', 'ETH')).toBe(mulD(bound, ch.position('alice', 'ETH').size));
    checkInvariants();
  });

  it('logs the cap bound with each settlement, and 0 when uncapped', () => {
    const { ch, open, advance } = makeWorld({ traders: { alice: '100000' } });
    open('alice', 'long', '20000', '5');
    advance(3600 * 8);
    ch.pushOracleRound('ETH', w('2000'));
    const r = ch.settleFunding('ETH');
    const settled = ch.events.filter((e) => e.type === 'FundingSettled');
    const capped = settled[settled.length - 1]!;
    expect(capped).toMatchObject({ premiumFractionCap: (mulD(r.indexTwap, w('0.001')) * 3600n) / 28800n, premiumFraction: r.premiumFraction });
    ch.setMarketParams('ETH', { funding: { fundingCapRatio: 0n } });
    advance(3600);
    ch.pushOracleRound('ETH', w('2000'));
    ch.settleFunding('ETH');
    const uncapped = ch.events.filter((e) => e.type === 'FundingSettled').at(-1)!;
    expect(uncapped).toMatchObject({ premiumFractionCap: 0n });
  });

  it('passes a small premium through uncapped, and none at all with a zero cap', () => {
    const { ch, open, advance } = makeWorld();
    open('alice', 'long', '10', '1');
    advance(3600);
    ch.pushOracleRound('ETH', w('2000'));
    const r = ch.settleFunding('ETH');
    expect(r.premiumFraction).toBe(r.uncappedPremiumFraction);
    ch.setMarketParams('ETH', { funding: { fundingCapRatio: 0n } });
    open('alice', 'long', '5000', '5');
    advance(3600 * 8);
    ch.pushOracleRound('ETH', w('2000'));
    const big = ch.settleFunding('ETH');
    expect(big.premiumFraction).toBe(big.uncappedPremiumFraction);
  });

  it('is not settled before its time', () => {
    const { ch } = makeWorld();
    expectRevertUnchanged(ch, 'SettleFundingTooEarly', () => ch.settleFunding('ETH'), snap(ch));
  });

  it('socialises a funding imbalance the fund cannot pay to the receiving side', () => {
    const { ch, open, advance, checkInvariants } = makeWorld({
      insuranceFund: '0',
      traders: { alice: '100000', bob: '100000' },
      customise: (p) => ({ ...p, clearingHouse: { ...p.clearingHouse, insuranceFundFeeShare: 0n } }),
    });
    open('alice', 'short', '20000', '2'); // a net short book
    open('bob', 'long', '100', '1');
    ch.pushOracleRound('ETH', w('1000')); // mark above index: longs pay, shorts (the bigger side) receive
    advance(3600 * 8);
    ch.pushOracleRound('ETH', w('1000')); // funding needs a fresh index (a fresh fast price is not enough)
    const fund = ch.insuranceFundBalance();
    const r = ch.settleFunding('ETH');
    expect(r.premiumFraction).toBeGreaterThan(0n);
    const owed = -mulD(r.premiumFraction, ch.market('ETH').vamm.totalPositionSize);
    expect(fund).toBe(0n);
    expect(owed).toBeGreaterThan(0n);
    expect(ch.insuranceFundBalance()).toBe(0n);
    const social = ch.events.find((e) => e.type === 'SocialisedLoss');
    expect(social).toMatchObject({ side: 'short', cause: 'funding', amount: owed - fund });
    // Alice receives her funding but carries the socialised share of it.
    expect(ch.fundingOwed('alice', 'ETH')).toBeLessThan(0n);
    expect(ch.lossOwed('alice', 'ETH')).toBeGreaterThanOrEqual(owed - fund);
    checkInvariants();
  });
});

describe('default: oracle staleness', () => {
  it('pauses opening and increasing, never closing or liquidating', () => {
    const { ch, open, advance, checkInvariants } = makeWorld();
    open('alice', 'long', '1000', '5');
    advance(4000); // past the 3600 s heartbeat plus 300 s grace
    expectRevertUnchanged(ch, 'OracleStale', () => open('alice', 'long', '10', '1'), snap(ch));
    expectRevertUnchanged(ch, 'OracleStale', () => open('bob', 'short', '10', '1'), snap(ch));
    // A fresh fast-feed price is enough.
    ch.setFastPrice('ETH', w('2010'), w('1'));
    open('bob', 'short', '10', '1');
    advance(120);
    expectRevertUnchanged(ch, 'OracleStale', () => open('bob', 'short', '10', '1'), snap(ch));
    ch.closePosition('alice', 'ETH');
    checkInvariants();
  });
});

describe('default: liquidation', () => {
  /** Alice 10x long; bob's short pushes the price down; the TWAP then catches up. */
  function underwater(aliceMargin: string, push: string) {
    const world = makeWorld({ traders: { alice: aliceMargin, bob: '1000000', keeper: '1' } });
    world.open('alice', 'long', aliceMargin, '9');
    world.advance(12);
    world.open('bob', 'short', push, '1');
    world.advance(1800);
    world.ch.pushOracleRound('ETH', world.ch.spotPrice('ETH') - (world.ch.spotPrice('ETH') % 10n ** 10n));
    return world;
  }

  it('closes the smallest amount that restores maintenance, penalty split half and half', () => {
    const { ch, checker } = underwater('1000', '6000');
    const mmr = ch.params.maintenanceMarginRatio;
    expect(ch.liquidationMarginRatio('alice', 'ETH')).toBeLessThan(mmr);
    const fundBefore = ch.insuranceFundBalance();
    const sizeBefore = ch.position('alice', 'ETH').size;
    const r = ch.liquidate('keeper', 'alice', 'ETH');
    expect(r.partial).toBe(true);
    expect(ch.position('alice', 'ETH').size).toBeLessThan(sizeBefore);
    expect(ch.position('alice', 'ETH').size).toBeGreaterThan(0n);
    // Back at maintenance, and not by much: a thousandth less would not have done it.
    const after = ch.marginRatio('alice', 'ETH', 'spot');
    expect(after).toBeGreaterThanOrEqual(mmr);
    expect(after - mmr).toBeLessThan(w('0.0001'));
    const penalty = mulD(r.quoteAmount, ch.params.liquidationFeeRatio);
    expect(r.feeToLiquidator).toBe(penalty / 2n);
    expect(ch.insuranceFundBalance() - fundBefore).toBe(penalty - penalty / 2n);
    expect(ch.ledger.balanceOf('keeper')).toBe(r.feeToLiquidator / 10n ** 12n); // its 1 was deposited
    expect(checker.check(ch.events)).toEqual([]);
  });

  it('liquidates in full below the notional threshold', () => {
    const { ch } = underwater('50', '6000'); // 450 of notional < 500
    const r = ch.liquidate('keeper', 'alice', 'ETH');
    expect(r.partial).toBe(false);
    expect(ch.position('alice', 'ETH').size).toBe(0n);
  });

  it('liquidates in full when the ratio is at or below the penalty, and the fund absorbs bad debt', () => {
    const { ch, checker } = underwater('1000', '30000');
    expect(ch.marginRatio('alice', 'ETH', 'spot')).toBeLessThanOrEqual(ch.params.liquidationFeeRatio);
    const fundBefore = ch.insuranceFundBalance();
    const r = ch.liquidate('keeper', 'alice', 'ETH');
    expect(r.partial).toBe(false);
    expect(r.badDebt).toBeGreaterThan(0n);
    expect(ch.account('alice').collateral).toBe(0n);
    const bad = ch.events.find((e) => e.type === 'BadDebt');
    expect(bad).toMatchObject({ trader: 'alice', coveredByInsuranceFund: r.badDebt, socialised: 0n, uncovered: 0n });
    expect(ch.insuranceFundBalance()).toBeLessThan(fundBefore);
    expect(checker.check(ch.events)).toEqual([]);
  });

  it('refuses a healthy account', () => {
    const { ch, open } = makeWorld();
    open('alice', 'long', '1000', '2');
    expectRevertUnchanged(ch, 'MarginRatioNotMet', () => ch.liquidate('keeper', 'alice', 'ETH'), snap(ch));
    expectRevertUnchanged(ch, 'PositionSizeZero', () => ch.liquidate('keeper', 'bob', 'ETH'), snap(ch));
  });

  it('enters restriction mode: the liquidated trader cannot act again in the block', () => {
    const world = underwater('1000', '6000');
    const { ch } = world;
    ch.liquidate('keeper', 'alice', 'ETH');
    expectRevertUnchanged(ch, 'OnlyOneActionAllowed', () => ch.closePosition('alice', 'ETH'), snap(ch));
    world.advance(12);
    ch.pushOracleRound('ETH', w('1800'));
    ch.closePosition('alice', 'ETH');
  });
});

describe('default: socialised loss', () => {
  it('spreads bad debt beyond the fund over the counterparty side pro rata to open notional', () => {
    const world = makeWorld({ insuranceFund: '0', traders: { alice: '1000', bob: '100000', carol: '100000', keeper: '1' } });
    const { ch, open, advance, checker } = world;
    open('alice', 'long', '1000', '9');
    advance(12);
    open('bob', 'short', '20000', '1');
    open('carol', 'short', '10000', '1');
    advance(1800);
    ch.pushOracleRound('ETH', ch.spotPrice('ETH') - (ch.spotPrice('ETH') % 10n ** 10n));
    const bobOpen = ch.position('bob', 'ETH').openNotional;
    const carolOpen = ch.position('carol', 'ETH').openNotional;
    const r = ch.liquidate('keeper', 'alice', 'ETH');
    expect(r.badDebt).toBeGreaterThan(0n);
    const bad = ch.events.find((e) => e.type === 'BadDebt') as { coveredByInsuranceFund: bigint; socialised: bigint };
    const social = ch.events.find((e) => e.type === 'SocialisedLoss') as { side: string; amount: bigint };
    expect(social.side).toBe('short');
    expect(social.amount).toBe(bad.socialised);
    expect(bad.coveredByInsuranceFund + bad.socialised).toBe(r.badDebt);
    const bobLoss = ch.lossOwed('bob', 'ETH');
    const carolLoss = ch.lossOwed('carol', 'ETH');
    // Pro rata to open notional, rounded up: together at least the debt, over by at most the
    // index's rounding (one wei per unit of open notional) and one wei per position.
    expect(bobLoss + carolLoss).toBeGreaterThanOrEqual(social.amount);
    expect(bobLoss + carolLoss - social.amount).toBeLessThanOrEqual((bobOpen + carolOpen) / 10n ** 18n + 2n);
    expect(divD(bobLoss, carolLoss) / 10n ** 12n).toBe(divD(bobOpen, carolOpen) / 10n ** 12n);
    expect(checker.check(ch.events)).toEqual([]);
    // The loss is taken from collateral when the position is next touched.
    const before = ch.account('bob').collateral;
    const pnl = ch.unrealizedPnl('bob', 'ETH', 'spot');
    const fee = mulD(ch.positionNotional('bob', 'ETH', 'spot'), w('0.001'));
    ch.closePosition('bob', 'ETH');
    const closeEvent = ch.events.at(-1) as { realizedPnl: bigint; positionNotional: bigint };
    expect(closeEvent.realizedPnl).toBe(pnl);
    expect(ch.account('bob').collateral).toBe(before + pnl - bobLoss - mulD(closeEvent.positionNotional, w('0.001')));
    expect(fee).toBeGreaterThan(0n);
  });

  it('records bad debt nobody can absorb as uncovered', () => {
    const world = makeWorld({ insuranceFund: '0', traders: { alice: '1000', keeper: '1' } });
    const { ch, open, advance, checker } = world;
    open('alice', 'long', '1000', '9');
    // Only the vAMM is on the other side: a price fall through a direct AMM sale.
    ch.ammSwap('ETH', 'output', 'ADD', w('10'));
    advance(1800);
    ch.pushOracleRound('ETH', ch.spotPrice('ETH') - (ch.spotPrice('ETH') % 10n ** 10n));
    const r = ch.liquidate('keeper', 'alice', 'ETH');
    expect(r.badDebt).toBeGreaterThan(0n);
    const bad = ch.events.find((e) => e.type === 'BadDebt') as { coveredByInsuranceFund: bigint; uncovered: bigint };
    // The fund only holds alice's own fee share; the rest has no one to go to.
    expect(bad.coveredByInsuranceFund).toBe(mulD(mulD(w('9000'), w('0.001')), w('0.2')));
    expect(ch.uncoveredBadDebt).toBe(r.badDebt - bad.coveredByInsuranceFund);
    expect(ch.insuranceFundBalance()).toBe(0n);
    expect(checker.counts.ledger.violations).toBe(0);
  });
});

describe('default: repeg, k change and shutdown', () => {
  it('repegs toward the oracle and charges the net position’s gain to the treasury', () => {
    const { ch, open, checkInvariants } = makeWorld({ traders: { alice: '100000', bob: '100000' } });
    for (let i = 0; i < 10; i++) open('bob', i % 2 ? 'long' : 'short', '10000', '2'); // fees fill the treasury
    open('alice', 'short', '5000', '2'); // net short; mark below the 2000 index
    const treasury = ch.treasury;
    const spot = ch.spotPrice('ETH');
    const target = spot + (w('2000') - spot) / 2n;
    const cost = ch.repeg('ETH', target);
    expect(ch.spotPrice('ETH')).toBeGreaterThan(spot);
    // Raising the price makes the net short lose: revenue for the protocol.
    expect(cost).toBeLessThan(0n);
    expect(ch.treasury).toBe(treasury - cost);
    expectRevertUnchanged(ch, 'InvalidRepegDirection', () => ch.repeg('ETH', w('2500')), snap(ch));
    checkInvariants();
  });

  it('keeps every position’s exit value through an eager k change', () => {
    const { ch, open, checkInvariants } = makeWorld();
    open('alice', 'long', '2000', '5');
    open('bob', 'short', '1000', '5');
    const m = ch.market('ETH');
    const exitBefore = outputPrice('ADD', ch.position('alice', 'ETH').size, m.vamm.quoteReserve, m.vamm.baseReserve);
    ch.migrateLiquidity('ETH', w('2'), 'eager');
    const exitAfter = outputPrice('ADD', ch.position('alice', 'ETH').size, m.vamm.quoteReserve, m.vamm.baseReserve);
    // Preserved up to the granularity of one wei of base (worth about the price in wei of quote).
    const grain = ch.spotPrice('ETH') / 10n ** 18n + 2n;
    expect(exitAfter - exitBefore).toBeGreaterThanOrEqual(-grain);
    expect(exitAfter - exitBefore).toBeLessThanOrEqual(grain);
    checkInvariants();
  });

  it('shuts down at the average exit price of the net position and settles positions', () => {
    const { ch, open, checkInvariants } = makeWorld();
    open('alice', 'long', '2000', '5');
    const size = ch.position('alice', 'ETH').size;
    const m = ch.market('ETH');
    const exit = outputPrice('ADD', size, m.vamm.quoteReserve, m.vamm.baseReserve);
    const price = ch.shutdown('ETH');
    expect(price).toBe(divD(exit, size));
    expectRevertUnchanged(ch, 'MarketClosed', () => open('bob', 'long', '1', '1'), snap(ch));
    const pnl = ch.settlePosition('alice', 'ETH');
    expect(pnl).toBe(mulD(size, price - divD(w('10000'), size)));
    expectRevertUnchanged(ch, 'PositionSizeZero', () => ch.settlePosition('alice', 'ETH'), snap(ch));
    checkInvariants();
  });

  it('settles an isolated position with the funding it owes, keeping funding and the ledger conserved', () => {
    const { ch, open, advance, checkInvariants } = makeWorld();
    open('alice', 'long', '1000', '5', { isolated: true });
    open('bob', 'short', '200', '2');
    advance(3600);
    ch.pushOracleRound('ETH', w('2000'));
    ch.settleFunding('ETH'); // the mark is above the index: the long owes funding
    const owed = ch.fundingOwed('alice', 'ETH');
    expect(owed).toBeGreaterThan(0n);
    const pos = ch.position('alice', 'ETH');
    const price = ch.shutdown('ETH');
    const pnl = mulD(pos.size, price - divD(pos.openNotional, pos.size));
    const collateralBefore = ch.accountView('alice').collateral;
    const settled = ch.settlePosition('alice', 'ETH');
    expect(settled).toBe(pnl + pos.margin - owed);
    expect(ch.accountView('alice').collateral - collateralBefore).toBe(settled);
    ch.settlePosition('bob', 'ETH');
    checkInvariants();
  });
});
