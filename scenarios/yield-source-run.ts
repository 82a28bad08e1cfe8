/**
 * The vault's yield risk in a run (`"yieldSource"` in a run scenario): in the first block the owner
 * attaches the vault's ERC-4626 yield source (sim/yield-source.ts) and puts a share of the traders'
 * collateral in the vault to work in it; at `loss.at` the source loses a share of its assets (a drained
 * strategy); `guardianDelay` seconds later the guardian trips the circuit breaker, which charges the
 * loss to the insurance fund (the rest is recorded as the vault's shortfall) and redeems what the
 * source still holds. Amounts are shares of what is there when each step lands, so one stated
 * stress fits any book; each step is logged as the script action it became, with its exact amount,
 * and replays on the contracts like any fault.
 */
import { z } from 'zod';
import { TOKEN_SCALE, toTokenUnits } from '../sim/math/units.ts';
import { VAULT } from '../sim/ledger.ts';
import { GUARDIAN } from '../sim/vault.ts';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import type { FaultRun } from '../sim/engine/simulation.ts';
import type { Json } from '../sim/state-view.ts';
import { parseTimeArg } from '../data/time-arg.ts';
import type { Action } from './script-schema.ts';
import { actionArgsToJson } from './script-json.ts';
import { applyAction } from './script-runner.ts';

const share = z.number().gt(0).max(1);
const WAD = 10n ** 18n;

export const YieldSourceRunSchema = z.strictObject({
  /** Share of the traders' collateral in the vault (its balance less the insurance fund's own) the owner deposits in the source in the first block. */
  deposited: share,
  /** The loss the breaker allows before anyone may trip it (a ratio of the principal). */
  maxLossRatio: z.number().gt(0).lt(1).default(0.01),
  /** The source loses `share` of its assets at `at` (unix seconds or an ISO date). */
  loss: z
    .strictObject({
      at: z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
        const t = typeof v === 'number' ? v : parseTimeArg(v);
        if (t === undefined) {
          ctx.addIssue({ code: 'custom', message: 'unix seconds or an ISO date (UTC)' });
          return z.NEVER;
        }
        return t;
      }),
      share,
    })
    .optional(),
  /** Seconds from the loss to the guardian tripping the breaker; null: nobody trips it (the loss stays unrecognised). */
  guardianDelay: z.number().int().nonnegative().nullable().default(3600),
});

export type YieldSourceRun = z.output<typeof YieldSourceRunSchema>;

/** A ratio as an 18-decimal wei value (floored at the 1e-12 of a float's resolution). */
const wad = (x: number) => (BigInt(Math.round(x * 1e12)) * WAD) / 10n ** 12n;

/** The owner's deposit, the loss and the guardian's breaker as the run's faults, each sized on the state it lands on. */
export function yieldSourceFaults(y: YieldSourceRun, start: number, secondsPerBlock: number): FaultRun[] {
  const step = (at: number, name: Action['name'], build: (ch: ClearingHouse) => Action): FaultRun => ({
    at,
    action: name,
    args: null,
    apply: (ch: ClearingHouse): Json => {
      const action = build(ch);
      applyAction({ ch, secondsPerBlock }, action);
      return actionArgsToJson(action.args) as Json;
    },
  });
  const faults: FaultRun[] = [
    step(start, 'setYieldSource', () => ({ name: 'setYieldSource', args: { maxLossRatio: wad(y.maxLossRatio) } }) as Action),
    step(start, 'depositToYield', (ch) => ({ name: 'depositToYield', args: { amount: units(tradersCollateral(ch), y.deposited) } }) as Action),
  ];
  if (y.loss) {
    const { at, share: lost } = y.loss;
    faults.push(step(at, 'yieldSourceLoss', (ch) => ({ name: 'yieldSourceLoss', args: { amount: units(ch.vault.source.totalAssets(), lost) } }) as Action));
    if (y.guardianDelay !== null) faults.push(step(at + y.guardianDelay, 'tripCircuitBreaker', () => ({ name: 'tripCircuitBreaker', args: { by: GUARDIAN } }) as Action));
  }
  return faults;
}

/**
 * The traders' collateral in the vault, in token units: the vault's balance less the insurance
 * fund's, which the default design keeps in the vault too. A study seeds its fund far above any
 * loss, so a share of the whole vault would be a share of that seed.
 */
function tradersCollateral(ch: ClearingHouse): bigint {
  const fund = ch.insuranceFund.custody === 'vault' ? toTokenUnits(ch.insuranceFund.balance()) : 0n;
  return ch.ledger.balanceOf(VAULT) - fund;
}

/** `share` of `tokenUnits`, floored to whole token units, as an 18-decimal amount. */
function units(tokenUnits: bigint, share: number): bigint {
  return ((tokenUnits * wad(share)) / WAD) * TOKEN_SCALE;
}
