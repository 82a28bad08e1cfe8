/**
 * Turns an agent's float action into a clearing-house call, converting amounts to wei once
 * (USD to 6 decimals, the collateral token's precision; leverage to 4). Reverts are outcomes,
 * not errors: the reason is returned for the log. The arguments are logged in wei, exactly as
 * the call received them, so the chain replay can send the same transaction.
 */
import type { AgentAction } from '../../agents/agent.ts';
import type { ClearingHouse } from '../clearing-house.ts';
import { isModelError } from '../errors.ts';
import { toWei } from '../math/units.ts';
import type { Json } from '../state-view.ts';
import { Deferred } from './event-log.ts';

export interface ActionOutcome {
  readonly ok: boolean;
  readonly reason: string | null;
  readonly args: Json | Deferred;
}

const usd = (x: number): bigint => roundedToWei(finite(x), 6);
const ratio = (x: number): bigint => roundedToWei(finite(x), 4);
/** `usd(x).toString()` and `ratio(x).toString()` without the bigint: what a refused order's log needs. */
const usdText = (x: number): string => fixedToWeiText(finite(x).toFixed(6), 6);
const ratioText = (x: number): string => fixedToWeiText(finite(x).toFixed(4), 4);
const SCALE = [10n ** 18n, 10n ** 17n, 10n ** 16n, 10n ** 15n, 10n ** 14n, 10n ** 13n, 10n ** 12n];
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];

/**
 * `fixedToWei(x.toFixed(places), places)` for `x ≥ 0`, without the text where it can be done
 * exactly: toFixed rounds the exact product x·10^places to the nearest integer (a tie up). The
 * float product is that product rounded, and rounding is monotone: below 2⁵² every half-integer
 * is a float, so a float product above (below) one means an exact product above (below) it, and
 * both round to the same integer. Only a float product on a half-integer, or one toFixed would
 * write in exponent form, goes through the text. Writing and parsing the text was ~1 µs an open.
 */
export function roundedToWei(x: number, places: number): bigint {
  const scaled = x * (POW10[places] as number);
  if (scaled < 2 ** 52 && scaled - Math.floor(scaled) !== 0.5) return BigInt(Math.round(scaled)) * (SCALE[places] as bigint);
  return fixedToWei(x.toFixed(places), places);
}

/** Whether `toFixed(places)` wrote plain digits with the point where it belongs (not an exponent form); returns the point's index, or −1. */
function plainPoint(text: string, places: number): number {
  const dot = text.length - places - 1;
  return places > 0 && dot > 0 && text.charCodeAt(dot) === 46 ? dot : -1;
}

/** `toFixed(places)`'s text in wei: its digits without the point, scaled (what parseUnits gives, without its regular expressions); exponent forms go through parseUnits. */
function fixedToWei(text: string, places: number): bigint {
  const dot = plainPoint(text, places);
  if (dot > 0) return BigInt(text.slice(0, dot) + text.slice(dot + 1)) * (SCALE[places] as bigint);
  return toWei(text);
}

/** `fixedToWei(text, places).toString()` in text alone: the digits without the point and their leading zeros, then 18 − places zeros (none stays "0"). */
function fixedToWeiText(text: string, places: number): string {
  const dot = plainPoint(text, places);
  if (dot < 0) return toWei(text).toString();
  let digits = text.slice(0, dot) + text.slice(dot + 1);
  let first = 0;
  while (first < digits.length - 1 && digits.charCodeAt(first) === 48) first++;
  digits = digits.slice(first);
  return digits === '0' ? '0' : digits + '0'.repeat(18 - places);
}

function finite(x: number): number {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`not a usable amount: ${x}`);
  return x;
}

/** An action's amounts: the margin or amount (USD, 6 decimals) and the leverage (4); 0 where it has none. */
interface Amounts<T> {
  readonly amount: T;
  readonly leverage: T;
}
type WeiAmounts = Amounts<bigint>;

/** An action's amounts through one converter: in wei for the call, or as their decimal text for the log. */
function amountsOf<T>(a: AgentAction, money: (x: number) => T, lev: (x: number) => T, zero: T): Amounts<T> {
  switch (a.kind) {
    case 'open':
      return { amount: money(a.margin), leverage: lev(a.leverage) };
    case 'deposit':
    case 'withdraw':
    case 'addMargin':
    case 'removeMargin':
      return { amount: money(a.amount), leverage: zero };
    default:
      return { amount: zero, leverage: zero };
  }
}

