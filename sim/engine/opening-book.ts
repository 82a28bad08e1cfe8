/**
 * The opening book: the positions a risk team states (each account's side, notional and account
 * leverage), put on before a run starts, through the model's own operations.
 *
 * The vAMM's depth is its quote reserve at the start, after the book: the market is created
 * with Q₀ = depth − (Σ long − Σ short notional) and the same k = depth²/P, so when the book is
 * on the mark is back at the start price P (a standing skew moves the curve, as in a live vAMM).
 * Positions go on in slices of 0.1 % of the depth, longs and shorts interleaved so the running net
 * stays near zero, each slice buying or selling the base its notional is worth at the start
 * price (so a book whose sides balance enters within about 0.2 % of that price and ends exactly
 * at it), with ample collateral; then each account's collateral is set so that its leverage at the
 * start mark — |size|·mark / (collateral + unrealised PnL at the mark), summed over the account's
 * markets when it holds positions in two (one cross-margin account) — is the one stated.
 * While the book goes on, the initial margin is lowered to just above maintenance (an account
 * may hold up to 1/maintenance of leverage, as accounts whose price moved against them do) and
 * restored after.
 */
import type { ClearingHouse } from '../clearing-house.ts';
import { divD, mulD } from '../math/fixed.ts';
import { parseUnits } from '../math/units.ts';

const ONE = 10n ** 18n;
const TOKEN = 10n ** 12n;

export interface BookEntry {
  readonly account: string;
  readonly market: string;
  readonly side: 'long' | 'short';
  /** USD at the start price (wei). */
  readonly notional: bigint;
  /** Account leverage at the start mark (wei, 18 decimals). */
  readonly leverage: bigint;
}

export interface BookedAccount extends BookEntry {
  /** The collateral left in the account after the leverage was set. */
  readonly collateral: bigint;
}

/** Σ long − Σ short notional of a market's entries: how far the book moves its curve. */
export function bookSkew(entries: readonly BookEntry[], market: string): bigint {
  let skew = 0n;
  for (const e of entries) if (e.market === market) skew += e.side === 'long' ? e.notional : -e.notional;
  return skew;
}

/** The market's reserves before the book so that after it the quote reserve is `depth` at `price`. */
export function preBookReserves(depth: bigint, price: bigint, skew: bigint, market: string): { quoteReserve: bigint; baseReserve: bigint } {
  const quoteReserve = depth - skew;
  if (quoteReserve <= depth / 10n) throw new Error(`market ${market}: the book's skew (${skew / ONE} USD long − short) takes more than 90 % of the depth (${depth / ONE} USD): a vAMM this shallow cannot hold it`);
  const k = mulD(depth, divD(depth, price));
  return { quoteReserve, baseReserve: divD(k, quoteReserve) };
}

/**
 * The book as a sequence of slices of at most `piece` notional, market by market, longs and
 * shorts interleaved within each: the next slice is on the side that brings that market's running
 * net back toward zero, so its curve never strays from the start price by more than about one
 * slice moves it. (Interleaved over both markets at once, one market's longs were balanced by the
 * other's shorts and each curve wandered by the other market's book.)
 */
export function slices(entries: readonly BookEntry[], piece: bigint): Array<{ entry: BookEntry; notional: bigint }> {
  const markets = [...new Set(entries.map((e) => e.market))];
  return markets.flatMap((market) => marketSlices(entries.filter((e) => e.market === market), piece));
}

function marketSlices(entries: readonly BookEntry[], piece: bigint): Array<{ entry: BookEntry; notional: bigint }> {
  const queue = (side: 'long' | 'short') => entries.filter((e) => e.side === side).map((entry) => ({ entry, left: entry.notional }));
  const longs = queue('long');
  const shorts = queue('short');
  const out: Array<{ entry: BookEntry; notional: bigint }> = [];
  let [i, j, net] = [0, 0, 0n];
  while (i < longs.length || j < shorts.length) {
    const takeLong = j >= shorts.length || (i < longs.length && net <= 0n);
    const q = (takeLong ? longs[i] : shorts[j]) as { entry: BookEntry; left: bigint };
    const notional = q.left < piece ? q.left : piece;
    q.left -= notional;
    if (q.left === 0n) takeLong ? i++ : j++;
    net += takeLong ? notional : -notional;
    out.push({ entry: q.entry, notional });
  }
  return out;
}

