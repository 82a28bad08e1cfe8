/**
 * `vamm data fetch chainlink`: Chainlink rounds read through an RPC URL with viem
 * (AggregatorV3Interface: decimals, latestRoundData, getRoundData), written in the normalised
 * round format. Reads the current phase (as the shared file does), from a given aggregator round
 * or the last N rounds; rounds the feed never completed (updatedAt 0) are skipped and counted.
 * Whole files only (`<out>.part`, validated, then renamed) and resumable from the last round.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Address, BaseError, HttpRequestError, TimeoutError, createPublicClient, http, parseAbi } from 'viem';
import type { ChainlinkRound } from '../../sim/oracle/chainlink-feed.ts';
import { roundRow } from '../csv-writers.ts';
import { PHASE_SHIFT, ROUND_HEADER, loadRounds, phaseRoundId } from '../round-loader.ts';
import { ETH_USD_PROXY } from './feeds.ts';
import { hasDataRows, partPath } from './partial-file.ts';
import { DEFAULT_RETRY, FetchFailed, type RetryOptions, TransientError, parseRetryAfter, withRetry } from './retry.ts';

export { ETH_USD_PROXY };

export const AGGREGATOR_V3_ABI = parseAbi([
  'function decimals() view returns (uint8)',
  'function description() view returns (string)',
  'function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
  'function getRoundData(uint80 _roundId) view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
]);

export interface RoundFetchOptions {
  readonly rpcUrl: string;
  readonly out: string;
  readonly address?: Address;
  /** First aggregator round of the current phase; default: the last `lastRounds` rounds. */
  readonly fromRound?: bigint;
  readonly lastRounds?: number;
  /** Calls per JSON-RPC batch (viem's batched HTTP transport). */
  readonly batchSize?: number;
  readonly retry?: RetryOptions;
  readonly timeoutMs?: number;
  readonly onProgress?: (info: { done: number; total: number }) => void;
}

export interface RoundFetchResult {
  readonly phase: bigint;
  readonly fromRound: bigint;
  readonly latestRound: bigint;
  readonly rounds: number;
  readonly skipped: number;
  readonly resumedFrom?: bigint;
}

const MASK64 = (1n << PHASE_SHIFT) - 1n;

/** RPC failures worth retrying: rate limits (with Retry-After), 5xx, timeouts, broken bodies. */
export function classifyRpcError(e: unknown): TransientError | undefined {
  if (e instanceof TransientError) return e;
  if (!(e instanceof BaseError)) return e instanceof TypeError ? new TransientError(e.message) : undefined;
  const http = e.walk((x) => x instanceof HttpRequestError) as HttpRequestError | null;
  if (http) {
    const status = http.status ?? 0;
    if (status === 429) return new TransientError(`RPC rate limited (HTTP 429)`, parseRetryAfter(http.headers?.get('retry-after')) ?? 10_000);
    if (status >= 500 || status === 0) return new TransientError(`RPC HTTP ${status || 'error'}: ${http.shortMessage}`);
    // A 200 whose body is not JSON (truncated) surfaces as an HttpRequestError with that status.
    if (status === 200) return new TransientError(`RPC body unreadable: ${http.details ?? http.shortMessage}`);
    return undefined;
  }
  if (e.walk((x) => x instanceof TimeoutError)) return new TransientError('RPC timeout');
  if (/JSON|Unexpected end|fetch failed|ECONNRESET|socket/i.test(`${e.message} ${e.details}`)) return new TransientError(`RPC transport: ${e.shortMessage}`);
  return undefined;
}

export async function fetchChainlinkRounds(o: RoundFetchOptions): Promise<RoundFetchResult> {
  const address = o.address ?? ETH_USD_PROXY;
  const client = createPublicClient({
    transport: http(o.rpcUrl, { batch: { batchSize: o.batchSize ?? 100 }, retryCount: 0, timeout: o.timeoutMs ?? 30_000 }),
  });
  const retry = o.retry ?? DEFAULT_RETRY;
  const call = <T>(fn: () => Promise<T>) => withRetry(fn, retry, classifyRpcError);

  const decimals = await call(() => client.readContract({ address, abi: AGGREGATOR_V3_ABI, functionName: 'decimals' }));
  if (decimals !== 8) throw new FetchFailed(`the feed at ${address} has ${decimals} decimals; the round format holds 8`);
  const [latestId] = await call(() => client.readContract({ address, abi: AGGREGATOR_V3_ABI, functionName: 'latestRoundData' }));
  const phase = latestId >> PHASE_SHIFT;
  const latestRound = latestId & MASK64;

  const part = partPath(o.out);
  mkdirSync(dirname(part), { recursive: true });
  let from = o.fromRound ?? (latestRound > BigInt(o.lastRounds ?? 1000) ? latestRound - BigInt(o.lastRounds ?? 1000) + 1n : 1n);
  let resumedFrom: bigint | undefined;
  if (!existsSync(part) && existsSync(o.out)) copyFileSync(o.out, part);
  if (hasDataRows(part)) {
    const { rounds } = await loadRounds(part);
    const last = rounds[rounds.length - 1];
    if (last) {
      if (last.roundId >> PHASE_SHIFT !== phase) {
        throw new FetchFailed(`${part} holds phase ${last.roundId >> PHASE_SHIFT}, the feed is in phase ${phase}: write to another file`);
      }
      resumedFrom = (last.roundId & MASK64) + 1n;
      from = resumedFrom > from ? resumedFrom : from;
    }
  } else writeFileSync(part, `${ROUND_HEADER.join(',')}\n`);

  const total = Number(latestRound - from + 1n);
  const chunk = BigInt(o.batchSize ?? 100);
  let done = 0;
  let kept = 0;
  let skipped = 0;
  for (let start = from; start <= latestRound; start += chunk) {
    const ids: bigint[] = [];
    for (let n = start; n < start + chunk && n <= latestRound; n++) ids.push(phaseRoundId(phase, n));
    // One batch per chunk; retried whole, so a chunk is appended once or not at all.
    const results = await call(() => Promise.all(ids.map((id) => client.readContract({ address, abi: AGGREGATOR_V3_ABI, functionName: 'getRoundData', args: [id] }))));
    const rows: string[] = [];
    for (const [roundId, answer, startedAt, updatedAt, answeredInRound] of results) {
      if (updatedAt === 0n || answer <= 0n) {
        skipped++;
        continue;
      }
      const round: ChainlinkRound = { roundId, answer, startedAt: Number(startedAt), updatedAt: Number(updatedAt) };
      rows.push(roundRow(round).replace(/,\d+$/, `,${answeredInRound}`));
    }
    if (rows.length) appendFileSync(part, `${rows.join('\n')}\n`);
    kept += rows.length;
    done += ids.length;
    o.onProgress?.({ done, total });
  }
  await loadRounds(part);
  renameSync(part, o.out);
  return { phase, fromRound: from, latestRound, rounds: kept, skipped, ...(resumedFrom === undefined ? {} : { resumedFrom }) };
}
