/**
 * The protocol's state and its storage primitives: markets, accounts and positions, the
 * token ledger, the insurance fund and the books the ledger invariant reads; journaled
 * position writes, events and restriction mode. Every layer of the clearing house builds on it
 * (protocol-state → margin-book → money-flows → position-mechanics → liquidation →
 * market-admin → clearing-house), each file one concept.
 */
import type { Clock } from './clock.ts';
import { ModelError, requireThat, requireWith } from './errors.ts';
import type { ProtocolEvent } from './events.ts';
import { InsuranceFund } from './insurance-fund.ts';
import { Journal } from './journal.ts';
import { TokenLedger, VAULT } from './ledger.ts';
import type { Market } from './market.ts';
import { Vault } from './vault.ts';
import { type ClearingHouseParams, type MarketParams, type Profile, ownClearingHouseParams, validateClearingHouseParams } from './params.ts';
import { type Account, type Position, emptyPosition } from './position.ts';

export type EventInput = ProtocolEvent extends infer E ? (E extends ProtocolEvent ? Omit<E, 'blockNumber' | 'timestamp'> : never) : never;

export class ProtocolState {
  readonly j = new Journal();

  readonly params: ClearingHouseParams;

  readonly defaultMarketParams: MarketParams;

  readonly markets = new Map<string, Market>();

  readonly accounts = new Map<string, Account>();

  readonly ledger: TokenLedger;

  readonly insuranceFund: InsuranceFund;

  /** The collateral vault's idle tokens and its optional yield source (`default`). */
  readonly vault: Vault;

  /** `default`: the fees' treasury share, kept in the vault; the budget for curve costs. */
  treasury = 0n;

  /** `perp-v1`: what the insurance fund advanced to pay winners before losers' bad debt was realised. */
  prepaidBadDebt = 0n;

  /** `default`: bad debt neither the insurance fund nor a counterparty side could absorb. */
  uncoveredBadDebt = 0n;

  /** Curve-change costs nobody paid for (Perp v1's k migration had no budget). */
  unfundedCurveCost = 0n;

  /**
   * `perp-v1`: amounts credited in 18 decimals beyond the floored tokens that arrived
   * (DecimalERC20 rounding on margin deposits and insurance-fund payments).
   */
  roundingLeak = 0n;

  /**
   * `perp-v1`: a full liquidation whose remaining margin is below the liquidator's fee sends
   * that margin to the insurance fund as well as charging the fund the whole shortfall, so the
   * vault pays the remaining margin twice (Perp v1 HEAD, ClearingHouse.liquidate). Kept to
   * the wei here; the ledger invariant counts it as money the fund holds for the vault.
   */
  vaultOverpaidToInsuranceFund = 0n;

  /**
   * `perp-v1`: bad debt the protocol never realises: funding debt beyond an isolated margin
   * that an increase silently drops (internalIncreasePosition ignores
   * calcRemainMarginWithFundingPayment's bad debt), under 2.2.0 a reduce's loss beyond its
   * margin, and a position's loss beyond its margin when it settles after a shutdown. The
   * `default` design reverts the first two and realises the last.
   */
  ignoredBadDebt = 0n;

  readonly backstopLiquidityProviders = new Set<string>();

  whitelist: string | null = null;

  readonly events: ProtocolEvent[] = [];

  constructor(
    readonly clock: Clock,
    profile: Profile,
  ) {
    this.params = ownClearingHouseParams(profile.clearingHouse);
    if (this.params.profile === 'default') validateClearingHouseParams(this.params);
    this.defaultMarketParams = profile.market;
    this.ledger = new TokenLedger(this.j);
    this.insuranceFund = new InsuranceFund(
      this.j,
      this.ledger,
      this.params.insuranceFundCustody,
      (e) => this.emit(e),
      () => this.params.backstopExchangeRatio,
    );
    this.vault = new Vault(this.j, this.ledger, this.insuranceFund, (e) => this.emit(e));
  }

  /** Perp v1 2.2.0's rules apply (the release the bytecode twin runs). */
  get perpV1Release220(): boolean {
    return this.params.profile === 'perp-v1' && this.params.release === '2.2.0';
  }

  market(id: string): Market {
    const m = this.markets.get(id);
    if (!m) throw new ModelError('MarketNotFound', `no market "${id}"`);
    return m;
  }

  spotPrice(marketId: string): bigint {
    return this.market(marketId).vamm.spotPrice();
  }

  twapPrice(marketId: string, interval: number): bigint {
    return this.market(marketId).vamm.twapPrice(interval);
  }

  insuranceFundBalance(): bigint {
    return this.insuranceFund.balance();
  }

