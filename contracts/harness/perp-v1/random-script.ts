/**
 * Random perp-v1 scripts for the differential against Perp v1 2.2.0's bytecode: a variant
 * (toll and spread, a fluctuation band, position and open-interest caps, a rich, small or dry
 * insurance fund and its exchange ratio, liquidation ratios, a trade limit, a shutdown at the
 * end) and a sequence of abstract actions over five traders and two markets. Abstract actions
 * name traders and markets by index and amounts as small integers, so a shrunk counterexample
 * reads as plain numbers; what depends on the state (the next oracle price, the next funding
 * time, the notional a reduce sells) is computed on a model run while the script is built, so
 * a script without any subset of the actions is still a valid script.
 */
import fc from 'fast-check';
import type { ProtocolEvent } from '../../../sim/events.ts';
import { isModelError } from '../../../sim/errors.ts';
import { InvariantChecker } from '../../../sim/invariants.ts';
import { abs } from '../../../sim/math/fixed.ts';
import { fromWei } from '../../../sim/math/units.ts';
import { buildWorld, tryAction } from '../../../scenarios/script-runner.ts';
import { parseScript } from '../../../scenarios/script-loader.ts';
import type { Action } from '../../../scenarios/script-schema.ts';
import { scriptJson } from '../input.ts';
import type { ReplayInput } from '../replay.ts';
import { FAKE_CLOCK } from './deploy.ts';

export const V1_TRADERS = ['alice', 'bob', 'carol', 'dave', 'whale'] as const;
export const V1_MARKETS = ['ETH', 'BTC'] as const;
export const V1_LIQUIDATOR = 'keeper';
const WHALE = 4;
/** Basis points and tenths as 18-decimal wei. */
const BP = 10n ** 14n;
const TENTH = 10n ** 17n;
const UNIT = 10n ** 18n;

/** One sequence's set-up: which of Perp v1's mechanisms its parameters switch on. */
export interface V1Variant {
  /** Toll (to the fee pool) and spread (to the insurance fund) in basis points. */
  readonly tollBp: number;
  readonly spreadBp: number;
  /** ETH's per-block fluctuation limit in basis points (0: none); BTC has none. */
  readonly bandBp: number;
  /** ETH's maxHoldingBaseAsset and open-interest notional cap. */
  readonly caps: boolean;
  /** The insurance fund's seed: rich, small (the backstop mints now and then) or dry. */
  readonly fund: 'rich' | 'small' | 'dry';
  /** PERP per quote token at the fund's exchange, in tenths. */
  readonly backstopRatioTenths: number;
  readonly partialLiquidationBp: number;
  readonly maintenanceBp: number;
  readonly initBp: number;
  readonly liquidationFeeBp: number;
  readonly tradeLimitBp: number;
  /** Ends with a market shut down and every trader's position there settled. */
  readonly shutdown: boolean;
  /** Whole hours after Perp v1's test clock at which the script starts. */
  readonly startHours: number;
}

