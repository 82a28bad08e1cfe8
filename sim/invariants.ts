/**
 * The protocol's invariants, checked after every operation when enabled (always in tests):
 *
 * 1. zero-sum: Σ trader sizes = the AMM's totalPositionSize, and the per-side open-notional
 *    books (the weights of socialised loss) equal the positions';
 * 2. ledger: token supply is conserved, and the vault holds the claims on it (collateral,
 *    margins, funding owed, insurance fund, treasury) plus the net trader position's value
 *    against the AMM, up to rounding in the protocol's favour and the losses on record (a
 *    yield source counts at book value: a recognised loss is the fund's or a recorded shortfall);
 *    no operation moves that balance by more than dust;
 * 3. after a liquidation the account is back at maintenance or the position is closed
 *    (`minimal` sizing), or the position shrank (Perp v1's fixed-ratio sizing);
 * 4. funding conservation: what traders paid = premiumFraction·totalPositionSize summed over
 *    settlements, within one wei per rounding;
 * 5. Q·B never falls below k across a swap.
 *
 * After a `lazy` k migration, 1, 4 and the vault's balance in 2 do not hold by construction
 * (Perp v1's legacy remap is path-dependent: a trader's size, and so what the vault owes, is
 * only fixed when it next acts); they are counted as not applicable, never as passed, while
 * token conservation is still checked.
 */
import type { ClearingHouse } from './clearing-house.ts';
import type { ProtocolEvent } from './events.ts';
import { INSURANCE_FUND, VAULT } from './ledger.ts';
import type { Market } from './market.ts';
import { ONE, abs } from './math/fixed.ts';
import { TOKEN_SCALE } from './math/units.ts';
import { oracleWriteTargets } from './oracle-writes.ts';
import { type AccountSums, IncrementalAccountSums, type MarketSums, walkAccountSums } from './invariant-sums.ts';

export const INVARIANTS = ['zero-sum', 'ledger', 'post-liquidation', 'funding-conservation', 'k-monotone'] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface InvariantViolation {
  readonly invariant: InvariantName;
  readonly message: string;
}

export interface InvariantCounts {
  checks: number;
  violations: number;
  notApplicable: number;
}

/** The state invariants' last verdict: its violations (moves of the ledger balance aside) and what it counted. */
interface StateVerdict {
  readonly violations: readonly InvariantViolation[];
  /** The counts it added a check to, and those it added a not-applicable to, once per count added (repeated per block: no lookup by name). */
  readonly checked: readonly InvariantCounts[];
  readonly notApplicable: readonly InvariantCounts[];
}

/** The invariants a check of the state decides (its verdict repeats while the state stands). */
const STATE_INVARIANTS = ['zero-sum', 'funding-conservation', 'ledger'] as const;

const NO_VIOLATIONS: readonly InvariantViolation[] = Object.freeze([]);

/** Most the ledger balance may move in one operation: token flooring of a few transfers. */
export const LEDGER_DUST_PER_OPERATION = 16n * TOKEN_SCALE;

export class InvariantChecker {
  readonly counts: Record<InvariantName, InvariantCounts> = Object.fromEntries(
    INVARIANTS.map((name) => [name, { checks: 0, violations: 0, notApplicable: 0 }]),
  ) as Record<InvariantName, InvariantCounts>;
  private lastLedgerBalance: bigint | null = null;
  private lastFundingRoundings = 0;
  /** The journal's operation count at the last ledger check. */
  private lastOperations = 0;
  /** The journal's version at the last full check, and that check's state-invariant verdict. */
  private checkedVersion = -1;
  /** Where `fail` records: the running check's violations. */
  private violations: InvariantViolation[] = [];
  /** Records a violation of the running check (made once: tsx's keepNames names a closure each time one is created). */
  private readonly fail = (invariant: InvariantName, message: string): void => {
    this.violations.push({ invariant, message });
    this.counts[invariant].violations++;
  };
  private lastState: StateVerdict | null = null;
  /** The state invariants' counts (STATE_INVARIANTS order), and what each stood at before the running full check. */
  private readonly stateCounts: readonly InvariantCounts[] = STATE_INVARIANTS.map((name) => this.counts[name]);
  private readonly before = new Float64Array(2 * STATE_INVARIANTS.length);
  /** The running check's violation that is a move of the ledger balance (a move belongs to the change that made it, not to the state). */
  private ledgerMove: InvariantViolation | null = null;
  private readonly failMove = (message: string): void => {
    this.fail('ledger', message);
    this.ledgerMove = this.violations.at(-1) as InvariantViolation;
  };

