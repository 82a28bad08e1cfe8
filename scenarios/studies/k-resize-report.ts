/** The k-resize study's result as a report document: errors per variant, each variant's runs, the error chart. */
import type { Block, ReportDocument, Section } from '../../reports/document.ts';
import { kResizeErrorChart } from '../../reports/study-charts.ts';
import type { KResizeConfig, KResizeResult } from './k-resize.ts';

const usd = (x: number) => Math.round(x).toLocaleString('en-US');
const usd2 = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const pct = (x: number) => `${(x * 100).toFixed(3)} %`;

export function kResizeDocument(c: KResizeConfig, r: KResizeResult): ReportDocument {
  const cells: Section[] = r.cells.map((cell) => {
    const blocks: Block[] = [];
    if (cell.errors.length) {
      blocks.push({
        kind: 'table',
        columns: ['remap', 'positions', 'mean |error| (USD)', 'max |error| (USD)', 'max |error| / notional', 'exposure per run: mean (min – max) USD'],
        numeric: [1, 2, 3, 4],
        rows: cell.errors.map((e) => [e.remap === 'lazy' ? 'lazy (Perp v1)' : 'none', e.positions, usd2(e.meanAbsError), usd2(e.maxAbsError), pct(e.maxRelativeError), `${usd(e.exposure.mean)} (${usd(e.exposure.min)} – ${usd(e.exposure.max)})`]),
        caption: 'Against the exact remap, on the exact-remap runs; error = what the trader gains (the protocol loses), valued when the trader next acts or at the end.',
      });
    } else {
      blocks.push({ kind: 'status', label: 'not migrated', tone: 'warn', text: `the exact-remap runs refused the migration (${cell.runs.find((x) => x.remap === 'eager')?.failures.join(', ') || 'no runs'})` });
    }
    blocks.push({
      kind: 'table',
      columns: ['run with', 'seeds', 'refused', 'curve cost (USD)', 'exposure (USD)', 'bad debt (USD)', 'insurance fund at end (USD)', 'invariant violations', 'checks not applicable'],
      numeric: [1, 3, 4, 5, 6, 7, 8],
      rows: cell.runs.map((x) => [x.remap, x.seeds, x.failures.join(', ') || '–', usd2(x.cost), usd2(x.exposure), usd2(x.badDebt), usd(x.insuranceFundEnd), x.violations, x.notApplicable]),
      caption: 'Each variant run for real (means over seeds). Curve cost: the change in the net trader position’s value at the migration; charged to the fee budget, unfunded under lazy.',
    });
    if (cell.probes.length) {
      blocks.push({
        kind: 'chart',
        spec: kResizeErrorChart(
          cell.probes.map((p) => ({ trader: `${p.trader} (seed ${p.seed})`, notional: p.notional, error: { lazy: p.lazyError, none: p.noneError } })),
          `k-resize-${r.cells.indexOf(cell)}`,
        ),
      });
    }
    return { id: `cell-${r.cells.indexOf(cell)}`, title: `${cell.window}, depth ×${cell.multiplier}`, blocks };
  });
  return {
    title: 'k-resize: position PnL error by remap',
    subtitle: `Windows: ${c.windows.map((w) => `${w.label} (k changed at ${w.migrateAt})`).join('; ')}. Multipliers ${c.multipliers.join(', ')}; remaps ${c.remaps.join(', ')}; seeds ${c.seeds.join(', ')}.`,
    provenance: `vamm study k-resize${r.failed ? `: ${r.failed} runs failed (see rows.jsonl)` : ''}.`,
    sections: [{ id: 'conclusion', title: 'Conclusion', blocks: [{ kind: 'paragraph', text: r.conclusion }] }, ...cells],
  };
}