/** Opens the book on `ch` and sets every account's leverage; returns what each account holds. */
export function openBook(ch: ClearingHouse, entries: readonly BookEntry[]): BookedAccount[] {
  if (entries.length === 0) return [];
  if (ch.params.marginMode !== 'cross') throw new Error('an opening book needs the cross-margin (default) design');
  const imr = ch.params.initMarginRatio;
  const mmr = ch.params.maintenanceMarginRatio;
  const seen = new Set<string>();
  const byAccount = new Map<string, BookEntry[]>();
  for (const e of entries) {
    if (seen.has(`${e.account}@${e.market}`)) throw new Error(`book: ${e.account} appears twice in ${e.market} (one position per account and market)`);
    seen.add(`${e.account}@${e.market}`);
    const mine = byAccount.get(e.account) ?? [];
    if (mine.length && (mine[0] as BookEntry).leverage !== e.leverage) throw new Error(`book: ${e.account} states two leverages: account leverage is one figure over all its markets`);
    byAccount.set(e.account, [...mine, e]);
    if (e.leverage <= 0n || mulD(e.leverage, mmr) >= ONE) throw new Error(`book: ${e.account} asks for ${Number(e.leverage) / 1e18}x, at or beyond 1 / maintenance margin (${Number(divD(ONE, mmr)) / 1e18}x): it would start liquidatable`);
  }
  // The mark once the book is on: the price at which the depth was stated.
  const startPrices = new Map<string, bigint>();
  for (const e of entries) {
    if (startPrices.has(e.market)) continue;
    const vamm = ch.market(e.market).vamm;
    const depth = vamm.quoteReserve + bookSkew(entries, e.market);
    startPrices.set(e.market, divD(mulD(depth, depth), mulD(vamm.quoteReserve, vamm.baseReserve)));
  }
  ch.setClearingHouseParam('initMarginRatio', mmr + 1n);
  try {
    for (const e of entries) {
      // Ample collateral to open at any leverage and take the fees; set exactly below.
      const temporary = ((e.notional + 1000n * ONE) / TOKEN) * TOKEN;
      ch.mint(e.account, temporary);
      ch.deposit(e.account, temporary);
    }
    const piece = [...startPrices.keys()].reduce((p, id) => {
      const q = ch.market(id).vamm.quoteReserve / 1000n;
      return p === 0n || q < p ? q : p;
    }, 0n);
    for (const { entry: e, notional } of slices(entries, piece)) {
      // The size is the notional at the start price, whatever the curve is while the book goes on.
      const vamm = ch.market(e.market).vamm;
      const quote = vamm.outputPrice(e.side === 'long' ? 'REMOVE' : 'ADD', divD(notional, startPrices.get(e.market) as bigint));
      try {
        ch.openPosition({ trader: e.account, market: e.market, side: e.side, margin: quote, leverage: ONE });
      } catch (err) {
        throw new Error(`book: ${e.account} cannot open ${Math.round(Number(e.notional) / 1e18)} USD on a ${Math.round(Number(vamm.quoteReserve) / 1e18)} USD-deep vAMM even at 1x (${(err as Error).message}): valued at its exit price its margin ratio would be under maintenance: more depth, or smaller accounts`);
      }
    }
    const collateral = new Map([...byAccount].map(([account, mine]) => [account, setLeverage(ch, mine)]));
    return entries.map((e) => ({ ...e, collateral: collateral.get(e.account) as bigint }));
  } finally {
    ch.setClearingHouseParam('initMarginRatio', imr);
  }
}

/**
 * Sets the account's collateral so that Σ|size|·mark / (collateral + Σ PnL at the mark) = leverage
 * over all its positions (one cross-margin account); returns the collateral.
 */
function setLeverage(ch: ClearingHouse, mine: readonly BookEntry[]): bigint {
  const e = mine[0] as BookEntry;
  let notional = 0n;
  let pnl = 0n;
  for (const x of mine) {
    const pos = ch.position(x.account, x.market);
    const value = mulD(pos.size < 0n ? -pos.size : pos.size, ch.market(x.market).vamm.spotPrice());
    notional += value;
    pnl += pos.size > 0n ? value - pos.openNotional : pos.openNotional - value;
  }
  const target = divD(notional, e.leverage) - pnl;
  const collateral = ch.accounts.get(e.account)?.collateral ?? 0n;
  // Token units have 6 decimals: round the change toward the stated leverage's side of safety.
  const delta = ((target - collateral) / TOKEN) * TOKEN;
  try {
    if (delta > 0n) {
      ch.mint(e.account, delta);
      ch.deposit(e.account, delta);
    } else if (delta < 0n) {
      ch.withdraw(e.account, -delta);
    }
  } catch (err) {
    const exit = mine.reduce((a, x) => a + ch.positionNotional(x.account, x.market, 'min'), 0n);
    const discount = Math.abs(1 - Number(exit) / Number(notional)) * 100;
    throw new Error(
      `book: ${e.account} cannot hold ${Number(e.leverage) / 1e18}x on ${Math.round(Number(notional) / 1e18)} USD at this depth (${(err as Error).message}): its exit value is ${discount.toFixed(2)} % worse than its mark value, so at that leverage its margin ratio would be under maintenance: state a lower leverage for accounts this large, or more depth`,
    );
  }
  return ch.accounts.get(e.account)?.collateral ?? 0n;
}

/** A decimal leverage or notional from a float parameter, exactly as written with up to 6 decimals. */
export function weiOf(x: number): bigint {
  return parseUnits(x.toFixed(6).replace(/\.?0+$/, ''), 18);
}