  /**
   * @param incremental skip the walk over every account when the journal shows no change since
   *   the last check (the engine: most blocks change nothing), and otherwise recompute the
   *   per-account sums only where an account's inputs or its market's indices changed (the
   *   accounts the journal's write log names, and every open position in a market whose
   *   index moved, for what it owes). The model
   *   changes state only through the journal, so a skipped check would have found what the last
   *   one found; state corrupted behind the journal's back (what the checker's own tests
   *   simulate) is only seen at the next journaled change (to that account, for its share; to
   *   that holder's balance, for the token supply's sum, which moves by the balances written).
   */
  private readonly kept: IncrementalAccountSums | null;
  /** The markets `oracleTargets` was built from (their oracles' feeds and rounds, and the event list; built again when the markets change). */
  private oracleMarkets: Market[] = [];
  private oracleTargets: Set<unknown> | null = null;

  constructor(
    private readonly ch: ClearingHouse,
    private readonly options: { readonly incremental?: boolean } = {},
  ) {
    for (const m of ch.markets.values()) m.vamm.recordSwaps = true;
    this.kept = options.incremental ? new IncrementalAccountSums(ch) : null;
  }

  /** Checks every invariant; `events` are the operation's events (for post-liquidation). */
  check(events: readonly ProtocolEvent[] = []): readonly InvariantViolation[] {
    // Nothing changed since the last check (a block where no one acted): the state invariants
    // give the verdict they gave then, counted and reported again without walking every account
    // (and without a copy of the verdict's violations: most blocks have none).
    if (this.options.incremental && events.length === 0 && this.ch.j.version === this.checkedVersion && this.lastState !== null) {
      this.countAgain(this.lastState);
      return this.lastState.violations;
    }
    // Only the oracles moved since (a fast-feed tick or a round: most blocks of a 1-minute run):
    // the state invariants read none of them, so their verdict stands too.
    if (this.lastState !== null && this.kept !== null && this.oraclesOnly()) return this.afterOracles(this.lastState, events);
    const violations: InvariantViolation[] = [];
    this.violations = violations;
    const fail = this.fail;
    const before = this.before;
    for (let n = 0; n < this.stateCounts.length; n++) {
      const c = this.stateCounts[n] as InvariantCounts;
      before[2 * n] = c.checks;
      before[2 * n + 1] = c.notApplicable;
    }
    const sums = this.accountSums();
    for (const m of this.ch.markets.values()) {
      m.vamm.recordSwaps = true;
      this.checkZeroSum(m, sums.markets.get(m.id) as MarketSums, fail);
      this.checkFunding(m, sums.markets.get(m.id) as MarketSums, fail);
    }
    // A move of the ledger balance belongs to the change that made it, not to the state: a
    // repeated check of the same state would see no move.
    this.ledgerMove = null;
    this.checkLedger(sums, fail, this.failMove);
    this.lastState = this.verdict(violations.length === 0 ? NO_VIOLATIONS : violations.filter((v) => v !== this.ledgerMove));
    for (const m of this.ch.markets.values()) this.checkK(m, fail);
    this.checkLiquidations(events, fail);
    this.checkedVersion = this.ch.j.version;
    return violations;
  }

