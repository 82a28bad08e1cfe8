/**
 * Undo journal that makes every model operation all-or-nothing, as a reverted transaction is.
 * State is mutated only through the journal; when an operation throws, the journal replays
 * the undo records of that operation in reverse and the state is exactly as before.
 *
 * Undo records are kept flat (a kind, a target, a key, an old value: four slots each) rather
 * than as one closure per write: an operation writes a dozen fields, and a closure each was a
 * measurable share of the model's allocation.
 */
type Undo = () => void;

const SET = 0;
const MAP_RESTORE = 1;
const MAP_REMOVE = 2;
const POP = 3;
const CUSTOM = 4;
const SLOTS = 4;

export class Journal {
  /** Undo records, SLOTS slots each; only `[0, top)` is live. */
  private readonly records: unknown[] = [];
  private top = 0;
  private depth = 0;
  /**
   * Counts mutations; a rollback returns it to the value of the state it restores. Outside an
   * operation, an unchanged version means an unchanged state (incremental checks skip on it).
   */
  version = 0;
  /** Operations kept: outermost `atomic` calls that returned (the ledger's dust is allowed per operation). */
  operations = 0;
  /** Write logs handed out by `writeLog`: each receives every write's target and key. */
  private readonly logs: WriteLog[] = [];

  /** Runs `fn` atomically: its mutations are kept if it returns and undone if it throws. */
  atomic<R>(fn: () => R): R {
    const mark = this.top;
    const version = this.version;
    this.depth++;
    try {
      const result = fn();
      if (this.depth === 1) this.operations++;
      return result;
    } catch (error) {
      this.rollbackTo(mark, version);
      throw error;
    } finally {
      this.depth--;
      if (this.depth === 0) this.clear();
    }
  }

  /** Runs `fn` and always undoes its mutations: a dry run (used by solvers and views). */
  simulate<R>(fn: () => R): R {
    const mark = this.top;
    const version = this.version;
    this.depth++;
    try {
      return fn();
    } finally {
      this.rollbackTo(mark, version);
      this.depth--;
      if (this.depth === 0) this.clear();
    }
  }

  /**
   * A log of every write from now on (dirty tracking): its reader learns which objects (and
   * which map keys) changed since it last emptied the log, instead of comparing every account.
   * Writes an operation then undid stay in the log: it may name more than changed, never less.
   */
  writeLog(): WriteLog {
    const log = new WriteLog();
    this.logs.push(log);
    return log;
  }

  set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
    this.version++;
    if (this.logs.length > 0) this.logWrite(target, key);
    if (this.depth > 0) this.record(SET, target, key, target[key]);
    target[key] = value;
  }

  mapSet<K, V>(map: Map<K, V>, key: K, value: V): void {
    this.version++;
    if (this.logs.length > 0) this.logWrite(map, key);
    if (this.depth > 0) {
      if (map.has(key)) this.record(MAP_RESTORE, map, key, map.get(key));
      else this.record(MAP_REMOVE, map, key, undefined);
    }
    map.set(key, value);
  }

  mapDelete<K, V>(map: Map<K, V>, key: K): void {
    if (!map.has(key)) return;
    this.version++;
    if (this.logs.length > 0) this.logWrite(map, key);
    if (this.depth > 0) this.record(MAP_RESTORE, map, key, map.get(key));
    map.delete(key);
  }

  push<T>(array: T[], item: T): void {
    this.version++;
    if (this.logs.length > 0) this.logWrite(array, undefined);
    if (this.depth > 0) this.record(POP, array, undefined, undefined);
    array.push(item);
  }

  /** Records a custom undo action (for structures with their own mutation API). */
  onUndo(action: Undo): void {
    this.version++;
    if (this.logs.length > 0) this.logWrite(action, undefined);
    if (this.depth > 0) this.record(CUSTOM, action, undefined, undefined);
  }

  private logWrite(target: unknown, key: unknown): void {
    for (const log of this.logs) log.add(target, key);
  }

  private record(kind: number, target: unknown, key: unknown, old: unknown): void {
    const r = this.records;
    const at = this.top;
    r[at] = kind;
    r[at + 1] = target;
    r[at + 2] = key;
    r[at + 3] = old;
    this.top = at + SLOTS;
  }

  /** Undoes back to `mark`; the state is then exactly as it was at `version`. */
  private rollbackTo(mark: number, version: number): void {
    const r = this.records;
    while (this.top > mark) {
      const at = this.top - SLOTS;
      this.top = at;
      const target = r[at + 1];
      const key = r[at + 2];
      const old = r[at + 3];
      switch (r[at] as number) {
        case SET:
          (target as Record<PropertyKey, unknown>)[key as PropertyKey] = old;
          break;
        case MAP_RESTORE:
          (target as Map<unknown, unknown>).set(key, old);
          break;
        case MAP_REMOVE:
          (target as Map<unknown, unknown>).delete(key);
          break;
        case POP:
          (target as unknown[]).pop();
          break;
        default:
          (target as Undo)();
      }
    }
    this.version = version;
  }

  /** After the outermost operation: drop the records so they keep nothing alive. */
  private clear(): void {
    if (this.top > 0) this.records.fill(undefined, 0, this.top);
    this.top = 0;
  }
}

/**
 * The targets and keys written since the reader last took them. A log its reader leaves
 * unread past `LIMIT` writes stops recording and says it overflowed: the reader must then treat
 * everything as changed.
 */
export class WriteLog {
  static readonly LIMIT = 1 << 16;
  /**
   * target, key, target, key, … in `[0, length)`. Emptied by resetting `length` and written
   * over, never shrunk: the engine's readers take the log every block, and setting an array's
   * length each time cost more than the reading (what lies past `length` is stale).
   */
  readonly entries: unknown[] = [];
  length = 0;
  overflowed = false;

  add(target: unknown, key: unknown): void {
    const n = this.length;
    if (n >= WriteLog.LIMIT) {
      this.overflowed = true;
      return;
    }
    this.entries[n] = target;
    this.entries[n + 1] = key;
    this.length = n + 2;
  }

  /** Empties the log (after reading `entries` up to `length`, and `overflowed`). */
  clear(): void {
    this.length = 0;
    this.overflowed = false;
  }
}
