/**
 * The k-resize study. Mid-window the owner multiplies the vAMM's depth, once per remap variant:
 * exact (eager, every position remapped at once to keep its exit value), Perp v1's lazy remap
 * (each position remapped when its trader next acts, from the flow since) and none. Every run
 * probes every position open at the migration when its trader next acts, valuing all three
 * remaps on the curve of that moment (sim/engine/remap-probe.ts), so each position's PnL error
 * against the exact mapping is measured on the path the market actually took. The protocol's
 * exposure is what traders gain over the exact mapping, summed; each variant's real run also
 * shows what it did to the books (the curve cost it charged, invariants, the insurance fund).
 */
import { z } from 'zod';
import type { RunSummary } from '../../sim/engine/summary.ts';
import type { Json } from '../../sim/state-view.ts';
import { parseRunScenario } from '../run-loader.ts';
import { LABEL_PREFIX, type SweepPoint, type SweepRow, type SweepSpec } from '../sweep.ts';

const REMAPS = ['eager', 'lazy', 'none'] as const;
type Remap = (typeof REMAPS)[number];

export const KResizeConfigSchema = z.strictObject({
  name: z.string().default('k-resize'),
  /** The environment: a run scenario without prices or migrations. */
  environment: z.record(z.string(), z.unknown()),
  /** Price windows, each with the time of the k change. */
  windows: z.array(z.strictObject({ label: z.string().min(1), prices: z.record(z.string(), z.unknown()), migrateAt: z.string().min(1) })).min(1),
  /** Depth multipliers (the price stays; k changes by the square). */
  multipliers: z.array(z.string().regex(/^\d+(\.\d{1,18})?$/)).min(1),
  remaps: z.array(z.enum(REMAPS)).min(1).default([...REMAPS]),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([1]),
  timeoutMs: z.number().int().positive().optional(),
});

export type KResizeConfig = z.output<typeof KResizeConfigSchema>;

/** Points: window × multiplier × remap, then seeds. Every point's scenario is validated first. */
export function kResizeSweep(c: KResizeConfig): SweepSpec {
  const points: Array<Record<string, Json>> = [];
  for (const w of c.windows) {
    for (const multiplier of c.multipliers) {
      for (const remap of c.remaps) {
        const migrations = [{ at: w.migrateAt, multiplier, remap }];
        parseRunScenario(JSON.stringify({ ...c.environment, prices: w.prices, migrations }), `${c.name}: ${w.label}`);
        points.push({ prices: w.prices as Json, migrations, 'label.window': w.label, 'label.multiplier': multiplier, 'label.remap': remap });
      }
    }
  }
  return { name: c.name, scenario: { ...c.environment }, mode: 'points', axes: [], points, seeds: c.seeds, ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) };
}

export interface KResizeProbe {
  readonly trader: string;
  /** Exit value of the exactly remapped position when probed (USD, shorts negative). */
  readonly notional: number;
  readonly lazyError: number;
  readonly noneError: number;
}

export interface KResizeMetrics {
  /** Whether the migration went through (the contracts may refuse it). */
  readonly migrated: boolean;
  readonly failure: string | null;
  /** Change in the net trader position's value at the migration (charged, or unfunded under lazy). */
  readonly cost: number;
  readonly probes: KResizeProbe[];
  readonly lazyGain: number;
  readonly noneGain: number;
  readonly badDebt: number;
  readonly insuranceFundEnd: number;
  readonly violations: number;
  readonly notApplicable: number;
}

export function kResizeMetrics(_c: KResizeConfig, s: RunSummary, _p: SweepPoint): Json {
  const mg = s.migrations[0];
  const checks = (s.invariants.checks ?? {}) as Record<string, { notApplicable: number }>;
  const metrics: KResizeMetrics = {
    migrated: mg !== undefined,
    failure: s.adminFailures[0]?.reason ?? null,
    cost: mg ? Number(mg.cost) : 0,
    probes: (mg?.probes ?? []).map((p) => ({ trader: p.trader, notional: Number(p.exactValue), lazyError: Number(p.lazyError), noneError: Number(p.noneError) })),
    lazyGain: mg ? Number(mg.lazy.traderGain) : 0,
    noneGain: mg ? Number(mg.none.traderGain) : 0,
    badDebt: Number(s.badDebt.total),
    insuranceFundEnd: Number(s.insuranceFund.end),
    violations: Object.values(s.invariants.violations).reduce((a, b) => a + b, 0),
    notApplicable: Object.values(checks).reduce((a, x) => a + x.notApplicable, 0),
  };
  return metrics as unknown as Json;
}

/** One variant's position errors against the exact remap, over the positions of every seed. */
export interface VariantErrors {
  readonly remap: 'lazy' | 'none';
  readonly positions: number;
  readonly meanAbsError: number;
  readonly maxAbsError: number;
  /** Largest |error| as a share of the position's notional. */
  readonly maxRelativeError: number;
  /** Σ traders' gain over the exact remap per run (the protocol's exposure): mean, min, max over seeds. */
  readonly exposure: { readonly mean: number; readonly min: number; readonly max: number };
}

