/**
 * `vamm data list | validate | show | compose`: the files themselves.
 */
import type { Command } from 'commander';
import { CANDLE_HEADER, loadCandles } from '../../data/candle-loader.ts';
import { isoTime } from '../../data/candle-series.ts';
import { type DataFileInfo, detectKind, listDataFiles } from '../../data/catalog.ts';
import { composeSeries, resolutionAt } from '../../data/compose.ts';
import { candleRow, candlesCsv, roundsCsv, writeCandles } from '../../data/csv-writers.ts';
import { describeGap, describeGaps, findGaps, formatDuration, summariseGaps } from '../../data/gaps.ts';
import { loadRounds } from '../../data/round-loader.ts';
import { findDataDir } from '../../data/shared-dir.ts';
import { type OutputOptions, dataFile, dataFlag, emit, gapPolicyOption, timeOption } from './data-io.ts';

function day(t: number | undefined): string {
  return t === undefined || !Number.isFinite(t) ? '?' : isoTime(t).replace(':00Z', 'Z').replace('T', ' ');
}

function listTable(dir: string, files: readonly DataFileInfo[]): string {
  const rows = files.map((f) => [
    f.file,
    f.kind,
    `${f.venue} ${f.quote}`,
    f.kind === 'rounds' ? 'rounds' : f.resolution ? formatDuration(f.resolution) : '?',
    `${day(f.from)} → ${day(f.to)}`,
    String(f.rows),
  ]);
  const head = ['file', 'kind', 'venue', 'res.', 'span (UTC)', 'rows'];
  const width = head.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] as string).length)));
  const fmt = (r: string[]) => r.map((c, k) => (k === r.length - 1 ? c.padStart(width[k] as number) : c.padEnd(width[k] as number))).join('  ');
  return `${dir}\n${fmt(head)}\n${rows.map(fmt).join('\n')}\n`;
}

