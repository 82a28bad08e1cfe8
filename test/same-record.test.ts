/**
 * `sameRecord` is identity on position slots (a record or none), and an optimised caller that
 * has compared only records stays optimised at its first slot with none: a bare `===` there is
 * compiled to check for objects and deoptimises (docs/PERFORMANCE.md: the batch's background
 * threads, fourteenth session). V8 answers through its natives syntax, so that check runs in a
 * child process started with `--allow-natives-syntax`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyPosition } from '../sim/position.ts';
import { sameRecord } from '../sim/same-record.ts';

const root = join(import.meta.dirname, '..');

const probe = `
const { sameRecord } = await import(${JSON.stringify(`${root}/sim/same-record.ts`)});
const bare = (a, b) => a === b;
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)');
const optimiseNext = new Function('f', '%OptimizeFunctionOnNextCall(f)');
const status = new Function('f', 'return %GetOptimizationStatus(f)');
const TURBOFANNED = 1 << 6;
/** A caller of \`eq\` (its own function, so its own feedback) optimised on records only, then handed a slot with none. */
function afterNone(eq) {
  const caller = new Function('eq', 'a', 'b', 'return eq(a, b)');
  const x = { size: 1n };
  const y = { size: 2n };
  prepare(eq);
  prepare(caller);
  caller(eq, x, y);
  caller(eq, x, x);
  optimiseNext(caller);
  caller(eq, y, x);
  const before = (status(caller) & TURBOFANNED) !== 0;
  const answers = [caller(eq, x, undefined), caller(eq, undefined, undefined)];
  return { before, after: (status(caller) & TURBOFANNED) !== 0, answers };
}
console.log(JSON.stringify({ bare: afterNone(bare), sameRecord: afterNone(sameRecord) }));
`;

describe('sameRecord', () => {
  it('is identity on records and none', () => {
    const slots = [{ size: 1n }, { size: 1n }, emptyPosition(), undefined];
    fc.assert(
      fc.property(fc.constantFrom(...slots), fc.constantFrom(...slots), (a, b) => {
        expect(sameRecord(a, b)).toBe(a === b);
      }),
    );
  });

  it('keeps an optimised caller optimised at its first slot with no record (a bare === deoptimises it)', () => {
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1) as string);
    expect(r.bare).toEqual({ before: true, after: false, answers: [false, true] });
    expect(r.sameRecord).toEqual({ before: true, after: true, answers: [false, true] });
  });
});
