/**
 * What the zero-sum, funding and ledger invariants sum over every account's positions, walked
 * in full or kept per account. The kept sums hold each account's share with what it was
 * computed from (its collateral and position records, which the model replaces rather than
 * mutates, and its markets' premium and loss indices); a check compares only the accounts the
 * journal's write log names and recomputes the shares whose inputs changed, and a market-wide
 * index change moves the owed amounts of every open position in that market (the accounts the
 * log does not name stand otherwise). Under a lazy remap a position's size moves with every
 * trade, so the sums are walked in full.
 */
import type { ClearingHouse } from './clearing-house.ts';
import type { WriteLog } from './journal.ts';
import type { Market } from './market.ts';
import type { Account, Position } from './position.ts';
import { sameRecord } from './same-record.ts';

/** One market's sums over positions. */
export interface MarketSums {
  longs: bigint;
  shorts: bigint;
  onLong: bigint;
  onShort: bigint;
  /** Funding owed by open positions, and how many there are. */
  pending: bigint;
  open: number;
}

/** Each market's sums (in the clearing house's market order), and the vault's claims other than the fund and treasury. */
export interface AccountSums {
  readonly markets: ReadonlyMap<string, MarketSums>;
  readonly claims: bigint;
  /** Σ token balances over every holder, and whether any balance is negative. */
  readonly supply: bigint;
  readonly negative: boolean;
}

const emptySums = (): MarketSums => ({ longs: 0n, shorts: 0n, onLong: 0n, onShort: 0n, pending: 0n, open: 0 });

/**
 * Adds one position's share to a market's sums and returns its claim on the vault beyond its
 * margin (−funding − loss). Under a lazy remap no check reads a position's funding or loss owed
 * (zero-sum, funding conservation and the ledger are not applicable there), and valuing it may
 * revert as Perp v1's own views do (the net flow since its snapshot replayed past the old curve's
 * end): they are left out rather than computed.
 */
function addPosition(ch: ClearingHouse, m: Market, stored: Position, sums: MarketSums): bigint {
  if (stored.size > 0n) {
    sums.longs += stored.size;
    sums.onLong += stored.openNotional;
  } else if (stored.size < 0n) {
    sums.shorts -= stored.size;
    sums.onShort += stored.openNotional;
  }
  if (stored.size === 0n) return 0n;
  if (m.lastRemap === 'lazy') {
    sums.open++;
    return 0n;
  }
  const funding = ch.fundingOwedOn(m, stored);
  const loss = ch.lossOwedOn(m, stored);
  sums.pending += funding;
  sums.open++;
  owed.funding = funding;
  owed.loss = loss;
  return -(funding + loss);
}

/** What the last `addPosition` of an open position (not under a lazy remap) found owed. */
const owed = { funding: 0n, loss: 0n };

/** One walk over every account. */
export function walkAccountSums(ch: ClearingHouse): AccountSums {
  const markets = new Map<string, MarketSums>();
  for (const id of ch.markets.keys()) markets.set(id, emptySums());
  let claims = 0n;
  for (const account of ch.accounts.values()) {
    claims += account.collateral;
    for (const [marketId, stored] of account.positions) {
      claims += stored.margin + addPosition(ch, ch.market(marketId), stored, markets.get(marketId) as MarketSums);
    }
  }
  const { supply, negative } = walkBalances(ch);
  return { markets, claims, supply, negative };
}

/** One walk over every token balance. */
function walkBalances(ch: ClearingHouse): { supply: bigint; negative: boolean } {
  let supply = 0n;
  let negative = false;
  for (const units of ch.ledger.balances.values()) {
    supply += units;
    if (units < 0n) negative = true;
  }
  return { supply, negative };
}

/** An account's share of the sums and its inputs. */
interface Share {
  collateral: bigint;
  /** Per market (clearing-house order): the position record it was computed from. */
  readonly positions: Array<Position | undefined>;
  readonly sums: MarketSums[];
  claims: bigint;
  /** Per market: the open position's funding and loss owed in it (0 when flat). */
  readonly funding: bigint[];
  readonly loss: bigint[];
  /** The last check that brought it up to date (an index move takes each account once). */
  seen: number;
}

/** A market's indices that every position's funding and loss owed read. */
interface MarketIndices {
  readonly premium: bigint;
  readonly lossLong: bigint;
  readonly lossShort: bigint;
}

