/**
 * More of Perp v1's behaviour, from its ClearingHouseTest.ts, each test case as a scripted
 * scenario (test/perp-v1): funding sequences, margin ratios with TWAP and funding, margin
 * changes and their reverts, partial and full liquidations with bad debt. Every number is the
 * original test's; where Perp v1 HEAD differs from an older test, the script says so.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScript } from '../scenarios/script-loader.ts';
import { runScript } from '../scenarios/script-runner.ts';

const dir = join(import.meta.dirname, 'perp-v1');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('Perp v1 ClearingHouseTest cases', () => {
  it('covers funding, margin ratio, margin changes and liquidation', () => {
    for (const prefix of ['funding-', 'margin-ratio-', 'remove-margin', 'add-margin', 'liquidate-']) {
      expect(files.some((f) => f.startsWith(prefix))).toBe(true);
    }
  });

  for (const file of files) {
    it(file.replace(/\.json$/, ''), () => {
      const run = runScript(loadScript(join(dir, file)));
      expect(run.failures).toEqual([]);
      const checks = run.steps.flatMap((s) => s.expectations).length + run.steps.filter((s) => !s.ok).length;
      expect(checks).toBeGreaterThan(0);
      expect(run.invariants?.ledger.checks).toBe(run.steps.length + 1);
    });
  }
});