export type V1Action =
  /** Leverage is capped at what the initial margin ratio allows unless `overLeveraged` (a revert). */
  | { kind: 'open'; trader: number; market: number; long: boolean; margin: number; micro: number; leverageTenths: number; overLeveraged: boolean }
  /** The opposite side for `percent` of the position's exit notional: a partial close, or a reversal above 100. */
  | { kind: 'reduce'; trader: number; market: number; percent: number }
  | { kind: 'close'; trader: number; market: number }
  | { kind: 'addMargin' | 'removeMargin'; trader: number; market: number; amount: number; micro: number }
  | { kind: 'liquidate'; trader: number; market: number }
  /** A liquidator's scan: every trader in every market. */
  | { kind: 'sweep' }
  | { kind: 'advance'; seconds: number }
  /**
   * A new index round `movePermille` away from the index, or from the mark (an arbitraged index
   * follows the mark, so big mark moves can liquidate); `wei` adds digits below 8 decimals
   * (L2PriceFeed keeps 18).
   */
  | { kind: 'oracle'; market: number; fromMark: boolean; movePermille: number; wei: number }
  /** The whale trades `percent` of the market's quote reserve at 5× in one go. */
  | { kind: 'push'; market: number; long: boolean; percent: number }
  /** A cascade: a push, `minutes` for the TWAP to follow, the index to the mark, a liquidator's sweep. */
  | { kind: 'crash'; market: number; long: boolean; percent: number; minutes: number }
  /** To the next funding time and settle; a set index TWAP `twapPermille` off the index, or the feed's own. */
  | { kind: 'funding'; market: number; twapPermille: number | null }
  | { kind: 'mint'; trader: number; amount: number }
  | { kind: 'quote'; market: number; call: 'inputPrice' | 'outputPrice' | 'inputTwap' | 'outputTwap'; add: boolean; amount: number }
  | { kind: 'band'; bp: number }
  | { kind: 'fees'; market: number; tollBp: number; spreadBp: number }
  | { kind: 'liquidationParams'; partialBp: number; feeBp: number }
  /** The market with more open positions shuts down; `settle` then settles a trader there. */
  | { kind: 'shutdown' }
  | { kind: 'settle'; trader: number };

const trader = fc.integer({ min: 0, max: V1_TRADERS.length - 1 });
const market = fc.integer({ min: 0, max: V1_MARKETS.length - 1 });
const micro = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999_999 }));

export function variantArbitrary(): fc.Arbitrary<V1Variant> {
  return fc.record({
    tollBp: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
    spreadBp: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
    bandBp: fc.oneof(fc.constant(0), fc.integer({ min: 50, max: 2000 })),
    caps: fc.boolean(),
    fund: fc.constantFrom('rich' as const, 'small' as const, 'dry' as const),
    backstopRatioTenths: fc.integer({ min: 1, max: 80 }),
    partialLiquidationBp: fc.constantFrom(0, 2500, 5000, 10000),
    maintenanceBp: fc.constantFrom(500, 625, 1000),
    initBp: fc.constantFrom(1000, 2000),
    liquidationFeeBp: fc.constantFrom(125, 250, 500),
    tradeLimitBp: fc.constantFrom(9000, 2500),
    shutdown: fc.boolean(),
    startHours: fc.integer({ min: 0, max: 48 }),
  });
}

export function actionArbitrary(): fc.Arbitrary<V1Action> {
  const entries: Array<fc.WeightedArbitrary<V1Action>> = [
    {
      weight: 10,
      arbitrary: fc.record({
        kind: fc.constant('open' as const),
        trader,
        market,
        long: fc.boolean(),
        margin: fc.integer({ min: 1, max: 500 }),
        micro,
        // Often at the most leverage allowed: those positions are the ones that liquidate.
        leverageTenths: fc.oneof(fc.integer({ min: 10, max: 100 }), fc.constant(100)),
        overLeveraged: fc.oneof({ weight: 7, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('reduce' as const), trader, market, percent: fc.integer({ min: 1, max: 150 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('close' as const), trader, market }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('addMargin' as const, 'removeMargin' as const), trader, market, amount: fc.integer({ min: 1, max: 200 }), micro }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('liquidate' as const), trader, market }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'sweep' as const }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 121, max: 3 * 3600 })) }) },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('oracle' as const), market, fromMark: fc.boolean(), movePermille: fc.integer({ min: -150, max: 150 }), wei: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 31 - 1 })) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('push' as const), market, long: fc.boolean(), percent: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('crash' as const), market, long: fc.boolean(), percent: fc.integer({ min: 3, max: 15 }), minutes: fc.integer({ min: 5, max: 60 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('funding' as const), market, twapPermille: fc.option(fc.integer({ min: -100, max: 100 }), { freq: 3, nil: null }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('mint' as const), trader, amount: fc.integer({ min: 100, max: 20_000 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('quote' as const), market, call: fc.constantFrom('inputPrice' as const, 'outputPrice' as const, 'inputTwap' as const, 'outputTwap' as const), add: fc.boolean(), amount: fc.integer({ min: 1, max: 5000 }) }),
    },
    { weight: 0.3, arbitrary: fc.record({ kind: fc.constant('band' as const), bp: fc.oneof(fc.constant(0), fc.integer({ min: 50, max: 2000 })) }) },
    { weight: 0.3, arbitrary: fc.record({ kind: fc.constant('fees' as const), market, tollBp: fc.integer({ min: 0, max: 50 }), spreadBp: fc.integer({ min: 0, max: 50 }) }) },
    { weight: 0.3, arbitrary: fc.record({ kind: fc.constant('liquidationParams' as const), partialBp: fc.constantFrom(0, 2500, 5000, 10000), feeBp: fc.constantFrom(125, 250, 500) }) },
  ];
  // fast-check takes integer weights: scale by 10.
  return fc.oneof(...entries.map((e) => ({ weight: Math.round(e.weight * 10), arbitrary: e.arbitrary })));
}

