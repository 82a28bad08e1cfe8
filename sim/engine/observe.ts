/**
 * Fills an observation from the model: float64 copies of the market and every account, valued
 * at spot (cheap enough to do every block; liquidations still check the exact ratio).
 */
import type { ClearingHouse } from '../clearing-house.ts';
import type { WriteLog } from '../journal.ts';
import { exitValueOrSpot } from '../curve.ts';
import { divD } from '../math/fixed.ts';
import { weiToNumber } from '../math/units.ts';
import type { Market } from '../market.ts';
import type { Account, Position } from '../position.ts';
import { sameRecord } from '../same-record.ts';
import { type ReservesFloat, provablyAbove, provablyAboveOnBox, provablyAboveOnCorners } from './at-risk-screen.ts';
import type { FloatTwap } from './float-twap.ts';
import { ExactRatios } from './exact-ratios.ts';
import { TwapRatioProof } from './twap-ratio-proof.ts';
import { A, ACCOUNT_FIELDS, H, M, type Observation, P, POSITION_FIELDS } from './observation.ts';
import { RecordFloats, owedSince } from './record-floats.ts';
import { oracleWriteTargets } from '../oracle-writes.ts';
import { packedMap } from './packed-map.ts';

const ONE = 10n ** 18n;

/**
 * What each account's rows were valued from, per observation: its own inputs (wallet,
 * collateral, position records, which the model replaces rather than mutates, so identity
 * tells a change) and, per market, the reserves and premium index. Rows whose inputs all stand
 * are exact without valuing them again (valuing positions is most of an observation's cost).
 */
class RowInputs {
  readonly wallet: bigint[] = [];
  readonly collateral: bigint[] = [];
  /** Per account × market: the position record, the reserves and premium index valued at. */
  readonly position: Array<Position | undefined> = [];
  readonly quote: bigint[] = [];
  readonly base: bigint[] = [];
  readonly premium: bigint[] = [];
  /** Per account × market: the premium index its funding owed was written at (the one valued at, or a later one it was brought up to: `fundingToNow`). */
  readonly fundingFrom: bigint[] = [];
  readonly valued: boolean[] = [];
  /** The account object the rows were valued from (undefined: it did not exist then). */
  readonly account: Array<Account | undefined> = [];
  /** Per market, as `readMarkets` last read them. */
  readonly nowQuote: bigint[] = [];
  readonly nowBase: bigint[] = [];
  readonly nowPremium: bigint[] = [];
  /** Per market, `nowQuote` and `nowBase` as floats. */
  readonly reserves: ReservesFloat[] = [];
  /**
   * The journal version the rows were last brought up to date at, the readers' level then, and
   * the lower level rows of accounts owing no socialised loss were left standing under.
   */
  version = -1;
  level = 0;
  low = 0;
  /** Whether rows owing no loss may stand under the readers' level (`VAMM_MAINTENANCE_BOXES=0`: every row stays above it, as before). */
  readonly lowBoxes = process.env.VAMM_MAINTENANCE_BOXES !== '0';
  /** The journal version the header's and markets' state fields were written at. */
  headerVersion = -1;
  /** What the last screen for readers of others found (no row below maintenance), on which state and at which time. */
  readonly noneBelow = { version: -1, time: Number.NaN, none: false };
  /**
   * Whether the journal wrote anything but the oracles and the event list (`oracleWriteTargets`)
   * since the last screen, as `takeWrites` read it; how many exact liquidation ratios were
   * asked for so far (`writeLiquidationRatios`, valued or kept); and whether the last screen asked
   * for none (the one thing a screen reads that the clock and the oracles move): then, while
   * nothing else moved, its answer stands.
   */
  moved = true;
  exactAsked = 0;
  stands = false;
  private oracleTargets: ReadonlySet<unknown> = new Set();
  /** Each market's, account's and position's offsets in the observation. */
  readonly marketOffsets: number[];
  readonly accountOffsets: number[];
  readonly positionOffsets: number[][];
  /** Marks of the agents waking on the observation being written. */
  readonly waking: Uint8Array;
  /** Per account: possibly written (its wallet, account or positions) since its rows were recorded. */
  readonly dirty: Uint8Array;
  /** The accounts marked dirty since the last screen (may repeat, or name ones valued since), and whether every account was. */
  readonly dirtyList: number[] = [];
  allDirty = true;
  /**
   * Per account: 1 when its rows, as stored, are provably above `boxLevel` at any reserves in
   * its box (its one open position's market `boxMarket`, q in [boxQ0, boxQ1], b in [boxB0,
   * boxB1]) with the funding owed they hold; cleared when the rows are valued again or their
   * funding owed moves without the box being proved again.
   */
  readonly boxed: Uint8Array;
  readonly boxLevel: Float64Array;
  /** Per account: 1 when its box is at the lower level, which holds only while the account owes no socialised loss (`noLossOwed`). */
  readonly boxNoLoss: Uint8Array;
  readonly boxMarket: Int32Array;
  readonly box: Float64Array;
  /**
   * Per account: 1 when its rows lag its records (written since they were valued) and a screen
   * for the flag alone (`screenNoneBelow`, no one reading a row) proved from the records
   * themselves that its margin groups are above `boxLevel` at any reserves in its box (`box`,
   * `boxMarket`, `boxNoLoss`, as a boxed row's, with the premium indices and losses of the
   * boxes' common ground): the flag counts it as not below maintenance, and an observation
   * that is read values it first (`lagList` names them, with repeats and ones valued since).
   */
  readonly lagging: Uint8Array;
  readonly lagList: number[] = [];
  lagCount = 0;
  /** The exact liquidation ratios written near maintenance, on the state and at the time they were valued (`writeLiquidationRatios`). */
  readonly exactRatios = new ExactRatios();
  /** The proof that a row under maintenance at spot is above it on the TWAP (`twapClears`). */
  readonly twapProof = new TwapRatioProof();
  /** Scratch: one account's record fields laid out as its rows are (`tryLag`). */
  readonly scratch: Float64Array;
  readonly scratchPositions: number[];
  /** Accounts with open positions and no box: looked at on every screen (may repeat, or name boxed ones). */
  readonly loose: number[] = [];
  /** Per account: in `loose` (1), or being looked at in this screen (2). */
  readonly mark: Uint8Array;
  /**
   * What every boxed account's box holds: per market the largest lower and smallest upper
   * bounds, the least level of the boxes at the readers' level and of those at the lower one,
   * the premium indices and what the loss owed depends on then (a screen whose reserves, levels,
   * indices and losses are inside need look at no boxed account that was not written); null
   * until a full screen built it, and after one that valued every row.
   */
  common: { q0: Float64Array; q1: Float64Array; b0: Float64Array; b1: Float64Array; level: number; low: number; premium: bigint[]; losses: LossState[] } | null = null;
  /** Per header or market field: the amount its float was converted from (undefined: written from a float, or never). */
  readonly from: Array<bigint | undefined> = [];

