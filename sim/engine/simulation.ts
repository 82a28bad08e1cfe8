/**
 * The event-driven engine. Blocks have fixed spacing but only blocks with something to do are
 * run (none while a sequencer is down). Each block: due oracle rounds and fast-feed ticks →
 * agents that wake observe and submit → searchers see the block's public transactions and
 * place bundles around them → due actions execute in the venue's order (priority fee or first
 * come, then a seeded tie-break; bundles beside their targets), each limited order sized by
 * the router on the state it lands on → keepers (funding, liquidations) observe the result and
 * act, with the same searcher round → hedges and their funding on the off-chain venue →
 * snapshot → invariants. Every action, accepted or reverted, every hedge and every protocol
 * event goes to the event log.
 */
import type { AgentInfo, AgentHost, WakeResult } from '../../agents/agent-host.ts';
import type { MempoolTx, Submission } from '../../agents/agent.ts';
import { type AgentSlot, hedgeOf } from '../../agents/registry.ts';
import type { CandleSeries } from '../../data/candle-series.ts';
import type { ClearingHouse, MarketSetup } from '../clearing-house.ts';
import { InvariantChecker, type InvariantViolation } from '../invariants.ts';
import type { ProtocolEvent } from '../events.ts';
import { VAULT } from '../ledger.ts';
import { exitValueOrSpot, spotPrice } from '../curve.ts';
import { isModelError } from '../errors.ts';
import { mulD } from '../math/fixed.ts';
import { weiToNumber } from '../math/units.ts';
import type { RemapVariant } from '../market.ts';
import type { ChainlinkFeed, ChainlinkRound } from '../oracle/chainlink-feed.ts';
import type { Profile } from '../params.ts';
import { type Json, toJson } from '../state-view.ts';
import { type ActionOutcome, RefusedArgs, actionArgs, executeAction } from './action-executor.ts';
import { type EngineEvent, type EventSink, type LogEvent, type RunSetup, TeeSink } from './event-log.ts';
import { orderBlock } from './block-order.ts';
import { FloatTwap } from './float-twap.ts';
import { type GasParams, GasProcess } from './gas-process.ts';
import { CollateralTreasury, type TransferArrival, type TransferDecision, VENUE_WALLET } from './collateral-transfer.ts';
import { type HedgeEvent, HedgeVenue } from './hedge-venue.ts';
import { type OffChainView, screenNoneBelow, writeObservation } from './observe.ts';
import { type FastTick, fastTicks } from './price-timeline.ts';
import { type BookEntry, bookSkew, preBookReserves, weiOf } from './opening-book.ts';
import { type OpeningAccount, type OpeningMarket, openedState } from './opened-state.ts';
import { type ScenarioEvent, ScenarioEvents } from './scenario-events.ts';
import { packedMap } from './packed-map.ts';
import { route } from './order-router.ts';
import { QuietLooks } from './quiet-looks.ts';
import { RemapProbes } from './remap-probe.ts';
import { Agenda } from './scheduler.ts';
import { WakeAgenda } from './wake-agenda.ts';

export interface MarketRun {
  readonly id: string;
  /** Quote reserve (depth); the base reserve follows from the first price. */
  readonly quoteReserve: bigint;
  readonly params?: MarketSetup['params'];
  readonly candles: CandleSeries;
  /** Oracle rounds in time order (real or synthesised from the candles). */
  readonly rounds: readonly ChainlinkRound[];
  /** Feed the fast (Pyth-style) price from the candles. */
  readonly fastFeed: boolean;
  /** Seconds between fast-feed ticks inside a candle (unset: its four points). */
  readonly tickInterval?: number;
}

/** A fault the scenario injects at `at` (scenarios/fault-schedule.ts): applied to the protocol, logged as its action and arguments. */
export interface FaultRun {
  readonly at: number;
  readonly action: string;
  /** The arguments in the script format (human decimals), for the log and its replay. */
  readonly args: Json;
  /** Applies it; a fault sized on the state it lands on returns the arguments it was applied with (logged in place of `args`). */
  readonly apply: (ch: ClearingHouse) => Json | void;
}

/** A k change the owner makes at `at`, with its remap. */
export interface MigrationRun {
  readonly market: string;
  readonly at: number;
  readonly multiplier: bigint;
  readonly remap: RemapVariant;
  readonly fluctuationLimitRatio: bigint;
}

export interface SimulationConfig {
  readonly name: string;
  readonly profile: Profile;
  readonly seed: number;
  readonly blockTime: number;
  readonly startBlock: number;
  readonly start: number;
  readonly end: number;
  readonly markets: readonly MarketRun[];
  /** Owner k changes, in time order (none by default). */
  readonly migrations?: readonly MigrationRun[];
  /** Faults injected at given times (fault and owner script actions), in time order. */
  readonly faults?: readonly FaultRun[];
  readonly insuranceFund: bigint;
  readonly slots: readonly AgentSlot[];
  /** `off`, once per block, or after every action. */
  readonly invariants: 'off' | 'block' | 'action';
  /** Seconds between Snapshot events. */
  readonly snapshotInterval: number;
  readonly gas: GasParams;
  /** Faults the scenario schedules (outages, sequencer downtime, oracle delay or manipulation). */
  readonly events?: readonly ScenarioEvent[];
  /** Echoed into RunStarted (the scenario as given). */
  readonly description: Json;
}

export interface Progress {
  readonly time: number;
  readonly start: number;
  readonly end: number;
  readonly blocks: number;
  readonly actions: number;
}

export interface RunResult {
  readonly blocks: number;
  readonly actions: number;
  readonly events: number;
  readonly invariants: InvariantChecker['counts'] | null;
  readonly ch: ClearingHouse;
}

interface Pending {
  /** Unique in the run: how searchers' bundles name their target. */
  readonly id: number;
  readonly agent: number;
  readonly submission: Submission;
  readonly decidedAt: number;
  /** When it reached the sequencer: decision time + latency. */
  readonly arrival: number;
  /** Submission order within the agent's wake, kept in execution. */
  readonly seq: number;
  readonly priorityFee: number;
  // Both fields on every pending action (undefined when not one): one hidden class, so the run
  // that first queues a transfer does not throw the block's optimised ordering back to the
  // interpreter (docs/PERFORMANCE.md: the batch's late deoptimisations, twelfth session).
  readonly bundle: Submission['bundle'] | undefined;
  /** The treasury's own transaction: a deposit of collateral that arrived from the venue, or a withdrawal for it. */
  readonly transfer: TransferDecision['kind'] | undefined;
}

