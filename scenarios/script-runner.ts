/**
 * Runs a scripted scenario step by step on the model, recording after each step the
 * operation's result or revert reason, its events, the full state, the expectations and the
 * invariant checks. The same record drives `vamm script`, the conformance tests and, later,
 * the chain replay.
 */
import { InputError } from '../data/input-error.ts';
import { ClearingHouse } from '../sim/clearing-house.ts';
import { createClock } from '../sim/clock.ts';
import { type ModelError, isModelError } from '../sim/errors.ts';
import { ONE } from '../sim/math/fixed.ts';
import { toTokenUnits } from '../sim/math/units.ts';
import type { ProtocolEvent } from '../sim/events.ts';
import { InvariantChecker, type InvariantViolation } from '../sim/invariants.ts';
import type { ClearingHouseParams, Profile } from '../sim/params.ts';
import { profileByName, type ProfileName } from '../sim/params.ts';
import { type Json, stateView, toJson } from '../sim/state-view.ts';
import { readPath } from './expectation-paths.ts';
import type { Action, ClearingHouseOverrides, ExpectValue, MarketDefinition, Script, Step } from './script-schema.ts';

/** Perp v1's test clock (AmmFake): 1444004400, block 10001, 15 s blocks. */
export const DEFAULT_CLOCK = { timestamp: 1444004400, block: 10001, secondsPerBlock: 15 } as const;

export interface ExpectationResult {
  readonly path: string;
  readonly expected: ExpectValue;
  readonly actual: Json | undefined;
  readonly pass: boolean;
  /** Why the path has no value in this step (no such event, the step did not revert…). */
  readonly absent?: string;
}

/** A revert as a step records it: the reason, Perp v1's string for it, and the amounts it carries. */
export interface StepRevert {
  readonly reason: string;
  readonly legacyReason: string;
  readonly message: string;
  readonly values: { readonly [name: string]: string };
}

export interface StepRecord {
  readonly index: number;
  readonly action: string;
  readonly args: Json;
  readonly note?: string;
  readonly ok: boolean;
  readonly revert?: StepRevert;
  readonly result: Json;
  readonly events: Json[];
  readonly state: { [key: string]: Json };
  readonly expectations: ExpectationResult[];
  readonly invariantViolations: InvariantViolation[];
  readonly failures: string[];
}

export interface ScriptRun {
  readonly name: string;
  readonly profile: string;
  readonly steps: StepRecord[];
  readonly failures: string[];
  readonly invariants: InvariantChecker['counts'] | null;
}

export interface RunOptions {
  /** Called after each step (e.g. to stream JSON lines). */
  readonly onStep?: (record: StepRecord) => void;
  /** Include per-position views (margin ratio, PnL) in each state; default true. */
  readonly views?: boolean;
}

/** Applies the script's clearing-house overrides to a profile. */
export function profileWithOverrides(name: ProfileName, o: ClearingHouseOverrides = {}): Profile {
  const base = profileByName(name);
  return { clearingHouse: clearingHouseParamsWith(base.clearingHouse, o), market: base.market };
}

/** `params` with the overrides that are given applied, the rest as they are (a header's or a later change's). */
export function clearingHouseParamsWith(params: ClearingHouseParams, o: ClearingHouseOverrides): ClearingHouseParams {
  const ch: ClearingHouseParams = { ...params };
  const set = <K extends keyof ClearingHouseParams>(k: K, v: ClearingHouseParams[K] | undefined) => {
    if (v !== undefined) (ch as Record<K, unknown>)[k] = v;
  };
  set('initMarginRatio', o.initMarginRatio);
  set('maintenanceMarginRatio', o.maintenanceMarginRatio);
  set('liquidationFeeRatio', o.liquidationFeeRatio);
  set('partialCloseRatio', o.partialCloseRatio);
  set('insuranceFundFeeShare', o.insuranceFundFeeShare);
  set('restrictionMode', o.restrictionMode);
  set('maxOracleSpreadRatio', o.maxOracleSpreadRatio);
  set('release', o.release as ClearingHouseParams['release'] | undefined);
  set('backstopExchangeRatio', o.backstopExchangeRatio);
  set('remapPageSize', o.remapPageSize);
  if (o.partialLiquidationRatio !== undefined) {
    set('liquidation', { kind: 'fixed-ratio', partialLiquidationRatio: o.partialLiquidationRatio });
  }
  if (o.fullLiquidationBelowNotional !== undefined) {
    set('liquidation', { kind: 'minimal', fullLiquidationBelowNotional: o.fullLiquidationBelowNotional });
  }
  return ch;
}