/** The call an action makes, as its wei arguments (the log's text, without building the amounts). */
export function actionArgs(trader: string, a: AgentAction): Json {
  return argsOf(trader, a, amountsOf(a, usdText, ratioText, '0'));
}

/**
 * The arguments of an order refused before any call (the router's refusal), as they were asked
 * for: `actionArgs`, or the invalid amount's error, built only when the log is read (most runs
 * keep only a summary, and a month of 1-minute candles refuses ~150,000 orders).
 */
export class RefusedArgs extends Deferred {
  constructor(
    private readonly trader: string,
    private readonly action: AgentAction,
  ) {
    super();
  }

  toJSON(): Json {
    try {
      return actionArgs(this.trader, this.action);
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
}

/**
 * The arguments of a call the engine made, built only when read (as `RefusedArgs`): the same
 * object `argsOf` gives for its wei amounts. Only the log line and the JSON copy read them;
 * building their text for every call was ~0.4 µs an action.
 */
class CalledArgs extends Deferred {
  constructor(
    private readonly trader: string,
    private readonly action: AgentAction,
    private readonly amounts: WeiAmounts,
  ) {
    super();
  }

  toJSON(): Json {
    return argsOf(this.trader, this.action, { amount: this.amounts.amount.toString(), leverage: this.amounts.leverage.toString() });
  }
}

function argsOf(trader: string, a: AgentAction, w: Amounts<string>): Json {
  switch (a.kind) {
    case 'open':
      return { trader, market: a.market, side: a.side, margin: w.amount, leverage: w.leverage, ...(a.isolated !== undefined ? { isolated: a.isolated } : {}) };
    case 'close':
      return { trader, market: a.market };
    case 'liquidate':
      return { liquidator: trader, trader: a.trader, market: a.market };
    case 'settleFunding':
      return { market: a.market };
    case 'deposit':
    case 'withdraw':
      return { trader, amount: w.amount };
    case 'addMargin':
    case 'removeMargin':
      return { trader, market: a.market, amount: w.amount };
  }
}

/**
 * Whether `settleFunding` would revert with SettleFundingTooEarly: its checks before that one
 * pass (the market exists, is open, is not migrating) and the period has not ended. It reverts
 * there before any write, so the outcome is known without the call; keepers racing to settle
 * meet it once per period, and the revert's stack trace was nearly all of its cost.
 */
export function settleFundingTooEarly(ch: ClearingHouse, marketId: string): boolean {
  const m = ch.markets.get(marketId);
  return m !== undefined && m.vamm.open && m.migration === null && ch.clock.timestamp < m.nextFundingTime;
}

export function executeAction(ch: ClearingHouse, trader: string, a: AgentAction): ActionOutcome {
  let w: WeiAmounts;
  try {
    w = amountsOf(a, usd, ratio, 0n);
  } catch (e) {
    return { ok: false, reason: 'InvalidAgentAction', args: { error: (e as Error).message } };
  }
  const args = new CalledArgs(trader, a, w);
  if (a.kind === 'settleFunding' && settleFundingTooEarly(ch, a.market)) return { ok: false, reason: 'SettleFundingTooEarly', args };
  if (a.kind === 'liquidate' && ch.liquidationRefused(a.trader, a.market)) return { ok: false, reason: 'MarginRatioNotMet', args };
  try {
    switch (a.kind) {
      case 'open':
        ch.openPosition({ trader, market: a.market, side: a.side, margin: w.amount, leverage: w.leverage, isolated: a.isolated });
        break;
      case 'close':
        ch.closePosition(trader, a.market);
        break;
      case 'liquidate':
        ch.liquidate(trader, a.trader, a.market);
        break;
      case 'settleFunding':
        ch.settleFunding(a.market);
        break;
      case 'deposit':
        ch.deposit(trader, w.amount);
        break;
      case 'withdraw':
        ch.withdraw(trader, w.amount);
        break;
      case 'addMargin':
        ch.addMargin(trader, a.market, w.amount);
        break;
      case 'removeMargin':
        ch.removeMargin(trader, a.market, w.amount);
        break;
    }
    return { ok: true, reason: null, args };
  } catch (e) {
    if (isModelError(e)) return { ok: false, reason: e.reason, args };
    throw e;
  }
}