/** A market's oracle rounds and fast-feed ticks as the chain receives them, and the first of each not yet applied. */
interface MarketFeed {
  readonly id: string;
  readonly rounds: readonly ChainlinkRound[];
  roundCursor: number;
  readonly ticks: readonly FastTick[];
  tickCursor: number;
}

/** Agents a block wakes: the host answers with their results (`WakeResult`s in the order asked). */
interface WakeCall {
  readonly indices: readonly number[];
  readonly now: number;
  readonly mempool: readonly MempoolTx[] | undefined;
}

/**
 * The blocks' steps, written once for both kinds of host: each yield asks for agents to be woken
 * and resumes with their results, or (null) says a block closed. A host in this thread answers
 * at once (`runNow`: no promise, no microtask turn); worker threads are awaited (`runAwaiting`).
 */
type BlockSteps<T> = Generator<WakeCall | null, T, WakeResult[]>;

/** A sequencer sentinel's refusal during the grace period after downtime (never reaches the protocol; one of ROUTER_REASONS). */
export const GRACE_PERIOD_REASON = 'SequencerGracePeriod';

const NO_EVENTS: readonly LogEvent[] = [];
const NO_PROTOCOL_EVENTS: readonly ProtocolEvent[] = [];
const NO_AGENTS: readonly number[] = [];
const PHASE_TRADE = 1;
const PHASE_KEEPER = 2;

export class Simulation {
  readonly ch: ClearingHouse;
  private readonly checker: InvariantChecker | null;
  private readonly twaps = new Map<string, FloatTwap>();
  /** Per market (the config's order): the spot price the float TWAP last recorded, and its float (the reserves stand through most blocks). */
  private readonly spotWei: bigint[] = [];
  private readonly spotFloats: number[] = [];
  private wakeups = new WakeAgenda(0);
  /** Each agent's one pending wake-up (NaN: asleep until the end). */
  private nextWake: number[] = [];
  private readonly actions = new Agenda<Pending>();
  private nextPendingId = 0;
  /** Per market (in the config's order): its oracle rounds and fast-feed ticks, and how far each was applied (arrays: read twice per block). */
  private readonly feeds: MarketFeed[];
  private readonly gas: GasProcess;
  private baseFee = 0;
  private readonly events: ScenarioEvents;
  private readonly hedgeVenue: HedgeVenue;
  private readonly treasury = new CollateralTreasury();
  /** Whether a searcher shown no pending liquidation gets only its own rows (`VAMM_SEARCHER_VIEW=full`: every row it might read). */
  private readonly narrowSearcherViews = process.env.VAMM_SEARCHER_VIEW !== 'full';
  /** Looks that agents promised would find nothing, taken without waking them. */
  private readonly quiet: QuietLooks;
  private searchers: number[] = [];
  /** Keepers that wake when the block changed something. */
  private changeKeepers: number[] = [];
  private tradeWatchers: number[] = [];
  /** Per agent: due in the block being run (its wake-up fell due, or it watches a feed that moved). */
  private due = new Uint8Array(0);
  /**
   * The agents marked due in the block being run, the first `markedCount`, in index order (a
   * block marks a few of the hundred; a typed list: emptying an array's length each block cost more).
   */
  private marked = new Int32Array(0);
  private markedCount = 0;
  /** Per agent: its phase's code (PHASE_TRADE, PHASE_KEEPER, or neither). */
  private phaseCode = new Uint8Array(0);
  private infos: AgentInfo[] = [];
  /** How far above maintenance any agent of the run reads other accounts' rows (the observation keeps those exact). */
  private othersBelow = 0;
  private readonly cex = new Map<string, number>();
  /** The first market's Chainlink feed, which `ethUsd` reads (a market and its oracle are the run's from its set-up on). */
  private readonly ethFeed: ChainlinkFeed;
  /** The round `ethUsd` last converted (rounds are never mutated, only appended), and its price. */
  private ethUsdRound: object | undefined = undefined;
  private ethUsdValue = Number.NaN;
  private blocks = 0;
  /** What the running block's opening found: whether an oracle or the fast feed moved, and whether anything changed. */
  private oracleMoved = false;
  private openingChanged = false;
  private actionCount = 0;
  private eventCount = 0;
  private nextSnapshot: number;
  private equityStart = new Map<number, bigint>();
  private readonly migrations: MigrationRun[];
  private migrationCursor = 0;
  private readonly faults: FaultRun[];
  private faultCursor = 0;
  private readonly remapProbes = new RemapProbes();
  private setupRecord: RunSetup = { blockTime: 0, markets: [], accounts: [], backstopLiquidityProviders: [] };

  /** Where events go: each sink gets them as built or as JSON copies, as it reads them. */
  private readonly sink: TeeSink;
  /** What `observe` hands `writeObservation`, refilled at each call (it keeps neither past the call). */
  private readonly offChain: { -readonly [K in keyof OffChainView]-?: OffChainView[K] };
  private readonly readers: { waking: readonly number[]; othersBelow: number | false | null; readonly deferOwn: boolean };

  constructor(
    private readonly config: SimulationConfig,
    private readonly host: AgentHost,
    sink: EventSink,
  ) {
    this.sink = sink instanceof TeeSink ? sink : new TeeSink([sink]);
    // (NaN: the fee and price fields hold doubles from the first observation, so they start as doubles.)
    this.offChain = { baseFee: Number.NaN, ethUsd: Number.NaN, cex: this.cex, feeOrdering: config.gas.ordering === 'priority-fee' };
    this.readers = { waking: [], othersBelow: false, deferOwn: host.readsViewInThread };
    const first = config.markets[0] as MarketRun;
    // The true price path: what hedge venues trade at and crash-correlated outages watch.
    const truePath = fastTicks(first.candles, first.tickInterval);
    this.events = new ScenarioEvents(config.events ?? [], config.slots, truePath, config.seed);
    this.feeds = config.markets.map((m) => ({
      id: m.id,
      rounds: this.events.rounds(m.rounds),
      roundCursor: 0,
      // The first market's walk is the true path's own (the same candles and interval): walked once.
      ticks: m.fastFeed ? this.events.fastTicks(m === first ? truePath : fastTicks(m.candles, m.tickInterval)) : [],
      tickCursor: 0,
    }));
    this.gas = new GasProcess(config.gas, first.candles, config.seed);
    this.hedgeVenue = new HedgeVenue(first.id, truePath, config.start);
    this.quiet = new QuietLooks(
      first.id,
      (t) => this.hedgeVenue.priceAt(t),
      () => screenNoneBelow(this.ch, this.host.view, this.othersBelow),
      () => this.offChainNow(),
    );
    this.nextSnapshot = config.start;
    this.migrations = [...(config.migrations ?? [])].sort((a, b) => a.at - b.at);
    this.faults = [...(config.faults ?? [])].sort((a, b) => a.at - b.at);
    this.ch = this.setUp();
    this.ethFeed = this.ch.market(first.id).oracle.chainlink;
    this.checker = config.invariants === 'off' ? null : new InvariantChecker(this.ch, { incremental: true });
  }