export class IncrementalAccountSums {
  private readonly shares = new Map<Account, Share>();
  private marketIds: string[] = [];
  private markets: Market[] = [];
  private indices: MarketIndices[] = [];
  private totals: MarketSums[] = [];
  /**
   * The totals by market id, as `sums` returns them: the kept objects themselves, not copies (a
   * check runs in most blocks), so what `sums` returned holds only until the next `sums`.
   */
  private totalsById = new Map<string, MarketSums>();
  private claims = 0n;
  /** The journal's write log (dirty tracking): between index moves, only the accounts it names are compared. */
  private log: WriteLog | null = null;
  /** Account objects and their position maps → the account (registered with its first share). */
  private readonly owners = new WeakMap<object, Account>();
  /** Each holder's balance as last summed, their sum, and the holders below zero. */
  private readonly balances = new Map<string, bigint>();
  private supply = 0n;
  private readonly negatives = new Set<string>();
  /** Set when the shares were dropped: the next check compares every account. */
  private whole = true;
  /** Per market (in `marketIds` order): the accounts whose share holds an open position there (what an index move reaches). */
  private openIn: Set<Account>[] = [];
  /** Counts the checks (a share's `seen`). */
  private checks = 0;
  /** Per market (in `marketIds` order): whether its indices moved since the last check (scratch). */
  private readonly moved: boolean[] = [];

  constructor(private readonly ch: ClearingHouse) {}

  /** The sums now (each market's are the kept totals themselves: read them before the next call). */
  sums(): AccountSums {
    const ch = this.ch;
    // The clearing house's markets as the shares were kept for (compared in place: a check runs in most blocks of a run).
    let k = 0;
    let same = true;
    for (const m of ch.markets.values()) {
      if (m.lastRemap === 'lazy') {
        this.reset([]);
        return walkAccountSums(ch);
      }
      if (m !== this.markets[k] || m.id !== this.marketIds[k]) same = false;
      k++;
    }
    if (!same || k !== this.marketIds.length) this.reset([...ch.markets.values()]);
    let anyMoved = false;
    const moved = this.moved;
    for (let i = 0; i < this.markets.length; i++) {
      const m = this.markets[i] as Market;
      const was = this.indices[i] as MarketIndices;
      const indexMoved = was.premium !== m.cumulativePremiumFraction || was.lossLong !== m.lossIndexLong || was.lossShort !== m.lossIndexShort;
      if (indexMoved) this.indices[i] = indicesOf(m);
      moved[i] = indexMoved;
      anyMoved ||= indexMoved;
    }
    const log = this.log;
    const check = ++this.checks;
    if (log === null || log.overflowed || this.whole) {
      this.whole = false;
      // Accounts are only ever added between checks (the journal drops one only when it undoes the
      // operation that created it, before any check sees it).
      for (const account of ch.accounts.values()) this.refresh(account, moved);
      this.updateBalances(log);
    } else {
      // The accounts the journal wrote (their collateral, their position map) or created, each
      // once: an operation writes an account several times, and its share is up to date after the
      // first; and the holders whose balance it wrote (one pass over the log for both).
      // A write to the object the write before it went to names the same account or none (the
      // writes come in runs: a market's or an AMM's fields), so it is passed over without a lookup.
      const e = log.entries;
      const balances = ch.ledger.balances;
      let previous: unknown = null;
      for (let k = 0; k < log.length; k += 2) {
        const target = e[k] as object;
        if (target === balances) {
          const holder = e[k + 1] as string;
          this.setBalance(holder, balances.get(holder) ?? 0n);
          continue;
        }
        let account: Account | undefined;
        if (target === ch.accounts) account = ch.accounts.get(e[k + 1] as string);
        else if (target === previous) continue;
        else {
          previous = target;
          account = this.owners.get(target);
        }
        if (account === undefined || this.shares.get(account)?.seen === check) continue;
        this.refresh(account, moved).seen = check;
      }
      // Every other account's collateral and position records stand: an index move changes only
      // what its open positions in that market owe.
      if (anyMoved) {
        for (let i = 0; i < this.markets.length; i++) {
          if (!moved[i]) continue;
          for (const account of this.openIn[i] as Set<Account>) {
            const share = this.shares.get(account) as Share;
            if (share.seen === check) continue;
            share.seen = check;
            this.owedAgain(share, moved);
          }
        }
      }
    }
    if (log === null) this.log = ch.j.writeLog();
    else log.clear();
    return { markets: this.totalsById, claims: this.claims, supply: this.supply, negative: this.negatives.size > 0 };
  }

