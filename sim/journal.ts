/**
 * Undo journal that makes every model operation all-or-nothing, as a reverted transaction is.
 * State is mutated only through the journal; when an operation throws, the journal replays
 * the undo records of that operation in reverse and the state is exactly as before.
 */
type Undo = () => void;

export class Journal {
  private readonly undo: Undo[] = [];
  private depth = 0;
  /**
   * Counts mutations; a rollback returns it to the value of the state it restores. Outside an
   * operation, an unchanged version means an unchanged state (incremental checks skip on it).
   */
  version = 0;

  /** Runs `fn` atomically: its mutations are kept if it returns and undone if it throws. */
  atomic<R>(fn: () => R): R {
    const mark = this.undo.length;
    const version = this.version;
    this.depth++;
    try {
      return fn();
    } catch (error) {
      this.rollbackTo(mark, version);
      throw error;
    } finally {
      this.depth--;
      if (this.depth === 0) this.undo.length = 0;
    }
  }

  /** Runs `fn` and always undoes its mutations: a dry run (used by solvers and views). */
  simulate<R>(fn: () => R): R {
    const mark = this.undo.length;
    const version = this.version;
    this.depth++;
    try {
      return fn();
    } finally {
      this.rollbackTo(mark, version);
      this.depth--;
      if (this.depth === 0) this.undo.length = 0;
    }
  }

  set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
    this.version++;
    if (this.depth > 0) {
      const old = target[key];
      this.undo.push(() => {
        target[key] = old;
      });
    }
    target[key] = value;
  }

  mapSet<K, V>(map: Map<K, V>, key: K, value: V): void {
    this.version++;
    if (this.depth > 0) {
      const had = map.has(key);
      const old = map.get(key);
      this.undo.push(() => {
        if (had) map.set(key, old as V);
        else map.delete(key);
      });
    }
    map.set(key, value);
  }

  mapDelete<K, V>(map: Map<K, V>, key: K): void {
    if (!map.has(key)) return;
    this.version++;
    if (this.depth > 0) {
      const old = map.get(key) as V;
      this.undo.push(() => {
        map.set(key, old);
      });
    }
    map.delete(key);
  }

  push<T>(array: T[], item: T): void {
    this.version++;
    if (this.depth > 0) {
      this.undo.push(() => {
        array.pop();
      });
    }
    array.push(item);
  }

  /** Records a custom undo action (for structures with their own mutation API). */
  onUndo(action: Undo): void {
    this.version++;
    if (this.depth > 0) this.undo.push(action);
  }

  /** Undoes back to `mark`; the state is then exactly as it was at `version`. */
  private rollbackTo(mark: number, version: number): void {
    while (this.undo.length > mark) (this.undo.pop() as Undo)();
    this.version = version;
  }
}