/** Market parameters of a script's market definition, as the clearing house takes them. */
export function marketParamsOf(m: Omit<Partial<MarketDefinition>, 'id'>) {
  const params: Record<string, unknown> = {};
  for (const key of ['tradeLimitRatio', 'fluctuationLimitRatio', 'maxHoldingBaseAsset', 'openInterestNotionalCap', 'funding', 'fees', 'oracle'] as const) {
    if (m[key] !== undefined) params[key] = m[key];
  }
  return params;
}

export interface World {
  readonly ch: ClearingHouse;
  readonly secondsPerBlock: number;
}

/** Builds the protocol a script starts from: clock, markets, oracle, funded wallets and fund. */
export function buildWorld(script: Omit<Script, 'steps'>): World {
  const clock = createClock(script.clock?.timestamp ?? DEFAULT_CLOCK.timestamp, script.clock?.block ?? DEFAULT_CLOCK.block);
  const ch = new ClearingHouse(clock, profileWithOverrides(script.profile as ProfileName, script.clearingHouse));
  for (const m of script.markets) {
    ch.addMarket({
      id: m.id,
      quoteReserve: m.quoteReserve,
      baseReserve: m.baseReserve,
      ...(m.indexPrice !== undefined ? { indexPrice: m.indexPrice } : {}),
      params: marketParamsOf(m),
    });
  }
  if (script.insuranceFund) ch.seedInsuranceFund(script.insuranceFund);
  for (const [holder, amount] of Object.entries(script.wallets ?? {})) ch.mint(holder, amount);
  for (const lp of script.backstopLiquidityProviders ?? []) ch.setBackstopLiquidityProvider(lp, true);
  return { ch, secondsPerBlock: script.clock?.secondsPerBlock ?? DEFAULT_CLOCK.secondsPerBlock };
}

/** Moves the clock: blocks default to max(1, seconds / block time), seconds to blocks × block time. */
export function advanceClock(world: World, seconds?: number, blocks?: number): void {
  const s = seconds ?? (blocks ?? 1) * world.secondsPerBlock;
  const b = blocks ?? Math.max(1, Math.floor(s / world.secondsPerBlock));
  world.ch.clock.timestamp += s;
  world.ch.clock.blockNumber += b;
}

