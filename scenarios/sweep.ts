/**
 * Sweeps: one run scenario over a grid (or list) of parameter values × seeds, on the worker
 * pool. Every point has a stable index and key, so a sweep can be cut into shards that run
 * anywhere (`--shard i/N`: the points whose index ≡ i mod N), resumed after an interruption
 * (points already in the results file are not run again), and its shards merged back into
 * exactly the table of the unsharded run.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../data/atomic-write.ts';
import { InputError, InputErrors } from '../data/input-error.ts';
import { z } from 'zod';
import type { RunSummary } from '../sim/engine/summary.ts';
import type { Json } from '../sim/state-view.ts';
import { type BatchOutcome, runBatch } from './batch.ts';
import { parseLocatedWith, readInputText } from './json-validate.ts';

/**
 * A dot path into the scenario JSON. `[3]` indexes an array; `[kind=liquidator]` selects every
 * element whose `kind` is `liquidator` (so a point can change every liquidator without knowing
 * where the agents list puts them).
 */
const SweepPathSchema = z
  .string()
  .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+|\[\d+\]|\[[A-Za-z0-9_]+=[A-Za-z0-9_.-]+\])*$/, 'a dot path such as market.funding.fundingCapRatio, agents[3].capital or agents[kind=liquidator].params.latency');

/** One axis: a path and the values it takes. */
export const SweepAxisSchema = z.strictObject({
  path: SweepPathSchema,
  values: z.array(z.unknown()).min(1),
});

export const SweepSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** The run scenario every point starts from (as in a `vamm run` file). */
  scenario: z.record(z.string(), z.unknown()),
  /**
   * `grid`: every combination of the axes; `list`: the i-th values of every axis together;
   * `points`: the points as given (each sets its own paths).
   */
  mode: z.enum(['grid', 'list', 'points']).default('grid'),
  axes: z.array(SweepAxisSchema).default([]),
  points: z.array(z.record(SweepPathSchema, z.unknown())).default([]),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([1]),
  /** Per-run time limit (ms). */
  timeoutMs: z.number().int().positive().optional(),
});

export type SweepSpec = z.output<typeof SweepSpecSchema>;

/** A sweep spec from its file, every problem located (file:line:column: field: reason). */
export function loadSweepSpec(file: string): SweepSpec {
  const { data: spec, reporter } = parseLocatedWith(SweepSpecSchema, readInputText(file, 'sweep spec'), file);
  if (spec.mode === 'list') {
    const n = spec.axes[0]?.values.length ?? 1;
    spec.axes.forEach((a, i) => {
      if (a.values.length !== n) reporter.report(['axes', i, 'values'], `a list sweep takes the i-th value of every axis together: this axis has ${a.values.length} values, the first has ${n}`);
    });
  }
  if (reporter.errors.length > 0) throw new InputErrors(reporter.errors);
  return spec;
}

/** Shards that disagree on a point, or miss points the merge was told to expect (exit status 1). */
export class ShardMergeError extends Error {
  override name = 'ShardMergeError';
}

export interface SweepPoint {
  readonly index: number;
  readonly key: string;
  readonly values: Readonly<Record<string, Json>>;
  readonly seed: number;
}

export interface SweepRow {
  readonly index: number;
  readonly key: string;
  readonly values: Readonly<Record<string, Json>>;
  readonly seed: number;
  readonly ok: boolean;
  readonly metrics: Json;
  readonly error?: string;
}

export function pointKey(values: Readonly<Record<string, Json>>, seed: number): string {
  return JSON.stringify([seed, Object.keys(values).sort().map((k) => [k, values[k]])]);
}