  /** Writes `x` as a float unless the field already holds this amount's conversion. */
  put(d: Float64Array, at: number, x: bigint): void {
    if (this.from[at] === x) return;
    this.from[at] = x;
    d[at] = weiToNumber(x);
  }

  /** Writes a float that was not converted from an amount (forgets what the field held). */
  putFloat(d: Float64Array, at: number, x: number): void {
    this.from[at] = undefined;
    d[at] = x;
  }

  /** The record fields' floats as last converted, for waking accounts that read only those. */
  readonly records: RecordFloats;

  /** Values a deferred account's own rows on first read (`Observation.deferRows`), on `fillFrom`'s state. */
  fillOwn: ((i: number) => void) | null = null;
  fillOwnRecords: ((i: number) => void) | null = null;
  fillFrom: ClearingHouse | null = null;
  /** The journal's write log this reads, and the clearing house it belongs to. */
  private log: WriteLog | null = null;
  private logOf: ClearingHouse | null = null;
  /** Account objects and their position maps → account index (registered when recorded). */
  private readonly owners = new WeakMap<object, number>();
  private readonly indexOf: ReadonlyMap<string, number>;

  constructor(obs: Observation) {
    this.marketOffsets = packedMap(obs.layout.markets, (id) => obs.marketOffset(id));
    this.waking = new Uint8Array(obs.layout.accounts.length);
    this.dirty = new Uint8Array(obs.layout.accounts.length).fill(1);
    const n = obs.layout.accounts.length;
    this.boxed = new Uint8Array(n);
    this.boxLevel = new Float64Array(n);
    this.boxNoLoss = new Uint8Array(n);
    this.boxMarket = new Int32Array(n);
    this.box = new Float64Array(4 * n);
    this.mark = new Uint8Array(n);
    this.lagging = new Uint8Array(n);
    this.scratch = new Float64Array(obs.accountStride);
    this.scratchPositions = packedMap(obs.layout.markets, (_, m) => ACCOUNT_FIELDS.length + m * POSITION_FIELDS.length);
    this.indexOf = new Map(obs.layout.accounts.map((a, i) => [a, i]));
    this.accountOffsets = packedMap(obs.layout.accounts, (_, i) => obs.accountOffset(i));
    this.positionOffsets = packedMap(obs.layout.accounts, (_, i) => packedMap(obs.layout.markets, (id) => obs.positionOffset(i, id)));
    this.records = new RecordFloats(obs.layout.accounts, obs.layout.markets);
  }

  /**
   * Marks the accounts the journal wrote since the last call: a balance (the ledger's map, by
   * holder), an account created (the accounts map, by owner), an account's collateral or its
   * position map (by the objects registered when its rows were recorded). The log may name
   * more than changed (undone writes), never less; past its limit, every account is marked.
   */
  takeWrites(ch: ClearingHouse): void {
    const log = this.log;
    if (log === null || this.logOf !== ch) {
      this.logOf = ch;
      this.log = ch.j.writeLog();
      this.oracleTargets = oracleWriteTargets(ch);
      this.dirty.fill(1);
      this.allDirty = true;
      this.moved = true;
      return;
    }
    if (log.overflowed) {
      this.dirty.fill(1);
      this.allDirty = true;
      this.moved = true;
    } else {
      const e = log.entries;
      const balances = ch.ledger.balances;
      const accounts = ch.accounts;
      const oracles = this.oracleTargets;
      let moved = this.moved;
      for (let k = 0; k < log.length; k += 2) {
        const target = e[k] as object;
        if (!moved && !oracles.has(target)) moved = true;
        const i = target === balances || target === accounts ? this.indexOf.get(e[k + 1] as string) : this.owners.get(target);
        if (i !== undefined) {
          // Listed at every write: an account compared equal stays marked, and a later write to it must still be looked at.
          this.dirty[i] = 1;
          this.dirtyList.push(i);
        }
      }
      this.moved = moved;
    }
    log.clear();
  }

  /**
   * Whether the account's own inputs are those its rows were valued from: certainly when the
   * journal wrote none of them since (`takeWrites`), else compared. An account recorded is read
   * through the kept reference (accounts are created outside views and never dropped once an
   * operation kept them; the engine records only between operations).
   */
  sameOwn(ch: ClearingHouse, i: number, owner: string, markets: readonly string[]): boolean {
    if (!this.valued[i]) return false;
    if (this.dirty[i] === 0) return true;
    const account = this.account[i] ?? ch.accounts.get(owner);
    if (this.wallet[i] !== ch.ledger.balanceOf(owner) || this.collateral[i] !== (account?.collateral ?? 0n)) return false;
    const base = i * markets.length;
    for (let m = 0; m < markets.length; m++) if (!sameRecord(this.position[base + m], account?.positions.get(markets[m] as string))) return false;
    return true;
  }

  /** Whether the account's rows were valued with no open position and the journal wrote none of its inputs since. */
  flatAndUnwritten(i: number): boolean {
    if (!this.valued[i] || this.dirty[i] === 1) return false;
    const nm = this.marketOffsets.length;
    for (let m = i * nm; m < (i + 1) * nm; m++) {
      const pos = this.position[m];
      if (pos !== undefined && pos.size !== 0n) return false;
    }
    return true;
  }

  /** Each market's reserves (and their floats, converted again only when one moved) and premium index now (read once per observation, compared per account). */
  readMarkets(ch: ClearingHouse, markets: readonly string[]): void {
    for (let m = 0; m < markets.length; m++) {
      const market = ch.market(markets[m] as string);
      const { quoteReserve, baseReserve } = market.vamm;
      if (this.nowQuote[m] !== quoteReserve || this.nowBase[m] !== baseReserve || this.reserves[m] === undefined) {
        this.reserves[m] = { quote: weiToNumber(quoteReserve), base: weiToNumber(baseReserve) };
      }
      this.nowQuote[m] = quoteReserve;
      this.nowBase[m] = baseReserve;
      this.nowPremium[m] = market.cumulativePremiumFraction;
    }
  }

