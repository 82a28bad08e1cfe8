/**
 * `npm run bench`: figures measured side by side in one run, printed as a table and written
 * as JSON (bench/out/results.json). Speed targets live here, never in timed unit tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { WARM_UP_RUNS, formatBatchTiming } from './batch-timing.ts';
import { backtests, batchSpeedup } from './engine-throughput.ts';
import { crosscheckThroughput } from './crosscheck-throughput.ts';
import { goals, printGoals } from './goals.ts';
import { insuranceThroughput, screenThroughput } from './insurance-throughput.ts';
import { MEASURED_TAIL, varianceEquivalentRates } from './insurance-tail-design.ts';
import { modelThroughput, swapThroughput } from './model-throughput.ts';
import { formatGasComparison, gasBesidePerpV1 } from './gas-beside-perp-v1.ts';
import { formatPerpV1Bench, perpV1Differential } from './perp-v1-differential.ts';

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));

const started = Date.now();
const swaps = swapThroughput();
const model = [...modelThroughput('default'), ...modelThroughput('perp-v1')];

const rows = [
  [swaps.float64.name, fmt(swaps.float64.opsPerSecond), ''],
  [swaps.bigint.name, fmt(swaps.bigint.opsPerSecond), `float64 is ${(swaps.float64.opsPerSecond / swaps.bigint.opsPerSecond).toFixed(1)}× faster`],
  ...model.map((m) => [m.name, fmt(m.opsPerSecond), `float64 swap is ${(swaps.float64.opsPerSecond / m.opsPerSecond).toFixed(0)}× faster`]),
];
const width = Math.max(...rows.map((r) => (r[0] as string).length));
console.log(`model throughput, one core (${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version})`);
console.log(`${'operation'.padEnd(width)}  ops/s      ratio`);
for (const [name, rate, ratio] of rows) console.log(`${(name as string).padEnd(width)}  ${(rate as string).padEnd(9)}  ${ratio}`);

console.log('\nengine (one core unless stated)');
const engine = await backtests();
for (const e of engine) {
  console.log(
    `${e.name.padEnd(40)}  ${e.agents} agents  ${e.seconds.toFixed(1)} s  ${fmt(e.eventsPerSecond)} events/s  ${fmt(e.blocksPerSecond)} blocks/s  (${e.blocks} blocks, ${e.actions} actions; peak RSS ${e.peakRssMiB.toFixed(0)} MiB)`,
  );
}
const batch = await batchSpeedup();
console.log(`batch of ${batch.runs} independent two-day runs (bench/engine-throughput.ts):`);
for (const t of [batch.one, batch.two]) console.log(`  ${formatBatchTiming(t)}`);
console.log(`  2 workers vs 1: ${batch.settledRatio.toFixed(2)}× settled (after every worker's ${batch.two.settledAfter}th run), ${batch.steadyRatio.toFixed(2)}× in steady state (after the ${WARM_UP_RUNS}nd), ${batch.ratio.toFixed(2)}× for the whole batch with start-up`);
const insurance = await insuranceThroughput(Number(process.env.VAMM_BENCH_INSURANCE_PATHS ?? 32), 2);
console.log(`insurance study, seven-day paths at the study's resolution (bench/insurance-throughput.ts):\n  ${formatBatchTiming(insurance, 'paths')}`);
const phase1 = await screenThroughput(Number(process.env.VAMM_BENCH_SCREEN_CANDIDATES ?? 20_000));
console.log(
  `  phase 1, per candidate on one core (${phase1.candidates} ${MEASURED_TAIL.generator} candidates): draw ${phase1.drawMicroseconds.toFixed(1)} µs, largest-move score ${phase1.largestMoveMicroseconds.toFixed(1)} µs, cascade screen ${phase1.screenMicroseconds.toFixed(1)} µs`,
);
const equivalent = varianceEquivalentRates(insurance.steadyRunsPerSecond, phase1);
console.log(`  variance-equivalent paths/s (NOT exact paths/s: plain paths each design is worth for P(D ≥ the ${MEASURED_TAIL.level * 100} % fund) = ${MEASURED_TAIL.p * 100} %, ${MEASURED_TAIL.generator}; N_eq from bench/insurance-tail-design.ts, times from this run):`);
for (const e of equivalent) console.log(`    ${e.name.padEnd(52)} N_eq ${String(e.nEq).padStart(5)} in ${e.seconds.toFixed(0)} s: ${e.pathsPerSecond.toFixed(1)} paths/s`);
const blocks = Number(process.env.VAMM_BENCH_CRASH_BLOCKS ?? 4000);
console.log(`\ncross-check: ${blocks}-block crash log replayed on anvil…`);
const crosscheck = await crosscheckThroughput(blocks);
console.log(`  ${crosscheck.transactions} transactions, ${crosscheck.divergences} divergences`);
// A divergence is a bug, not a figure: say so and fail the run (the figures are still written).
if (crosscheck.divergences + crosscheck.withViews.divergences + crosscheck.perTransaction.divergences > 0) {
  console.error('  the model and the contracts diverged: run `npx vamm crosscheck --crash <blocks> --out <file>` to see where');
  process.exitCode = 1;
}
console.log(
  `  replay against anvil  ${crosscheck.chainTransactionsPerSecond.toFixed(1)} tx/s, the state compared once per block (${crosscheck.transactionsPerBlock.toFixed(1)} transactions per block); events, statuses and reverts per transaction`,
);
console.log(
  `  the same log, the state compared after every transaction: ${crosscheck.perTransaction.transactionsPerSecond.toFixed(1)} tx/s (per block is ${(crosscheck.chainTransactionsPerSecond / crosscheck.perTransaction.transactionsPerSecond).toFixed(2)}× faster)`,
);
const v = crosscheck.withViews;
console.log(`  with every position's views too: ${v.transactionsPerSecond.toFixed(1)} tx/s (${v.blocks}-block log, ${v.transactions} transactions, ${v.divergences} divergences)`);
console.log(`  model on the same log ${fmt(crosscheck.modelActionsPerSecond)} actions/s  (the model is ${crosscheck.ratio.toFixed(0)}× faster)`);
console.log('  gas per operation (min / median / max):');
for (const [op, g] of Object.entries(crosscheck.gas)) console.log(`    ${op.padEnd(26)} ${String(g.count).padStart(5)} × ${g.min} / ${g.median} / ${g.max}`);

const v1Steps = Number(process.env.VAMM_BENCH_PERP_V1_STEPS ?? 10_000);
console.log(`\nperp-v1 twin: seeded random differential on Perp v1 2.2.0's bytecode, ≥ ${v1Steps} compared steps…`);
const perpV1 = await perpV1Differential(v1Steps);
process.stdout.write(formatPerpV1Bench(perpV1));
if (perpV1.failure) process.exitCode = 1;

console.log('\ngas per operation, the same scenario on both twins (bench/gas-beside-perp-v1.ts):');
const gasComparison = await gasBesidePerpV1();
process.stdout.write(formatGasComparison(gasComparison));
if (gasComparison.divergences.default + gasComparison.divergences.perpV1 > 0) process.exitCode = 1;

const slowdown = (name: string) => swaps.float64.opsPerSecond / (model.find((m) => m.name === name)?.opsPerSecond ?? Number.NaN);
const goalRows = goals({
  slowdown: {
    'default: openPosition': slowdown('default: openPosition'),
    'perp-v1: openPosition': slowdown('perp-v1: openPosition'),
    'default: liquidate': slowdown('default: liquidate'),
    'perp-v1: liquidate': slowdown('perp-v1: liquidate'),
  },
  yearSeconds: engine[0]?.seconds ?? Number.NaN,
  monthSeconds: engine[1]?.seconds ?? Number.NaN,
  insurancePathsPerSecond: insurance.steadyRunsPerSecond,
  insuranceWithStartUp: insurance.runs / insurance.seconds,
  insuranceVarianceEquivalent: (() => {
    const best = equivalent.reduce((a, e) => (e.pathsPerSecond > a.pathsPerSecond ? e : a));
    return { study: equivalent[0]?.pathsPerSecond ?? Number.NaN, best: best.pathsPerSecond, bestName: best.name };
  })(),
  batchSpeedup: batch.settledRatio,
  batchSteady: batch.steadyRatio,
  batchWithStartUp: batch.ratio,
  replayTransactionsPerSecond: crosscheck.chainTransactionsPerSecond,
});
printGoals(goalRows);
const load = os.loadavg();
console.log(`load average during the run: ${load.map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min) on ${os.cpus().length} cores: seconds are only judged idle`);

const out = join(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
const results = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  seconds: (Date.now() - started) / 1000,
  swaps,
  model,
  engine,
  batch,
  insurance,
  insurancePhase1: phase1,
  insuranceVarianceEquivalent: equivalent,
  goals: goalRows,
  loadAverage: load,
  ratios: Object.fromEntries(model.map((m) => [m.name, swaps.float64.opsPerSecond / m.opsPerSecond])),
  crosscheck,
  perpV1,
  gasBesidePerpV1: gasComparison,
};
writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten bench/out/results.json (${results.seconds.toFixed(1)} s)`);