/** Executes one action; returns its result (bigints inside). */
export function applyAction(world: World, action: Action): unknown {
  const { ch } = world;
  switch (action.name) {
    case 'advance': {
      const { seconds, blocks, toNextFundingTime } = action.args;
      if (toNextFundingTime !== undefined) {
        const target = ch.market(toNextFundingTime).nextFundingTime;
        advanceClock(world, Math.max(0, target - ch.clock.timestamp), blocks ?? 0);
      } else {
        advanceClock(world, seconds, blocks);
      }
      return null;
    }
    case 'setOraclePrice':
      ch.pushOracleRound(action.args.market, action.args.price, action.args.updatedAt, action.args.roundId === undefined ? undefined : BigInt(action.args.roundId));
      return null;
    case 'setIndexTwap':
      ch.setIndexTwap(action.args.market, action.args.price);
      return null;
    case 'setOracleFault':
      ch.setOracleFault(action.args.market, action.args.fault);
      return null;
    case 'setFastPrice':
      ch.setFastPrice(action.args.market, action.args.price, action.args.confidence, action.args.publishTime);
      return null;
    case 'mint':
      ch.mint(action.args.to, action.args.amount);
      return null;
    case 'transfer':
      ch.transferToken(action.args.from, action.args.to, action.args.amount);
      return null;
    case 'deposit':
      ch.deposit(action.args.trader, action.args.amount);
      return null;
    case 'withdraw':
      ch.withdraw(action.args.trader, action.args.amount);
      return null;
    case 'openPosition': {
      const a = action.args;
      return ch.openPosition({
        trader: a.trader,
        market: a.market,
        side: a.side,
        margin: a.margin,
        leverage: a.leverage,
        ...(a.baseLimit !== undefined ? { baseLimit: a.baseLimit } : {}),
        ...(a.isolated !== undefined ? { isolated: a.isolated } : {}),
      });
    }
    case 'closePosition':
      return ch.closePosition(action.args.trader, action.args.market, action.args.quoteLimit ?? 0n);
    case 'addMargin':
      ch.addMargin(action.args.trader, action.args.market, action.args.amount);
      return null;
    case 'removeMargin':
      ch.removeMargin(action.args.trader, action.args.market, action.args.amount);
      return null;
    case 'liquidate':
      return ch.liquidate(action.args.liquidator, action.args.trader, action.args.market, action.args.quoteLimit ?? 0n);
    case 'settleFunding':
      return ch.settleFunding(action.args.market);
    case 'migrateLiquidity': {
      const { market, multiplier, remap, fluctuationLimitRatio, complete } = action.args;
      const cost = ch.migrateLiquidity(market, multiplier, remap ?? 'eager', fluctuationLimitRatio ?? 0n);
      return { cost: complete === false || ch.market(market).migration === null ? cost : ch.completeMigration(market) };
    }
    case 'remapPositions':
      return { cost: ch.remapPositions(action.args.market) };
    case 'repeg':
      return { cost: ch.repeg(action.args.market, action.args.price) };
    case 'shutdown':
      return { settlementPrice: ch.shutdown(action.args.market) };
    case 'settlePosition':
      return { valueTransferred: ch.settlePosition(action.args.trader, action.args.market) };
    case 'setClearingHouseParams': {
      const a = action.args;
      const overrides = clearingHouseParamsWith(ch.params, a);
      for (const key of Object.keys(overrides) as Array<keyof ClearingHouseParams>) {
        const changed = JSON.stringify(toJson(overrides[key])) !== JSON.stringify(toJson(ch.params[key]));
        if (changed) ch.setClearingHouseParam(key, overrides[key]);
      }
      return null;
    }
    case 'setMarketParams': {
      const { market, ...rest } = action.args;
      ch.setMarketParams(market, marketParamsOf(rest));
      return null;
    }
    case 'setBackstopLiquidityProvider':
      ch.setBackstopLiquidityProvider(action.args.account, action.args.enabled);
      return null;
    case 'setWhitelist':
      ch.setWhitelist(action.args.account);
      return null;
    case 'setYieldSource':
      ch.setYieldSource(action.args.maxLossRatio);
      return null;
    case 'depositToYield':
      ch.depositToYield(toTokenUnits(action.args.amount));
      return null;
    case 'withdrawFromYield':
      ch.withdrawFromYield(toTokenUnits(action.args.amount));
      return null;
    case 'recognizeYieldLoss':
      ch.recognizeYieldLoss();
      return null;
    case 'tripCircuitBreaker':
      ch.tripCircuitBreaker(action.args.by);
      return null;
    case 'yieldSourceLoss':
      ch.yieldSourceLoss(toTokenUnits(action.args.amount));
      return null;
    case 'setYieldSourceLiquidity':
      ch.setYieldSourceLiquidity(action.args.amount === null ? null : toTokenUnits(action.args.amount));
      return null;
    case 'dustAccounts':
      // All or nothing (a flood the model refuses is not sent to the chain either).
      ch.j.atomic(() => {
        for (const name of dustAccountNames(action.args.count)) {
          ch.mint(name, action.args.amount);
          ch.deposit(name, action.args.amount);
          if (action.args.open) ch.openPosition({ trader: name, market: action.args.open, side: 'long', margin: action.args.amount, leverage: ONE });
        }
      });
      return null;
    case 'ammQuote': {
      const { market, call, dir, amount } = action.args;
      const vamm = ch.market(market).vamm;
      const value =
        call === 'inputPrice'
          ? vamm.inputPrice(dir, amount)
          : call === 'outputPrice'
            ? vamm.outputPrice(dir, amount)
            : call === 'inputTwap'
              ? vamm.inputTwap(dir, amount)
              : vamm.outputTwap(dir, amount);
      return { value };
    }
    case 'ammSwapInput':
      return { base: ch.ammSwap(action.args.market, 'input', action.args.dir, action.args.quote, action.args.baseLimit ?? 0n) };
    case 'ammSwapOutput':
      return { quote: ch.ammSwap(action.args.market, 'output', action.args.dir, action.args.base, action.args.quoteLimit ?? 0n) };
    case 'expect':
      return null;
  }
}

/** Executes one action as a transaction: a model revert is an outcome (returned), anything else is thrown. */
export function tryAction(world: World, action: Action): { result: unknown; revert: ModelError | null } {
  try {
    return { result: applyAction(world, action), revert: null };
  } catch (e) {
    if (!isModelError(e)) throw e;
    return { result: null, revert: e };
  }
}