  /** The opening state (opened-state.ts: built once per equal inputs, copied per run) and this run's own start: cursors, TWAPs, hedges, treasuries. */
  private setUp(): ClearingHouse {
    const { config } = this;
    const book = bookOf(config.slots);
    const markets: OpeningMarket[] = [];
    for (const [i, m] of config.markets.entries()) {
      const feed = this.feeds[i] as MarketFeed;
      const first = firstPrice(m.candles, config.start);
      // With an opening book the depth is the quote reserve once the book is on (opening-book.ts).
      const { quoteReserve, baseReserve } = book.some((e) => e.market === m.id)
        ? preBookReserves(m.quoteReserve, first, bookSkew(book, m.id), m.id)
        : { quoteReserve: m.quoteReserve, baseReserve: (m.quoteReserve * 10n ** 18n) / first };
      // The oracle starts from the latest round at or before the start (or the first one).
      const rounds = feed.rounds;
      let cursor = 0;
      while (cursor + 1 < rounds.length && (rounds[cursor + 1] as ChainlinkRound).updatedAt <= config.start) cursor++;
      const seed = rounds[cursor];
      if (!seed) throw new Error(`market ${m.id}: no oracle rounds`);
      markets.push({ id: m.id, quoteReserve, baseReserve, ...(m.params ? { params: m.params } : {}), oracle: { answer: seed.answer, updatedAt: Math.min(seed.updatedAt, config.start), roundId: seed.roundId } });
      feed.roundCursor = cursor + 1;
      const ticks = feed.ticks;
      let t = 0;
      while (t < ticks.length && (ticks[t] as FastTick).time < config.start) t++;
      feed.tickCursor = t;
    }
    const accounts = config.slots.map((slot): OpeningAccount => {
      const capital = BigInt(Math.round(Number(slot.capital) * 1e6)) * 10n ** 12n;
      const backstop = slot.kind === 'liquidator' && Boolean((slot.spec.params as { backstop?: boolean }).backstop);
      return { id: slot.id, capital, deposited: capital > 0n && config.profile.clearingHouse.marginMode === 'cross', backstop };
    });
    const { ch, booked } = openedState({ profile: config.profile, start: config.start, startBlock: config.startBlock, markets, insuranceFund: config.insuranceFund, accounts, book });
    for (const m of config.markets) this.twaps.set(m.id, new FloatTwap(ch.market(m.id).params.funding.markTwapInterval));
    for (const [i, slot] of config.slots.entries()) {
      this.equityStart.set(slot.index, (accounts[i] as OpeningAccount).capital);
      const hedge = hedgeOf(slot);
      if (hedge) {
        this.hedgeVenue.open(slot.id, hedge, Number(slot.capital));
        // Collateral moves only for a position on the venue's own market (the first).
        if (slot.market === (config.markets[0] as MarketRun).id) this.treasury.add(slot.id, slot.market, hedge.transfer, config.start);
      }
    }
    for (const b of booked) {
      const slot = config.slots.find((s) => s.id === b.account) as AgentSlot;
      this.equityStart.set(slot.index, equityOf(ch, b.account).equity);
    }
    this.setupRecord = {
      blockTime: config.blockTime,
      markets: markets.map((m) => ({ id: m.id, quoteReserve: m.quoteReserve, baseReserve: m.baseReserve, oracle: m.oracle })),
      accounts: accounts.map((a) => ({ id: a.id, capital: a.capital, deposited: a.deposited })),
      backstopLiquidityProviders: accounts.filter((a) => a.backstop).map((a) => a.id),
      ...(booked.length ? { book: booked.map((b) => ({ account: b.account, market: b.market, side: b.side, notional: b.notional, leverage: b.leverage, collateral: b.collateral })) } : {}),
    };
    return ch;
  }

