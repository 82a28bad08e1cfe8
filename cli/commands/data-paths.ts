/**
 * `vamm data facts | generate`: the generators' stylised facts side by side with the history,
 * and seeded price paths (generated, or a crash window replayed from any price).
 */
import type { Command } from 'commander';
import { loadCandles } from '../../data/candle-loader.ts';
import { isoTime } from '../../data/candle-series.ts';
import { ALL_FACTS, type FactVerdict, TOLERANCES, checkFacts } from '../../data/fact-check.ts';
import { writeFileAtomic } from '../../data/atomic-write.ts';
import { drawReturns, toPricePath } from '../../data/generators/paths.ts';
import { GENERATOR_NAMES, type GeneratorName, fitGenerator, isGeneratorName } from '../../data/generators/registry.ts';
import { type PricePath, replayWindow } from '../../data/generators/replay.ts';
import type { ReturnGenerator } from '../../data/generators/types.ts';
import { type GeneratorFacts, generatorFacts } from '../../data/generator-facts.ts';
import { HOURLY_HISTORY, type History, TRAINING, loadHistory } from '../../data/history.ts';
import { InputError } from '../../data/input-error.ts';
import { resample } from '../../data/resample.ts';
import { type StylisedFacts, stylisedFacts } from '../../data/stylized-facts.ts';
import { seedFrom } from '../../data/prng.ts';
import { formatDuration } from '../../data/gaps.ts';
import { toWei } from '../../sim/math/units.ts';
import { weiToDecimal } from '../../data/wei-text.ts';
import { type OutputOptions, dataFile, durationOption, emit, numberOption, progressBar, timeOption } from './data-io.ts';

interface HistoryOptions {
  history?: string;
  from?: string;
  to?: string;
  resolution?: string;
}

function historyOptions(cmd: Command): Command {
  return cmd
    .option('--history <file>', 'candles to fit on', HOURLY_HISTORY)
    .option('--from <time>', 'training period start', isoTime(TRAINING.from))
    .option('--to <time>', 'training period end (exclusive)', isoTime(TRAINING.to))
    .option('--resolution <duration>', 'resolution of the returns (a multiple of the history\'s)');
}

async function history(opts: HistoryOptions, cmd: Command): Promise<History> {
  const file = dataFile(opts.history ?? HOURLY_HISTORY, cmd);
  const h = await loadHistory(file, { from: timeOption('--from', opts.from), to: timeOption('--to', opts.to) });
  const res = durationOption('--resolution', opts.resolution);
  if (res === undefined || res === h.resolution) return h;
  if (res % h.resolution !== 0) throw new InputError({ file: '--resolution' }, `${res}s is not a multiple of the history's ${h.resolution}s`);
  return loadHistory(file, { from: timeOption('--from', opts.from), to: timeOption('--to', opts.to), resolution: res });
}

interface EvalOptions {
  evalFrom?: string;
  evalTo?: string;
}

/** The held-out history (same file and resolution as the training one), if asked for. */
async function evaluationHistory(opts: HistoryOptions & EvalOptions, train: History, cmd: Command): Promise<History | undefined> {
  if (opts.evalFrom === undefined) {
    if (opts.evalTo !== undefined) throw new InputError({ file: '--eval-to' }, 'needs --eval-from');
    return undefined;
  }
  const file = dataFile(opts.history ?? HOURLY_HISTORY, cmd);
  const from = timeOption('--eval-from', opts.evalFrom) as number;
  const to = timeOption('--eval-to', opts.evalTo) ?? Number.MAX_SAFE_INTEGER;
  const trainTo = timeOption('--to', opts.to) ?? TRAINING.to;
  if (from < trainTo) throw new InputError({ file: '--eval-from' }, `the held-out period must start at or after the training period's end (${isoTime(trainTo)})`);
  return loadHistory(file, { from, to, resolution: train.resolution });
}

