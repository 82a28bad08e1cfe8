/**
 * The liveness checks on the contracts (anvil), against two versions: this tree's, where every
 * property holds under every injected fault, and the contracts as filed with issue 17 (git
 * 2d8cf93: contracts/src checked out into a temporary folder and compiled with the same solc-js
 * and test doubles), where the search itself reports the review's findings 1–5 as violations, each
 * with a shortest script that still shows it there and not on today's contracts.
 */
import { describe, expect, it } from 'vitest';
import { type Artifacts, compileContracts } from '../contracts/harness/compile.ts';
import { checkoutContractsAt } from '../contracts/harness/git-ref.ts';
import { checkLiveness } from '../contracts/harness/liveness.ts';
import type { FaultName } from '../scenarios/liveness/faults.ts';
import { type LivenessReport, searchLiveness } from '../scenarios/liveness/search.ts';

const TIMEOUT = 60 * 60_000;
/** The contracts as they were when the review was filed (issue 17). */
const FILED = '2d8cf93';
/** Small floods and a bound they break on the filed contracts (and a page of 100 remaps does not). */
const OPTIONS = { seeds: 1, gasBound: 5_000_000, flood: { dustAccounts: 600, dustPositions: 200 } } as const;
/** One fault per finding, and the ones that show each part of a finding. */
const FAULTS: FaultName[] = ['oracle-stale', 'oracle-reverts', 'shutdown-bad-debt', 'yield-loss', 'illiquid-breaker', 'illiquid-yield-source', 'dust-accounts', 'over-band-close'];

const violatedFindings = (r: LivenessReport) => new Set(r.rows.filter((x) => x.status === 'violated').map((x) => x.finding));

describe('liveness under injected faults, on the contracts', () => {
  let today: Artifacts;

  it('holds for every property under every fault on this tree’s contracts', { timeout: TIMEOUT }, async () => {
    today = compileContracts({ quiet: true });
    const report = await searchLiveness({ ...OPTIONS, artifacts: today });
    expect(report.rows.filter((x) => x.status === 'violated').map((x) => `${x.fault}/${x.property}: ${x.violation?.message}`)).toEqual([]);
    // Every fault family exercised the property it is about.
    for (const x of report.rows.filter((r) => r.finding)) expect(x.checks, `${x.fault}/${x.property}`).toBeGreaterThan(0);
  });

  it(`finds review findings 1–5 itself on the contracts as filed (git ${FILED}), each with a shortest script`, { timeout: TIMEOUT }, async () => {
    const checkout = checkoutContractsAt(FILED);
    try {
      const filed = compileContracts({ quiet: true, srcDir: checkout.srcDir });
      const report = await searchLiveness({ ...OPTIONS, artifacts: filed, faults: FAULTS });
      expect([...violatedFindings(report)].sort()).toEqual(['1', '2', '3', '4', '5']);
      for (const row of report.rows.filter((x) => x.status === 'violated')) {
        const v = row.violation!;
        expect(v.script.steps.length, `${row.fault}/${row.property}`).toBeLessThanOrEqual(v.foundSteps);
        // The shortest script shows it on the filed contracts, and not on today's.
        const before = await checkLiveness(v.script, { artifacts: filed, gasBound: OPTIONS.gasBound });
        expect(before.violations.some((x) => x.property === row.property), `${row.fault}/${row.property} on ${FILED}`).toBe(true);
        const now = await checkLiveness(v.script, { artifacts: today ?? compileContracts({ quiet: true }), gasBound: OPTIONS.gasBound });
        expect(now.violations.filter((x) => x.property === row.property), `${row.fault}/${row.property} today`).toEqual([]);
      }
      // Finding 4 is shrunk to the smallest flood that breaks the bound there.
      const dust = report.rows.find((x) => x.fault === 'dust-accounts' && x.property === 'admin-gas')!;
      expect(dust.violation!.message).toMatch(/migrateLiquidity used [\d,]+ gas/);
    } finally {
      checkout.remove();
    }
  });
});