  async run(onProgress?: (p: Progress) => void): Promise<RunResult> {
    const { config, ch } = this;
    this.log({
      type: 'RunStarted',
      name: config.name,
      profile: ch.params.profile,
      seed: config.seed,
      agents: config.slots.length,
      insuranceFund: ch.insuranceFundBalance(),
      config: config.description,
      setup: this.setupRecord,
      blockNumber: ch.clock.blockNumber,
      timestamp: ch.clock.timestamp,
    });
    for (const m of config.markets) {
      const g = m.candles.gaps;
      if (!g || g.count === 0) continue;
      this.log({
        type: 'PriceGaps',
        market: m.id,
        policy: g.policy,
        resolution: g.resolution,
        count: g.count,
        missingBars: g.missingBars,
        filled: g.filled,
        gaps: g.gaps.slice(0, 100).map((x) => ({ from: x.from, bars: x.bars })),
        blockNumber: ch.clock.blockNumber,
        timestamp: ch.clock.timestamp,
      });
    }
    this.infos = await this.host.init(config.start);
    this.nextWake = packedMap(this.infos, () => Number.NaN);
    this.wakeups = new WakeAgenda(this.infos.length);
    // Each list in index order: agents wake in that order.
    const byIndex = (keep: (a: AgentInfo) => boolean) => this.infos.filter(keep).map((a) => a.index).sort((a, b) => a - b);
    this.searchers = byIndex((a) => a.phase === 'searcher');
    this.changeKeepers = byIndex((a) => a.phase === 'keeper' && a.wakesOnChange);
    this.tradeWatchers = byIndex((a) => a.phase === 'trade' && a.wakesOnChange);
    this.due = new Uint8Array(this.infos.length);
    this.marked = new Int32Array(this.infos.length);
    this.phaseCode = new Uint8Array(this.infos.length);
    for (const a of this.infos) this.phaseCode[a.index] = a.phase === 'trade' ? PHASE_TRADE : a.phase === 'keeper' ? PHASE_KEEPER : 0;
    this.othersBelow = Math.max(0, ...this.infos.map((a) => (typeof a.readsOthers === 'number' ? a.readsOthers : 0)));
    for (const info of this.infos) if (info.first !== null) this.schedule(info.index, info.first);
    let lastProgress = 0;
    const steps = this.blocksUntil(config.end);
    while (this.host.wakeNow ? this.runNow(steps) : await this.runAwaiting(steps)) {
      if (onProgress && this.blocks - lastProgress >= 500) {
        lastProgress = this.blocks;
        onProgress({ time: ch.clock.timestamp, start: config.start, end: config.end, blocks: this.blocks, actions: this.actionCount });
        // With the agents in this thread nothing here ever waits: let timers and signal handlers
        // run (periodic progress lines, Ctrl-C) between blocks, once per progress report.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    this.finish();
    onProgress?.({ time: config.end, start: config.start, end: config.end, blocks: this.blocks, actions: this.actionCount });
    return { blocks: this.blocks, actions: this.actionCount, events: this.eventCount, invariants: this.checker?.counts ?? null, ch };
  }

  /** Runs the steps to the next block's close with a host that answers at once; false when no block was left. */
  private runNow(steps: BlockSteps<void>): boolean {
    const host = this.host;
    for (let s = steps.next(); s.done !== true; ) {
      const call = s.value;
      if (call === null) return true;
      s = steps.next((host.wakeNow as NonNullable<AgentHost['wakeNow']>)(call.indices, call.now, call.mempool));
    }
    return false;
  }

  /** Runs the steps to the next block's close, awaiting each wake (worker threads); false when no block was left. */
  private async runAwaiting(steps: BlockSteps<void>): Promise<boolean> {
    for (let s = steps.next(); s.done !== true; ) {
      const call = s.value;
      if (call === null) return true;
      s = steps.next(await this.host.wake(call.indices, call.now, call.mempool));
    }
    return false;
  }

  private schedule(agent: number, time: number): void {
    this.nextWake[agent] = time;
    this.wakeups.set(agent, time);
  }

  private nextEventTime(): number {
    let t = Math.min(
      this.wakeups.peekTime(),
      this.actions.peekTime(),
      this.nextSnapshot,
      this.migrations[this.migrationCursor]?.at ?? Number.POSITIVE_INFINITY,
      this.faults[this.faultCursor]?.at ?? Number.POSITIVE_INFINITY,
      this.treasury.nextArrival(),
    );
    for (const feed of this.feeds) {
      const r = feed.rounds[feed.roundCursor];
      if (r) t = Math.min(t, r.updatedAt);
      const tick = feed.ticks[feed.tickCursor];
      if (tick) t = Math.min(t, tick.time);
    }
    // No block while the sequencer is down: whatever fell due lands in the first block after.
    return this.events.nextLive(t);
  }

  /**
   * Runs the blocks up to `end`, each the block that contains the next event's time: its opening,
   * the agents' wakes and their actions, its close, then a null yielded. One generator for the
   * run: a generator per block copied its frame into a new object every block (~230 bytes a
   * block with its results: ~3 % of a two-day run's bytes, ~6 % of an insurance path's). (It
   * keeps only what lives across its yields: its opening and close are plain methods.)
   */
  private *blocksUntil(end: number): BlockSteps<void> {
    for (;;) {
      const t = this.nextEventTime();
      if (t > end) return;
      const now = this.openBlock(t);
      const oracleMoved = this.oracleMoved;
      const traders = this.awakeMarked(PHASE_TRADE, now);
      const tradersCall = traders.length > 0 ? this.toWake(traders, now) : null;
      if (tradersCall !== null) this.woke(yield tradersCall, now);
      let due = this.actions.popDue(now);
      if (this.searchersLook(due, oracleMoved)) due = yield* this.withBundles(due, now);
      let changed = this.executeAll(due) || this.openingChanged;
      const keepers = this.keepersDue(changed, now);
      if (keepers.length > 0) {
        const keepersCall = this.toWake(keepers, now);
        if (keepersCall !== null) this.woke(yield keepersCall, now);
        due = this.actions.popDue(now);
        if (this.searchersLook(due, false)) due = yield* this.withBundles(due, now);
        changed = this.executeAll(due) || changed;
      }
      this.closeBlock(now, changed);
      yield null;
    }
  }

  /** Sets the clock to the block that holds `t` and applies what fell due by then (oracles, k changes, faults, transfers); marks the agents due. Returns the block's time. */
  private openBlock(t: number): number {
    const { ch, config } = this;
    let n = blockAt(config, t);
    // The block that holds `t` may itself fall in a sequencer's downtime: then the first after it.
    const live = this.events.nextLive(config.start + n * config.blockTime);
    if (live !== config.start + n * config.blockTime) n = blockAt(config, live);
    const blockTime = config.start + n * config.blockTime;
    ch.clock.blockNumber = config.startBlock + n;
    ch.clock.timestamp = blockTime;
    this.blocks++;
    this.baseFee = this.gas.baseFee(blockTime);

    const oracleMoved = this.applyOracle(blockTime);
    let changed = this.migrateDue(blockTime) || oracleMoved;
    changed = this.injectFaults(blockTime) || changed;
    this.oracleMoved = oracleMoved;
    this.openingChanged = changed;
    this.landTransfers(blockTime);
    const popped = this.wakeups.popDue(blockTime);
    for (let k = 0; k < popped; k++) this.markDue(this.wakeups.popped[k] as number);
    // Traders that watch the market also look when the oracle or fast feed moved.
    if (oracleMoved) for (const i of this.tradeWatchers) if (!Number.isNaN(this.nextWake[i] as number)) this.markDue(i);
    return blockTime;
  }

  /** The keepers to wake: those due now, and those that watch for changes when something changed. */
  private keepersDue(changed: boolean, now: number): number[] {
    if (changed) for (const i of this.changeKeepers) this.markDue(i);
    const keepers = this.awakeMarked(PHASE_KEEPER, now);
    for (let k = 0; k < this.markedCount; k++) this.due[this.marked[k] as number] = 0;
    this.markedCount = 0;
    return keepers;
  }

  /** After the block's actions: watchers rescheduled, the hedge venue's funding, the treasuries' looks, TWAPs, snapshots, invariants. */
  private closeBlock(blockTime: number, changed: boolean): void {
    const { ch, config } = this;
    // Watching traders look again in the next block after a trade.
    if (changed) for (const i of this.tradeWatchers) if ((this.nextWake[i] as number) > blockTime + config.blockTime) this.schedule(i, blockTime + config.blockTime);
    for (const e of this.hedgeVenue.settleFunding(blockTime)) this.logHedge(e);
    if (this.treasury.size > 0) this.startTransfers(blockTime);
    // (The markets in the config's order, as the TWAPs were set: a map's entries allocate per block.)
    for (let k = 0; k < config.markets.length; k++) {
      const id = (config.markets[k] as MarketRun).id;
      (this.twaps.get(id) as FloatTwap).record(blockTime, this.spotFloat(k, ch.market(id).vamm.spotPrice()));
    }
    if (blockTime >= this.nextSnapshot) {
      this.snapshot();
      for (const e of this.hedgeVenue.checkAll(blockTime)) this.logHedge(e);
      this.nextSnapshot = blockTime + config.snapshotInterval - ((blockTime - config.start) % config.snapshotInterval);
    }
    if (config.invariants === 'block') this.checkInvariants([]);
    if (this.blocks % 1000 === 0) this.prune();
  }

  /** `weiToNumber(spot)`, converted again only when market `k`'s spot price moved. */
  private spotFloat(k: number, spot: bigint): number {
    if (this.spotWei[k] !== spot) {
      this.spotWei[k] = spot;
      this.spotFloats[k] = weiToNumber(spot);
    }
    return this.spotFloats[k] as number;
  }

  /** The agents of `indices` (in index order) that are up at `now`; those in an outage are woken when it ends. */
  private awake(indices: readonly number[], now: number): number[] {
    const up: number[] = [];
    for (const i of indices) this.upOrLater(i, now, up);
    return up;
  }

  /** The agents of `phase` marked due (in index order) that are up at `now`; those in an outage are woken when it ends. */
  private awakeMarked(phase: number, now: number): number[] {
    const up: number[] = [];
    for (let k = 0; k < this.markedCount; k++) {
      const i = this.marked[k] as number;
      if (this.phaseCode[i] === phase) this.upOrLater(i, now, up);
    }
    return up;
  }

  private upOrLater(i: number, now: number, up: number[]): void {
    const back = this.events.downUntil(i, now);
    if (back === null) up.push(i);
    else this.schedule(i, back);
  }

  /** Marks agent `i` due in this block, keeping `marked` in index order. */
  private markDue(i: number): void {
    if (this.due[i] === 1) return;
    this.due[i] = 1;
    const marked = this.marked;
    let k = this.markedCount++;
    while (k > 0 && (marked[k - 1] as number) > i) {
      marked[k] = marked[k - 1] as number;
      k--;
    }
    marked[k] = i;
  }

  /** Applies the oracle updates due; returns whether any arrived. */
  private applyOracle(now: number): boolean {
    const { ch } = this;
    let any = false;
    for (const feed of this.feeds) {
      const { id, rounds, ticks } = feed;
      let r = feed.roundCursor;
      while (r < rounds.length && (rounds[r] as ChainlinkRound).updatedAt <= now) {
        const round = rounds[r] as ChainlinkRound;
        ch.pushOracleRound(id, round.answer * 10n ** 10n, round.updatedAt, round.roundId);
        r++;
        any = true;
      }
      feed.roundCursor = r;
      let k = feed.tickCursor;
      let last: FastTick | undefined;
      while (k < ticks.length && (ticks[k] as FastTick).time <= now) last = ticks[k++];
      feed.tickCursor = k;
      if (last) {
        any = true;
        const publishTime = last.publishTime ?? last.time;
        ch.setFastPrice(id, last.price, last.confidence, publishTime);
        this.log({ type: 'FastPrice', market: id, price: last.price, confidence: last.confidence, publishTime, blockNumber: ch.clock.blockNumber, timestamp: now });
      }
      this.drainProtocolEvents();
    }
    return any;
  }

  /** The owner's k changes due by now, first in the block; measured for every remap variant. */
  private migrateDue(now: number): boolean {
    const { ch } = this;
    let any = false;
    for (; this.migrationCursor < this.migrations.length && (this.migrations[this.migrationCursor] as MigrationRun).at <= now; this.migrationCursor++) {
      const mg = this.migrations[this.migrationCursor] as MigrationRun;
      const before = this.remapProbes.before(ch, mg.market);
      try {
        ch.migrateLiquidity(mg.market, mg.multiplier, mg.remap, mg.fluctuationLimitRatio);
        ch.completeMigration(mg.market); // the owner pages through the rest in the same block
      } catch (e) {
        if (!isModelError(e)) throw e;
        this.log({ type: 'AdminActionFailed', action: 'migrateLiquidity', market: mg.market, reason: e.reason, blockNumber: ch.clock.blockNumber, timestamp: now });
        continue;
      }
      this.remapProbes.after(ch, mg.market, before);
      this.drainProtocolEvents();
      any = true;
    }
    return any;
  }

  /** The scenario's faults due by now, after the owner's k changes, before the agents. */
  private injectFaults(now: number): boolean {
    const { ch } = this;
    let any = false;
    for (; this.faultCursor < this.faults.length && (this.faults[this.faultCursor] as FaultRun).at <= now; this.faultCursor++) {
      const fault = this.faults[this.faultCursor] as FaultRun;
      let args = fault.args;
      try {
        args = fault.apply(ch) ?? fault.args;
      } catch (e) {
        if (!isModelError(e)) throw e;
        const market = (fault.args as { market?: string } | null)?.market ?? '';
        this.log({ type: 'AdminActionFailed', action: fault.action, market, reason: e.reason, blockNumber: ch.clock.blockNumber, timestamp: now });
        continue;
      }
      this.log({ type: 'FaultInjected', action: fault.action, args, blockNumber: ch.clock.blockNumber, timestamp: now });
      this.drainProtocolEvents();
      any = true;
    }
    return any;
  }

  /** The agents of `indices` that must look, their observation filled; null when the quiet looks answered for every one of them. */
  private toWake(indices: number[], now: number): WakeCall | null {
    const looking = this.quiet.enabled ? this.withoutQuietLooks(indices, now) : indices;
    if (looking.length === 0) return null;
    this.observe(looking);
    return { indices: looking, now, mempool: undefined };
  }

  /** After a wake: what the agents submitted, queued. */
  private woke(results: WakeResult[], now: number): void {
    // Own rows deferred and not read stay unvalued: no later read may fill them on a moved state.
    this.host.view.dropDeferred();
    this.enqueue(results, now);
  }

  /**
   * `indices` without the agents whose look now was promised to find nothing (quiet-looks.ts):
   * each gets the wake-up its look would have asked for, as `enqueue` would give it. (Scheduled
   * before the others' this block: the agenda orders equal times by when they were set, but a
   * block marks its due agents in index order whatever order they come due in.) The block's own
   * list is compacted in place, in order, instead of sliced into a second list; its length is
   * set only when some but not all looks were taken (setting an array's length is a call into
   * the runtime, and most blocks take every look: ~1 % of an insurance path).
   */
  private withoutQuietLooks(indices: number[], now: number): readonly number[] {
    let kept = 0;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k] as number;
      const next = this.quiet.promised(i, this.ch, now);
      if (Number.isNaN(next)) indices[kept++] = i;
      else this.schedule(i, Math.max(next, now + 1));
    }
    if (kept === 0) return NO_AGENTS;
    if (kept !== indices.length) indices.length = kept;
    return indices;
  }