  /** The state verdict of the full check just run: its violations and the counts it added. */
  private verdict(violations: readonly InvariantViolation[]): StateVerdict {
    const checked: InvariantCounts[] = [];
    const notApplicable: InvariantCounts[] = [];
    for (let n = 0; n < this.stateCounts.length; n++) {
      const c = this.stateCounts[n] as InvariantCounts;
      for (let i = this.before[2 * n] as number; i < c.checks; i++) checked.push(c);
      for (let i = this.before[2 * n + 1] as number; i < c.notApplicable; i++) notApplicable.push(c);
    }
    return { violations, checked, notApplicable };
  }

  /** The state invariants' last verdict, counted again. */
  private countAgain(last: StateVerdict): void {
    for (const c of last.checked) c.checks++;
    for (const c of last.notApplicable) c.notApplicable++;
    for (const v of last.violations) this.counts[v.invariant].violations++;
  }

  /**
   * Whether every write since the last check went to an oracle (its feeds and rounds) or to the
   * protocol's event list, with no market under a lazy remap or a k migration.
   */
  private oraclesOnly(): boolean {
    let k = 0;
    let same = this.oracleTargets !== null;
    for (const m of this.ch.markets.values()) {
      if (m.lastRemap === 'lazy' || m.migration !== null) return false;
      if (this.oracleMarkets[k++] !== m) same = false;
    }
    if (!same || k !== this.oracleMarkets.length) {
      this.oracleMarkets = [...this.ch.markets.values()];
      this.oracleTargets = oracleWriteTargets(this.ch);
    }
    return (this.kept as IncrementalAccountSums).wroteOnly(this.oracleTargets as Set<unknown>);
  }

  /**
   * The check after writes to the oracles alone: the state invariants' verdict repeats (a full
   * check would find the same sums and the same ledger balance, hence no move), the operations
   * since are taken as a full check takes them, and the swaps and liquidations are checked.
   */
  private afterOracles(last: StateVerdict, events: readonly ProtocolEvent[]): InvariantViolation[] {
    this.countAgain(last);
    const violations = [...last.violations];
    this.violations = violations;
    this.lastOperations = this.ch.j.operations;
    for (const m of this.ch.markets.values()) this.checkK(m, this.fail);
    this.checkLiquidations(events, this.fail);
    this.checkedVersion = this.ch.j.version;
    return violations;
  }

  /**
   * The sums over every account's positions: walked in full, or (incremental) recomputed only
   * for the accounts whose inputs changed since the last check (invariant-sums.ts).
   */
  private accountSums(): AccountSums {
    return this.kept ? this.kept.sums() : walkAccountSums(this.ch);
  }

  /** The vault's holdings minus the claims on them and the net trader position's value. */
  ledgerSlack(sums: AccountSums = this.accountSums()): bigint {
    const ch = this.ch;
    let claims = sums.claims;
    if (ch.params.insuranceFundCustody === 'vault') claims += ch.insuranceFund.balance() + ch.treasury;
    let netValue = 0n;
    for (const m of ch.markets.values()) {
      // The net position from the sums (Σ sizes, Σ signed open notional) unless a lazy remap moves sizes.
      const s = sums.markets.get(m.id) as MarketSums;
      netValue += m.lastRemap === 'lazy' ? ch.netTraderValue(m) : ch.netValueOf(m, s.longs - s.shorts, s.onLong - s.onShort);
    }
    // The vault's tokens: idle plus what it put into a yield source, at book value (a loss counts once recognised).
    return ch.vaultBalance() + ch.vault.principal * TOKEN_SCALE - claims - netValue;
  }