/** Every point of the sweep, in a stable order: axes (grid or list), then seeds. */
export function expandPoints(spec: SweepSpec): SweepPoint[] {
  let combos: Array<Record<string, Json>> = [{}];
  if (spec.mode === 'points') {
    combos = spec.points.map((p) => p as Record<string, Json>);
  } else if (spec.mode === 'list') {
    const n = spec.axes[0]?.values.length ?? 1;
    for (const a of spec.axes) if (a.values.length !== n) throw new Error(`list sweep: axis ${a.path} has ${a.values.length} values, the first has ${n}`);
    combos = Array.from({ length: n }, (_, i) => Object.fromEntries(spec.axes.map((a) => [a.path, a.values[i] as Json])));
  } else {
    for (const axis of spec.axes) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.path]: v as Json })));
  }
  const points: SweepPoint[] = [];
  for (const values of combos) {
    // A point may name its own seed (a study's replays over several agent seeds).
    const own = values[POINT_SEED];
    const { [POINT_SEED]: _, ...rest } = values;
    for (const seed of typeof own === 'number' ? [own] : spec.seeds) points.push({ index: points.length, key: pointKey(rest, seed), values: rest, seed });
  }
  return points;
}

/** A point's own seed (mode `points`), instead of every seed of the spec. */
export const POINT_SEED = 'seed';

/** Axes under `label.` only name a point (a study's window or strategy): they set nothing. */
export const LABEL_PREFIX = 'label.';

/** The scenario JSON with the point's values set at their paths. */
export function applyValues(scenario: Record<string, unknown>, values: Readonly<Record<string, Json>>): Record<string, unknown> {
  const copy = structuredClone(scenario);
  for (const [path, value] of Object.entries(values)) {
    if (path.startsWith(LABEL_PREFIX)) continue;
    setAt(copy, path.match(/[A-Za-z0-9_]+|\[[^\]]+\]/g) ?? [], value, path);
  }
  return copy;
}

type Container = Record<string | number, unknown>;

/** Sets `value` at `parts` under `node`, creating objects and arrays on the way. */
function setAt(node: Container, parts: readonly string[], value: Json, path: string): void {
  const [raw, ...rest] = parts as [string, ...string[]];
  const selector = /^\[([A-Za-z0-9_]+)=(.+)\]$/.exec(raw);
  if (selector) {
    if (!Array.isArray(node)) throw new Error(`sweep path ${path}: ${raw} selects from an array, found ${typeof node}`);
    const [, field, wanted] = selector as unknown as [string, string, string];
    const matches = node.filter((el) => el !== null && typeof el === 'object' && String((el as Container)[field]) === wanted);
    if (matches.length === 0) throw new Error(`sweep path ${path}: no element has ${field} = ${wanted}`);
    for (const el of matches) {
      if (rest.length === 0) throw new Error(`sweep path ${path}: a selector must be followed by a field`);
      setAt(el as Container, rest, value, path);
    }
    return;
  }
  const key: string | number = raw.startsWith('[') ? Number(raw.slice(1, -1)) : raw;
  if (rest.length === 0) {
    node[key] = structuredClone(value);
    return;
  }
  if (node[key] === undefined || node[key] === null) node[key] = (rest[0] as string).startsWith('[') ? [] : {};
  setAt(node[key] as Container, rest, value, path);
}

/** Parses `i/N` (1-based i, as a batch system's array index is easy to turn into). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new InputError({ file: '--shard' }, `takes i/N with 1 ≤ i ≤ N, got "${text}"`);
  return { index, count };
}

export function shardPoints(points: readonly SweepPoint[], shard?: { index: number; count: number }): SweepPoint[] {
  return shard ? points.filter((p) => p.index % shard.count === shard.index - 1) : [...points];
}

/** Rows already in a results file (JSON Lines), by key. */
export function readRows(file: string): Map<string, SweepRow> {
  const rows = new Map<string, SweepRow>();
  if (!existsSync(file)) return rows;
  const lines = readFileSync(file, 'utf8').split('\n');
  const last = lines.findLastIndex((l) => l.trim() !== '');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let row: SweepRow;
    try {
      row = JSON.parse(line) as SweepRow;
    } catch {
      // The last line cut short by an interruption: that point simply runs again.
      if (i === last) return;
      throw new InputError({ file, line: i + 1 }, 'not a JSON row');
    }
    rows.set(row.key, row);
  });
  return rows;
}