  /** Whether every market the account holds a position in has the reserves and index its rows were valued at, its funding owed written at that index (after `readMarkets`). */
  sameMarkets(i: number, nm: number): boolean {
    const base = i * nm;
    for (let m = 0; m < nm; m++) {
      const pos = this.position[base + m];
      if (!pos || pos.size === 0n) continue;
      // The funding owed brought to a later index (`fundingToNow`) is not the valued one even when the index comes back.
      if (this.quote[base + m] !== this.nowQuote[m] || this.base[base + m] !== this.nowBase[m] || this.premium[base + m] !== this.nowPremium[m] || this.fundingFrom[base + m] !== this.nowPremium[m]) return false;
    }
    return true;
  }

  /**
   * Brings the funding owed in the account's rows to each market's premium index now (after
   * `readMarkets`), exact from the position records its rows were valued from, as
   * `writeAccount` writes it (its own inputs must stand); returns whether any moved.
   */
  fundingToNow(d: Float64Array, i: number): boolean {
    const nm = this.marketOffsets.length;
    let moved = false;
    for (let m = 0; m < nm; m++) {
      const at = i * nm + m;
      const pos = this.position[at];
      const now = this.nowPremium[m] as bigint;
      if (!pos || pos.size === 0n || this.fundingFrom[at] === now) continue;
      d[((this.positionOffsets[i] as number[])[m] as number) + P.fundingOwed] = weiToNumber(owedSince(now, pos));
      this.fundingFrom[at] = now;
      moved = true;
    }
    return moved;
  }

  unlag(i: number): void {
    if (this.lagging[i] === 0) return;
    this.lagging[i] = 0;
    this.lagCount--;
  }

  record(ch: ClearingHouse, i: number, owner: string, markets: readonly string[]): void {
    // Valued again: any box was proved for the rows as they were.
    this.boxed[i] = 0;
    this.unlag(i);
    if (this.mark[i] === 0) {
      this.mark[i] = 1;
      this.loose.push(i);
    }
    const account = ch.accounts.get(owner);
    if (account !== undefined && this.account[i] !== account) {
      this.owners.set(account, i);
      this.owners.set(account.positions, i);
    }
    this.account[i] = account;
    this.valued[i] = true;
    this.dirty[i] = 0;
    this.wallet[i] = ch.ledger.balanceOf(owner);
    this.collateral[i] = account?.collateral ?? 0n;
    const base = i * markets.length;
    for (let m = 0; m < markets.length; m++) {
      const market = ch.market(markets[m] as string);
      this.position[base + m] = account?.positions.get(market.id);
      this.quote[base + m] = market.vamm.quoteReserve;
      this.base[base + m] = market.vamm.baseReserve;
      this.premium[base + m] = market.cumulativePremiumFraction;
      this.fundingFrom[base + m] = market.cumulativePremiumFraction;
    }
  }
}

const rowInputs = new WeakMap<Observation, RowInputs>();

/**
 * Who reads an observation: the agents that wake on it (their own rows are always exact), and
 * how far above maintenance any agent of the run reads other accounts' rows when one that
 * wakes does (`false`: none that wakes reads another account, so only their own rows are
 * written; `null`: one reads every account, so every row is valued exactly). Without readers
 * every row is exact.
 */
export interface ObservationReaders {
  readonly waking: readonly number[];
  readonly othersBelow: number | false | null;
  /**
   * The waking agents read this `Observation` object itself, in this thread, during the wake it
   * is written for: when none reads another account, each one's own rows are valued only when
   * it first asks for their offset (an arbitrageur that finds no gap reads none).
   */
  readonly deferOwn?: boolean;
}

/** What the engine adds to the protocol's state: the block's base fee (gwei), the ETH price gas is paid at, the CEX price per market. */
export interface OffChainView {
  readonly baseFee: number;
  readonly ethUsd: number;
  readonly cex?: ReadonlyMap<string, number>;
  /** Whether priority fees order the block (default: they do). */
  readonly feeOrdering?: boolean;
}

/**
 * Writes the observation. With `readers`, an account whose own inputs stand and whose margin
 * groups are provably above every reader's level keeps the rows valued at earlier reserves
 * (at-risk-screen.ts): every read an agent makes then decides as on exact rows.
 */
export function writeObservation(ch: ClearingHouse, obs: Observation, twaps: ReadonlyMap<string, FloatTwap>, gas: OffChainView = { baseFee: 0, ethUsd: 0 }, readers?: ObservationReaders): void {
  const d = obs.data;
  const now = ch.clock.timestamp;
  // Rows deferred for the last wake and never read stay as they were (not recorded as valued).
  obs.dropDeferred();
  const rows = rowsOf(obs);
  d[H.timestamp] = now;
  d[H.blockNumber] = ch.clock.blockNumber;
  d[H.baseFee] = gas.baseFee;
  d[H.ethUsd] = gas.ethUsd;
  d[H.feeOrdering] = gas.feeOrdering === false ? 0 : 1;
  // What only the protocol's state sets is written again only when the state changed.
  const stateChanged = rows.headerVersion !== ch.j.version;
  rows.headerVersion = ch.j.version;
  if (stateChanged) {
    rows.put(d, H.insuranceFund, ch.insuranceFundBalance());
    rows.put(d, H.maintenanceMarginRatio, ch.params.maintenanceMarginRatio);
    rows.put(d, H.initMarginRatio, ch.params.initMarginRatio);
    rows.put(d, H.liquidationFeeRatio, ch.params.liquidationFeeRatio);
    d[H.restrictionMode] = ch.params.restrictionMode ? 1 : 0;
  }
  for (let k = 0; k < obs.layout.markets.length; k++) {
    const id = obs.layout.markets[k] as string;
    const m = ch.market(id);
    const o = rows.marketOffsets[k] as number;
    if (stateChanged) {
      const { quoteReserve, baseReserve } = m.vamm;
      // Spot is Q/B: valued again only when a reserve moved.
      if (rows.from[o + M.quoteReserve] !== quoteReserve || rows.from[o + M.baseReserve] !== baseReserve) {
        d[o + M.spot] = weiToNumber(m.vamm.spotPrice());
        rows.put(d, o + M.quoteReserve, quoteReserve);
        rows.put(d, o + M.baseReserve, baseReserve);
      }
      const spot = d[o + M.spot] as number;
      if (m.oracle.chainlink.latestRound()) rows.put(d, o + M.index, m.oracle.chainlink.lastPublishedWei());
      else rows.putFloat(d, o + M.index, spot);
      const index = d[o + M.index] as number;
      if (m.oracle.fast.latest) rows.put(d, o + M.fast, m.oracle.fast.latest.price);
      else rows.putFloat(d, o + M.fast, index);
      rows.put(d, o + M.fundingRate, m.fundingRate);
      d[o + M.fundingPeriod] = m.params.funding.fundingPeriod;
      d[o + M.nextFundingTime] = m.nextFundingTime;
      rows.put(d, o + M.totalPositionSize, m.vamm.totalPositionSize);
      rows.put(d, o + M.feeRatio, m.params.fees.feeRatio + m.params.fees.tollRatio + m.params.fees.spreadRatio);
      if (rows.from[o + M.maxLeverage] !== ch.params.initMarginRatio) {
        d[o + M.maxLeverage] = weiToNumber(divD(ONE, ch.params.initMarginRatio));
        rows.from[o + M.maxLeverage] = ch.params.initMarginRatio;
      }
      rows.put(d, o + M.fluctuationLimit, m.vamm.fluctuationLimitRatio);
      d[o + M.open] = m.vamm.open ? 1 : 0;
    }
    d[o + M.markTwap] = twaps.get(id)?.average(now) ?? (d[o + M.spot] as number);
    d[o + M.cex] = gas.cex?.get(id) ?? (d[o + M.fast] as number);
  }
  d[H.noneBelowMaintenance] = writeRows(ch, obs, rows, readers) ? 1 : 0;
}

