/**
 * A study's findings are not run failures: the insurance study's grid cell whose stated book
 * cannot be held at its depth is shown as infeasible in the result, and `vamm study` exits 0 for
 * it, while any other failed run still fails the command.
 */
import { describe, expect, it } from 'vitest';
import { STUDIES } from '../scenarios/studies/registry.ts';
import { infeasibleGridBook } from '../scenarios/studies/insurance.ts';
import type { SweepRow } from '../scenarios/sweep.ts';

const row = (set: string, ok: boolean, error?: string): SweepRow => ({
  index: 0,
  key: 'k',
  values: { 'label.set': set, 'label.cell': 'OI ×2 · aggressive · depth 20M', 'label.oi': 2 },
  seed: 1,
  ok,
  ...(error !== undefined ? { error } : {}),
  ...(ok ? { metrics: {} } : {}),
}) as SweepRow;

describe('study findings', () => {
  const book = 'insurance#3920 seed 1: book: long-4-1 cannot hold 12x on 487111 USD at this depth (FreeCollateralNotEnough)';

  it('names a grid cell whose stated book cannot be held, and nothing else', () => {
    expect(infeasibleGridBook(row('grid', false, book))).toBe('long-4-1 cannot hold 12x on 487111 USD at this depth (FreeCollateralNotEnough)');
    // The same error outside the grid is a run that failed: the base book is the user's own statement.
    expect(infeasibleGridBook(row('stress', false, book))).toBeNull();
    // A grid run that broke for another reason is a failure.
    expect(infeasibleGridBook(row('grid', false, 'insurance#3921 seed 1: worker exited with code 1'))).toBeNull();
    expect(infeasibleGridBook(row('grid', true))).toBeNull();
  });

  it('is what the insurance study reports as a finding; the other studies have none', () => {
    expect(STUDIES.insurance.finding(row('grid', false, book))).not.toBeNull();
    expect('finding' in STUDIES['funding-cap']).toBe(false);
    expect('finding' in STUDIES['k-resize']).toBe(false);
  });
});
