/**
 * The k-resize study's logic: its sweep (window × multiplier × remap × seed, every scenario
 * validated up front) and its analysis on rows with known answers: errors come from the exact-
 * remap runs only, exposure per run is the traders' summed gain, a refused migration is
 * reported, and the conclusion names the worst case of each variant.
 */
import { describe, expect, it } from 'vitest';
import { type KResizeConfig, KResizeConfigSchema, type KResizeMetrics, analyseKResize, kResizeSweep } from '../scenarios/studies/k-resize.ts';
import { kResizeDocument } from '../scenarios/studies/k-resize-report.ts';
import type { SweepRow } from '../scenarios/sweep.ts';
import { chartsOf } from '../reports/document.ts';

const config: KResizeConfig = KResizeConfigSchema.parse({
  environment: { name: 'k', profile: 'default', market: { id: 'ETH', depth: '1000000' }, agents: [{ kind: 'keeper', count: 1, capital: '1' }] },
  windows: [{ label: 'w', prices: { file: 'w5_ftx', gapPolicy: 'carry-forward', from: '2022-11-09', to: '2022-11-10' }, migrateAt: '2022-11-09T12:00' }],
  multipliers: ['2'],
  seeds: [1, 2],
});

const metrics = (over: Partial<KResizeMetrics>): KResizeMetrics => ({
  migrated: true,
  failure: null,
  cost: 0,
  probes: [],
  lazyGain: 0,
  noneGain: 0,
  badDebt: 0,
  insuranceFundEnd: 1000,
  violations: 0,
  notApplicable: 0,
  ...over,
});
const row = (remap: string, seed: number, m: KResizeMetrics): SweepRow => ({
  index: 0,
  key: `${remap}${seed}`,
  values: { 'label.window': 'w', 'label.multiplier': '2', 'label.remap': remap },
  seed,
  ok: true,
  metrics: m as never,
});

describe('k-resize study', () => {
  it('sweeps window × multiplier × remap, then seeds, with the migration in each scenario', () => {
    const spec = kResizeSweep(config);
    expect(spec.points.map((p) => p['label.remap'])).toEqual(['eager', 'lazy', 'none']);
    expect(spec.points[1]!.migrations).toEqual([{ at: '2022-11-09T12:00', multiplier: '2', remap: 'lazy' }]);
    expect(spec.seeds).toEqual([1, 2]);
    expect(() => kResizeSweep({ ...config, windows: [{ ...config.windows[0]!, migrateAt: 'not a time' }] })).toThrow(/migrations/);
  });

  it('measures errors on the exact runs, exposure per run, and names the worst case', () => {
    const probes = [
      { trader: 'a', notional: 1000, lazyError: 10, noneError: -5 },
      { trader: 'b', notional: -500, lazyError: -50, noneError: 20 },
    ];
    const rows = [
      row('eager', 1, metrics({ probes, lazyGain: -40, noneGain: 15 })),
      row('eager', 2, metrics({ probes: [probes[0]!], lazyGain: 10, noneGain: -5 })),
      row('lazy', 1, metrics({ lazyGain: 7, notApplicable: 30 })),
      row('lazy', 2, metrics({ lazyGain: 9, notApplicable: 30 })),
      row('none', 1, metrics({ migrated: false, failure: 'IllegalLiquidityMultiplier', noneGain: 0 })),
      row('none', 2, metrics({ noneGain: 4, cost: 12 })),
    ];
    const r = analyseKResize(config, rows);
    const cell = r.cells[0]!;
    const [lazy, none] = cell.errors;
    expect(lazy).toMatchObject({ remap: 'lazy', positions: 3, meanAbsError: 70 / 3, maxAbsError: 50, maxRelativeError: 0.1, exposure: { mean: -15, min: -40, max: 10 } });
    expect(none).toMatchObject({ remap: 'none', positions: 3, maxAbsError: 20, maxRelativeError: 0.04, exposure: { mean: 5, min: -5, max: 15 } });
    expect(cell.runs.find((x) => x.remap === 'lazy')).toMatchObject({ seeds: 2, exposure: 8, notApplicable: 60 });
    expect(cell.runs.find((x) => x.remap === 'none')).toMatchObject({ failures: ['IllegalLiquidityMultiplier'], cost: 6 });
    expect(cell.runs.find((x) => x.remap === 'eager')!.exposure).toBe(0);
    expect(r.conclusion).toMatch(/lazy remap mis-values positions by up to 10\.00 % of their notional \(w, ×2; traders' gain over the exact remap -40 USD to 10 USD per run\)/);
    expect(r.conclusion).toMatch(/no remap by up to 4\.00 %/);
    expect(chartsOf(kResizeDocument(config, r))).toHaveLength(1);
  });

  it('says so when no exact run migrated', () => {
    const r = analyseKResize(config, [row('eager', 1, metrics({ migrated: false, failure: 'IllegalLiquidityMultiplier' }))]);
    expect(r.cells[0]!.errors).toEqual([]);
    expect(r.conclusion).toBe('No migration went through: nothing to compare.');
  });
});