/**
 * Whether the observation written now for a reader of other accounts' rows would say that no
 * account's row is below maintenance (its header's `noneBelowMaintenance`), found by the screen
 * that observation runs (`othersBelow` as the engine would pass it), with no agent waking: the
 * rows it values are kept for the next observation as that one would keep them, the header and
 * the markets are not written. The flag does not depend on who wakes: a row below maintenance
 * is exact for any reader of others, and a row left standing is above every reader's level.
 */
export function screenNoneBelow(ch: ClearingHouse, obs: Observation, othersBelow: number): boolean {
  const rows = rowsOf(obs);
  const memo = rows.noneBelow;
  // Once per state and block: the exact ratio near maintenance moves with the time.
  if (memo.version === ch.j.version && memo.time === ch.clock.timestamp) return memo.none;
  obs.dropDeferred();
  // The one header field the screen reads, as the header would be written now.
  rows.put(obs.data, H.maintenanceMarginRatio, ch.params.maintenanceMarginRatio);
  return writeRows(ch, obs, rows, { waking: NO_ONE, othersBelow }, true);
}

const NO_ONE: readonly number[] = [];

function rowsOf(obs: Observation): RowInputs {
  let rows = rowInputs.get(obs);
  if (!rows) rowInputs.set(obs, (rows = new RowInputs(obs)));
  return rows;
}

/**
 * The accounts' rows as `readers` need them (every row exact without readers): returns whether
 * no account's row is below maintenance, or false when only the waking agents' own rows were
 * brought up to date (then it says nothing about the others).
 */
function writeRows(ch: ClearingHouse, obs: Observation, rows: RowInputs, readers: ObservationReaders | undefined, flagOnly = false): boolean {
  const d = obs.data;
  const mmr = d[H.maintenanceMarginRatio] as number;
  const { markets, accounts } = obs.layout;
  rows.takeWrites(ch);
  const memo = rows.noneBelow;
  // For the flag alone: since the last screen the journal wrote only the oracles (no account,
  // reserve, premium index, loss, remap or parameter moved) and that screen computed no exact
  // liquidation ratio (the one thing it read that the clock and the oracles move), so a screen
  // now would find the same spot ratios and the same rows below maintenance, whatever the level
  // (a row near maintenance is exact at every level). A row valued since, by its own agent's
  // observation, is valued on the state that screen proved it above the level on.
  if (flagOnly && !rows.moved && rows.stands) {
    memo.version = ch.j.version;
    memo.time = ch.clock.timestamp;
    return memo.none;
  }
  rows.readMarkets(ch, markets);
  if (readers !== undefined && readers.othersBelow === false) {
    // No waking agent reads another account: only their own rows need be exact.
    if (readers.deferOwn === true) {
      // Valued when read, on this state: the same rows, and as if unread ones had not woken.
      rows.fillFrom = ch;
      obs.deferRows(readers.waking, (rows.fillOwn ??= ownRowsFiller(obs, rows)), (rows.fillOwnRecords ??= ownRecordsFiller(obs, rows)));
      return false;
    }
    for (const i of readers.waking) {
      exactAt(ch, obs, rows, i);
      writeLiquidationRatios(ch, obs, rows, i, mmr);
    }
    return false;
  }
  // Rows left as valued at earlier reserves must stay above every reader's level: the liquidation
  // ratio's own (exact below 1.5× maintenance) and any reader's declared level above maintenance.
  const all = readers === undefined || readers.othersBelow === null;
  const level = all ? Number.POSITIVE_INFINITY : Math.max(mmr * 1.5, mmr + (readers.othersBelow as number));
  // An account owing no socialised loss shows its spot ratio as its liquidation ratio from just
  // above maintenance (writeLiquidationRatios): its rows need stay only above that and the
  // readers' declared level.
  const low = all || !rows.lowBoxes || !(mmr < 1) ? level : Math.max(mmr * SURELY_ABOVE, mmr + (readers.othersBelow as number));
  const waking = rows.waking;
  if (!all) for (const i of readers.waking) waking[i] = 1;
  // Rows read now: those lagging their records are looked at (valued) by a screen run again.
  if (!flagOnly && rows.lagCount > 0) {
    for (const i of rows.lagList) if (rows.lagging[i] === 1) rows.dirtyList.push(i);
    rows.version = -1;
  }
  // A new state, or a higher level than rows were left standing under: screen them again.
  let looked: number[] | null = null;
  if (rows.version !== ch.j.version || level > rows.level || low > rows.low) {
    rows.version = ch.j.version;
    rows.level = level;
    rows.low = low;
    const reserves = rows.reserves;
    looked = all ? null : screenWithin(ch, obs, rows, reserves, level, readers.waking, flagOnly);
    if (looked === null) screenEvery(ch, obs, rows, reserves, level, all, flagOnly);
    // (Most screens find it empty: setting an array's length is not free.)
    if (rows.dirtyList.length !== 0) rows.dirtyList.length = 0;
    rows.allDirty = false;
  } else {
    // The state stands since the last screen: only rows it left standing (or that own-row
    // observations skipped) may need valuing now.
    if (all) for (let i = 0; i < accounts.length; i++) exactAt(ch, obs, rows, i);
    else for (const i of readers.waking) exactAt(ch, obs, rows, i);
  }
  if (!all) for (const i of readers.waking) waking[i] = 0;
  let below = false;
  const exactBefore = rows.exactAsked;
  // Boxed rows not looked at stand above the level (≥ 1.5× maintenance), or above the lower one
  // owing no loss: their liquidation ratio is their stored spot ratio, as written. Rows lagging
  // their records would be written so when valued (their records proved as rows are).
  if (looked !== null) for (const i of looked) below = (rows.lagging[i] === 0 && writeLiquidationRatios(ch, obs, rows, i, mmr)) || below;
  else for (let i = 0; i < accounts.length; i++) below = (rows.lagging[i] === 0 && writeLiquidationRatios(ch, obs, rows, i, mmr)) || below;
  memo.version = ch.j.version;
  memo.time = ch.clock.timestamp;
  memo.none = !below;
  rows.moved = false;
  rows.stands = rows.exactAsked === exactBefore;
  return !below;
}

