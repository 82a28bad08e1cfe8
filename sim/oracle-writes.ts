/**
 * What an oracle update writes in the journal: its market's fast feed, Chainlink feed and rounds,
 * and the protocol's event list it emits to. Writes to these alone move no account, reserve,
 * premium index or parameter: readers of the journal's write logs (the invariants, the
 * observation's screen) repeat what they found on the state before them, where that read no
 * oracle price.
 */
import type { ClearingHouse } from './clearing-house.ts';

export function oracleWriteTargets(ch: ClearingHouse): Set<unknown> {
  const targets = new Set<unknown>([ch.events]);
  for (const m of ch.markets.values()) targets.add(m.oracle.fast).add(m.oracle.chainlink).add(m.oracle.chainlink.rounds);
  return targets;
}
