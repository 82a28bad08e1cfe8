import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arm, compare } from '../bench/side-by-side.ts';
import type { ArmResult } from '../bench/side-by-side-run.ts';

const unit = (cpuSeconds: number): ArmResult => ({ run: 'month', units: 1, cpuSeconds, wallSeconds: cpuSeconds });

describe('bench/side-by-side', () => {
  it('reads base over head: above 1 when head is faster, pair by pair', () => {
    const c = compare('month', [unit(4), unit(6), unit(5)], [unit(2), unit(4), unit(10)]);
    expect(c.meanRatio).toBeCloseTo(15 / 16, 12);
    // Pairs 2, 1.5, 0.5: the median pair and the count of pairs where head was faster.
    expect(c.medianPairRatio).toBe(1.5);
    expect(c.headFasterPairs).toBe(2);
  });

  it('reports an arm whose process fails, naming the tree and the run, instead of waiting on it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vamm-side-by-side-empty-'));
    try {
      const failed = arm({ label: 'empty', commit: '0123456789abcdef', root, temporary: false }, 'year', 1);
      await expect(failed).rejects.toThrow(/empty \(01234567\), year: exited 1/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