/** What values one waking account's own rows when they were deferred: as the own-rows observation does. */
function ownRowsFiller(obs: Observation, rows: RowInputs): (i: number) => void {
  return (i) => {
    const ch = rows.fillFrom as ClearingHouse;
    exactAt(ch, obs, rows, i);
    writeLiquidationRatios(ch, obs, rows, i, obs.data[H.maintenanceMarginRatio] as number);
  };
}

/**
 * What writes one waking account's record fields when it reads only those (its wallet,
 * collateral, and each position's size, open notional, margin, isolated flag and funding owed): the floats
 * `writeAccount` gives them, nothing valued and nothing recorded (the observation puts them back
 * after the wake unless the rows get valued).
 */
function ownRecordsFiller(obs: Observation, rows: RowInputs): (i: number) => void {
  return (i) => rows.records.write(rows.fillFrom as ClearingHouse, obs.data, i, rows.accountOffsets[i] as number, rows.positionOffsets[i] as number[]);
}

/** Relative half-width of the box an account's standing rows are proved over: about a 2 % price move either way. */
const BOX_WIDTH = 1e-2;

/**
 * Screens one account: values its rows unless they stand, and boxes rows that stand or were
 * just valued (`recentre`: a boxed row's box is moved to these reserves when the proof holds
 * there, so that the full screen leaves every box around the reserves it saw).
 */
function screenAccount(ch: ClearingHouse, obs: Observation, rows: RowInputs, reserves: readonly ReservesFloat[], level: number, all: boolean, i: number, recentre: boolean, flagOnly: boolean): void {
  const { markets, accounts } = obs.layout;
  const owner = accounts[i] as string;
  const d = obs.data;
  // Writes that left its rows lagging were undone: its rows are its records' again.
  if (rows.lagging[i] === 1 && rows.sameOwn(ch, i, owner, markets)) rows.unlag(i);
  // Its own inputs as they are now: the rows kept or valued here are theirs.
  const noLoss = rows.low < level && noLossOwed(ch, owner);
  const at = noLoss ? rows.low : level;
  if (!rows.sameOwn(ch, i, owner, markets)) {
    // Written: for the flag alone, its records may prove it above the level without valuing its rows.
    if (flagOnly && tryLag(ch, rows, reserves, at, i, noLoss)) return;
    value(ch, obs, rows, i, owner);
  } else if (!rows.sameMarkets(i, markets.length)) {
    // Only reserves or the premium index moved: rows no reader can need may stand, their funding
    // owed brought to the index now (the one input of theirs a premium move changes).
    let standing = false;
    if (!all && rows.waking[i] === 0) {
      if (rows.fundingToNow(d, i)) rows.boxed[i] = 0;
      standing = boxHolds(rows, i, reserves, at) || (storedAbove(d, rows.positionOffsets[i] as number[], at) && provablyAbove(d, rows.accountOffsets[i] as number, rows.positionOffsets[i] as number[], reserves, at));
    }
    if (!standing) value(ch, obs, rows, i, owner);
  }
  if (!all && (rows.boxed[i] === 0 || recentre)) tryBox(obs, rows, reserves, at, i, noLoss);
}

/**
 * Leaves a written account's rows lagging its records when its one open position's records
 * prove its margin groups above `level` over the box around these reserves, as `tryBox` proves
 * rows: on the floats `writeAccount` would write them with (RecordFloats), the fields the proof
 * reads being record fields alone. Its rows are not valued, and any box they had is dropped.
 */
function tryLag(ch: ClearingHouse, rows: RowInputs, reserves: readonly ReservesFloat[], level: number, i: number, noLoss: boolean): boolean {
  const s = rows.scratch;
  const offsets = rows.scratchPositions;
  rows.records.write(ch, s, i, 0, offsets);
  const market = soleOpenMarket(s, offsets);
  if (market < 0 || !provablyAboveOnBox(s, 0, offsets, reserves, market, BOX_WIDTH, level)) return false;
  setBox(rows, reserves, level, i, market, noLoss);
  rows.boxed[i] = 0;
  if (rows.lagging[i] === 0) {
    rows.lagging[i] = 1;
    rows.lagCount++;
    // Repeats pruned when they outnumber the accounts.
    if (rows.lagList.length >= rows.lagging.length) {
      const still = rows.lagList.filter((k) => rows.lagging[k] === 1 && k !== i);
      rows.lagList.length = 0;
      for (const k of new Set(still)) rows.lagList.push(k);
    }
    rows.lagList.push(i);
  }
  if (rows.common !== null) joinCommon(rows.common, rows, i);
  return true;
}

/** Whether the records of an account whose rows lag them are still above its box's level over its box (the premium indices now). */
function lagHolds(ch: ClearingHouse, rows: RowInputs, reserves: readonly ReservesFloat[], i: number): boolean {
  rows.records.write(ch, rows.scratch, i, 0, rows.scratchPositions);
  return aboveOverBox(rows, i, rows.scratch, 0, rows.scratchPositions, reserves);
}

/** Whether the rows at `accountOffset` of `d` are above account `i`'s box's level at both corners of its box. */
function aboveOverBox(rows: RowInputs, i: number, d: Float64Array, accountOffset: number, positionOffsets: readonly number[], reserves: readonly ReservesFloat[]): boolean {
  const b = 4 * i;
  const low = { quote: rows.box[b] as number, base: rows.box[b + 3] as number };
  const high = { quote: rows.box[b + 1] as number, base: rows.box[b + 2] as number };
  return provablyAboveOnCorners(d, accountOffset, positionOffsets, reserves, rows.boxMarket[i] as number, low, high, rows.boxLevel[i] as number);
}

