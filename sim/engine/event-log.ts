/**
 * The run's event log: every protocol event, every agent action (accepted or reverted, with
 * its reason and gas), oracle and fast-feed updates, periodic snapshots and invariant
 * violations, in order, each stamped with its block. It is the one source for summaries,
 * reports, studies and the chain replay. Written as JSON Lines with wei as decimal strings,
 * byte-for-byte the same for the same scenario and seed; read back by `readEventLog`.
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ProtocolEvent } from '../events.ts';
import type { Json } from '../state-view.ts';
import type { HedgeEvent } from './hedge-venue.ts';

type Stamp = { readonly blockNumber: number; readonly timestamp: number };

/**
 * A logged value built only when read: the event's JSON (`toLogged`, `serialiseEvent`) builds
 * it, and a sink reading records gets this object and reads it through `jsonOf`. For what most
 * runs never read (a refused order's arguments: only its log line shows them).
 */
export abstract class Deferred {
  abstract toJSON(): Json;
}

/** A field that may be `Deferred`, as its logged JSON. */
export function jsonOf(x: unknown): Json {
  return x instanceof Deferred ? x.toJSON() : (x as Json);
}

/**
 * What a run set up before its first block (markets, the oracle's first round, funded
 * accounts), so that the run can be replayed as transactions from its log alone.
 */
export interface RunSetup {
  readonly blockTime: number;
  readonly markets: ReadonlyArray<{
    readonly id: string;
    readonly quoteReserve: bigint;
    readonly baseReserve: bigint;
    /** The Chainlink round the oracle starts from (answer with 8 decimals). */
    readonly oracle: { readonly answer: bigint; readonly updatedAt: number; readonly roundId: bigint };
  }>;
  /** Each agent's account: the collateral tokens it was given, deposited as cross collateral or not. */
  readonly accounts: ReadonlyArray<{ readonly id: string; readonly capital: bigint; readonly deposited: boolean }>;
  readonly backstopLiquidityProviders: readonly string[];
  /** The opening book (opening-book.ts), when the run has one: put on before the first block. */
  readonly book?: ReadonlyArray<{ readonly account: string; readonly market: string; readonly side: string; readonly notional: bigint; readonly leverage: bigint; readonly collateral: bigint }>;
}