  /**
   * The ledger balance: slack plus the losses the books record rather than hide (they make up
   * for a shortfall), minus money that came in from outside the vault's claims (the insurance
   * fund's advances as prepaid bad debt) or was due and not sent (the fund's uncollected share);
   * what the vault overpaid the fund (a Perp v1 quirk) is held by the fund for the vault, and
   * what a shutdown's floored settlement price gave a net short, and the funding Perp v1's
   * settlement ignores, are the settlement rule's.
   */
  ledgerBalance(sums: AccountSums = this.accountSums()): bigint {
    const ch = this.ch;
    let settlement = 0n;
    for (const m of ch.markets.values()) settlement += m.settlementRounding + m.settlementIgnoredFunding;
    return (
      this.ledgerSlack(sums) +
      settlement +
      ch.uncoveredBadDebt +
      ch.unfundedCurveCost +
      ch.vault.yieldShortfall +
      ch.roundingLeak +
      ch.vaultOverpaidToInsuranceFund +
      ch.ignoredBadDebt -
      ch.prepaidBadDebt -
      ch.insuranceFund.uncollected
    );
  }

  private checkZeroSum(m: Market, sums: MarketSums, fail: (i: InvariantName, msg: string) => void): void {
    if (m.lastRemap === 'lazy' || m.migration !== null) {
      this.counts['zero-sum'].notApplicable++;
      return;
    }
    this.counts['zero-sum'].checks++;
    const { longs, shorts, onLong, onShort } = sums;
    if (longs - shorts + m.settledPositionSize !== m.vamm.totalPositionSize) {
      fail('zero-sum', `${m.id}: Σ longs ${longs} − Σ shorts ${shorts} (+ settled ${m.settledPositionSize}) ≠ totalPositionSize ${m.vamm.totalPositionSize}`);
    }
    if (onLong !== m.openNotionalLong || onShort !== m.openNotionalShort) {
      fail('zero-sum', `${m.id}: open-notional books ${m.openNotionalLong}/${m.openNotionalShort} ≠ positions ${onLong}/${onShort}`);
    }
  }

  private checkFunding(m: Market, sums: MarketSums, fail: (i: InvariantName, msg: string) => void): void {
    if (m.lastRemap === 'lazy') {
      this.counts['funding-conservation'].notApplicable++;
      return;
    }
    this.counts['funding-conservation'].checks++;
    const { pending, open } = sums;
    const traderFunding = m.traderFundingSettled + m.settlementIgnoredFunding + pending;
    const diff = traderFunding - m.ammFundingProfit;
    const budget = BigInt(m.fundingRoundings + open);
    if (diff > budget || diff < -budget) {
      fail('funding-conservation', `${m.id}: traders paid ${traderFunding}, the AMM side is owed ${m.ammFundingProfit} (rounding budget ${budget})`);
    }
  }

  private checkK(m: Market, fail: (i: InvariantName, msg: string) => void): void {
    if (m.vamm.swapLog.length === 0) return;
    for (const swap of m.vamm.swapLog) {
      this.counts['k-monotone'].checks++;
      if (swap.kAfter < swap.kBefore) fail('k-monotone', `${m.id}: k fell from ${swap.kBefore} to ${swap.kAfter} across a swap`);
    }
    m.vamm.swapLog.length = 0;
  }