/** A sequence's variant and `length` random actions, the same for the same seed; a shutdown variant ends with one. */
export function sampleSequence(seed: number, length: number): { variant: V1Variant; actions: V1Action[] } {
  const [variant, actions] = fc.sample(fc.tuple(variantArbitrary(), fc.array(actionArbitrary(), { minLength: length, maxLength: length })), { seed, numRuns: 1 })[0]!;
  if (variant.shutdown) {
    actions.push({ kind: 'shutdown' });
    V1_TRADERS.forEach((_, t) => actions.push({ kind: 'settle', trader: t }));
  }
  return { variant, actions };
}

const bp = (n: number) => fromWei(BigInt(n) * BP);

/** The script header of a variant, as a script file writes it (human decimals). */
export function variantHeader(v: V1Variant, name: string): Record<string, unknown> {
  const fees = { tollRatio: bp(v.tollBp), spreadRatio: bp(v.spreadBp) };
  return {
    name,
    description: `random perp-v1 differential sequence, variant ${JSON.stringify(v)}`,
    profile: 'perp-v1',
    clearingHouse: {
      release: '2.2.0',
      initMarginRatio: bp(v.initBp),
      maintenanceMarginRatio: bp(v.maintenanceBp),
      liquidationFeeRatio: bp(v.liquidationFeeBp),
      partialLiquidationRatio: bp(v.partialLiquidationBp),
      backstopExchangeRatio: fromWei(BigInt(v.backstopRatioTenths) * TENTH),
    },
    clock: { timestamp: FAKE_CLOCK.timestamp + v.startHours * 3600, block: FAKE_CLOCK.block, secondsPerBlock: 15 },
    markets: [
      {
        id: 'ETH',
        quoteReserve: '100000',
        baseReserve: '50',
        indexPrice: '2000',
        tradeLimitRatio: bp(v.tradeLimitBp),
        fluctuationLimitRatio: bp(v.bandBp),
        ...(v.caps ? { maxHoldingBaseAsset: '8', openInterestNotionalCap: '60000' } : {}),
        fees,
      },
      { id: 'BTC', quoteReserve: '150000', baseReserve: '5', indexPrice: '30000', tradeLimitRatio: bp(v.tradeLimitBp), fluctuationLimitRatio: '0', fees },
    ],
    insuranceFund: v.fund === 'rich' ? '100000' : v.fund === 'small' ? '25.5' : '0.000001',
    wallets: Object.fromEntries(V1_TRADERS.map((t, i) => [t, i === WHALE ? '400000' : '20000'])),
  };
}

export interface GeneratedScript {
  readonly input: ReplayInput;
  /** The script as a file holds it: `vamm crosscheck --twin perp-v1` and `vamm script` run it. */
  readonly json: Record<string, unknown>;
  /** For each script action, the index of the abstract action it came from. */
  readonly origins: readonly number[];
  /** The model's invariants broken on the way (none expected), at the script step. */
  readonly invariantViolations: ReadonlyArray<{ readonly step: number; readonly invariant: string; readonly message: string }>;
  /** What the sequence exercised in the model: event and revert counts. */
  readonly coverage: Readonly<Record<string, number>>;
}

