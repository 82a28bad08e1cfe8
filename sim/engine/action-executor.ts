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

export interface ActionOutcome {
  readonly ok: boolean;
  readonly reason: string | null;
  readonly args: Json;
}

const usd = (x: number): bigint => fixedToWei(finite(x).toFixed(6), 6);
const ratio = (x: number): bigint => fixedToWei(finite(x).toFixed(4), 4);
const SCALE = [10n ** 18n, 10n ** 17n, 10n ** 16n, 10n ** 15n, 10n ** 14n, 10n ** 13n, 10n ** 12n];

/** `toFixed(places)`'s text in wei: its digits without the point, scaled (what parseUnits gives, without its regular expressions); exponent forms go through parseUnits. */
function fixedToWei(text: string, places: number): bigint {
  const dot = text.length - places - 1;
  if (places > 0 && dot > 0 && text.charCodeAt(dot) === 46) return BigInt(text.slice(0, dot) + text.slice(dot + 1)) * (SCALE[places] as bigint);
  return toWei(text);
}

function finite(x: number): number {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`not a usable amount: ${x}`);
  return x;
}

/** An action's amounts in wei: the margin or amount (USD, 6 decimals) and the leverage (4); 0 where it has none. */
interface WeiAmounts {
  readonly amount: bigint;
  readonly leverage: bigint;
}

function weiAmounts(a: AgentAction): WeiAmounts {
  switch (a.kind) {
    case 'open':
      return { amount: usd(a.margin), leverage: ratio(a.leverage) };
    case 'deposit':
    case 'withdraw':
    case 'addMargin':
    case 'removeMargin':
      return { amount: usd(a.amount), leverage: 0n };
    default:
      return { amount: 0n, leverage: 0n };
  }
}

/** The call an action makes, as its wei arguments. */
export function actionArgs(trader: string, a: AgentAction): Json {
  return argsOf(trader, a, weiAmounts(a));
}

function argsOf(trader: string, a: AgentAction, w: WeiAmounts): Json {
  switch (a.kind) {
    case 'open':
      return { trader, market: a.market, side: a.side, margin: w.amount.toString(), leverage: w.leverage.toString(), ...(a.isolated !== undefined ? { isolated: a.isolated } : {}) };
    case 'close':
      return { trader, market: a.market };
    case 'liquidate':
      return { liquidator: trader, trader: a.trader, market: a.market };
    case 'settleFunding':
      return { market: a.market };
    case 'deposit':
    case 'withdraw':
      return { trader, amount: w.amount.toString() };
    case 'addMargin':
    case 'removeMargin':
      return { trader, market: a.market, amount: w.amount.toString() };
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
  let args: Json;
  let w: WeiAmounts;
  try {
    w = weiAmounts(a);
    args = argsOf(trader, a, w);
  } catch (e) {
    return { ok: false, reason: 'InvalidAgentAction', args: { error: (e as Error).message } };
  }
  if (a.kind === 'settleFunding' && settleFundingTooEarly(ch, a.market)) return { ok: false, reason: 'SettleFundingTooEarly', args };
  try {
    switch (a.kind) {
      case 'open':
        ch.openPosition({ trader, market: a.market, side: a.side, margin: w.amount, leverage: w.leverage, ...(a.isolated !== undefined ? { isolated: a.isolated } : {}) });
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