/** The market of the one open position in these rows: -1 when none is open, -2 when several are. */
function soleOpenMarket(d: Float64Array, positionOffsets: readonly number[]): number {
  let market = -1;
  for (let m = 0; m < positionOffsets.length; m++) {
    if ((d[(positionOffsets[m] as number) + P.size] as number) === 0) continue;
    if (market >= 0) return -2;
    market = m;
  }
  return market;
}

/** Whether the account's box holds its rows above `level` at these reserves (its premium index checked by the caller). */
function boxHolds(rows: RowInputs, i: number, reserves: readonly ReservesFloat[], level: number): boolean {
  if (rows.boxed[i] === 0 || level > (rows.boxLevel[i] as number)) return false;
  const r = reserves[rows.boxMarket[i] as number] as ReservesFloat;
  const b = 4 * i;
  return r.quote >= (rows.box[b] as number) && r.quote <= (rows.box[b + 1] as number) && r.base >= (rows.box[b + 2] as number) && r.base <= (rows.box[b + 3] as number);
}

/**
 * Boxes the account's rows as they stand (valued at their recorded reserves and premium index,
 * which the caller has seen to be current or standing): when its one open position's rows are
 * stored above `level` and provably above it over the box around these reserves (`noLoss`:
 * `level` is the lower one, for an account owing no socialised loss). A box it had stays when
 * the new one cannot be proved and these reserves are in it (it still holds: the rows did not
 * change).
 */
function tryBox(obs: Observation, rows: RowInputs, reserves: readonly ReservesFloat[], level: number, i: number, noLoss: boolean): void {
  const d = obs.data;
  const offsets = rows.positionOffsets[i] as number[];
  const market = soleOpenMarket(d, offsets);
  if (market === -2) return;
  if (market < 0 || !storedAbove(d, offsets, level) || !provablyAboveOnBox(d, rows.accountOffsets[i] as number, offsets, reserves, market, BOX_WIDTH, level)) {
    // A box these reserves left would keep every later screen a full one: the account is loose instead.
    if (rows.boxed[i] === 1 && !boxHolds(rows, i, reserves, level)) rows.boxed[i] = 0;
    return;
  }
  setBox(rows, reserves, level, i, market, noLoss);
  rows.boxed[i] = 1;
  if (rows.common !== null) joinCommon(rows.common, rows, i);
}

/** Account `i`'s box around these reserves of `market`, proved at `level`. */
function setBox(rows: RowInputs, reserves: readonly ReservesFloat[], level: number, i: number, market: number, noLoss: boolean): void {
  const r = reserves[market] as ReservesFloat;
  const b = 4 * i;
  // The same floats the proof's corners were built from.
  rows.box[b] = r.quote * (1 - BOX_WIDTH);
  rows.box[b + 1] = r.quote * (1 + BOX_WIDTH);
  rows.box[b + 2] = r.base * (1 - BOX_WIDTH);
  rows.box[b + 3] = r.base * (1 + BOX_WIDTH);
  rows.boxLevel[i] = level;
  rows.boxNoLoss[i] = noLoss ? 1 : 0;
  rows.boxMarket[i] = market;
}

/** Narrows the boxes' common ground to what account `i`'s box also holds. */
function joinCommon(c: NonNullable<RowInputs['common']>, rows: RowInputs, i: number): void {
  const m = rows.boxMarket[i] as number;
  const b = 4 * i;
  c.q0[m] = Math.max(c.q0[m] as number, rows.box[b] as number);
  c.q1[m] = Math.min(c.q1[m] as number, rows.box[b + 1] as number);
  c.b0[m] = Math.max(c.b0[m] as number, rows.box[b + 2] as number);
  c.b1[m] = Math.min(c.b1[m] as number, rows.box[b + 3] as number);
  if (rows.boxNoLoss[i] === 1) c.low = Math.min(c.low, rows.boxLevel[i] as number);
  else c.level = Math.min(c.level, rows.boxLevel[i] as number);
}

/** Every account screened; the boxes' common ground and the loose accounts rebuilt (none kept after a screen for readers of every row). */
function screenEvery(ch: ClearingHouse, obs: Observation, rows: RowInputs, reserves: readonly ReservesFloat[], level: number, all: boolean, flagOnly: boolean): void {
  const nm = obs.layout.markets.length;
  const n = obs.layout.accounts.length;
  rows.common = null;
  for (const i of rows.loose) rows.mark[i] = 0;
  rows.loose.length = 0;
  for (let i = 0; i < n; i++) screenAccount(ch, obs, rows, reserves, level, all, i, true, flagOnly);
  if (all) return;
  const c = {
    q0: new Float64Array(nm).fill(-Infinity),
    q1: new Float64Array(nm).fill(Infinity),
    b0: new Float64Array(nm).fill(-Infinity),
    b1: new Float64Array(nm).fill(Infinity),
    level: Infinity,
    low: Infinity,
    premium: obs.layout.markets.map((id) => ch.market(id).cumulativePremiumFraction),
    losses: obs.layout.markets.map((id) => lossState(ch.market(id))),
  };
  for (const i of rows.loose) rows.mark[i] = 0;
  rows.loose.length = 0;
  const d = obs.data;
  for (let i = 0; i < n; i++) {
    if (rows.boxed[i] === 1 || rows.lagging[i] === 1) joinCommon(c, rows, i);
    else if (soleOpenMarket(d, rows.positionOffsets[i] as number[]) !== -1) {
      rows.mark[i] = 1;
      rows.loose.push(i);
    }
  }
  rows.common = c;
}

/**
 * The screen when the reserves, the levels, the premium indices and the losses owed are inside
 * what every boxed account's box holds and no account was written past the log's reach: only
 * the written, the waking and the loose accounts are looked at (every other one is flat and
 * unwritten, or boxed and standing). Returns the accounts looked at, or null when the full
 * screen is needed.
 */