/** Events the engine adds to the protocol's own. Money in wei (bigint), gas in USD (float). */
export type EngineEvent = Stamp &
  (
    | {
        readonly type: 'RunStarted';
        readonly name: string;
        readonly profile: string;
        readonly seed: number;
        readonly agents: number;
        /** The insurance fund's balance at the start. */
        readonly insuranceFund: bigint;
        readonly config: Json;
        readonly setup: RunSetup;
      }
    | {
        /**
         * The price window has missing bars (logged after RunStarted, only then): how the
         * scenario's gap policy handled them. Under `skip` the run jumps from the bar before each
         * gap to the bar after it; under `carry-forward` flat bars at the last close stand in.
         */
        readonly type: 'PriceGaps';
        readonly market: string;
        readonly policy: string;
        /** Seconds per bar. */
        readonly resolution: number;
        readonly count: number;
        readonly missingBars: number;
        /** Bars inserted (carry-forward), else 0. */
        readonly filled: number;
        /** Each gap: the first missing bar's open time and the bars missing (the first 100). */
        readonly gaps: ReadonlyArray<{ readonly from: number; readonly bars: number }>;
      }
    | { readonly type: 'FastPrice'; readonly market: string; readonly price: bigint; readonly confidence: bigint; readonly publishTime: number }
    | {
        readonly type: 'AgentAction';
        readonly agent: string;
        readonly kind: string;
        readonly action: string;
        readonly args: Json | Deferred;
        readonly priorityFee: number;
        readonly decidedAt: number;
        readonly ok: boolean;
        readonly reason: string | null;
        readonly gasUsed: number;
        readonly gasCostUsd: number;
      }
    | {
        readonly type: 'Snapshot';
        readonly market: string;
        readonly spot: bigint;
        readonly markTwap: bigint;
        readonly index: bigint;
        readonly fast: bigint;
        readonly totalPositionSize: bigint;
        readonly openNotionalLong: bigint;
        readonly openNotionalShort: bigint;
        readonly insuranceFund: bigint;
        readonly vault: bigint;
        /** The block's base fee (gwei). */
        readonly baseFee: number;
      }
    | { readonly type: 'InvariantViolation'; readonly invariant: string; readonly message: string }
    /** An owner action the scenario scheduled (a k change, a fault), when it reverted. */
    | { readonly type: 'AdminActionFailed'; readonly action: string; readonly market: string; readonly reason: string }
    /** Collateral a hedged agent withdrew from its venue reached its wallet (tokens entering the chain; the replay mints them). */
    | { readonly type: 'CollateralArrived'; readonly agent: string; readonly amount: bigint }
    /** A hedged agent sent collateral from its wallet to its venue's deposit address (an ERC-20 transfer, with its gas). */
    | { readonly type: 'CollateralSent'; readonly agent: string; readonly to: string; readonly amount: bigint; readonly gasUsed: number; readonly gasCostUsd: number }
    /** A fault the scenario injected (a script action, with its arguments in the script format). */
    | { readonly type: 'FaultInjected'; readonly action: string; readonly args: Json }
    | {
        /**
         * After a k change: one position's size under each remap, taken when the trader first
         * acts (or is liquidated) after it, or at the end, with what each is worth on the curve
         * then. Errors are the trader's gain over the exact remap (the protocol's loss).
         */
        readonly type: 'RemapProbe';
        readonly market: string;
        readonly trader: string;
        readonly when: 'action' | 'end';
        readonly preSize: bigint;
        readonly exactSize: bigint;
        readonly lazySize: bigint;
        readonly noneSize: bigint;
        readonly exactValue: bigint;
        readonly lazyError: bigint;
        readonly noneError: bigint;
      }
    | {
        readonly type: 'AgentResult';
        readonly agent: string;
        readonly kind: string;
        readonly equityStart: bigint;
        readonly equityEnd: bigint;
        readonly unrealizedPnl: bigint;
        readonly pendingFunding: bigint;
        /** Its open positions at the mark (the vAMM's price) less at their exit: what leaving at once would cost. */
        readonly exitCost: bigint;
        /** Whether it hedges its vAMM position off chain at the reference price (arbitrageurs). */
        readonly hedged: boolean;
      }
    | { readonly type: 'RunEnded'; readonly blocks: number; readonly actions: number; readonly events: number; readonly invariants: Json }
    /** The off-chain hedge venue: fills, funding, margin calls and the closing mark (USD floats). */
    | HedgeEvent
  );

export type LogEvent = ProtocolEvent | EngineEvent;

/** A logged event as JSON: bigints as decimal strings. */
export type LoggedEvent = { readonly type: string; readonly blockNumber: number; readonly timestamp: number } & { readonly [k: string]: Json };

/**
 * An event as the engine built it (amounts as bigint) or as its log reads back (amounts as
 * decimal strings): what a sink that reads either gets (`EventSink.readsRecords`). Such a sink
 * reads an amount with `amountOf`, a stored decimal with `decimalOf`, a number with `numberOf`
 * and an action's `args` with `jsonOf`, which give the same for both forms.
 */
export type EventRecord = { readonly type: string; readonly blockNumber: number; readonly timestamp: number } & { readonly [k: string]: Json | bigint | Deferred | undefined };

/** An amount field of either form as a bigint (BigInt of its decimal string, or itself). */
export function amountOf(x: unknown): bigint {
  return BigInt(x as string | bigint);
}

/** An amount field of either form as its logged decimal string. */
export function decimalOf(x: unknown): string {
  return typeof x === 'bigint' ? x.toString() : (x as string);
}

/** A number field of either form as its log reads back: −0 as 0, NaN and ±∞ as null (JSON's), a logged null as null. */
export function numberOf(x: unknown): number {
  return (typeof x === 'number' ? (Number.isFinite(x) ? (x === 0 ? 0 : x) : null) : x) as number;
}