/** Turns a variant and abstract actions into a script, computing state-dependent values on a model run. */
export function generateScript(variant: V1Variant, actions: readonly V1Action[], name = 'random-perp-v1'): GeneratedScript {
  const headerJson = variantHeader(variant, name);
  const header = parseScript(JSON.stringify({ ...headerJson, steps: [] }), `<${name}>`);
  const world = buildWorld(header);
  const { ch } = world;
  const checker = new InvariantChecker(ch);
  const out: Action[] = [];
  const origins: number[] = [];
  const invariantViolations: Array<{ step: number; invariant: string; message: string }> = [];
  const coverage: Record<string, number> = {};
  const count = (key: string) => (coverage[key] = (coverage[key] ?? 0) + 1);
  let origin = -1;
  let shutMarket: string = V1_MARKETS[0];

  const push = (action: Action) => {
    out.push(action);
    origins.push(origin);
    const before = ch.events.length;
    const { revert } = tryAction(world, action);
    if (revert) count(`revert ${revert.reason}`);
    const events: ProtocolEvent[] = ch.events.slice(before);
    for (const e of events) count(e.type === 'PositionLiquidated' ? `PositionLiquidated (${e.partial ? 'partial' : 'full'})` : e.type);
    for (const v of checker.check(events)) invariantViolations.push({ step: out.length - 1, invariant: v.invariant, message: v.message });
  };
  // An action on a position goes to the trader drawn or, without a position there, the next one
  // holding one (a trader without a position would mostly repeat the same revert).
  const holder = (t: number, id: string): string => {
    for (let k = 0; k < V1_TRADERS.length; k++) {
      const name = V1_TRADERS[(t + k) % V1_TRADERS.length]!;
      if (ch.position(name, id).size !== 0n) return name;
    }
    return V1_TRADERS[t]!;
  };
  const sweep = () => {
    for (const tr of V1_TRADERS) for (const mk of V1_MARKETS) if (ch.position(tr, mk).size !== 0n) push({ name: 'liquidate', args: { liquidator: V1_LIQUIDATOR, trader: tr, market: mk } });
  };
  const whalePush = (id: string, long: boolean, percent: number) => {
    const notional = (ch.market(id).vamm.quoteReserve * BigInt(percent)) / 100n;
    push({ name: 'openPosition', args: { trader: 'whale', market: id, side: long ? 'long' : 'short', margin: notional / 5n, leverage: 5n * UNIT } });
  };
  const advance = (seconds: number) => push({ name: 'advance', args: { seconds, blocks: Math.max(1, Math.floor(seconds / 15)) } });

  for (const [i, a] of actions.entries()) {
    origin = i;
    const id = 'market' in a ? V1_MARKETS[a.market]! : a.kind === 'settle' ? shutMarket : '';
    const onPosition = a.kind === 'reduce' || a.kind === 'close' || a.kind === 'addMargin' || a.kind === 'removeMargin' || a.kind === 'liquidate' || a.kind === 'settle';
    const t = !('trader' in a) ? '' : onPosition ? holder(a.trader, id) : V1_TRADERS[a.trader]!;
    switch (a.kind) {
      case 'open': {
        const margin = BigInt(a.trader === WHALE ? a.margin * 20 : a.margin) * UNIT + BigInt(a.micro) * 10n ** 6n;
        const maxLeverageTenths = Math.floor(100_000 / variant.initBp);
        const leverage = BigInt(a.overLeveraged ? a.leverageTenths : Math.min(a.leverageTenths, maxLeverageTenths)) * TENTH;
        push({ name: 'openPosition', args: { trader: t, market: id, side: a.long ? 'long' : 'short', margin, leverage } });
        break;
      }
      case 'reduce': {
        const m = ch.market(id);
        const size = ch.position(t, id).size;
        if (size === 0n || !m.vamm.open) break;
        let notional: bigint;
        try {
          notional = m.vamm.outputPrice(size > 0n ? 'ADD' : 'REMOVE', abs(size));
        } catch (e) {
          if (!isModelError(e)) throw e;
          break;
        }
        const margin = (notional * BigInt(a.percent)) / 100n;
        if (margin > 0n) push({ name: 'openPosition', args: { trader: t, market: id, side: size > 0n ? 'short' : 'long', margin, leverage: UNIT } });
        break;
      }
      case 'push':
        whalePush(id, a.long, a.percent);
        break;
      case 'crash': {
        whalePush(id, a.long, a.percent);
        advance(a.minutes * 60);
        push({ name: 'setOraclePrice', args: { market: id, price: ch.market(id).vamm.spotPrice() } });
        sweep();
        break;
      }
      case 'close':
        push({ name: 'closePosition', args: { trader: t, market: id } });
        break;
      case 'addMargin':
      case 'removeMargin':
        push({ name: a.kind, args: { trader: t, market: id, amount: BigInt(a.amount) * UNIT + BigInt(a.micro) * 10n ** 6n } });
        break;
      case 'liquidate':
        push({ name: 'liquidate', args: { liquidator: V1_LIQUIDATOR, trader: t, market: id } });
        break;
      case 'sweep':
        sweep();
        break;
      case 'advance':
        advance(a.seconds);
        break;
      case 'oracle': {
        const m = ch.market(id);
        const price = a.fromMark ? m.vamm.spotPrice() : m.oracle.chainlink.price();
        const next = price + (price * BigInt(a.movePermille)) / 1000n + BigInt(a.wei);
        if (next > 0n) push({ name: 'setOraclePrice', args: { market: id, price: next } });
        break;
      }
      case 'funding': {
        const m = ch.market(id);
        if (ch.clock.timestamp < m.nextFundingTime) advance(m.nextFundingTime - ch.clock.timestamp);
        if (a.twapPermille === null) {
          push({ name: 'settleFunding', args: { market: id } });
        } else {
          const index = m.oracle.chainlink.price();
          push({ name: 'setIndexTwap', args: { market: id, price: index + (index * BigInt(a.twapPermille)) / 1000n } });
          push({ name: 'settleFunding', args: { market: id } });
          push({ name: 'setIndexTwap', args: { market: id, price: 0n } });
        }
        break;
      }
      case 'mint':
        push({ name: 'mint', args: { to: t, amount: BigInt(a.amount) * UNIT } });
        break;
      case 'quote': {
        const input = a.call === 'inputPrice' || a.call === 'inputTwap';
        // Quote amounts in whole tokens, base amounts in hundredths of a coin.
        const amount = input ? BigInt(a.amount) * 10n * UNIT : BigInt(a.amount) * 10n ** 16n;
        push({ name: 'ammQuote', args: { market: id, call: a.call, dir: a.add ? 'ADD' : 'REMOVE', amount } });
        break;
      }
      case 'band':
        push({ name: 'setMarketParams', args: { market: 'ETH', fluctuationLimitRatio: BigInt(a.bp) * BP } });
        break;
      case 'fees':
        push({ name: 'setMarketParams', args: { market: id, fees: { tollRatio: BigInt(a.tollBp) * BP, spreadRatio: BigInt(a.spreadBp) * BP } } });
        break;
      case 'liquidationParams':
        push({ name: 'setClearingHouseParams', args: { partialLiquidationRatio: BigInt(a.partialBp) * BP, liquidationFeeRatio: BigInt(a.feeBp) * BP } });
        break;
      case 'shutdown': {
        const open = (mk: string) => V1_TRADERS.filter((tr) => ch.position(tr, mk).size !== 0n).length;
        shutMarket = [...V1_MARKETS].sort((x, y) => open(y) - open(x))[0]!;
        push({ name: 'shutdown', args: { market: shutMarket } });
        break;
      }
      case 'settle':
        push({ name: 'settlePosition', args: { trader: t, market: id } });
        break;
    }
  }
  const input: ReplayInput = { header, actions: out.map((action) => ({ action })) };
  return { input, json: scriptJson(headerJson, out), origins, invariantViolations, coverage };
}