  /**
   * Whether every write since the last `sums` went to one of `targets` (objects no sum reads,
   * such as the oracles): then the sums stand, and the log is emptied as `sums` would have
   * emptied it (none of its entries names an account or a balance).
   */
  wroteOnly(targets: ReadonlySet<unknown>): boolean {
    const log = this.log;
    if (log === null || log.overflowed || this.whole) return false;
    const e = log.entries;
    let previous: unknown = null;
    for (let k = 0; k < log.length; k += 2) {
      // A run of writes to one object is looked up once.
      if (e[k] === previous) continue;
      previous = e[k];
      if (!targets.has(previous)) return false;
    }
    log.clear();
    return true;
  }

  /** Σ balances and the negative holders (after a walk over the accounts): walked when there is no log to read, else moved by the holders it names. */
  private updateBalances(log: WriteLog | null): void {
    const balances = this.ch.ledger.balances;
    if (log === null || log.overflowed) {
      this.balances.clear();
      this.negatives.clear();
      this.supply = 0n;
      for (const [holder, units] of balances) this.setBalance(holder, units);
      return;
    }
    const e = log.entries;
    for (let k = 0; k < log.length; k += 2) {
      if (e[k] !== balances) continue;
      const holder = e[k + 1] as string;
      this.setBalance(holder, balances.get(holder) ?? 0n);
    }
  }

  private setBalance(holder: string, units: bigint): void {
    this.supply += units - (this.balances.get(holder) ?? 0n);
    this.balances.set(holder, units);
    if (units < 0n) this.negatives.add(holder);
    else this.negatives.delete(holder);
  }

  /**
   * Brings the account's share up to date: a new account's computed whole; else its collateral
   * moved by the difference, the part of each market whose position record changed computed
   * again (the record is replaced, never mutated), and in a market that only moved an index
   * just what the open position owes. Returns the share.
   */
  private refresh(account: Account, moved: readonly boolean[]): Share {
    const share = this.shares.get(account);
    if (share === undefined) return this.add(account);
    if (share.collateral !== account.collateral) {
      const delta = account.collateral - share.collateral;
      share.claims += delta;
      this.claims += delta;
      share.collateral = account.collateral;
    }
    for (let i = 0; i < this.marketIds.length; i++) {
      const pos = account.positions.get(this.marketIds[i] as string);
      if (!sameRecord(pos, share.positions[i])) this.replacePosition(share, account, i, pos);
      else if (moved[i]) this.owedAgainIn(share, i);
    }
    return share;
  }

  /** A new account's share, computed whole and added to the totals. */
  private add(account: Account): Share {
    this.owners.set(account, account);
    this.owners.set(account.positions, account);
    const share = this.shareOf(account);
    this.shares.set(account, share);
    this.apply(share);
    for (let i = 0; i < this.openIn.length; i++) if (isOpen(share.positions[i])) (this.openIn[i] as Set<Account>).add(account);
    return share;
  }

  /** Replaces the share's part in market `i` (sums, claim, owed amounts) by that of the record `pos`. */
  private replacePosition(share: Share, account: Account, i: number, pos: Position | undefined): void {
    const was = share.positions[i];
    const s = share.sums[i] as MarketSums;
    const t = this.totals[i] as MarketSums;
    moveSums(t, s, -1n);
    // Taken away: the old record's margin less what it owed (nothing owed when flat).
    let claim = (share.funding[i] as bigint) + (share.loss[i] as bigint) - (was?.margin ?? 0n);
    s.longs = s.shorts = s.onLong = s.onShort = s.pending = 0n;
    s.open = 0;
    share.funding[i] = 0n;
    share.loss[i] = 0n;
    if (pos !== undefined) {
      claim += pos.margin + addPosition(this.ch, this.markets[i] as Market, pos, s);
      // No market is under a lazy remap here (`sums` walks in full then): an open position's owed amounts were just computed.
      if (pos.size !== 0n) {
        share.funding[i] = owed.funding;
        share.loss[i] = owed.loss;
      }
    }
    moveSums(t, s, 1n);
    share.claims += claim;
    this.claims += claim;
    share.positions[i] = pos;
    // Listed where it holds an open position now: moved in or out only where that changed.
    const open = isOpen(pos);
    if (open !== isOpen(was)) {
      if (open) (this.openIn[i] as Set<Account>).add(account);
      else (this.openIn[i] as Set<Account>).delete(account);
    }
  }