export function serialiseEvent(e: LogEvent): string {
  return JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * The event as its logged JSON reads back (`JSON.parse(serialiseEvent(e))`), built directly:
 * bigints as decimal strings, undefined fields dropped, non-finite numbers as null. The engine
 * hands this to the sinks without a stringify-and-parse round trip per event.
 */
export function toLogged(e: LogEvent): LoggedEvent {
  return jsonValue(e) as LoggedEvent;
}

function jsonValue(v: unknown): unknown {
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case 'object': {
      if (v === null) return null;
      if (v instanceof Deferred) return jsonValue(v.toJSON());
      if (Array.isArray(v)) return v.map((x) => (x === undefined || typeof x === 'function' ? null : jsonValue(x)));
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined && typeof x !== 'function') out[k] = jsonValue(x);
      }
      return out;
    }
    default:
      return v;
  }
}

export interface EventSink {
  /**
   * Whether the sink reads `line` (the event's JSON Lines text). A sink that says false gets ''
   * and the engine skips the stringify when no sink wants it; unset means it does.
   */
  readonly needsLine?: boolean;
  /**
   * Set by a sink whose `write` reads an `EventRecord` (amounts and numbers through `amountOf`,
   * `decimalOf`, `numberOf`, arguments through `jsonOf`): the engine hands it each event as built, and copies the event into
   * JSON values (`toLogged`) only for the sinks that do not say this.
   */
  readonly readsRecords?: boolean;
  write(e: LoggedEvent, line: string): void;
  close(): void;
}

/** Whether any of these sinks reads the JSON line. */
export function needsLine(sinks: readonly EventSink[]): boolean {
  return sinks.some((s) => s.needsLine !== false);
}

/** Streams the log to a file, buffering writes (synchronously, so order never varies). */
export class FileSink implements EventSink {
  /** It reads only the line. */
  readonly readsRecords = true;
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  private closed = false;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(_e: LoggedEvent, line: string): void {
    this.buffer.push(line, '\n');
    this.size += line.length + 1;
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.closed || this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }

  /** Idempotent: the run closes its sinks when it ends; whoever opened the file closes it on failure. */
  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }
}

/** Keeps the log in memory (tests, studies). */
export class MemorySink implements EventSink {
  readonly events: LoggedEvent[] = [];
  readonly lines: string[] = [];
  readonly needsLine: boolean;
  constructor(private readonly keepLines = false) {
    this.needsLine = keepLines;
  }
  write(e: LoggedEvent, line: string): void {
    this.events.push(e);
    if (this.keepLines) this.lines.push(line);
  }
  close(): void {}
}

/**
 * Writes every event to several sinks (the file, the summary, a progress counter): the engine's
 * events as built to the sinks that read records, one JSON copy shared by the others, and the
 * line only when one reads it.
 */
export class TeeSink implements EventSink {
  readonly needsLine: boolean;
  /** Only when every sink does: a record passed on must reach each as it came. */
  readonly readsRecords: boolean;
  private readonly copies: boolean;
  constructor(private readonly sinks: readonly EventSink[]) {
    this.needsLine = needsLine(sinks);
    this.readsRecords = sinks.every((s) => s.readsRecords === true);
    this.copies = !this.readsRecords;
  }
  /** One event as the engine built it. */
  writeEvent(e: LogEvent): void {
    const logged = this.copies || this.needsLine ? toLogged(e) : null;
    const line = this.needsLine ? JSON.stringify(logged) : '';
    for (const s of this.sinks) s.write(s.readsRecords === true ? (e as unknown as LoggedEvent) : (logged as LoggedEvent), s.needsLine === false ? '' : line);
  }
  /** An event already in the log's form (read back from a file). */
  write(e: LoggedEvent, line: string): void {
    for (const s of this.sinks) s.write(e, line);
  }
  close(): void {
    for (const s of this.sinks) s.close();
  }
}

/** Reads a JSON Lines event log back, one event at a time. */
export async function* readEventLog(path: string): AsyncGenerator<LoggedEvent> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as LoggedEvent;
    } catch (e) {
      throw new Error(`${path}:${n}: not a JSON event (${(e as Error).message})`);
    }
  }
}