  /** The block's base fee and ETH price in the run's one off-chain view (what the quiet looks and `observe` read). */
  private offChainNow(): OffChainView {
    const { offChain } = this;
    offChain.baseFee = this.baseFee;
    offChain.ethUsd = this.ethUsd();
    return offChain;
  }

  /**
   * Fills the observation for the agents of `waking`: their own rows exact, and every row any of
   * them may read about others (`liquidationsPending`: whether the mempool they are shown holds a
   * liquidation; without one, a searcher reads no other account).
   */
  private observe(waking: readonly number[], liquidationsPending = true): void {
    const now = this.ch.clock.timestamp;
    const first = (this.config.markets[0] as MarketRun).id;
    this.cex.set(first, this.hedgeVenue.priceAt(now));
    // null when one reads every account, false when none reads another's, else the run's level.
    let othersBelow: number | false | null = false;
    for (const i of waking) {
      const info = this.infos[i] as AgentInfo;
      const r = info.readsOthersOnlyForPendingLiquidations && !liquidationsPending && this.narrowSearcherViews ? false : info.readsOthers;
      if (r === null) {
        othersBelow = null;
        break;
      }
      if (r !== false) othersBelow = this.othersBelow;
    }
    const { readers } = this;
    readers.waking = waking;
    readers.othersBelow = othersBelow;
    writeObservation(this.ch, this.host.view, this.twaps, this.offChainNow(), readers);
  }