  /** Collateral tokens the vault holds, in 18 decimals. */
  vaultBalance(): bigint {
    return this.ledger.balanceOfWei(VAULT);
  }

  /** The account, created (journaled) if it does not exist; views use `accountView`. */
  account(owner: string): Account {
    let a = this.accounts.get(owner);
    if (!a) {
      a = { owner, collateral: 0n, positions: new Map() };
      this.j.mapSet(this.accounts, owner, a);
    }
    return a;
  }

  /** The account if it exists, else an empty one that is not stored. */
  accountView(owner: string): Account {
    return this.accounts.get(owner) ?? { owner, collateral: 0n, positions: new Map() };
  }

  protected storedPosition(m: Market, trader: string): Position {
    return this.accounts.get(trader)?.positions.get(m.id) ?? emptyPosition();
  }

  protected setPosition(m: Market, trader: string, next: Position): void {
    const account = this.account(trader);
    const prev = account.positions.get(m.id);
    if (prev === undefined) {
      this.j.push(m.holders, trader);
      this.addOpenNotional(m, next, 1n);
    } else this.replaceOpenNotional(m, prev, next);
    this.j.mapSet(account.positions, m.id, next);
  }

  /** A record replaced on the same side moves that side's book by the difference, in one write (taking the old out and adding the new wrote it twice); otherwise each side by its own record. */
  private replaceOpenNotional(m: Market, prev: Position, next: Position): void {
    if (prev.size > 0n && next.size > 0n) this.j.set(m, 'openNotionalLong', m.openNotionalLong + next.openNotional - prev.openNotional);
    else if (prev.size < 0n && next.size < 0n) this.j.set(m, 'openNotionalShort', m.openNotionalShort + next.openNotional - prev.openNotional);
    else {
      this.addOpenNotional(m, prev, -1n);
      this.addOpenNotional(m, next, 1n);
    }
  }

  /** Keeps a cleared record so the restriction-mode block check still sees the last action. */
  protected clearPosition(m: Market, trader: string, isolated: boolean): void {
    this.setPosition(m, trader, emptyPosition(this.clock.blockNumber, isolated));
  }

  protected addOpenNotional(m: Market, pos: Position, sign: 1n | -1n): void {
    if (pos.size > 0n) this.j.set(m, 'openNotionalLong', m.openNotionalLong + sign * pos.openNotional);
    else if (pos.size < 0n) this.j.set(m, 'openNotionalShort', m.openNotionalShort + sign * pos.openNotional);
  }

  protected sumOfSizes(marketId: string): bigint {
    let sum = 0n;
    for (const account of this.accounts.values()) sum += account.positions.get(marketId)?.size ?? 0n;
    return sum;
  }

  /** A market still remapping positions for a k migration takes no trades, margin changes, liquidations or funding. */
  protected requireNoMigration(m: Market): void {
    requireThat(m.migration === null, 'MigrationPending', `market ${m.id}: remapPositions until the migration completes`);
  }

  /** A position its market's pending migration has not remapped yet cannot be valued. */
  protected requireRemapped(m: Market, pos: Position): void {
    if (m.migration !== null && pos.liquidityHistoryIndex < m.migration.newIndex) {
      throw new ModelError('MigrationPending', `market ${m.id}: the position is not remapped yet`);
    }
  }

  protected requireMoreMarginRatio(ratio: bigint, base: bigint, largerThanOrEqualTo: boolean): void {
    const remaining = ratio - base;
    requireWith(largerThanOrEqualTo ? remaining >= 0n : remaining < 0n, 'MarginRatioNotMet', () => ({ marginRatio: ratio, required: base }));
  }

  protected requireNotRestrictionMode(m: Market, trader: string): void {
    if (!this.params.restrictionMode) return;
    if (this.clock.blockNumber === m.lastRestrictionBlock) {
      const pos = this.storedPosition(m, trader);
      requireThat(pos.blockNumber !== this.clock.blockNumber, 'OnlyOneActionAllowed');
    }
  }

  protected enterRestrictionMode(m: Market): void {
    this.j.set(m, 'lastRestrictionBlock', this.clock.blockNumber);
    this.emit({ type: 'RestrictionModeEntered', market: m.id });
  }

  /** Stamps the event with its block and records it; `event` is the caller's fresh literal, stamped in place (a copy per event was a tenth of openPosition). */
  emit(event: EventInput): void {
    const stamped = event as EventInput & { blockNumber: number; timestamp: number };
    stamped.blockNumber = this.clock.blockNumber;
    stamped.timestamp = this.clock.timestamp;
    this.j.push(this.events, stamped as ProtocolEvent);
  }
}