function screenWithin(ch: ClearingHouse, obs: Observation, rows: RowInputs, reserves: readonly ReservesFloat[], level: number, waking: readonly number[], flagOnly: boolean): number[] | null {
  const c = rows.common;
  if (c === null || rows.allDirty || level > c.level || rows.low > c.low) return null;
  const { markets } = obs.layout;
  let premiumMoved = false;
  for (let m = 0; m < markets.length; m++) {
    const r = reserves[m] as ReservesFloat;
    if (!(r.quote >= (c.q0[m] as number) && r.quote <= (c.q1[m] as number) && r.base >= (c.b0[m] as number) && r.base <= (c.b1[m] as number))) return null;
    // A box at the lower level holds while its account owes no loss: a loss index, remap or migration that moved may undo it.
    if (!sameLoss(c.losses[m] as LossState, ch.market(markets[m] as string))) return null;
    if (rows.nowPremium[m] !== c.premium[m]) premiumMoved = true;
  }
  if (premiumMoved && !boxesAfterFunding(ch, obs, rows, reserves)) return null;
  const looked: number[] = [];
  // No closure per screen: tsx names every function expression it creates (a defineProperty each).
  takeOnce(rows, rows.dirtyList, looked);
  takeOnce(rows, waking, looked, true);
  takeOnce(rows, rows.loose, looked);
  if (rows.loose.length !== 0) rows.loose.length = 0;
  for (const i of looked) rows.mark[i] = 0;
  for (const i of looked) screenAccount(ch, obs, rows, reserves, level, false, i, false, flagOnly);
  // Still loose: looked at again next time.
  const d = obs.data;
  for (const i of looked) {
    if (rows.boxed[i] === 1 || rows.lagging[i] === 1 || rows.mark[i] === 1) continue;
    if (soleOpenMarket(d, rows.positionOffsets[i] as number[]) !== -1) {
      rows.mark[i] = 1;
      rows.loose.push(i);
    }
  }
  return looked;
}

/**
 * After a premium index moved (a funding settlement), every box in its market proved again
 * without valuing the rows: a boxed account whose own inputs stand gets its funding owed at the
 * new index (exact, as `writeAccount` writes it from its position record) and its box's corners
 * are proved again at its level with it (the funding is the one row input the move changed).
 * Then every box holds at the new indices, which become the common ones; false (a full screen)
 * when one does not hold (that one is unboxed: its rows' funding owed moved). Accounts written
 * since the last screen are looked at by this one. Rows lagging their records are proved again
 * from the records, their funding owed at the new index.
 */
function boxesAfterFunding(ch: ClearingHouse, obs: Observation, rows: RowInputs, reserves: readonly ReservesFloat[]): boolean {
  const c = rows.common as NonNullable<RowInputs['common']>;
  const d = obs.data;
  const { markets, accounts } = obs.layout;
  const nm = markets.length;
  for (let i = 0; i < rows.boxed.length; i++) {
    if (rows.lagging[i] === 1) {
      // Written since the last screen: this one looks at it; else its records' proof is made again.
      if (rows.dirtyList.includes(i) || lagHolds(ch, rows, reserves, i)) continue;
      return false;
    }
    if (rows.boxed[i] === 0) continue;
    // Its own inputs moved: the screen looks at it (the journal named it since the last screen), else a full one.
    if (!rows.sameOwn(ch, i, accounts[i] as string, markets)) {
      if (rows.dirtyList.includes(i)) continue;
      return false;
    }
    rows.fundingToNow(d, i);
    if (!aboveOverBox(rows, i, d, rows.accountOffsets[i] as number, rows.positionOffsets[i] as number[], reserves)) {
      rows.boxed[i] = 0;
      return false;
    }
  }
  for (let m = 0; m < nm; m++) c.premium[m] = rows.nowPremium[m] as bigint;
  return true;
}

/**
 * Appends to `looked` the accounts of `from` not yet in it (marked 2 while the screen collects
 * them); with `skipFlat`, not those valued flat and unwritten since (a waking liquidator's own
 * account: its rows are exact, and nothing a screen does changes a flat row).
 */
function takeOnce(rows: RowInputs, from: readonly number[], looked: number[], skipFlat = false): void {
  for (const i of from) {
    if (rows.mark[i] === 2 || (skipFlat && rows.flatAndUnwritten(i))) continue;
    looked.push(i);
    rows.mark[i] = 2;
  }
}

/** Values an account's rows at spot and records what they were valued from. */
function value(ch: ClearingHouse, obs: Observation, rows: RowInputs, i: number, owner: string): void {
  writeAccount(ch, obs, rows, i, owner);
  rows.record(ch, i, owner, obs.layout.markets);
}

/** Brings an account's rows up to date unless its own inputs and its markets stand. */
function exactAt(ch: ClearingHouse, obs: Observation, rows: RowInputs, i: number): void {
  const { markets, accounts } = obs.layout;
  if (!rows.sameOwn(ch, i, accounts[i] as string, markets) || !rows.sameMarkets(i, markets.length)) value(ch, obs, rows, i, accounts[i] as string);
}

/**
 * Near maintenance, the exact ratio liquidation will check (it moves with time: TWAP walks);
 * elsewhere, and where the spot ratio is provably at or above maintenance (`noLossOwed`), the
 * spot ratio; where the TWAP proves the exact ratio at or above maintenance (`twapClears`),
 * maintenance itself (a reader acts on a row's ratio only below maintenance, and reads it then).
 * Returns whether a row's ratio is below maintenance (what a liquidator's scan looks for).
 */
function writeLiquidationRatios(ch: ClearingHouse, obs: Observation, rows: RowInputs, i: number, mmr: number): boolean {
  const d = obs.data;
  const { markets, accounts } = obs.layout;
  const offsets = rows.positionOffsets[i] as number[];
  let below = false;
  for (let m = 0; m < markets.length; m++) {
    const po = offsets[m] as number;
    const spotRatio = d[po + P.marginRatio] as number;
    let ratio = spotRatio;
    if (!Number.isNaN(spotRatio) && spotRatio < mmr * 1.5 && !(spotRatio >= mmr * SURELY_ABOVE && mmr < 1 && noLossOwed(ch, accounts[i] as string))) {
      rows.exactAsked++;
      ratio = twapClears(ch, obs, rows, i, m, mmr) ? mmr : rows.exactRatios.at(ch, i * markets.length + m, accounts[i] as string, markets[m] as string, spotRatio);
    }
    d[po + P.liquidationRatio] = ratio;
    // The liquidator's own test, negated: NaN (flat) or at/above maintenance is never a candidate.
    if (!(Number.isNaN(ratio) || ratio >= mmr)) below = true;
  }
  return below;
}

/**
 * Whether account `i`'s liquidation ratio in market `m` is provably at least maintenance on the
 * TWAP (twap-ratio-proof.ts): its one open position is in `m`, it owes no loss, and a short is
 * one the curve can buy back at spot (else the exact ratio falls back to the spot ratio). (A row
 * asked for an exact ratio was valued on this state: rows left standing are above the level.)
 */
