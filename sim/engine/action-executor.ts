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

const usd = (x: number): bigint => toWei(finite(x).toFixed(6));
const ratio = (x: number): bigint => toWei(finite(x).toFixed(4));

function finite(x: number): number {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`not a usable amount: ${x}`);
  return x;
}

/** The call an action makes, as its wei arguments. */
export function actionArgs(trader: string, a: AgentAction): Json {
  switch (a.kind) {
    case 'open':
      return { trader, market: a.market, side: a.side, margin: usd(a.margin).toString(), leverage: ratio(a.leverage).toString(), ...(a.isolated !== undefined ? { isolated: a.isolated } : {}) };
    case 'close':
      return { trader, market: a.market };
    case 'liquidate':
      return { liquidator: trader, trader: a.trader, market: a.market };
    case 'settleFunding':
      return { market: a.market };
    case 'deposit':
    case 'withdraw':
      return { trader, amount: usd(a.amount).toString() };
    case 'addMargin':
    case 'removeMargin':
      return { trader, market: a.market, amount: usd(a.amount).toString() };
  }
}

export function executeAction(ch: ClearingHouse, trader: string, a: AgentAction): ActionOutcome {
  let args: Json;
  try {
    args = actionArgs(trader, a);
  } catch (e) {
    return { ok: false, reason: 'InvalidAgentAction', args: { error: (e as Error).message } };
  }
  try {
    switch (a.kind) {
      case 'open':
        ch.openPosition({ trader, market: a.market, side: a.side, margin: usd(a.margin), leverage: ratio(a.leverage), ...(a.isolated !== undefined ? { isolated: a.isolated } : {}) });
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
        ch.deposit(trader, usd(a.amount));
        break;
      case 'withdraw':
        ch.withdraw(trader, usd(a.amount));
        break;
      case 'addMargin':
        ch.addMargin(trader, a.market, usd(a.amount));
        break;
      case 'removeMargin':
        ch.removeMargin(trader, a.market, usd(a.amount));
        break;
    }
    return { ok: true, reason: null, args };
  } catch (e) {
    if (isModelError(e)) return { ok: false, reason: e.reason, args };
    throw e;
  }
}