/** The accounts a `dustAccounts` step creates. */
export function dustAccountNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `dust-${i + 1}`);
}

/** Resolves a dot path (`markets.ETH.quoteReserve`, `events.PositionLiquidated.badDebt`). */
export function resolvePath(context: Json, path: string): Json | undefined {
  let node: Json | undefined = context;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(part)] : (node as { [k: string]: Json })[part];
  }
  return node;
}

function lastEventByType(events: readonly ProtocolEvent[]): { [type: string]: Json } {
  const out: { [type: string]: Json } = {};
  for (const e of events) out[e.type] = toJson(e);
  return out;
}

export function runScript(script: Script, options: RunOptions = {}): ScriptRun {
  const world = buildWorld(script);
  const { ch } = world;
  const checker = script.invariants === false ? null : new InvariantChecker(ch);
  checker?.check();
  const steps: StepRecord[] = [];
  const failures: string[] = [];
  for (const step of script.steps) {
    const record = runStep(world, step, checker, options.views ?? true, script.file ?? '<script>');
    steps.push(record);
    failures.push(...record.failures);
    options.onStep?.(record);
  }
  return { name: script.name, profile: script.profile, steps, failures, invariants: checker?.counts ?? null };
}

function runStep(world: World, step: Step, checker: InvariantChecker | null, views: boolean, file: string): StepRecord {
  const { ch } = world;
  const failures: string[] = [];
  const label = `step ${step.index} (${step.action.name})`;
  const eventsBefore = ch.events.length;
  const stateBefore = step.expectRevert !== undefined ? JSON.stringify(stateView(ch, { views: false })) : '';
  const outcome = tryAction(world, step.action);
  const { result } = outcome;
  const e = outcome.revert;
  const revert: StepRecord['revert'] = e
    ? { reason: e.reason, legacyReason: e.legacyReason, message: e.message, values: Object.fromEntries(Object.entries(e.values).map(([k, v]) => [k, v.toString()])) }
    : undefined;
  const events = ch.events.slice(eventsBefore);
  if (step.expectRevert !== undefined) {
    if (!revert) failures.push(`${label}: expected a revert with ${step.expectRevert}, but it succeeded`);
    else if (![revert.reason, revert.message, revert.legacyReason].includes(step.expectRevert)) {
      failures.push(`${label}: expected a revert with ${step.expectRevert}, got ${revert.message}`);
    } else if (JSON.stringify(stateView(ch, { views: false })) !== stateBefore) {
      failures.push(`${label}: the revert changed the state`);
    }
  } else if (revert) {
    failures.push(`${label}: unexpected revert ${revert.message}`);
  }
  const state = stateView(ch, { views });
  const resultJson = toJson(result);
  const context = {
    ...state,
    result: resultJson,
    events: lastEventByType(events),
    revert: revert ? { reason: revert.reason, legacyReason: revert.legacyReason, ...revert.values } : null,
  };
  const expectations: ExpectationResult[] = [];
  const twap = (market: string, read: 'markTwap' | 'indexTwap', seconds: number) =>
    read === 'markTwap' ? ch.twapPrice(market, seconds) : ch.market(market).oracle.indexTwap(seconds, ch.clock.timestamp);
  for (const [path, expected] of Object.entries(step.expect ?? {})) {
    const read = readPath(context, path, twap, (reason) => {
      throw new InputError({ file, field: `steps[${step.index}].expect.${path}` }, `no such expectation path "${path}": ${reason}`);
    });
    if ('absent' in read) {
      expectations.push({ path, expected, actual: undefined, pass: false, absent: read.absent });
      failures.push(`${label}: ${path} expected ${JSON.stringify(expected)}, but ${read.absent}`);
      continue;
    }
    const pass = read.value === expected;
    expectations.push({ path, expected, actual: read.value, pass });
    if (!pass) failures.push(`${label}: ${path} expected ${JSON.stringify(expected)}, got ${JSON.stringify(read.value)}`);
  }
  const invariantViolations = checker ? [...checker.check(events)] : [];
  for (const v of invariantViolations) failures.push(`${label}: invariant ${v.invariant}: ${v.message}`);
  return {
    index: step.index,
    action: step.action.name,
    args: toJson(step.action.args),
    ...(step.note !== undefined ? { note: step.note } : {}),
    ok: !revert,
    ...(revert ? { revert } : {}),
    result: resultJson,
    events: events.map((e) => toJson(e)),
    state,
    expectations,
    invariantViolations,
    failures,
  };
}
