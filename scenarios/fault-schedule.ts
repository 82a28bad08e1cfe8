/**
 * Faults a run scenario injects at given times (`"faults": [{ "at": "2020-03-12T10:00:00Z",
 * "setOracleFault": { "market": "ETH", "fault": "revert" } }, …]`): the scripted scenarios' fault
 * and owner actions — the feed failing or recovering, oracle rounds and fast prices, the vault's
 * yield source (deposits, losses, illiquidity, its breaker), a flood of dust accounts, parameter
 * changes such as a fluctuation band. Each entry is validated with the script action's own schema.
 */
import { z } from 'zod';
import { parseTimeArg } from '../data/time-arg.ts';
import { ACTIONS, type Action } from './script-schema.ts';

export const FAULT_ACTIONS = [
  'setOracleFault',
  'setOraclePrice',
  'setFastPrice',
  'setYieldSource',
  'depositToYield',
  'withdrawFromYield',
  'recognizeYieldLoss',
  'tripCircuitBreaker',
  'yieldSourceLoss',
  'setYieldSourceLiquidity',
  'dustAccounts',
  'setMarketParams',
  'setClearingHouseParams',
] as const satisfies ReadonlyArray<keyof typeof ACTIONS>;

export interface ScheduledFault {
  readonly at: number;
  readonly action: Action;
}

export const FaultEntrySchema = z.unknown().transform((value, ctx): ScheduledFault => {
  const issue = (path: Array<string | number>, message: string) => {
    ctx.addIssue({ code: 'custom', path, message });
    return z.NEVER;
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return issue([], 'a fault is an object: { "at": …, "<action>": { … } }');
  const entry = value as Record<string, unknown>;
  const at = typeof entry.at === 'number' && Number.isSafeInteger(entry.at) && entry.at >= 0 ? entry.at : typeof entry.at === 'string' ? parseTimeArg(entry.at) : undefined;
  if (at === undefined) return issue(['at'], 'unix seconds or an ISO date (UTC)');
  const keys = Object.keys(entry).filter((k) => k !== 'at');
  if (keys.length !== 1) return issue([], `one fault action per entry (${FAULT_ACTIONS.join(', ')}), found ${keys.length === 0 ? 'none' : keys.join(' and ')}`);
  const name = keys[0] as string;
  if (!(FAULT_ACTIONS as readonly string[]).includes(name)) return issue([name], `not a fault action (${FAULT_ACTIONS.join(', ')})`);
  const args = ACTIONS[name as (typeof FAULT_ACTIONS)[number]].safeParse(entry[name] ?? {});
  if (!args.success) {
    for (const i of args.error.issues) ctx.addIssue({ code: 'custom', path: [name, ...(i.path as Array<string | number>)], message: i.message });
    return z.NEVER;
  }
  return { at, action: { name, args: args.data } as Action };
});