  /** Queues what agents submitted (each lands after its latency) and their next wake-ups. */
  private enqueue(results: Awaited<ReturnType<AgentHost['wake']>>, now: number): void {
    for (const r of results) {
      const info = this.infos[r.index] as AgentInfo;
      this.quiet.record(r.index, r.quiet);
      for (let seq = 0; seq < r.submissions.length; seq++) {
        const submission = r.submissions[seq] as Submission;
        const latency = submission.latency ?? info.latency;
        this.actions.push(now + latency, {
          id: this.nextPendingId++,
          agent: r.index,
          submission,
          decidedAt: now,
          arrival: now + latency,
          seq,
          priorityFee: submission.priorityFee,
          bundle: submission.bundle,
          transfer: undefined,
        });
      }
      if (r.next !== null) this.schedule(r.index, Math.max(r.next, now + 1));
      else {
        this.nextWake[r.index] = Number.NaN;
        this.wakeups.remove(r.index);
      }
    }
  }

  /** Whether the searchers look at the actions due (when there is anything for them: an oracle move or a pending liquidation). */
  private searchersLook(due: readonly Pending[], oracleMoved: boolean): boolean {
    return this.searchers.length > 0 && (oracleMoved || due.some((p) => p.submission.action.kind === 'liquidate'));
  }

  /** The actions due with the bundles the searchers place around the public ones (bundles land in this block: a searcher's latency is the builder's, none). */
  private *withBundles(due: readonly Pending[], now: number): BlockSteps<readonly Pending[]> {
    const searchers = this.awake(this.searchers, now);
    if (searchers.length === 0) return due;
    const mempool: MempoolTx[] = due
      .filter((p) => !p.submission.private && !p.bundle)
      .map((p) => ({ id: p.id, agent: (this.infos[p.agent] as AgentInfo).id, kind: (this.infos[p.agent] as AgentInfo).kind, action: p.submission.action, priorityFee: p.priorityFee }));
    this.observe(searchers, mempool.some((tx) => tx.action.kind === 'liquidate'));
    this.woke(yield { indices: searchers, now, mempool }, now);
    return [...due, ...this.actions.popDue(now)];
  }

  /** Executes the actions in the venue's order; returns whether any succeeded. */
  private executeAll(due: readonly Pending[]): boolean {
    if (due.length === 0) return false;
    let any = false;
    for (const p of orderBlock(due, this.config.gas.ordering, this.config.seed, this.ch.clock.blockNumber)) any = this.execute(p) || any;
    return any;
  }

  private execute(p: Pending): boolean {
    const { ch } = this;
    const slot = this.config.slots[p.agent] as AgentSlot;
    const action = p.submission.action;
    this.probeRemap(slot.id, action);
    let outcome: ActionOutcome;
    let gasKind: string = action.kind;
    if (action.kind === 'liquidate' && this.events.inGracePeriod(ch.clock.timestamp)) {
      outcome = { ok: false, reason: GRACE_PERIOD_REASON, args: actionArgs(slot.id, action) };
      gasKind = 'routerRevert';
    } else {
      // A limited order is sized now, on the state after the block's earlier transactions.
      const routed = route(ch, action);
      if ('refused' in routed) {
        outcome = { ok: false, reason: routed.refused, args: new RefusedArgs(slot.id, action) };
        gasKind = 'routerRevert';
      } else outcome = executeAction(ch, slot.id, routed.action);
    }
    // A private relay's failed transaction is never mined: it costs nothing.
    const gas = !outcome.ok && p.submission.private ? { used: 0, usd: 0 } : this.gas.cost(gasKind, outcome.ok, this.baseFee, p.priorityFee, this.ethUsd());
    this.actionCount++;
    this.log({
      type: 'AgentAction',
      agent: slot.id,
      kind: slot.kind,
      action: action.kind,
      args: outcome.args,
      priorityFee: p.priorityFee,
      decidedAt: p.decidedAt,
      ok: outcome.ok,
      reason: outcome.reason,
      gasUsed: gas.used,
      gasCostUsd: Math.round(gas.usd * 1e6) / 1e6,
      blockNumber: ch.clock.blockNumber,
      timestamp: ch.clock.timestamp,
    });
    const events = this.drainProtocolEvents();
    if (p.transfer) this.transferLanded(p, slot.id, outcome.ok);
    if (this.config.invariants === 'action') this.checkInvariants(events);
    else if (this.checker && events.length > 0 && events.some((e) => e.type === 'PositionLiquidated')) this.logViolations(this.checker.checkAfterLiquidation(events as ProtocolEvent[]));
    return outcome.ok;
  }

