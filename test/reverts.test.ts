/**
 * Every revert reason the model has, each triggered by the operation that checks it, with the
 * state left exactly as it was. A reason added without a trigger here fails the first test.
 */
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { REVERT_REASONS, type RevertReason } from '../sim/errors.ts';
import { ONE } from '../sim/math/fixed.ts';
import { stateView } from '../sim/state-view.ts';
import { type TestWorld, expectRevertUnchanged, makeWorld, w } from './helpers/world.ts';

type Trigger = (world: TestWorld) => () => unknown;

const long = (world: TestWorld, trader: string, margin: string, leverage: string) => () => world.open(trader, 'long', margin, leverage);

const TRIGGERS: Record<RevertReason, { profile?: 'default' | 'perp-v1'; world?: Parameters<typeof makeWorld>[0]; trigger: Trigger }> = {
  MarketNotFound: { trigger: ({ ch }) => () => ch.settleFunding('BTC') },
  MarketClosed: { trigger: ({ ch }) => (ch.shutdown('ETH'), () => ch.settleFunding('ETH')) },
  MarketOpen: { trigger: (world) => (world.open('alice', 'long', '10', '2'), () => world.ch.settlePosition('alice', 'ETH')) },
  ZeroInput: { trigger: ({ ch }) => () => ch.openPosition({ trader: 'alice', market: 'ETH', side: 'long', margin: w('1'), leverage: 0n }) },
  InvalidTokenAmount: { trigger: ({ ch }) => () => ch.deposit('alice', 10n ** 11n) },
  PositionSizeZero: { trigger: ({ ch }) => () => ch.closePosition('alice', 'ETH') },
  MarginRatioNotMet: { trigger: (world) => long(world, 'alice', '10', '20') },
  BadDebt: {
    profile: 'perp-v1',
    world: { traders: { alice: '1000', bob: '1000000' } },
    trigger: (world) => (world.open('alice', 'long', '100', '10'), world.advance(12), world.open('bob', 'short', '100000', '1'), () => world.ch.closePosition('alice', 'ETH')),
  },
  OnlyOneActionAllowed: {
    trigger: (world) => {
      world.open('alice', 'long', '10', '2');
      world.ch.market('ETH').lastRestrictionBlock = world.ch.clock.blockNumber;
      return long(world, 'alice', '10', '2');
    },
  },
  OverTradingLimit: { world: { traders: { alice: '1000000' } }, trigger: (world) => () => world.open('alice', 'short', '190000', '1') },
  LessThanMinimalBase: { trigger: (world) => () => world.open('alice', 'long', '100', '2', { baseLimit: w('1') }) },
  MoreThanMaximalBase: { trigger: (world) => () => world.open('alice', 'short', '100', '2', { baseLimit: 1n }) },
  LessThanMinimalQuote: { trigger: (world) => (world.open('alice', 'long', '100', '2'), () => world.ch.closePosition('alice', 'ETH', w('1000'))) },
  MoreThanMaximalQuote: { trigger: (world) => (world.open('alice', 'short', '100', '2'), () => world.ch.closePosition('alice', 'ETH', w('1'))) },
  PriceAlreadyOverFluctuationLimit: {
    profile: 'perp-v1',
    world: { market: { params: { fluctuationLimitRatio: w('0.01') } } },
    trigger: ({ ch, open, advance }) => {
      advance(12);
      ch.ammSwap('ETH', 'output', 'REMOVE', w('5')); // may overshoot the band once
      return () => open('alice', 'long', '1', '1');
    },
  },
  PriceOverFluctuationLimit: { profile: 'perp-v1', world: { market: { params: { fluctuationLimitRatio: w('0.01') } } }, trigger: (world) => (world.advance(12), long(world, 'alice', '2000', '2')) },
  QuoteReserveDepleted: { trigger: ({ ch }) => () => ch.market('ETH').vamm.inputPrice('REMOVE', w('200000')) },
  BaseReserveDepleted: { trigger: ({ ch }) => () => ch.market('ETH').vamm.outputPrice('REMOVE', w('100')) },
  SettleFundingTooEarly: { trigger: ({ ch }) => () => ch.settleFunding('ETH') },
  PositionSizeUpperBound: { world: { market: { params: { maxHoldingBaseAsset: w('0.01') } } }, trigger: (world) => long(world, 'alice', '100', '1') },
  OverOpenInterestLimit: { world: { market: { params: { openInterestNotionalCap: w('50') } } }, trigger: (world) => long(world, 'alice', '100', '1') },
  MarginNotEnough: { profile: 'perp-v1', trigger: (world) => (world.open('alice', 'long', '100', '2'), () => world.ch.removeMargin('alice', 'ETH', w('101'))) },
  FreeCollateralNotEnough: { trigger: (world) => (world.open('alice', 'long', '5000', '2'), () => world.ch.withdraw('alice', w('9000'))) },
  NotBackstopLiquidityProvider: {
    profile: 'perp-v1',
    world: { traders: { alice: '1000', bob: '1000000' } },
    trigger: (world) => {
      world.open('alice', 'long', '100', '10');
      world.advance(12);
      world.open('bob', 'short', '100000', '1');
      world.advance(900);
      world.ch.pushOracleRound('ETH', w('1000'));
      return () => world.ch.liquidate('carol', 'alice', 'ETH');
    },
  },
  ReduceUnderwaterPosition: {
    profile: 'perp-v1',
    world: { traders: { alice: '1000', bob: '1000000' } },
    trigger: (world) => (world.open('alice', 'long', '100', '10'), world.advance(12), world.open('bob', 'short', '100000', '1'), () => world.open('alice', 'short', '5000', '10')),
  },
  OpenNotionalNotPositive: {
    profile: 'perp-v1',
    world: { market: { quoteReserve: w('1000'), baseReserve: w('100'), indexPrice: w('10'), params: { tradeLimitRatio: ONE } }, traders: { alice: '100000', bob: '1000000' } },
    // A long deep in profit on a thin curve can be closed but not reduced: the first half
    // of it sells for more than its share of the open notional plus realised PnL.
    trigger: (world) => (world.open('alice', 'long', '500', '1'), world.advance(15), world.open('bob', 'long', '50000', '1'), () => world.open('alice', 'short', '20000', '1')),
  },
  IllegalLiquidityMultiplier: { world: { traders: { alice: '1000000' } }, trigger: (world) => (world.open('alice', 'long', '50000', '2'), () => world.ch.migrateLiquidity('ETH', w('0.1'))) },
  InvalidPartialLiquidationRatio: { trigger: ({ ch }) => () => ch.setClearingHouseParam('liquidation', { kind: 'fixed-ratio', partialLiquidationRatio: w('1.5') }) },
  InsufficientBalance: { profile: 'perp-v1', trigger: (world) => long(world, 'alice', '20000', '1') },
  SubtractionOverflow: { trigger: ({ ch }) => () => ch.market('ETH').vamm.outputPrice('REMOVE', w('101')) },
  DivisionByZero: {
    profile: 'perp-v1',
    trigger: (world) => {
      world.open('alice', 'long', '100', '2');
      world.ch.clock.blockNumber++; // a new block at the same timestamp: the TWAP has no time to weigh
      world.open('bob', 'long', '100', '2');
      return () => world.ch.twapPrice('ETH', 900);
    },
  },
  UnderlyingPriceZero: { world: { market: { indexPrice: 0n } }, trigger: ({ ch }) => () => ch.pushOracleRound('ETH', 0n) },
  OracleStale: { trigger: (world) => (world.advance(4000), long(world, 'alice', '10', '2')) },
  InsufficientFeeBudget: {
    world: { traders: { alice: '100000' } },
    trigger: (world) => (world.open('alice', 'long', '20000', '2'), world.ch.pushOracleRound('ETH', w('3000')), () => world.ch.repeg('ETH', w('2900'))),
  },
  InvalidRepegDirection: { trigger: ({ ch }) => () => ch.repeg('ETH', w('2500')) },
  InsufficientVaultBalance: {
    world: { insuranceFund: '0', traders: { alice: '1000' } },
    trigger: ({ ch, open }) => {
      open('alice', 'long', '1000', '5');
      ch.ammSwap('ETH', 'input', 'ADD', w('100000')); // a counterparty outside the books lifts the price
      ch.closePosition('alice', 'ETH');
      return () => ch.withdraw('alice', ch.account('alice').collateral);
    },
  },
  InvalidParameter: { trigger: ({ ch }) => () => ch.setMarketParams('ETH', { tradeLimitRatio: 0n }) },
  NotSupported: { profile: 'perp-v1', trigger: ({ ch }) => () => ch.deposit('alice', w('1')) },
  LiquidityMultiplierIsOne: { trigger: ({ ch }) => () => ch.migrateLiquidity('ETH', ONE) },
  FundNotEnough: {
    // An empty fund owes the longs a funding imbalance with a sub-unit remainder: minting and
    // selling the backstop token buys whole token units only.
    profile: 'perp-v1',
    world: { insuranceFund: '0' },
    trigger: (world) => (world.open('alice', 'long', '100', '5'), world.advance(3600), world.ch.setIndexTwap('ETH', w('2100')), () => world.ch.settleFunding('ETH')),
  },
  ExchangeSwapError: {
    // One wei of shortfall buys one backstop-token wei, which sells for less than a wei of quote.
    profile: 'perp-v1',
    world: { insuranceFund: '0', customise: (p) => ({ ...p, clearingHouse: { ...p.clearingHouse, backstopExchangeRatio: w('1.5') } }) },
    trigger: ({ ch }) => () => ch.insuranceFund.pay(1n, 'bad-debt'),
  },
  MigrationPending: {
    trigger: (world) => {
      world.ch.setClearingHouseParam('remapPageSize', 1);
      world.open('alice', 'long', '10', '2');
      world.open('bob', 'short', '10', '2');
      world.ch.migrateLiquidity('ETH', w('2')); // one of two positions remapped
      return () => world.ch.closePosition('alice', 'ETH');
    },
  },
  Unauthorized: {
    trigger: ({ ch }) => {
      ch.vault.setYieldSource(w('0.05'));
      ch.vault.depositToYield(1000n * 10n ** 6n);
      return () => ch.tripCircuitBreaker('alice'); // neither guardian nor owner, and no loss
    },
  },
};

const snapshot = (ch: ClearingHouse) => () => JSON.stringify(stateView(ch, { views: false })) + ch.events.length;

describe('revert reasons', () => {
  it('has a trigger for every reason the model can revert with', () => {
    expect(Object.keys(TRIGGERS).sort()).toEqual(Object.keys(REVERT_REASONS).sort());
  });

  for (const [reason, t] of Object.entries(TRIGGERS) as Array<[RevertReason, (typeof TRIGGERS)[RevertReason]]>) {
    it(`${reason} (“${REVERT_REASONS[reason]}”) leaves the state untouched`, () => {
      const world = makeWorld({ profile: t.profile ?? 'default', ...t.world });
      const call = t.trigger(world);
      expectRevertUnchanged(world.ch, reason, call, snapshot(world.ch));
    });
  }
});