function generatorList(text: string | undefined): GeneratorName[] {
  const names = (text ?? GENERATOR_NAMES.join(',')).split(',').map((s) => s.trim());
  for (const n of names) if (!isGeneratorName(n)) throw new InputError({ file: '--generators' }, `unknown generator "${n}" (one of ${GENERATOR_NAMES.join(', ')})`);
  return names as GeneratorName[];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/**
 * The facts side by side: reference columns (the history; with a held-out evaluation, the
 * training period and the held-out period, the last being what the checks compare with), then
 * one column per generator marked ✓/✗.
 */
export function factsTable(refs: ReadonlyArray<{ label: string; facts: StylisedFacts }>, rows: ReadonlyArray<{ gen: ReturnGenerator; facts: GeneratorFacts; verdicts: FactVerdict[] }>): string {
  const cols = [...refs.map((r) => r.label), ...rows.map((r) => r.gen.name)];
  const all = [...refs.map((r) => r.facts), ...rows.map((r) => r.facts.facts)];
  const mark = (k: number, fact: string) => {
    if (k < refs.length) return '';
    const r = rows[k - refs.length] as (typeof rows)[number];
    const v = r.verdicts.find((x) => x.fact === fact);
    const claimed = r.gen.reproduces.includes(fact as never);
    return v ? `${v.pass ? ' ✓' : ' ✗'}${claimed ? '' : '·'}` : '';
  };
  const line = (label: string, fact: string, f: (s: StylisedFacts) => string) => [label, ...all.map((s, k) => `${f(s)}${mark(k, fact)}`)];
  const acf = (s: StylisedFacts, lags: number[]) => lags.map((l) => (s.acfAbs[l - 1] as number).toFixed(2)).join('/');
  const table = [
    ['fact', ...cols],
    line('volatility (per bar)', 'volatility', (s) => pct(s.volatility)),
    line('  annualised', 'volatility', (s) => pct(s.annualisedVolatility)),
    line('excess kurtosis', 'excessKurtosis', (s) => s.excessKurtosis.toFixed(1)),
    line('ACF |r| lag 1/6/12/24', 'acfAbs', (s) => acf(s, [1, 6, 12, 24])),
    line('quantile 1 %', 'quantiles', (s) => pct(s.q01)),
    line('quantile 99 %', 'quantiles', (s) => pct(s.q99)),
    line('worst 1h fall', 'drawdowns', (s) => pct(s.worstDrawdown1h)),
    line('worst 24h fall', 'drawdowns', (s) => pct(s.worstDrawdown24h)),
  ];
  const width = cols.map((_, k) => Math.max(...table.map((r) => (r[k + 1] as string).length)));
  const first = Math.max(...table.map((r) => (r[0] as string).length));
  return table.map((r) => [(r[0] as string).padEnd(first), ...r.slice(1).map((c, k) => c.padStart((width[k] as number) + 1))].join('  ')).join('\n');
}

export function registerDataPathCommands(data: Command): void {
  historyOptions(
    data
      .command('facts')
      .description('stylised facts of each generator next to the history it was fitted on, with the tolerance checks')
      .option('--generators <names>', `comma-separated (${GENERATOR_NAMES.join(', ')})`)
      .option('--replicates <n>', 'samples as long as the history', '8')
      .option('--paths <n>', 'paths per sample (each sample is paths × steps ≈ the history)', '16')
      .option('--seed <seed>', 'seed (a number or a word)', '2024')
      .option('--eval-from <time>', 'held-out evaluation: fit on the training period, compare with the history from this time')
      .option('--eval-to <time>', 'end of the held-out period (exclusive; default: the end of the file)')
      .option('--mdn <dir>', 'the trained mdn model to use (default: the shipped one)')
      .option('--json', 'print JSON')
      .option('-o, --out <file>', 'also write JSON')
      .option('-q, --quiet', 'no progress'),
  ).action(async (opts: OutputOptions & HistoryOptions & EvalOptions & { generators?: string; replicates: string; paths: string; seed: string; mdn?: string }, cmd: Command) => {
    const names = generatorList(opts.generators);
    const train = await history(opts, cmd);
    const held = await evaluationHistory(opts, train, cmd);
    // Without a held-out period the generators are compared with the history they were fitted on.
    const h = held ?? train;
    const trainFacts = stylisedFacts([train.returns], train.resolution);
    const hist = held ? stylisedFacts([held.returns], held.resolution) : trainFacts;
    const replicates = numberOption('--replicates', opts.replicates, (n) => Number.isInteger(n) && n > 0) as number;
    const paths = numberOption('--paths', opts.paths, (n) => Number.isInteger(n) && n > 0) as number;
    const seed = seedFrom(/^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed);
    const bar = progressBar(opts.quiet || opts.json, 'facts', names.length * replicates);
    const rows = names.map((name) => {
      const gen = fitGenerator(name, train.returns, train.resolution, opts.mdn ? { mdnDir: opts.mdn } : {});
      const facts = generatorFacts(gen, { replicates, paths, steps: Math.floor(h.returns.length / paths), seed, onReplicate: () => bar.tick() });
      return { gen, facts, verdicts: checkFacts(ALL_FACTS, hist, facts.facts) };
    });
    bar.stop();
    const span = (x: History) => ({ from: x.series.time[0], to: x.series.time[x.series.time.length - 1], returns: x.returns.length });
    const result = {
      history: { file: opts.history, ...span(train), resolution: train.resolution, facts: trainFacts },
      heldOut: held ? { ...span(held), facts: hist } : null,
      tolerances: TOLERANCES,
      generators: rows.map((r) => ({
        name: r.gen.name,
        description: r.gen.description,
        params: r.gen.params,
        reproduces: r.gen.reproduces,
        facts: r.facts.facts,
        drawdownRange: r.facts.drawdownRange,
        sampling: r.facts.sampling,
        checks: r.verdicts.map((v) => ({ ...v, claimed: r.gen.reproduces.includes(v.fact) })),
        pass: r.verdicts.filter((v) => r.gen.reproduces.includes(v.fact)).every((v) => v.pass),
      })),
    };
    emit(opts, result, () => {
      const period = (x: History) => `${x.returns.length} returns at ${formatDuration(x.resolution)}, ${isoTime(x.series.time[0] as number)} → ${isoTime(x.series.time[x.series.time.length - 1] as number)}`;
      const lines = [
        `${held ? 'training' : 'history'}: ${period(train)}`,
        ...(held ? [`held out: ${period(held)} — generators fitted (or trained) on the training period, checked against the held-out history`] : []),
        `generators: ${replicates} samples of ${paths} paths × ${Math.floor(h.returns.length / paths)} steps, seed ${opts.seed}; distribution facts pooled, falls the median over samples`,
        '',
        factsTable(held ? [{ label: 'training', facts: trainFacts }, { label: 'held-out', facts: hist }] : [{ label: 'history', facts: hist }], rows),
        '',
        '✓/✗ within/outside tolerance; · = a fact the generator does not claim to reproduce',
        ...result.generators.map((g) => `${g.pass ? 'PASS' : 'FAIL'} ${g.name}: ${g.description}; held to ${g.reproduces.join(', ')}`),
      ];
      return `${lines.join('\n')}\n`;
    });
    if (!result.generators.every((g) => g.pass)) process.exitCode = 1;
  });

  historyOptions(
    data
      .command('generate')
      .description('seeded price paths in wei: a fitted generator, or a crash window replayed from any start price')
      .requiredOption('--model <name>', `${GENERATOR_NAMES.join(' | ')} | replay`)
      .option('--window <file>', 'for replay: the window (e.g. w1_black_thursday)')
      .option('--paths <n>', 'number of paths', '100')
      .option('--horizon <duration>', 'length of each path (e.g. 30d)', '30d')
      .option('--start-price <decimal>', 'first price (USD)', '2000')
      .option('--start-time <time>', 'time of the first price', '2024-01-01')
      .option('--seed <seed>', 'seed (a number or a word)', '1')
      .option('--mdn <dir>', 'for --model mdn: the trained model (default: the shipped one)')
      .option('-o, --out <file>', 'write the paths as CSV (path,timestamp,price) or JSON (.json)')
      .option('--json', 'print JSON to stdout')
      .option('-q, --quiet', 'no progress'),
  ).action(async (opts: OutputOptions & HistoryOptions & { model: string; window?: string; paths: string; horizon: string; startPrice: string; startTime: string; seed: string; mdn?: string }, cmd: Command) => {
    let start: bigint;
    try {
      start = toWei(opts.startPrice);
    } catch (e) {
      throw new InputError({ file: '--start-price' }, (e as Error).message);
    }
    if (start <= 0n) throw new InputError({ file: '--start-price' }, 'must be positive');
    const startTime = timeOption('--start-time', opts.startTime) as number;
    let paths: PricePath[];
    let description: string;
    if (opts.model === 'replay') {
      if (!opts.window) throw new InputError({ file: '--window' }, 'replay needs --window <file>');
      let w = await loadCandles(dataFile(opts.window, cmd), { gapPolicy: 'refuse' });
      const res = durationOption('--resolution', opts.resolution);
      if (res !== undefined && res !== w.resolution) w = resample(w, res);
      paths = [replayWindow(w, start, startTime)];
      description = `replay of ${opts.window} (${w.time.length} bars at ${formatDuration(w.resolution)}) from ${opts.startPrice}`;
    } else {
      if (!isGeneratorName(opts.model)) throw new InputError({ file: '--model' }, `unknown model "${opts.model}" (${GENERATOR_NAMES.join(', ')}, replay)`);
      const h = await history(opts, cmd);
      const gen = fitGenerator(opts.model, h.returns, h.resolution, opts.mdn ? { mdnDir: opts.mdn } : {});
      const horizon = durationOption('--horizon', opts.horizon) as number;
      const steps = Math.max(1, Math.round(horizon / h.resolution));
      const n = numberOption('--paths', opts.paths, (x) => Number.isInteger(x) && x > 0) as number;
      const seed = seedFrom(/^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed);
      const bar = progressBar(opts.quiet || opts.json, opts.model, n);
      paths = drawReturns(gen, { paths: n, steps, seed, onPath: () => bar.tick() }).map((r) => toPricePath(start, r, h.resolution, startTime));
      bar.stop();
      description = `${gen.description}; ${n} paths × ${steps} steps of ${formatDuration(h.resolution)}, seed ${opts.seed}`;
    }
    if (opts.out) {
      if (opts.out.endsWith('.json')) writeFileAtomic(opts.out, `${JSON.stringify({ description, paths: paths.map((p) => ({ time: p.time, price: p.price.map(weiToDecimal) })) })}\n`);
      else {
        const lines = ['path,timestamp,price'];
        paths.forEach((p, k) => p.time.forEach((t, i) => lines.push(`${k},${t},${weiToDecimal(p.price[i] as bigint)}`)));
        writeFileAtomic(opts.out, `${lines.join('\n')}\n`);
      }
    }
    const finals = paths.map((p) => p.price[p.price.length - 1] as bigint).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const summary = { description, paths: paths.length, steps: (paths[0]?.price.length ?? 1) - 1, finalPrice: { min: finals[0], median: finals[finals.length >> 1], max: finals[finals.length - 1] }, out: opts.out };
    if (opts.json && !opts.out) process.stdout.write(`${JSON.stringify({ description, paths: paths.map((p) => ({ time: p.time, price: p.price.map(weiToDecimal) })) })}\n`);
    else
      emit({}, summary, () =>
        `${description}\nfinal price: min ${weiToDecimal(finals[0] as bigint)}, median ${weiToDecimal(finals[finals.length >> 1] as bigint)}, max ${weiToDecimal(finals[finals.length - 1] as bigint)}${opts.out ? `\nwritten to ${opts.out}` : ' (use --out to write the paths)'}\n`,
      );
  });
}
