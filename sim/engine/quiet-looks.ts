/**
 * Looks the engine need not wake an agent for. An arbitrageur promises that a look whose
 * observation holds no gap worth its minimum on either side does nothing but ask to wake again
 * `interval` later (`QuietLook`, agents/agent.ts). The engine keeps the promise from its last
 * look, and when the agent is next due it evaluates the gap on the floats the observation would
 * hold (its market's reserves and fees converted as the observation converts them, the hedge
 * venue's price, the open flag): under the minimum on both sides, it schedules the agent as the
 * look would have, without writing an observation or waking it. Exact by the promise: the look
 * would read those same floats, find no gap, draw nothing and change nothing. The same where a
 * side's gap could not pay an open's gas at the block's base fee and ETH price
 * (`gasRefusedEitherSide`): the look would send nothing for want of gas.
 *
 * A liquidator promises the same of a look on an observation whose header says no account is
 * below maintenance (`QuietUnlessBelow`): the engine runs the observation's screen of the
 * accounts (`noneBelow`, observe.ts `screenNoneBelow`) without writing the rest or waking it. A
 * funding keeper promises it of a look before its next settlement (`QuietUntilDue`), read from
 * the market as the observation copies it. `VAMM_QUIET_LOOKS=0` wakes every agent.
 */
import type { LookPromise, QuietLook, QuietUntilDue } from '../../agents/agent.ts';
import { gasRefusedEitherSide } from '../../agents/arbitrage-pricing.ts';
import type { ClearingHouse } from '../clearing-house.ts';
import { weiToNumber } from '../math/units.ts';
import type { Market } from '../market.ts';
import { NoGapRange } from './no-gap-range.ts';

/** A market's reserves and fee as the observation holds them, kept with the amounts they were converted from (`version` counts the conversions). */
interface Floats {
  version: number;
  market: Market | null;
  quoteWei: bigint;
  baseWei: bigint;
  feeWei: bigint;
  tollWei: bigint;
  spreadWei: bigint;
  quoteReserve: number;
  baseReserve: number;
  feeRatio: number;
}

/** What gas is priced at in a block: its base fee (gwei) and the ETH price (USD). */
export interface GasPrices {
  readonly baseFee: number;
  readonly ethUsd: number;
}

export class QuietLooks {
  private readonly kept: (LookPromise | null)[] = [];
  /** Per arbitrageur: where its gap test held on the floats now. */
  private readonly ranges: (NoGapRange | undefined)[] = [];
  private readonly floats: Floats = { version: 0, market: null, quoteWei: -1n, baseWei: -1n, feeWei: -1n, tollWei: -1n, spreadWei: -1n, quoteReserve: 0, baseReserve: 0, feeRatio: 0 };

  /**
   * @param cexMarket the market whose CEX price the observation takes from the hedge venue (`cexAt`);
   *   an arbitrageur's promise on any other market is never used (its CEX field is the on-chain fast price).
   * @param noneBelow whether the observation written now would say no account is below maintenance.
   * @param gasNow the block's base fee (gwei) and ETH price as the observation writes them.
   */
  constructor(
    private readonly cexMarket: string,
    private readonly cexAt: (now: number) => number,
    private readonly noneBelow: () => boolean,
    private readonly gasNow: () => GasPrices,
    readonly enabled = process.env.VAMM_QUIET_LOOKS !== '0',
  ) {}

  /** After agent `agent` looked: keeps its promise, or forgets the last one. */
  record(agent: number, quiet: LookPromise | null | undefined): void {
    if (quiet != null && this.enabled && ('kind' in quiet || quiet.market === this.cexMarket)) this.kept[agent] = quiet;
    else if (this.kept[agent] != null) this.kept[agent] = null;
  }

  /** The wake-up agent `agent`'s look at `now` was promised to ask for (it need not be woken), or NaN when it must look. */
  promised(agent: number, ch: ClearingHouse, now: number): number {
    const k = this.kept[agent];
    if (k == null) return Number.NaN;
    if (!('kind' in k)) return this.noGap(agent, k, ch, now);
    if (k.kind === 'untilDue') return notDue(k, ch, now);
    return this.noneBelow() ? now + k.interval : Number.NaN;
  }

  private noGap(agent: number, k: QuietLook, ch: ClearingHouse, now: number): number {
    const m = ch.market(k.market);
    if (!m.vamm.open) return Number.NaN;
    const f = this.floatsOf(m);
    const range = (this.ranges[agent] ??= new NoGapRange());
    const cex = this.cexAt(now);
    if (range.holds(f, cex, k)) return now + k.interval;
    const gas = this.gasNow();
    return gasRefusedEitherSide(f.quoteReserve, f.baseReserve, f.feeRatio, cex, k, gas.baseFee, gas.ethUsd) ? now + k.interval : Number.NaN;
  }

  /** The market's reserves and fee ratio (fee + toll + spread, summed as the observation sums them) as floats, converted again only when an amount moved. */
  private floatsOf(m: Market): Floats {
    const f = this.floats;
    const fees = m.params.fees;
    const { quoteReserve, baseReserve } = m.vamm;
    if (f.market !== m || f.quoteWei !== quoteReserve || f.baseWei !== baseReserve || f.feeWei !== fees.feeRatio || f.tollWei !== fees.tollRatio || f.spreadWei !== fees.spreadRatio) {
      f.version++;
      f.market = m;
      f.quoteWei = quoteReserve;
      f.baseWei = baseReserve;
      f.feeWei = fees.feeRatio;
      f.tollWei = fees.tollRatio;
      f.spreadWei = fees.spreadRatio;
      f.quoteReserve = weiToNumber(quoteReserve);
      f.baseReserve = weiToNumber(baseReserve);
      f.feeRatio = weiToNumber(fees.feeRatio + fees.tollRatio + fees.spreadRatio);
    }
    return f;
  }
}

/** A keeper's settlement time (its market's next funding time, as the observation copies it, plus its delay) while it is ahead and the market open; else NaN. */
function notDue(k: QuietUntilDue, ch: ClearingHouse, now: number): number {
  const m = ch.market(k.market);
  const at = m.nextFundingTime + k.delay;
  return m.vamm.open && now < at ? at : Number.NaN;
}
