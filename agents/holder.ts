/**
 * A holder: an account of a stated book (scenarios/studies/population.ts). Its position is not
 * traded in the run: the engine opens it before the start at the stated notional and account
 * leverage (sim/engine/opening-book.ts), and the holder then keeps it as it is, adding no margin
 * and cutting nothing, until it is liquidated. That is the conservative reading of a risk
 * team's book: in a crash the accounts that matter are the ones that do not react in time.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Side, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';

export interface HolderParams {
  readonly market: string;
  readonly side: Side;
  /** Position notional at the start price (USD). */
  readonly notional: number;
  /** Account leverage at the start: notional / (collateral + unrealised PnL), both at the mark. */
  readonly leverage: number;
  readonly latency: number;
}

export class Holder extends AgentBase<HolderParams> {
  override readonly kind = 'holder';
  /** It reads only its own account's rows. */
  readonly readsOthers = false;
  override readonly phase = 'trade' as const;

  override start(): null {
    return null;
  }

  override wake(_view: Observation, _now: number): Wake {
    return { submissions: [], next: null };
  }
}
