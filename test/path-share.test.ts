/**
 * The path's share of an outcome (scenarios/studies/path-share.ts): what a score that sees only
 * the price path could know, from the same paths run under several agents' seeds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathShare } from '../scenarios/studies/path-share.ts';

describe('the path share', () => {
  it('is whole when the agents never change a path’s outcome: the ideal score leaves no variance', () => {
    const row = [0, 5, 0, 70, 300, 12, 0, 9, 41, 1000];
    const s = pathShare([row, row, row], [0.1, 0.3]);
    expect(s.betweenPaths).toBe(1);
    for (const r of Object.values(s.rankCorrelation)) expect(r).toBeCloseTo(1, 12);
    for (const l of s.levels) {
      expect(l.idealFactor).toBe(Number.POSITIVE_INFINITY);
      expect(l.topAgreement).toBe(1);
      expect(l.pathsAlwaysReaching).toBe(l.pathsReaching);
    }
    expect(s.levels.map((l) => [l.x, l.pathsReaching])).toEqual([
      [1000, 1],
      [70, 3],
    ]);
  });

  it('is nothing when every path is the same lottery: the ideal score is worth (K − 1)/K of plain sampling', () => {
    // Seed k gives path i the value v[(i + k) mod 5]: each path sees every value once.
    const v = [0, 0, 0, 100, 1000];
    const outcome = v.map((_, k) => v.map((_, i) => v[(i + k) % 5] as number));
    const s = pathShare(outcome, [0.2]);
    expect(s.betweenPaths).toBe(0);
    const [level] = s.levels;
    expect(level?.x).toBe(1000);
    expect(level?.pathsReaching).toBe(5);
    expect(level?.pathsAlwaysReaching).toBe(0);
    // Each seed's top path is another path.
    expect(level?.topAgreement).toBe(0);
    // p̄(1 − p̄) = 0.16 against σ² = 0.2 · 0.8 · 5/4 = 0.2.
    expect(level?.idealFactor).toBeCloseTo(0.8, 12);
  });

  it('counts a level’s paths on a worked case', () => {
    const s = pathShare(
      [
        [0, 10, 200, 0],
        [0, 0, 300, 50],
      ],
      [0.25],
    );
    // Pooled: 300, 200, 50, 10, 0, 0, 0, 0; the top quarter starts at 200 (two runs, both on path 2).
    expect(s.levels[0]).toMatchObject({ x: 200, pathsReaching: 1, pathsAlwaysReaching: 1, topAgreement: 1, idealFactor: Number.POSITIVE_INFINITY });
    expect(s.mean).toBeCloseTo(70, 12);
  });

  it('is a share, and does not depend on the order of seeds or paths', () => {
    const matrix = fc.integer({ min: 2, max: 6 }).chain((n) => fc.array(fc.array(fc.integer({ min: 0, max: 20 }).map((x) => (x < 12 ? 0 : x * 1000)), { minLength: n, maxLength: n }), { minLength: 2, maxLength: 5 }));
    fc.assert(
      fc.property(matrix, fc.integer(), (outcome, turn) => {
        const s = pathShare(outcome, [0.1, 0.5]);
        expect(s.betweenPaths).toBeGreaterThanOrEqual(0);
        expect(s.betweenPaths).toBeLessThanOrEqual(1);
        const n = (outcome[0] as number[]).length;
        const shift = ((turn % n) + n) % n;
        const rotated = outcome.map((row) => row.map((_, i) => row[(i + shift) % n] as number)).reverse();
        const t = pathShare(rotated, [0.1, 0.5]);
        expect(t.betweenPaths).toBeCloseTo(s.betweenPaths, 9);
        expect(t.levels.map((l) => [l.x, l.pathsReaching, l.pathsAlwaysReaching])).toEqual(s.levels.map((l) => [l.x, l.pathsReaching, l.pathsAlwaysReaching]));
        for (const [j, l] of t.levels.entries()) {
          const f = (s.levels[j] as { idealFactor: number }).idealFactor;
          if (Number.isFinite(f)) expect(l.idealFactor).toBeCloseTo(f, 9);
          else expect(l.idealFactor).toBe(f);
        }
      }),
    );
  });

  it('refuses what it cannot measure, saying why', () => {
    expect(() => pathShare([[1, 2, 3]], [0.1])).toThrow(/two seeds/);
    expect(() => pathShare([[1, 2, 3], [1, 2]], [0.1])).toThrow(/seed 1 has 2 paths/);
    expect(() => pathShare([[1, 2], [1, Number.NaN]], [0.1])).toThrow(/not a finite number/);
    expect(() => pathShare([[1, 2], [1, 2]], [1])).toThrow(/level 1/);
  });
});
