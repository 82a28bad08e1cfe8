/**
 * What a row the observation leaves standing (valued at earlier reserves) must stay above, as
 * stored and as it truly is, for readers of other accounts at `othersBelow` (sim/engine/observe.ts):
 * their level and 1.5× maintenance (where the liquidation ratio is the exact one) for an
 * account owing socialised loss; their level and just above maintenance for one owing none (its
 * liquidation ratio is its spot ratio there).
 */
import type { ClearingHouse } from '../../sim/clearing-house.ts';
import { weiToNumber } from '../../sim/math/units.ts';
import { MARKETS } from './random-actions.ts';

export function standingLevel(ch: ClearingHouse, owner: string, othersBelow: number): number {
  const mmr = weiToNumber(ch.params.maintenanceMarginRatio);
  return Math.max(owesLoss(ch, owner) ? 1.5 * mmr : mmr * (1 + 1e-10), mmr + othersBelow);
}

/** Whether any of the account's positions owes socialised loss (the model's own account of it). */
export function owesLoss(ch: ClearingHouse, owner: string): boolean {
  return MARKETS.some((m) => ch.accounts.get(owner)?.positions.has(m) === true && ch.lossOwed(owner, m) !== 0n);
}
