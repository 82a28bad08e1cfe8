/**
 * `vamm data oracle synth | compare`: Chainlink-style rounds from candles, and how close they
 * come to the real ETH/USD rounds.
 */
import type { Command } from 'commander';
import { loadCandles } from '../../data/candle-loader.ts';
import { isoTime } from '../../data/candle-series.ts';
import { composeSeries } from '../../data/compose.ts';
import { writeRounds } from '../../data/csv-writers.ts';
import { type OracleComparison, compareRounds } from '../../data/oracle-comparison.ts';
import { ETH_USD_RULES, type OracleRules, synthesiseRounds } from '../../data/oracle-synthesis.ts';
import { loadRounds } from '../../data/round-loader.ts';
import { type OutputOptions, dataFile, durationOption, emit, gapPolicyOption, numberOption, timeOption } from './data-io.ts';

interface RuleOptions {
  deviation?: string;
  heartbeat?: string;
  latency?: string;
}

function rulesFrom(o: RuleOptions): OracleRules {
  const pct = numberOption('--deviation', o.deviation, (n) => n > 0 && n < 100);
  return {
    ...ETH_USD_RULES,
    ...(pct === undefined ? {} : { deviationPpm: BigInt(Math.round(pct * 10_000)) }),
    ...(o.heartbeat === undefined ? {} : { heartbeat: durationOption('--heartbeat', o.heartbeat) as number }),
    ...(o.latency === undefined ? {} : { latency: numberOption('--latency', o.latency, (n) => Number.isInteger(n) && n >= 0) as number }),
  };
}

const pct = (x: number, digits = 3) => `${(x * 100).toFixed(digits)} %`;

export function formatComparison(label: string, c: OracleComparison): string {
  const iv = (s: OracleComparison['intervals']['real']) =>
    `p10 ${s.p10} s, median ${s.median} s, p90 ${s.p90} s, max ${s.max} s, heartbeat-driven ${pct(s.heartbeatShare, 0)}`;
  return [
    `${label}: ${isoTime(c.from)} → ${isoTime(c.to)}`,
    `  rounds: real ${c.rounds.real}, synthetic ${c.rounds.synthetic} (${pct(c.rounds.ratio - 1, 1)})`,
    `  intervals, real:      ${iv(c.intervals.real)}`,
    `  intervals, synthetic: ${iv(c.intervals.synthetic)}`,
    `  |synthetic − real| at each real round (${c.priceDiff.compared}): median ${pct(c.priceDiff.median)}, p99 ${pct(c.priceDiff.p99)}, max ${pct(c.priceDiff.max)} at ${isoTime(c.priceDiff.maxAt)}`,
    `  for scale, the real feed's change from its previous answer: median ${pct(c.realSelfChange.median)}, p99 ${pct(c.realSelfChange.p99)}`,
  ].join('\n');
}

function ruleOptions(cmd: Command): Command {
  return cmd
    .option('--deviation <percent>', 'deviation threshold in percent', '0.5')
    .option('--heartbeat <duration>', 'heartbeat (e.g. 3600, 1h)', '3600')
    .option('--latency <seconds>', 'seconds from trigger to updatedAt', String(ETH_USD_RULES.latency));
}

export function registerDataOracleCommands(data: Command): void {
  const oracle = data.command('oracle').description('Chainlink-style oracle rounds synthesised from candles');

  ruleOptions(
    oracle
      .command('synth')
      .description('synthesise rounds from a candle file with the feed rules; writes the normalised round format')
      .argument('<candles>', 'candle file (path or name in the data folder)')
      .option('--from <time>', 'from (unix seconds or ISO date, UTC)')
      .option('--to <time>', 'to (exclusive)')
      .option('--gaps <policy>', 'refuse | skip | carry-forward', 'skip')
      .option('-o, --out <file>', 'write the rounds as CSV (normalised Chainlink format)')
      .option('--json', 'print a JSON summary'),
  ).action(async (arg: string, opts: OutputOptions & RuleOptions & { from?: string; to?: string; gaps?: string }, cmd: Command) => {
    const rules = rulesFrom(opts);
    const series = await loadCandles(dataFile(arg, cmd), {
      gapPolicy: gapPolicyOption(opts.gaps, 'skip'),
      from: timeOption('--from', opts.from),
      to: timeOption('--to', opts.to),
    });
    const rounds = synthesiseRounds(series, rules);
    if (opts.out) writeRounds(opts.out, rounds);
    const first = rounds[0];
    const last = rounds[rounds.length - 1];
    const summary = { candles: series.time.length, rounds: rounds.length, from: first?.updatedAt, to: last?.updatedAt, rules, out: opts.out };
    emit({ json: opts.json }, summary, () =>
      `${rounds.length} rounds from ${series.time.length} candles${first && last ? `, ${isoTime(first.updatedAt)} → ${isoTime(last.updatedAt)}` : ''}${opts.out ? `; written to ${opts.out}` : ' (use --out to write them)'}\n`,
    );
  });

  ruleOptions(
    oracle
      .command('compare')
      .description('synthesise rounds for the span of the real rounds and compare: counts, intervals, price differences')
      .option('--rounds <file>', 'real rounds', 'chainlink_eth_usd_mainnet_rounds')
      .option('--candles <file>', 'candles to synthesise from', 'eth_usdt_binance_spot_5m_2022-01-01')
      .option('--compose', 'also compare over the whole span with the 1h history, and with 1h + 5m composed')
      .option('--json', 'print JSON')
      .option('-o, --out <file>', 'also write the comparison as JSON'),
  ).action(async (opts: OutputOptions & RuleOptions & { rounds: string; candles: string; compose?: boolean }, cmd: Command) => {
    const rules = rulesFrom(opts);
    const real = (await loadRounds(dataFile(opts.rounds, cmd))).rounds;
    const first = real[0];
    const last = real[real.length - 1];
    if (!first || !last) return;
    const warmup = first.updatedAt - 86_400;
    const end = last.updatedAt + 1;
    const fine = await loadCandles(dataFile(opts.candles, cmd), { gapPolicy: 'skip', from: warmup, to: end });
    const fineEnd = Math.min(end, (fine.time[fine.time.length - 1] ?? 0) + fine.resolution);
    const results: Record<string, OracleComparison> = {
      [`${opts.candles} (${fine.resolution}s)`]: compareRounds(real, synthesiseRounds(fine, rules), first.updatedAt, fineEnd),
    };
    if (opts.compose) {
      const h1 = await loadCandles(dataFile('eth_usdt_binance_spot_1h', cmd), { gapPolicy: 'skip', from: warmup, to: end });
      results['binance spot 1h only, whole span'] = compareRounds(real, synthesiseRounds(h1, rules), first.updatedAt, end);
      const m5b = await loadCandles(dataFile('eth_usdt_binance_spot_5m_2024', cmd), { gapPolicy: 'skip', from: warmup, to: end });
      const composed = composeSeries(h1, [fine, m5b]).series;
      results['binance spot 1h + 5m composed, whole span'] = compareRounds(real, synthesiseRounds(composed, rules), first.updatedAt, end);
    }
    emit(opts, { rules, results }, () =>
      `${Object.entries(results).map(([k, c]) => formatComparison(k, c)).join('\n')}\n` +
      `rules: deviation ${Number(rules.deviationPpm) / 10_000} %, heartbeat ${rules.heartbeat} s, latency ${rules.latency} s\n`,
    );
  });
}