  /** The treasury's transfers that land now: tokens in a wallet (then deposited by the agent), or credit at the venue. */
  private landTransfers(now: number): void {
    const { ch } = this;
    for (const a of this.treasury.dueArrivals(now)) {
      if (a.kind === 'toVenue') {
        for (const e of this.hedgeVenue.credit(a.agent, a.amount, now)) this.logHedge(e);
        this.treasury.done(a.agent);
        continue;
      }
      const amount = BigInt(a.amount) * 10n ** 18n;
      ch.mint(a.agent, amount);
      this.log({ type: 'CollateralArrived', agent: a.agent, amount, blockNumber: ch.clock.blockNumber, timestamp: now });
      this.queueTransfer(a, now, ch.params.marginMode === 'cross' ? { kind: 'deposit', amount: a.amount } : { kind: 'addMargin', market: a.market, amount: a.amount });
    }
  }

  /** The treasuries due to look decide; a withdrawal from the venue starts now, one from the chain is a transaction in the next block. */
  private startTransfers(now: number): void {
    const { ch } = this;
    for (const d of this.treasury.look(now, ch, this.hedgeVenue)) {
      if (d.kind === 'toChain') {
        this.logHedge(this.hedgeVenue.withdraw(d.agent, d.amount, d.fee, d.arrivesAt));
        this.treasury.land({ at: d.arrivesAt, kind: 'toChain', agent: d.agent, market: d.market, amount: d.amount });
      } else {
        const slot = this.config.slots.find((s) => s.id === d.agent) as AgentSlot;
        this.queueTransfer(d, now + 1, ch.params.marginMode === 'cross' ? { kind: 'withdraw', amount: d.amount } : { kind: 'removeMargin', market: d.market, amount: d.amount }, slot.index);
      }
    }
  }

  private queueTransfer(t: TransferArrival | TransferDecision, at: number, action: Submission['action'], index?: number): void {
    const agent = index ?? (this.config.slots.find((s) => s.id === t.agent) as AgentSlot).index;
    const priorityFee = this.treasury.params(t.agent)?.priorityFee ?? 0;
    this.actions.push(at, { id: this.nextPendingId++, agent, submission: { action, priorityFee }, decidedAt: at, arrival: at, seq: 0, priorityFee, bundle: undefined, transfer: t.kind });
  }

  /** After the treasury's own transaction: a withdrawal for the venue sends the tokens on; either way the desk is free again unless tokens are under way. */
  private transferLanded(p: Pending, agent: string, ok: boolean): void {
    const { ch } = this;
    const action = p.submission.action as { amount: number; market?: string };
    if (p.transfer === 'toVenue' && ok) {
      const amount = BigInt(action.amount) * 10n ** 18n;
      ch.transferToken(agent, VENUE_WALLET, amount);
      const gas = this.gas.cost('transfer', true, this.baseFee, p.priorityFee, this.ethUsd());
      this.log({ type: 'CollateralSent', agent, to: VENUE_WALLET, amount, gasUsed: gas.used, gasCostUsd: Math.round(gas.usd * 1e6) / 1e6, blockNumber: ch.clock.blockNumber, timestamp: ch.clock.timestamp });
      const params = this.treasury.params(agent);
      this.treasury.land({ at: ch.clock.timestamp + (params?.depositLatency ?? 0), kind: 'toVenue', agent, market: action.market ?? (this.config.markets[0] as MarketRun).id, amount: action.amount });
      return;
    }
    // A deposit landed (or failed: the tokens stay in the wallet), or the withdrawal was refused.
    this.treasury.done(agent);
  }

  /** ETH/USD for gas: the first market's index (every bundled market is ETH), converted once per round. */
  private ethUsd(): number {
    const feed = this.ethFeed;
    const round = feed.latestRound();
    if (round === undefined || round !== this.ethUsdRound) {
      this.ethUsdValue = weiToNumber(feed.lastPublishedWei());
      this.ethUsdRound = round;
    }
    return this.ethUsdValue;
  }

  /** Before an action that touches a position measured since a k change: the moment Perp v1 remaps it. */
  private probeRemap(agent: string, action: Submission['action']): void {
    if (!this.remapProbes.measuring || !('market' in action)) return;
    const trader = action.kind === 'liquidate' ? action.trader : action.kind === 'settleFunding' ? null : agent;
    if (trader === null) return;
    const probe = this.remapProbes.take(this.ch, action.market, trader, 'action');
    if (probe) this.log({ ...probe, blockNumber: this.ch.clock.blockNumber, timestamp: this.ch.clock.timestamp });
  }

  private drainProtocolEvents(): readonly LogEvent[] {
    if (this.ch.events.length === 0) return NO_EVENTS;
    const events = this.ch.events.splice(0, this.ch.events.length);
    for (const e of events) {
      this.log(e);
      // Hedged agents offset every change of their vAMM position on the hedge venue.
      if (e.type === 'PositionChanged' && this.hedgeVenue.hedges(e.trader)) {
        for (const h of this.hedgeVenue.hedge(e.trader, weiToNumber(e.exchangedPositionSize), this.ch.clock.timestamp)) this.logHedge(h);
      }
    }
    return events;
  }

  /** A hedge event with its block: the venue returns each event fresh and keeps none, so it is stamped in place (the keys in the order a copy would have). */
  private logHedge(e: HedgeEvent): void {
    const stamped = e as HedgeEvent & { blockNumber: number; timestamp: number };
    stamped.blockNumber = this.ch.clock.blockNumber;
    stamped.timestamp = this.ch.clock.timestamp;
    this.log(stamped);
  }