function twapClears(ch: ClearingHouse, obs: Observation, rows: RowInputs, i: number, m: number, mmr: number): boolean {
  const offsets = rows.positionOffsets[i] as number[];
  const pos = rows.position[i * offsets.length + m];
  if (pos === undefined || soleOpenMarket(obs.data, offsets) !== m) return false;
  if (pos.size < 0n && -pos.size >= (rows.nowBase[m] as bigint)) return false;
  return noLossOwed(ch, obs.layout.accounts[i] as string) && rows.twapProof.clears(ch, obs.data, rows.accountOffsets[i] as number, offsets, m, obs.layout.markets, mmr);
}

/**
 * A row's spot ratio this far above maintenance (relative) is above it exactly: the float is the
 * exact ratio converted once (error 10⁻¹⁶ relative); the margin is a million times that.
 */
const SURELY_ABOVE = 1 + 1e-10;

/**
 * Whether none of the account's open positions owes socialised loss, and none is under a lazy
 * remap or a k migration: its rows' spot ratio (collateral or margin + PnL − funding over the
 * exit notional) is then the liquidation check's spot valuation exactly. The check takes, per
 * position, the valuation with the higher PnL (TWAP or spot), then the better of that and the
 * oracle's: a higher PnL adds Δ to the value and at most Δ to the notional, so a ratio at or
 * above maintenance (below 1) stays at or above it. A reader acting only below maintenance
 * (liquidators, searchers) then decides on the spot ratio as on the exact one, which is not
 * computed.
 */
function noLossOwed(ch: ClearingHouse, owner: string): boolean {
  const account = ch.accounts.get(owner);
  if (account === undefined) return false;
  for (const [id, pos] of account.positions) {
    if (pos.size === 0n) continue;
    const m = ch.market(id);
    if (m.lastRemap === 'lazy' || m.migration !== null) return false;
    if ((pos.size > 0n ? m.lossIndexLong : m.lossIndexShort) !== pos.lastLossIndex) return false;
  }
  return true;
}

/** What a market's socialised loss owed depends on beside each position's record (`noLossOwed`). */
interface LossState {
  readonly long: bigint;
  readonly short: bigint;
  readonly remap: Market['lastRemap'];
  readonly migration: Market['migration'];
}

function lossState(m: Market): LossState {
  return { long: m.lossIndexLong, short: m.lossIndexShort, remap: m.lastRemap, migration: m.migration };
}

function sameLoss(s: LossState, m: Market): boolean {
  return s.long === m.lossIndexLong && s.short === m.lossIndexShort && s.remap === m.lastRemap && s.migration === m.migration;
}

/** Whether every position row's stored margin ratio is above the level (flat rows hold NaN and are not read as at risk). */
function storedAbove(d: Float64Array, positionOffsets: readonly number[], level: number): boolean {
  for (const po of positionOffsets) {
    const ratio = d[po + P.marginRatio] as number;
    if (!Number.isNaN(ratio) && !(ratio > level)) return false;
  }
  return true;
}

/** Scratch: the cross positions' row offsets of the account being written. */
const crossRows: number[] = [];

/**
 * An account's rows at spot. Fields that read only inputs its rows were last valued from (the
 * wallet, the collateral, a position record, which the model replaces rather than mutates, and
 * for funding owed its market's premium index) already hold what they would be written again:
 * only the fields the reserves move are converted again.
 */
function writeAccount(ch: ClearingHouse, obs: Observation, rows: RowInputs, i: number, owner: string): void {
  const d = obs.data;
  const account = ch.accounts.get(owner);
  const ao = rows.accountOffsets[i] as number;
  const was = rows.valued[i] === true;
  const collateral = account?.collateral ?? 0n;
  if (!was || rows.wallet[i] !== ch.ledger.balanceOf(owner)) d[ao + A.wallet] = weiToNumber(ch.ledger.balanceOfWei(owner));
  if (!was || rows.collateral[i] !== collateral) d[ao + A.collateral] = weiToNumber(collateral);
  // Cross group: collateral + Σ (pnl − funding) over cross positions, and their notional.
  let crossValue = collateral;
  let crossNotional = 0n;
  crossRows.length = 0;
  const { markets } = obs.layout;
  const offsets = rows.positionOffsets[i] as number[];
  const base = i * markets.length;
  for (let k = 0; k < markets.length; k++) {
    const id = markets[k] as string;
    const po = offsets[k] as number;
    const pos = account?.positions.get(id);
    if (!pos || pos.size === 0n) {
      d.fill(0, po, po + POSITION_FIELDS.length);
      d[po + P.margin] = pos ? weiToNumber(pos.margin) : 0;
      d[po + P.marginRatio] = Number.NaN;
      d[po + P.groupValue] = Number.NaN;
      continue;
    }
    const m = ch.market(id);
    const sameAsRow = was && rows.position[base + k] === pos;
    const notional = exitValueOrSpot(pos.size, m.vamm.quoteReserve, m.vamm.baseReserve);
    const absNotional = notional < 0n ? -notional : notional;
    const pnl = pos.size > 0n ? notional - pos.openNotional : pos.openNotional + notional;
    const funding = owedSince(m.cumulativePremiumFraction, pos);
    if (!sameAsRow) {
      d[po + P.size] = weiToNumber(pos.size);
      d[po + P.openNotional] = weiToNumber(pos.openNotional);
      d[po + P.margin] = weiToNumber(pos.margin);
      d[po + P.isolated] = pos.isolated ? 1 : 0;
    }
    d[po + P.notional] = weiToNumber(absNotional);
    d[po + P.pnl] = weiToNumber(pnl);
    if (!sameAsRow || rows.fundingFrom[base + k] !== m.cumulativePremiumFraction) d[po + P.fundingOwed] = weiToNumber(funding);
    if (pos.isolated) {
      const value = pos.margin + pnl - funding;
      d[po + P.groupValue] = weiToNumber(value);
      d[po + P.marginRatio] = absNotional === 0n ? Number.NaN : weiToNumber(divD(value, absNotional));
    } else {
      crossValue += pnl - funding;
      crossNotional += absNotional;
      crossRows.push(po);
    }
  }
  if (crossRows.length === 0) return;
  const groupValue = weiToNumber(crossValue);
  const ratio = crossNotional === 0n ? Number.NaN : weiToNumber(divD(crossValue, crossNotional));
  for (const po of crossRows) {
    d[po + P.groupValue] = groupValue;
    d[po + P.marginRatio] = ratio;
  }
}