export interface KResizeCell {
  readonly window: string;
  readonly multiplier: string;
  /** Errors measured on the exact-remap runs (the path the market takes when the protocol gets it right). */
  readonly errors: VariantErrors[];
  /** Each variant's own runs: what it did to the books. */
  readonly runs: Array<{
    readonly remap: Remap;
    readonly seeds: number;
    readonly failures: string[];
    readonly cost: number;
    /** The protocol's exposure in these runs: traders' gain under this run's own remap. */
    readonly exposure: number;
    readonly badDebt: number;
    readonly insuranceFundEnd: number;
    readonly violations: number;
    readonly notApplicable: number;
  }>;
  readonly probes: Array<KResizeProbe & { readonly seed: number }>;
}

export interface KResizeResult {
  readonly cells: KResizeCell[];
  readonly failed: number;
  readonly conclusion: string;
}

const label = (r: SweepRow, k: string) => r.values[`${LABEL_PREFIX}${k}`] as string;
const metricsOf = (r: SweepRow) => r.metrics as unknown as KResizeMetrics;
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function variantErrors(rows: readonly SweepRow[], remap: 'lazy' | 'none'): VariantErrors {
  const errorOf = (p: KResizeProbe) => (remap === 'lazy' ? p.lazyError : p.noneError);
  const probes = rows.flatMap((r) => metricsOf(r).probes);
  const abs = probes.map((p) => Math.abs(errorOf(p)));
  const gains = rows.map((r) => (remap === 'lazy' ? metricsOf(r).lazyGain : metricsOf(r).noneGain));
  return {
    remap,
    positions: probes.length,
    meanAbsError: mean(abs),
    maxAbsError: Math.max(0, ...abs),
    maxRelativeError: Math.max(0, ...probes.map((p) => (p.notional === 0 ? 0 : Math.abs(errorOf(p) / p.notional)))),
    exposure: { mean: mean(gains), min: Math.min(...gains), max: Math.max(...gains) },
  };
}

export function analyseKResize(c: KResizeConfig, rows: readonly SweepRow[]): KResizeResult {
  const ok = rows.filter((r) => r.ok);
  const cells: KResizeCell[] = [];
  for (const w of c.windows) {
    for (const multiplier of c.multipliers) {
      const here = ok.filter((r) => label(r, 'window') === w.label && label(r, 'multiplier') === multiplier);
      const exact = here.filter((r) => label(r, 'remap') === 'eager' && metricsOf(r).migrated);
      cells.push({
        window: w.label,
        multiplier,
        errors: exact.length ? [variantErrors(exact, 'lazy'), variantErrors(exact, 'none')] : [],
        runs: c.remaps.map((remap) => {
          const rs = here.filter((r) => label(r, 'remap') === remap);
          const ms = rs.map(metricsOf);
          return {
            remap,
            seeds: rs.length,
            failures: [...new Set(ms.flatMap((m) => (m.failure ? [m.failure] : [])))],
            cost: mean(ms.map((m) => m.cost)),
            exposure: mean(ms.map((m) => (remap === 'lazy' ? m.lazyGain : remap === 'none' ? m.noneGain : 0))),
            badDebt: mean(ms.map((m) => m.badDebt)),
            insuranceFundEnd: mean(ms.map((m) => m.insuranceFundEnd)),
            violations: ms.reduce((a, m) => a + m.violations, 0),
            notApplicable: ms.reduce((a, m) => a + m.notApplicable, 0),
          };
        }),
        probes: exact.flatMap((r) => metricsOf(r).probes.map((p) => ({ ...p, seed: r.seed }))),
      });
    }
  }
  return { cells, failed: rows.length - ok.length, conclusion: conclude(cells) };
}

function conclude(cells: readonly KResizeCell[]): string {
  const worst = (remap: 'lazy' | 'none') =>
    cells
      .flatMap((c) => c.errors.filter((e) => e.remap === remap).map((e) => ({ c, e })))
      .reduce<{ c: KResizeCell; e: VariantErrors } | null>((a, x) => (a === null || x.e.maxRelativeError > a.e.maxRelativeError ? x : a), null);
  const lazy = worst('lazy');
  const none = worst('none');
  if (!lazy || !none) return 'No migration went through: nothing to compare.';
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const usd = (x: number) => `${Math.round(x).toLocaleString('en-US')} USD`;
  return (
    `Only the exact remap keeps every position's exit value. Perp v1's lazy remap mis-values positions by up to ${pct(lazy.e.maxRelativeError)} of their notional ` +
    `(${lazy.c.window}, ×${lazy.c.multiplier}; traders' gain over the exact remap ${usd(lazy.e.exposure.min)} to ${usd(lazy.e.exposure.max)} per run), and it grows with the flow between the migration and each trader's next action; ` +
    `no remap by up to ${pct(none.e.maxRelativeError)} (${none.c.window}, ×${none.c.multiplier}; ${usd(none.e.exposure.min)} to ${usd(none.e.exposure.max)} per run). ` +
    'Migrate with the exact remap, charging its curve cost to the fee budget.'
  );
}
