/**
 * Perpetual Protocol v1's and the Tsunami example's conformance vectors, each run as a
 * scripted scenario (test/vectors) and matched to the wei. A second check reads the shared
 * vector files themselves, so every number they expect must appear in our scripts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findShared } from '../data/shared-dir.ts';
import { loadScript } from '../scenarios/script-loader.ts';
import { runScript } from '../scenarios/script-runner.ts';

const ours = join(import.meta.dirname, 'vectors');
const shared = findShared('vectors');
const sharedFiles = readdirSync(shared).filter((f) => f.endsWith('.json'));

/** Every integer-string expected value in a shared vector (keys ending in _wei / _usdc6). */
function expectedNumbers(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => expectedNumbers(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (/(_wei|_usdc6)$/.test(key) && typeof value === 'string') out.push(value);
      else expectedNumbers(value, out);
    }
  }
  return out;
}

describe('conformance vectors', () => {
  it('has a scripted scenario for every shared vector', () => {
    expect(sharedFiles.length).toBeGreaterThanOrEqual(4);
    for (const f of sharedFiles) expect(readdirSync(ours)).toContain(f);
  });

  for (const file of sharedFiles) {
    describe(file, () => {
      const script = loadScript(join(ours, file));
      const run = runScript(script);

      it('runs with every expectation met and every invariant holding', () => {
        expect(run.failures).toEqual([]);
        const checked = run.steps.flatMap((s) => s.expectations);
        expect(checked.length).toBeGreaterThan(0);
        expect(checked.every((e) => e.pass)).toBe(true);
      });

      it('expects exactly the numbers the shared vector states', () => {
        const vector = JSON.parse(readFileSync(join(shared, file), 'utf8'));
        const ourValues = new Set(script.steps.flatMap((s) => Object.values(s.expect ?? {})).map(String));
        const theirs = expectedNumbers(vector);
        expect(theirs.length).toBeGreaterThan(0);
        for (const value of theirs) expect(ourValues, `vector value ${value}`).toContain(value);
      });
    });
  }

  it('AMM rounding: selling back what was bought returns exactly 1 wei less', () => {
    const run = runScript(loadScript(join(ours, 'perp-v1-amm-rounding.json')));
    const paid = BigInt(run.steps.find((s) => s.action === 'ammSwapOutput')!.result!['quote' as never] as string);
    const back = BigInt((run.steps.at(-1)!.result as { value: string }).value);
    expect(paid - back).toBe(1n);
  });
});
