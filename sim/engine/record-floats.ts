/**
 * An account's record fields as floats (its wallet, collateral, and per market its position's
 * size, open notional, margin, isolated flag and funding owed), kept with the amounts and the
 * position record they were converted from (issue 15). An arbitrageur reads its records at
 * nearly every look with a gap (the room's bound, agents/room-bound.ts) and most of those reads
 * find the records it read last time; converting them again (six conversions from wei and the
 * funding product) was most of the read. The model replaces a position record rather than
 * mutating it, so the same record object with the same premium index gives the same floats,
 * and so does the same wallet or collateral amount.
 */
import type { ClearingHouse } from '../clearing-house.ts';
import { mulD } from '../math/fixed.ts';
import { weiToNumber } from '../math/units.ts';
import type { Position } from '../position.ts';
import { A, P } from './observation.ts';

/** Funding a position owes at the market's premium index `premium` (what its rows show: no remap, no loss). */
export function owedSince(premium: bigint, pos: Position): bigint {
  return mulD(premium - pos.lastCumulativePremiumFraction, pos.size);
}

/** The record fields of one position, in the order they are kept. */
const SIZE = 0;
const OPEN_NOTIONAL = 1;
const MARGIN = 2;
const ISOLATED = 3;
const FUNDING = 4;
const KEPT = 5;

export class RecordFloats {
  /** Per account: the wallet (whole units, as the ledger holds it) and collateral converted last. */
  private readonly wallet: Array<bigint | undefined> = [];
  private readonly collateral: Array<bigint | undefined> = [];
  private readonly walletFloat: Float64Array;
  private readonly collateralFloat: Float64Array;
  /** Per account × market: the position record (null: none) and premium index converted last (undefined: never). */
  private readonly position: Array<Position | null | undefined> = [];
  private readonly premium: Array<bigint | undefined> = [];
  private readonly positionFloats: Float64Array;

  constructor(
    private readonly accounts: readonly string[],
    private readonly markets: readonly string[],
  ) {
    this.walletFloat = new Float64Array(accounts.length);
    this.collateralFloat = new Float64Array(accounts.length);
    this.positionFloats = new Float64Array(accounts.length * markets.length * KEPT);
  }

  /**
   * Writes account `i`'s record fields into `d` (its account fields at `ao`, each market's
   * position fields at `positionOffsets`): the floats `writeAccount` gives them, converted again
   * only where an amount, a record or a premium index moved since the last call for this account.
   */
  write(ch: ClearingHouse, d: Float64Array, i: number, ao: number, positionOffsets: readonly number[]): void {
    const owner = this.accounts[i] as string;
    const account = ch.accounts.get(owner);
    const units = ch.ledger.balanceOf(owner);
    if (this.wallet[i] !== units) {
      this.wallet[i] = units;
      this.walletFloat[i] = weiToNumber(ch.ledger.balanceOfWei(owner));
    }
    const collateral = account?.collateral ?? 0n;
    if (this.collateral[i] !== collateral) {
      this.collateral[i] = collateral;
      this.collateralFloat[i] = weiToNumber(collateral);
    }
    d[ao + A.wallet] = this.walletFloat[i] as number;
    d[ao + A.collateral] = this.collateralFloat[i] as number;
    const nm = this.markets.length;
    const f = this.positionFloats;
    for (let k = 0; k < nm; k++) {
      const at = i * nm + k;
      const kept = at * KEPT;
      const id = this.markets[k] as string;
      const pos = account?.positions.get(id) ?? null;
      const open = pos !== null && pos.size !== 0n;
      if (this.position[at] !== pos) {
        this.position[at] = pos;
        this.premium[at] = undefined;
        f[kept + SIZE] = open ? weiToNumber(pos.size) : 0;
        f[kept + OPEN_NOTIONAL] = open ? weiToNumber(pos.openNotional) : 0;
        f[kept + MARGIN] = pos !== null ? weiToNumber(pos.margin) : 0;
        f[kept + ISOLATED] = open && pos.isolated ? 1 : 0;
        f[kept + FUNDING] = 0;
      }
      if (open) {
        const premium = ch.market(id).cumulativePremiumFraction;
        if (this.premium[at] !== premium) {
          this.premium[at] = premium;
          f[kept + FUNDING] = weiToNumber(owedSince(premium, pos));
        }
      }
      const po = positionOffsets[k] as number;
      d[po + P.size] = f[kept + SIZE] as number;
      d[po + P.openNotional] = f[kept + OPEN_NOTIONAL] as number;
      d[po + P.margin] = f[kept + MARGIN] as number;
      d[po + P.isolated] = f[kept + ISOLATED] as number;
      d[po + P.fundingOwed] = f[kept + FUNDING] as number;
    }
  }
}