export function registerDataFileCommands(data: Command): void {
  data
    .command('list')
    .description('what price data is available: venue, resolution, span, rows')
    .option('--json', 'print JSON')
    .option('-o, --out <file>', 'also write the list as JSON')
    .action((opts: OutputOptions, cmd: Command) => {
      const dir = findDataDir(dataFlag(cmd));
      const files = listDataFiles(dir);
      emit(opts, { dir, files }, () => listTable(dir, files));
    });

  data
    .command('validate')
    .description('validate a candle or Chainlink round file completely; report its gaps')
    .argument('<file>', 'a path, or a file name (or prefix) in the data folder')
    .option('--gaps <policy>', 'refuse | skip | carry-forward: "refuse" turns gaps into an error', 'skip')
    .option('--json', 'print JSON')
    .option('-o, --out <file>', 'also write the report as JSON')
    .action(async (arg: string, opts: OutputOptions & { gaps?: string }, cmd: Command) => {
      const file = dataFile(arg, cmd);
      const started = performance.now();
      if (detectKind(file) === 'rounds') {
        const { rounds } = await loadRounds(file);
        const ms = performance.now() - started;
        const first = rounds[0];
        const last = rounds[rounds.length - 1];
        const result = { file, kind: 'rounds', rows: rounds.length, from: first?.updatedAt, to: last?.updatedAt, loadMs: Math.round(ms) };
        emit(opts, result, () => `${file}\nvalid: ${rounds.length} Chainlink rounds, ${day(first?.updatedAt)} → ${day(last?.updatedAt)} (${ms.toFixed(0)} ms)\n`);
        return;
      }
      const series = await loadCandles(file, { gapPolicy: gapPolicyOption(opts.gaps, 'skip') });
      const ms = performance.now() - started;
      const gaps = series.gaps!;
      const n = series.time.length;
      const result = {
        file,
        kind: 'candles',
        rows: n - gaps.filled,
        resolution: series.resolution,
        from: series.time[0],
        to: series.time[n - 1],
        gaps,
        loadMs: Math.round(ms),
      };
      emit(opts, result, () => {
        const lines = [
          file,
          `valid: ${n - gaps.filled} candles at ${formatDuration(series.resolution)}, ${day(series.time[0])} → ${day(series.time[n - 1])} (${ms.toFixed(0)} ms)`,
          `gaps: ${describeGaps(gaps)}`,
          ...gaps.gaps.slice(0, 40).map((g) => `  ${describeGap(g, series.resolution)}`),
          ...(gaps.gaps.length > 40 ? [`  … ${gaps.gaps.length - 40} more (see --json)`] : []),
        ];
        return `${lines.join('\n')}\n`;
      });
    });

  data
    .command('show')
    .description('print the candles (or rounds) of a file between two times, as normalised CSV')
    .argument('<file>', 'a path, or a file name (or prefix) in the data folder')
    .option('--from <time>', 'first candle open (unix seconds or ISO date, UTC)')
    .option('--to <time>', 'end (exclusive)')
    .option('--gaps <policy>', 'refuse | skip | carry-forward', 'skip')
    .option('--json', 'print JSON rows instead of CSV')
    .option('-o, --out <file>', 'write the CSV to a file instead of stdout')
    .action(async (arg: string, opts: OutputOptions & { from?: string; to?: string; gaps?: string }, cmd: Command) => {
      const file = dataFile(arg, cmd);
      const from = timeOption('--from', opts.from);
      const to = timeOption('--to', opts.to);
      if (detectKind(file) === 'rounds') {
        const { rounds } = await loadRounds(file, { from, to });
        if (opts.json) process.stdout.write(`${JSON.stringify(rounds, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
        else process.stdout.write(roundsCsv(rounds));
        return;
      }
      const series = await loadCandles(file, { gapPolicy: gapPolicyOption(opts.gaps, 'skip'), from, to });
      if (series.gaps && series.gaps.count > 0) process.stderr.write(`note: ${describeGaps(series.gaps)} (policy ${series.gaps.policy})\n`);
      if (opts.out) writeCandles(opts.out, series);
      else if (opts.json) {
        const rows = series.time.map((_, i) => Object.fromEntries(candleRow(series, i).split(',').map((v, k) => [CANDLE_HEADER[k], k === 0 ? Number(v) : v])));
        process.stdout.write(`${JSON.stringify(rows)}\n`);
      } else process.stdout.write(candlesCsv(series));
    });

  data
    .command('compose')
    .description('splice 1-minute / 5-minute windows into an hourly history: one series, high resolution where it matters')
    .requiredOption('--base <file>', 'the coarse history (e.g. eth_usdt_binance_spot_1h)')
    .requiredOption('--window <files...>', 'finer windows to splice in (e.g. w1_black w2_may19)')
    .option('--from <time>', 'keep the composed series from this time')
    .option('--to <time>', 'until this time (exclusive)')
    .option('--gaps <policy>', 'gap policy for the base history: refuse | skip | carry-forward', 'skip')
    .option('-o, --out <file>', 'write the composed series as normalised CSV')
    .option('--json', 'print the splice report as JSON')
    .action(async (opts: OutputOptions & { base: string; window: string[]; from?: string; to?: string; gaps?: string }, cmd: Command) => {
      const policy = gapPolicyOption(opts.gaps, 'skip');
      const from = timeOption('--from', opts.from);
      const to = timeOption('--to', opts.to);
      const base = await loadCandles(dataFile(opts.base, cmd), { gapPolicy: policy, from, to });
      const windows = [];
      for (const w of opts.window) windows.push(await loadCandles(dataFile(w, cmd), { gapPolicy: 'refuse' }));
      const { series, splices } = composeSeries(base, windows);
      const gaps = summariseGaps(findGaps(series.time, series.resolution, undefined, (i) => resolutionAt(series, i - 1)), series.resolution, policy);
      if (opts.out) writeCandles(opts.out, series);
      const result = { rows: series.time.length, segments: series.segments, splices, gaps: { count: gaps.count, missingBars: gaps.missingBars } };
      emit({ json: opts.json }, result, () => {
        const lines = [`composed ${series.time.length} candles in ${series.segments.length} segments; ${describeGaps(gaps)}`];
        for (const s of splices) {
          lines.push(
            `  ${day(s.from)} → ${day(s.to)}: ${s.bars} bars at ${formatDuration(s.resolution)} replace ${s.replaced} base bars; aggregated close vs base: max diff ${(s.maxCloseDiff * 100).toFixed(4)} % over ${s.compared}`,
          );
        }
        if (opts.out) lines.push(`written to ${opts.out}`);
        return `${lines.join('\n')}\n`;
      });
    });
}