export interface SweepOptions {
  readonly threads: number;
  readonly shard?: { index: number; count: number };
  /** Results file (JSON Lines), appended as points finish; existing rows are kept. */
  readonly out: string;
  /** Extracts the metrics a study needs from a run's summary (runs in this thread). */
  readonly metrics: (summary: RunSummary, point: SweepPoint) => Json;
  readonly dataDir?: string;
  readonly onProgress?: (done: number, total: number) => void;
  /** Each run's outcome as it finishes (the bench reads its worker timing). */
  readonly onOutcome?: (outcome: BatchOutcome) => void;
}

/** How any study's work is run: threads, the shard, the rows file, the data folder, progress. */
export type StudyRunOptions = Omit<SweepOptions, 'metrics'>;

/** Runs the points of the sweep (or shard) not yet in `out`; returns all its rows, in index order. */
export async function runSweep(spec: SweepSpec, o: SweepOptions): Promise<SweepRow[]> {
  const points = shardPoints(expandPoints(spec), o.shard);
  const done = readRows(o.out);
  // Start from a clean file: the finished rows only (a line cut off by an interruption goes).
  if (existsSync(o.out)) writeFileAtomic(o.out, [...done.values()].map((r) => `${JSON.stringify(r)}\n`).join(''));
  const todo = points.filter((p) => !done.get(p.key)?.ok);
  const byKey = new Map(todo.map((p) => [p.key, p]));
  let finished = points.length - todo.length;
  o.onProgress?.(finished, points.length);
  await runBatch(
    todo.map((p) => ({
      scenarioText: JSON.stringify(applyValues(spec.scenario, p.values)),
      file: `${spec.name}#${p.index}`,
      seed: p.seed,
      ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
      key: p.key,
    })),
    {
      threads: o.threads,
      onDone: (outcome: BatchOutcome, _n, _total, job) => {
        o.onOutcome?.(outcome);
        const p = byKey.get((job as { key: string }).key) as SweepPoint;
        const row: SweepRow = outcome.ok
          ? { index: p.index, key: p.key, values: p.values, seed: p.seed, ok: true, metrics: o.metrics(outcome.summary, p) }
          : { index: p.index, key: p.key, values: p.values, seed: p.seed, ok: false, metrics: null, error: outcome.error };
        appendFileSync(o.out, `${JSON.stringify(row)}\n`);
        done.set(p.key, row);
        o.onProgress?.(++finished, points.length);
      },
    },
  );
  return points.map((p) => done.get(p.key)).filter((r): r is SweepRow => r !== undefined);
}

/**
 * Merges shard results into the table of the whole sweep, in index order. Refuses overlapping
 * shards that disagree and reports points that no shard ran.
 */
export function mergeRows(files: readonly string[], expected?: number): SweepRow[] {
  const byKey = new Map<string, SweepRow>();
  for (const f of files) {
    for (const row of readRows(f).values()) {
      const seen = byKey.get(row.key);
      if (seen && seen.ok && row.ok && JSON.stringify(seen.metrics) !== JSON.stringify(row.metrics)) {
        throw new ShardMergeError(`point ${row.index} appears in two shards with different results (${f})`);
      }
      if (!seen || (!seen.ok && row.ok)) byKey.set(row.key, row);
    }
  }
  const rows = [...byKey.values()].sort((a, b) => a.index - b.index);
  if (expected !== undefined) {
    const have = new Set(rows.map((r) => r.index));
    const missing = Array.from({ length: expected }, (_, i) => i).filter((i) => !have.has(i));
    if (missing.length > 0) throw new ShardMergeError(`the shards miss ${missing.length} of ${expected} points (first: ${missing.slice(0, 5).join(', ')})`);
  }
  return rows;
}
