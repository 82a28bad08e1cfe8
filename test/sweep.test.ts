/**
 * Sweeps: stable points, grid and list modes, shards that partition the points and merge back
 * into exactly the unsharded result, and resumption that never recomputes a finished point.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyValues, expandPoints, mergeRows, parseShard, readRows, runSweep, shardPoints, SweepSpecSchema } from '../scenarios/sweep.ts';
import type { RunSummary } from '../sim/engine/summary.ts';

const scenario = {
  name: 'sweep-test',
  profile: 'default',
  market: { id: 'ETH', depth: '5000000' },
  prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12T00:00', to: '2020-03-12T03:00' },
  insuranceFund: '10000',
  invariants: 'off',
  agents: [
    { kind: 'noise', count: 4, capital: '10000', params: { meanInterval: 600 } },
    { kind: 'arbitrageur', count: 1, capital: '100000' },
    { kind: 'keeper', count: 1, capital: '100' },
  ],
};
const spec = SweepSpecSchema.parse({
  name: 'test',
  scenario,
  axes: [
    { path: 'market.depth', values: ['2000000', '8000000'] },
    { path: 'label.note', values: ['a'] },
  ],
  seeds: [1, 2],
});
const metrics = (s: RunSummary) => ({ gap: s.prices.meanMarkIndexGap, fund: s.insuranceFund.end, actions: Object.values(s.actions).reduce((a, b) => a + b, 0) });
const tmp = () => mkdtempSync(join(tmpdir(), 'vamm-sweep-'));

describe('sweep points', () => {
  it('expands a grid axis by axis, then seeds, with stable keys', () => {
    const points = expandPoints(spec);
    expect(points.map((p) => [p.values['market.depth'], p.seed])).toEqual([
      ['2000000', 1],
      ['2000000', 2],
      ['8000000', 1],
      ['8000000', 2],
    ]);
    expect(new Set(points.map((p) => p.key)).size).toBe(4);
    expect(expandPoints(spec).map((p) => p.key)).toEqual(points.map((p) => p.key));
  });

  it('list mode pairs the i-th values and refuses axes of different lengths', () => {
    const list = SweepSpecSchema.parse({ ...spec, mode: 'list', axes: [{ path: 'a', values: [1, 2] }, { path: 'b', values: [3, 4] }], seeds: [1] });
    expect(expandPoints(list).map((p) => p.values)).toEqual([{ a: 1, b: 3 }, { a: 2, b: 4 }]);
    expect(() => expandPoints({ ...list, axes: [{ path: 'a', values: [1] }, { path: 'b', values: [3, 4] }] })).toThrow(/axis b has 2 values/);
  });

  it('points mode takes each point as given, then seeds', () => {
    const pts = SweepSpecSchema.parse({ ...spec, mode: 'points', axes: [], points: [{ a: 1 }, { b: 2, 'label.x': 'y' }], seeds: [1, 2] });
    expect(expandPoints(pts).map((p) => [p.values, p.seed])).toEqual([
      [{ a: 1 }, 1],
      [{ a: 1 }, 2],
      [{ b: 2, 'label.x': 'y' }, 1],
      [{ b: 2, 'label.x': 'y' }, 2],
    ]);
    expect(() => SweepSpecSchema.parse({ ...spec, mode: 'points', points: [{ 'bad path!': 1 }] })).toThrow(/dot path/);
  });

  it('selects array elements by a field', () => {
    const out = applyValues(scenario, { 'agents[kind=noise].params.meanInterval': 60, 'agents[kind=keeper].params.never': true }) as typeof scenario;
    expect(out.agents.map((a) => a.params)).toEqual([{ meanInterval: 60 }, undefined, { never: true }]);
    expect(() => applyValues(scenario, { 'agents[kind=whale].capital': '1' })).toThrow(/no element has kind = whale/);
    expect(() => applyValues(scenario, { 'market[kind=x].depth': '1' })).toThrow(/selects from an array/);
  });

  it('sets values at their paths and ignores labels', () => {
    const out = applyValues(scenario, { 'market.depth': '1', 'agents[0].count': 9, 'label.note': 'x' }) as typeof scenario;
    expect(out.market.depth).toBe('1');
    expect(out.agents[0]!.count).toBe(9);
    expect(out).not.toHaveProperty('label');
    expect(scenario.market.depth).toBe('5000000');
  });

  it('cuts shards that partition the points', () => {
    const points = expandPoints(spec);
    const shards = [1, 2, 3].map((i) => shardPoints(points, parseShard(`${i}/3`)));
    expect(shards.flat().map((p) => p.index).sort()).toEqual([0, 1, 2, 3]);
    expect(() => parseShard('0/3')).toThrow(/1 ≤ i ≤ N/);
    expect(() => parseShard('4/3')).toThrow(/1 ≤ i ≤ N/);
  });
});

describe('sweep runs', () => {
  it('merges shards into exactly the unsharded result', async () => {
    const dir = tmp();
    const whole = await runSweep(spec, { threads: 2, out: join(dir, 'whole.jsonl'), metrics });
    const a = await runSweep(spec, { threads: 1, shard: parseShard('1/2'), out: join(dir, 'a.jsonl'), metrics });
    const b = await runSweep(spec, { threads: 1, shard: parseShard('2/2'), out: join(dir, 'b.jsonl'), metrics });
    expect(a.length + b.length).toBe(4);
    const merged = mergeRows([join(dir, 'b.jsonl'), join(dir, 'a.jsonl')], 4);
    expect(merged).toEqual(whole);
    expect(() => mergeRows([join(dir, 'a.jsonl')], 4)).toThrow(/miss 2 of 4 points/);
  }, 120_000);

  it('resumes: finished points are kept, a cut-off last line is run again', async () => {
    const dir = tmp();
    const out = join(dir, 'rows.jsonl');
    const [p0, p1] = expandPoints(spec);
    // A finished row with a marker result, then a line an interruption cut short.
    writeFileSync(out, `${JSON.stringify({ index: p0!.index, key: p0!.key, values: p0!.values, seed: p0!.seed, ok: true, metrics: { marker: 42 } })}\n`);
    appendFileSync(out, JSON.stringify({ index: p1!.index, key: p1!.key }).slice(0, 20));
    const rows = await runSweep(spec, { threads: 2, out, metrics });
    expect(rows).toHaveLength(4);
    expect(rows[0]!.metrics).toEqual({ marker: 42 });
    expect(rows.slice(1).every((r) => r.ok && (r.metrics as { actions: number }).actions > 0)).toBe(true);
    expect(readRows(out).size).toBe(4);
  }, 120_000);
});