  private checkLedger(sums: AccountSums, fail: (i: InvariantName, msg: string) => void, failMove: (msg: string) => void): void {
    const ch = this.ch;
    // Token conservation always holds; the vault's balance not after a lazy migration.
    // (and while a paged k migration is remapping: the net position is only set by its last page)
    let lazy = false;
    for (const m of ch.markets.values()) if (m.lastRemap === 'lazy' || m.migration !== null) lazy = true;
    this.counts.ledger[lazy ? 'notApplicable' : 'checks']++;
    // The sum from the account sums (walked, or moved by the balances the journal wrote); the
    // holders of a negative balance are named in a pass only when there is one.
    const { supply, negative } = sums;
    if (supply !== ch.ledger.totalSupply) fail('ledger', `token balances sum to ${supply}, supply is ${ch.ledger.totalSupply}`);
    if (negative) {
      for (const [holder, units] of ch.ledger.balances) if (units < 0n) fail('ledger', `${holder} holds a negative balance ${units}`);
    }
    if (ch.params.insuranceFundCustody === 'vault' && ch.insuranceFund.balance() < 0n) {
      fail('ledger', `insurance fund balance is negative`);
    }
    if (ch.ledger.balanceOf(INSURANCE_FUND) < 0n || ch.ledger.balanceOf(VAULT) < 0n) fail('ledger', 'negative custody balance');
    if (lazy) {
      this.lastLedgerBalance = null;
      return;
    }

    for (const m of ch.markets.values()) {
      // A floored price gives away less than a wei of price per base unit, plus mulD's truncation.
      const bound = abs(m.vamm.totalPositionSize) / ONE + 2n;
      if (m.settlementRounding > bound) {
        fail('ledger', `${m.id}: the settlement price gave the net position ${m.settlementRounding} wei, more than flooring can (${bound})`);
      }
    }
    const balance = this.ledgerBalance(sums);
    let fundingRoundings = 0;
    for (const m of ch.markets.values()) fundingRoundings += m.fundingRoundings;
    const roundingBudget = BigInt(fundingRoundings);
    if (balance < -roundingBudget) {
      fail('ledger', `the vault is short of its claims by ${-balance} wei beyond the losses on record`);
    }
    if (this.lastLedgerBalance !== null) {
      const moved = balance - this.lastLedgerBalance;
      // Each operation since the last check may floor a few transfers (an engine checks once per block).
      const operations = Math.max(1, ch.j.operations - this.lastOperations);
      const allowed = LEDGER_DUST_PER_OPERATION * BigInt(operations) + BigInt(fundingRoundings - this.lastFundingRoundings);
      if (moved > allowed || moved < -allowed) {
        failMove(`${operations === 1 ? 'one operation' : `${operations} operations`} moved the ledger balance by ${moved} wei (value created or lost; ${allowed} allowed)`);
      }
    }
    this.lastLedgerBalance = balance;
    this.lastFundingRoundings = fundingRoundings;
    this.lastOperations = ch.j.operations;
  }

  /**
   * The post-liquidation invariant alone, for the operation that just liquidated (an engine
   * checking the rest once per block must check this right after the liquidation, before
   * later trades in the block move the price).
   */
  checkAfterLiquidation(events: readonly ProtocolEvent[]): InvariantViolation[] {
    const violations: InvariantViolation[] = [];
    this.checkLiquidations(events, (invariant, message) => {
      violations.push({ invariant, message });
      this.counts[invariant].violations++;
    });
    return violations;
  }

  private checkLiquidations(events: readonly ProtocolEvent[], fail: (i: InvariantName, msg: string) => void): void {
    const ch = this.ch;
    for (const e of events) {
      if (e.type !== 'PositionLiquidated') continue;
      this.counts['post-liquidation'].checks++;
      const pos = ch.position(e.trader, e.market);
      if (e.positionSize === 0n) {
        fail('post-liquidation', `${e.trader}@${e.market}: liquidation closed nothing`);
        continue;
      }
      if (pos.size === 0n || ch.params.liquidation.kind === 'fixed-ratio') continue;
      const ratio = ch.liquidationMarginRatio(e.trader, e.market);
      if (ratio < ch.params.maintenanceMarginRatio) {
        fail('post-liquidation', `${e.trader}@${e.market}: margin ratio ${ratio} still below maintenance after a partial liquidation`);
      }
    }
  }

  /** Resets the per-operation baseline (after set-up steps that mint or seed). */
  rebase(): void {
    this.lastLedgerBalance = this.ledgerBalance();
    let fundingRoundings = 0;
    for (const m of this.ch.markets.values()) fundingRoundings += m.fundingRoundings;
    this.lastFundingRoundings = fundingRoundings;
  }
}
