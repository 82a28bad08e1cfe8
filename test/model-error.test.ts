/** A model revert carries its reason and amounts, not a stack (sim/errors.ts): it is control flow, caught where its transaction ends. */
import { describe, expect, it } from 'vitest';
import { ModelError, REVERT_REASONS, isModelError, requireWith } from '../sim/errors.ts';

describe('ModelError', () => {
  it('names its reason and amounts without capturing stack frames, and leaves other errors their stacks', () => {
    let caught: unknown;
    try {
      requireWith(false, 'BadDebt', () => ({ badDebt: 12n }));
    } catch (e) {
      caught = e;
    }
    expect(isModelError(caught)).toBe(true);
    const e = caught as ModelError;
    expect(e.message).toBe('BadDebt: badDebt 12');
    expect(e.legacyReason).toBe(REVERT_REASONS.BadDebt);
    expect(e.values).toEqual({ badDebt: 12n });
    expect(e.stack ?? '').not.toMatch(/\n\s+at /);
    // The limit is put back: an ordinary error still has its frames.
    expect(new Error('bug').stack ?? '').toMatch(/\n\s+at /);
  });
});