  private reset(markets: readonly Market[]): void {
    this.whole = true;
    this.shares.clear();
    this.openIn = markets.map(() => new Set<Account>());
    this.marketIds = markets.map((m) => m.id);
    this.markets = [...markets];
    this.indices = markets.map(indicesOf);
    this.totals = markets.map(emptySums);
    this.totalsById = new Map(this.marketIds.map((id, i) => [id, this.totals[i] as MarketSums]));
    this.claims = 0n;
  }

  /** In each market that moved an index, what the share's open position owes (its records stand). */
  private owedAgain(share: Share, moved: readonly boolean[]): void {
    for (let i = 0; i < this.marketIds.length; i++) if (moved[i]) this.owedAgainIn(share, i);
  }

  /**
   * The open position's funding and loss owed in market `i` computed again (rounded per
   * position, as `shareOf` does) and the totals moved by the difference. Sizes and open
   * notionals read no index.
   */
  private owedAgainIn(share: Share, i: number): void {
    const pos = share.positions[i];
    if (pos === undefined || pos.size === 0n) return;
    const m = this.markets[i] as Market;
    const funding = this.ch.fundingOwedOn(m, pos);
    const loss = this.ch.lossOwedOn(m, pos);
    const was = (share.funding[i] as bigint) + (share.loss[i] as bigint);
    // Claims carry −(funding + loss) per open position.
    const delta = was - (funding + loss);
    share.claims += delta;
    this.claims += delta;
    const pending = funding - (share.funding[i] as bigint);
    (share.sums[i] as MarketSums).pending += pending;
    (this.totals[i] as MarketSums).pending += pending;
    share.funding[i] = funding;
    share.loss[i] = loss;
  }

  private shareOf(account: Account): Share {
    const sums = this.marketIds.map(emptySums);
    const positions = this.marketIds.map((id) => account.positions.get(id));
    const funding = this.marketIds.map(() => 0n);
    const loss = this.marketIds.map(() => 0n);
    let claims = account.collateral;
    for (let i = 0; i < positions.length; i++) {
      const stored = positions[i];
      if (!stored) continue;
      claims += stored.margin + addPosition(this.ch, this.markets[i] as Market, stored, sums[i] as MarketSums);
      // No market is under a lazy remap here (`sums` walks in full then): an open position's owed amounts were just computed.
      if (stored.size !== 0n) {
        funding[i] = owed.funding;
        loss[i] = owed.loss;
      }
    }
    return { collateral: account.collateral, positions, sums, claims, funding, loss, seen: 0 };
  }

  /** Adds a new account's share to the totals: sums, no bigint products. */
  private apply(share: Share): void {
    this.claims += share.claims;
    for (let i = 0; i < this.totals.length; i++) moveSums(this.totals[i] as MarketSums, share.sums[i] as MarketSums, 1n);
  }
}

/** Adds (1n) or takes away (−1n) one share's sums in a market from the market's totals. */
function moveSums(t: MarketSums, s: MarketSums, sign: 1n | -1n): void {
  if (s.longs === 0n && s.shorts === 0n && s.open === 0 && s.onLong === 0n && s.onShort === 0n) return;
  if (sign === 1n) {
    t.longs += s.longs;
    t.shorts += s.shorts;
    t.onLong += s.onLong;
    t.onShort += s.onShort;
    t.pending += s.pending;
    t.open += s.open;
  } else {
    t.longs -= s.longs;
    t.shorts -= s.shorts;
    t.onLong -= s.onLong;
    t.onShort -= s.onShort;
    t.pending -= s.pending;
    t.open -= s.open;
  }
}

function isOpen(pos: Position | undefined): boolean {
  return pos !== undefined && pos.size !== 0n;
}

function indicesOf(m: Market): MarketIndices {
  return { premium: m.cumulativePremiumFraction, lossLong: m.lossIndexLong, lossShort: m.lossIndexShort };
}