  private checkInvariants(events: readonly LogEvent[]): void {
    if (!this.checker) return;
    this.logViolations(this.checker.check(events.length === 0 ? NO_PROTOCOL_EVENTS : (events.filter((e) => e.type === 'PositionLiquidated') as ProtocolEvent[])));
  }

  private logViolations(violations: readonly InvariantViolation[]): void {
    for (const v of violations) {
      this.log({ type: 'InvariantViolation', invariant: v.invariant, message: v.message, blockNumber: this.ch.clock.blockNumber, timestamp: this.ch.clock.timestamp });
    }
  }

  private snapshot(): void {
    const { ch } = this;
    for (const m of this.config.markets) {
      const market = ch.market(m.id);
      this.log({
        type: 'Snapshot',
        market: m.id,
        spot: market.vamm.spotPrice(),
        markTwap: BigInt(Math.round((this.twaps.get(m.id) as FloatTwap).average(ch.clock.timestamp) * 1e6)) * 10n ** 12n,
        index: market.oracle.chainlink.lastPublishedWei(),
        fast: market.oracle.fast.latest?.price ?? market.oracle.chainlink.lastPublishedWei(),
        totalPositionSize: market.vamm.totalPositionSize,
        openNotionalLong: market.openNotionalLong,
        openNotionalShort: market.openNotionalShort,
        insuranceFund: ch.insuranceFundBalance(),
        vault: ch.ledger.balanceOfWei(VAULT),
        baseFee: Math.round(this.baseFee * 1e6) / 1e6,
        blockNumber: ch.clock.blockNumber,
        timestamp: ch.clock.timestamp,
      });
    }
  }

  /** Drops reserve snapshots no TWAP can reach any more (the model's results are unchanged). */
  private prune(): void {
    const now = this.ch.clock.timestamp;
    for (const m of this.ch.markets.values()) {
      const reach = Math.max(m.params.funding.markTwapInterval, 15 * 60);
      m.vamm.pruneSnapshots(now - reach - this.config.blockTime);
    }
  }

  private finish(): void {
    const { ch } = this;
    if (this.checker && this.config.invariants !== 'off') this.checkInvariants([]);
    this.snapshot();
    for (const [market, trader] of this.remapProbes.remaining()) {
      const probe = this.remapProbes.take(ch, market, trader, 'end');
      if (probe) this.log({ ...probe, blockNumber: ch.clock.blockNumber, timestamp: ch.clock.timestamp });
    }
    this.logHedge(this.hedgeVenue.mark(ch.clock.timestamp));
    for (const slot of this.config.slots) {
      const { equity, unrealized, pending, exitCost } = equityOf(ch, slot.id);
      this.log({
        type: 'AgentResult',
        agent: slot.id,
        kind: slot.kind,
        equityStart: this.equityStart.get(slot.index) as bigint,
        equityEnd: equity,
        unrealizedPnl: unrealized,
        pendingFunding: pending,
        exitCost,
        hedged: this.hedgeVenue.hedges(slot.id),
        blockNumber: ch.clock.blockNumber,
        timestamp: ch.clock.timestamp,
      });
    }
    this.log({
      type: 'RunEnded',
      blocks: this.blocks,
      actions: this.actionCount,
      events: this.eventCount + 1,
      invariants: this.checker ? toJson(this.checker.counts) : null,
      blockNumber: ch.clock.blockNumber,
      timestamp: ch.clock.timestamp,
    });
    this.sink.close();
  }

  private log(e: LogEvent | EngineEvent): void {
    this.eventCount++;
    this.sink.writeEvent(e);
  }
}

/** An agent's equity: wallet + collateral + isolated margins + unrealised PnL − funding and loss owed, at spot. */
/**
 * An account's equity with its open positions valued at their exit (what closing each alone on
 * the curve returns), and their exit cost: the mark value (at the vAMM's price) less the exit.
 */
export function equityOf(ch: ClearingHouse, owner: string): { equity: bigint; unrealized: bigint; pending: bigint; exitCost: bigint } {
  const account = ch.accounts.get(owner);
  let equity = ch.ledger.balanceOfWei(owner) + (account?.collateral ?? 0n);
  let unrealized = 0n;
  let pending = 0n;
  let exitCost = 0n;
  for (const [id, pos] of account?.positions ?? []) {
    equity += pos.margin;
    if (pos.size === 0n) continue;
    const m = ch.market(id);
    const { quoteReserve, baseReserve } = m.vamm;
    const value = m.vamm.open ? exitValueOrSpot(pos.size, quoteReserve, baseReserve) : mulD(pos.size, m.vamm.settlementPrice);
    if (m.vamm.open) exitCost += mulD(pos.size, spotPrice(quoteReserve, baseReserve)) - value;
    const pnl = pos.size > 0n ? value - pos.openNotional : pos.openNotional + value;
    const owed = ch.fundingOwed(owner, id) + ch.lossOwed(owner, id);
    unrealized += pnl;
    pending += owed;
    equity += pnl - owed;
  }
  return { equity, unrealized, pending, exitCost };
}

/** The holders' positions: the book opened before the start. */
function bookOf(slots: readonly AgentSlot[]): BookEntry[] {
  return slots
    .filter((s) => s.kind === 'holder')
    .flatMap((s) => {
      const p = s.spec.params as { side?: 'long' | 'short'; notional?: number; leverage?: number; second?: { market: string; side: 'long' | 'short'; notional: number } };
      if (!p.notional || !p.leverage) throw new Error(`${s.id}: a holder needs a notional and a leverage`);
      const first: BookEntry = { account: s.id, market: s.market, side: p.side ?? 'long', notional: weiOf(p.notional), leverage: weiOf(p.leverage) };
      // A position in a second market shares the account (and its leverage, over both notionals).
      return p.second ? [first, { ...first, market: p.second.market, side: p.second.side, notional: weiOf(p.second.notional) }] : [first];
    });
}

/** The number (from the start) of the block that holds time `x`. */
function blockAt(config: SimulationConfig, x: number): number {
  return Math.max(1, Math.ceil((x - config.start) / config.blockTime));
}

function firstPrice(s: CandleSeries, start: number): bigint {
  for (let i = 0; i < s.time.length; i++) if ((s.time[i] as number) >= start) return s.open[i] as bigint;
  throw new Error(`${s.source}: no candle at or after ${start}`);
}
