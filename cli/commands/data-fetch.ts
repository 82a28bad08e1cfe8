/**
 * `vamm data fetch candles | chainlink`: download prices into the normalised formats, for users
 * online. Output files are written whole (a `.part` file, validated, then renamed) and an
 * interrupted download resumes when run again.
 */
import type { Command } from 'commander';
import type { Address } from 'viem';
import { isoTime } from '../../data/candle-series.ts';
import { BINANCE_BASE_URL, KLINE_INTERVALS, fetchKlines } from '../../data/fetch/binance-klines.ts';
import { ETH_USD_PROXY } from '../../data/fetch/feeds.ts';
import { DEFAULT_RETRY, FetchFailed, type RetryOptions } from '../../data/fetch/retry.ts';
import { describeGaps } from '../../data/gaps.ts';
import { InputError } from '../../data/input-error.ts';
import { type OutputOptions, emit, numberOption, progressBar, timeOption } from './data-io.ts';

function retryOptions(quiet: boolean | undefined, retries: string | undefined): RetryOptions {
  return {
    ...DEFAULT_RETRY,
    retries: numberOption('--retries', retries, (n) => Number.isInteger(n) && n >= 0) ?? DEFAULT_RETRY.retries,
    onRetry: quiet ? undefined : ({ attempt, delayMs, reason }) => process.stderr.write(`\nretry ${attempt} in ${(delayMs / 1000).toFixed(1)} s: ${reason}\n`),
  };
}

async function reportFetchFailure<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof FetchFailed)) throw e;
    process.stderr.write(`error: download failed: ${e.message}\nwhat was downloaded so far is kept in the .part file; run the same command again to resume\n`);
    process.exitCode = 1;
    return undefined;
  }
}

export function registerDataFetchCommands(data: Command): void {
  const fetch = data.command('fetch').description('download prices (needs internet): exchange candles, Chainlink rounds');

  fetch
    .command('candles')
    .description('ETH candles from the Binance public klines API, in the normalised candle format')
    .requiredOption('-o, --out <file>', 'output CSV (e.g. <data>/normalized/eth_usdt_binance_spot_1h.csv)')
    .option('--from <time>', 'first candle (unix seconds or ISO date, UTC)', '2017-08-17')
    .option('--to <time>', 'end (exclusive); default now')
    .option('--symbol <symbol>', 'market', 'ETHUSDT')
    .option('--interval <interval>', Object.keys(KLINE_INTERVALS).join(' | '), '1h')
    .option('--base-url <url>', 'API base URL', BINANCE_BASE_URL)
    .option('--retries <n>', 'retries per request', String(DEFAULT_RETRY.retries))
    .option('--json', 'print a JSON summary')
    .option('-q, --quiet', 'no progress')
    .action(async (opts: OutputOptions & { from: string; to?: string; symbol: string; interval: string; baseUrl: string; retries?: string }) => {
      if (!KLINE_INTERVALS[opts.interval]) throw new InputError({ file: '--interval' }, `unknown interval "${opts.interval}" (${Object.keys(KLINE_INTERVALS).join(', ')})`);
      const from = timeOption('--from', opts.from) as number;
      const to = timeOption('--to', opts.to) ?? Math.floor(Date.now() / 1000);
      const step = KLINE_INTERVALS[opts.interval] as number;
      const bar = progressBar(opts.quiet || opts.json, 'candles', Math.max(1, Math.ceil((to - from) / step)));
      const result = await reportFetchFailure(() =>
        fetchKlines({
          out: opts.out as string,
          from,
          to,
          symbol: opts.symbol,
          interval: opts.interval,
          baseUrl: opts.baseUrl,
          retry: retryOptions(opts.quiet || opts.json, opts.retries),
          onPage: ({ until }) => bar.set(Math.round((until - from) / step)),
        }),
      );
      bar.stop();
      if (!result) return;
      const s = result.series;
      const summary = { out: opts.out, fetched: result.rows, total: s.time.length, pages: result.pages, resumedFrom: result.resumedFrom, from: s.time[0], to: s.time[s.time.length - 1], gaps: s.gaps && { count: s.gaps.count, missingBars: s.gaps.missingBars } };
      emit({ json: opts.json }, summary, () =>
        `${opts.out}: ${s.time.length} candles (${result.rows} new in ${result.pages} pages${result.resumedFrom ? `, resumed at ${isoTime(result.resumedFrom)}` : ''}), ${s.time.length ? `${isoTime(s.time[0] as number)} → ${isoTime(s.time[s.time.length - 1] as number)}` : 'empty'}; ${s.gaps ? describeGaps(s.gaps) : ''}\n`,
      );
    });

  fetch
    .command('chainlink')
    .description('Chainlink aggregator rounds through an RPC URL (viem), in the normalised round format')
    .requiredOption('--rpc-url <url>', 'Ethereum JSON-RPC endpoint')
    .requiredOption('-o, --out <file>', 'output CSV (e.g. <data>/chainlink/rounds.csv)')
    .option('--address <address>', 'aggregator proxy', ETH_USD_PROXY)
    .option('--from-round <n>', 'first aggregator round of the current phase')
    .option('--last <n>', 'or: the last N rounds', '1000')
    .option('--batch <n>', 'calls per JSON-RPC batch', '100')
    .option('--retries <n>', 'retries per batch', String(DEFAULT_RETRY.retries))
    .option('--json', 'print a JSON summary')
    .option('-q, --quiet', 'no progress')
    .action(async (opts: OutputOptions & { rpcUrl: string; address: string; fromRound?: string; last: string; batch: string; retries?: string }) => {
      if (!/^0x[0-9a-fA-F]{40}$/.test(opts.address)) throw new InputError({ file: '--address' }, `"${opts.address}" is not an address`);
      const fromRound = numberOption('--from-round', opts.fromRound, (n) => Number.isInteger(n) && n >= 1);
      const last = numberOption('--last', opts.last, (n) => Number.isInteger(n) && n >= 1) as number;
      const batchSize = numberOption('--batch', opts.batch, (n) => Number.isInteger(n) && n >= 1 && n <= 1000) as number;
      let bar: ReturnType<typeof progressBar> | undefined;
      // viem loads only for this command (it is a quarter of a second of start-up).
      const { fetchChainlinkRounds } = await import('../../data/fetch/chainlink-rounds.ts');
      const result = await reportFetchFailure(() =>
        fetchChainlinkRounds({
          rpcUrl: opts.rpcUrl,
          out: opts.out as string,
          address: opts.address as Address,
          ...(fromRound === undefined ? { lastRounds: last } : { fromRound: BigInt(fromRound) }),
          batchSize,
          retry: retryOptions(opts.quiet || opts.json, opts.retries),
          onProgress: ({ done, total }) => {
            bar ??= progressBar(opts.quiet || opts.json, 'rounds', total);
            bar.set(done);
          },
        }),
      );
      bar?.stop();
      if (!result) return;
      emit({ json: opts.json }, { out: opts.out, ...result }, () =>
        `${opts.out}: ${result.rounds} rounds of phase ${result.phase} (aggregator rounds ${result.fromRound}…${result.latestRound}${result.skipped ? `, ${result.skipped} incomplete skipped` : ''}${result.resumedFrom ? `, resumed at ${result.resumedFrom}` : ''})\n`,
      );
    });
}
