/**
 * The fetchers against local HTTP servers that answer in the recorded formats (Binance klines
 * REST; JSON-RPC eth_call for a Chainlink aggregator), with rate limits (429 + Retry-After), 5xx,
 * truncated bodies and dropped connections. Output is whole or absent, and downloads resume.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFunctionData, encodeFunctionResult, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { fetchKlines, trimDecimal } from '../data/fetch/binance-klines.ts';
import { AGGREGATOR_V3_ABI, fetchChainlinkRounds } from '../data/fetch/chainlink-rounds.ts';
import { FetchFailed, type RetryOptions, parseRetryAfter } from '../data/fetch/retry.ts';
import { loadRounds, phaseRoundId } from '../data/round-loader.ts';

type Fault = { status: number; retryAfter?: string; body?: string } | 'truncate' | 'drop';

/** A local server: `faults` are served first, one per request, then `handler` answers. */
function startServer(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const state = { faults: [] as Fault[], requests: [] as string[], bodies: [] as string[] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.requests.push(req.url ?? '');
      state.bodies.push(body);
      const fault = state.faults.shift();
      if (fault === 'drop') return req.socket.destroy();
      if (fault === 'truncate') {
        const captured: string[] = [];
        const fake = { writeHead: () => fake, setHeader: () => {}, end: (s: string) => captured.push(s) } as unknown as ServerResponse;
        handler(req, body, fake);
        const full = captured.join('');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(full.slice(0, Math.floor(full.length / 2)));
      }
      if (fault) {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
        return res.end(fault.body ?? '{"code":-1003,"msg":"Too many requests"}');
      }
      handler(req, body, res);
    });
  });
  return { server, state };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'vamm-fetch-'));
const recordSleeps = () => {
  const delays: number[] = [];
  const retry: RetryOptions = { retries: 4, baseDelayMs: 100, maxDelayMs: 60_000, sleep: async (ms) => void delays.push(ms) };
  return { delays, retry };
};

// ---- Binance klines ----------------------------------------------------------------------
const T0 = 1_704_067_200; // 2024-01-01
const HOUR = 3600;
const NOW = T0 + 2500 * HOUR + 1800; // mid-way through candle 2500: it is unfinished
function kline(i: number): unknown[] {
  const open = (2000 + (i % 97) * 1.25).toFixed(8);
  const close = (2000 + ((i + 1) % 97) * 1.25).toFixed(8);
  const hi = (Math.max(Number(open), Number(close)) + 3).toFixed(8);
  const lo = (Math.min(Number(open), Number(close)) - 2.5).toFixed(8);
  const t = (T0 + i * HOUR) * 1000;
  return [t, open, hi, lo, close, (10 + (i % 7)).toFixed(8), t + HOUR * 1000 - 1, '0', 100, '0', '0', '0'];
}

describe('fetch candles (Binance klines REST)', () => {
  const { server, state } = startServer((req, _body, res) => {
    const q = new URL(req.url ?? '', 'http://x').searchParams;
    if (q.get('symbol') !== 'ETHUSDT') {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end('{"code":-1121,"msg":"Invalid symbol."}');
    }
    const start = Number(q.get('startTime'));
    const end = Number(q.get('endTime'));
    const limit = Number(q.get('limit'));
    const out: unknown[] = [];
    for (let i = Math.ceil((start / 1000 - T0) / HOUR); out.length < limit && (T0 + i * HOUR) * 1000 <= end && i <= 2500; i++) if (i >= 0 && i !== 77) out.push(kline(i)); // hour 77: an outage
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
  let base = '';
  beforeAll(async () => {
    base = await listen(server);
  });
  afterAll(() => server.close());

  it('pages through, survives 429/5xx/truncated/dropped responses, drops the unfinished candle', async () => {
    const dir = tmp();
    const out = join(dir, 'eth_1h.csv');
    const { delays, retry } = recordSleeps();
    state.faults.push({ status: 429, retryAfter: '7' }, { status: 502 }, 'truncate', 'drop');
    state.requests.length = 0;
    const r = await fetchKlines({ out, from: T0, baseUrl: base, retry, now: () => NOW, limit: 1000 });
    expect(delays).toEqual([7000, 200, 400, 800]);
    expect(r.rows).toBe(2500 - 1); // candles 0..2499, without the outage hour
    expect(existsSync(`${out}.part`)).toBe(false);
    const s = await loadCandles(out, { gapPolicy: 'skip' });
    expect(s.time[0]).toBe(T0);
    expect(s.time[s.time.length - 1]).toBe(T0 + 2499 * HOUR);
    expect(s.gaps?.count).toBe(1);
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe(`${T0},2000,2004.25,1997.5,2001.25,10`);
    expect(state.requests.filter((u) => u.includes('startTime')).length).toBe(4 + 3);
  });

  it('never leaves a half file: a run that gives up writes no output; the next one resumes', async () => {
    const dir = tmp();
    const out = join(dir, 'eth_1h.csv');
    const { retry } = recordSleeps();
    // The first page succeeds, then the server keeps failing past the retry budget.
    let calls = 0;
    const flaky: RetryOptions = { ...retry, retries: 2 };
    const failing = fetchKlines({
      out,
      from: T0,
      baseUrl: base,
      retry: flaky,
      now: () => NOW,
      limit: 1000,
      onPage: () => {
        calls++;
        if (calls === 1) state.faults.push(...Array.from({ length: 3 }, () => ({ status: 500 }) as Fault));
      },
    });
    await expect(failing).rejects.toThrow(FetchFailed);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(true);
    // Simulate a crash mid-line on top of it: the resume cuts the broken line.
    // Page 1 held candles 0..1000 (1000 rows: hour 77 is an outage).
    writeFileSync(`${out}.part`, `${readFileSync(`${out}.part`, 'utf8')}${T0 + 1001 * HOUR},20`, { flag: 'w' });
    state.requests.length = 0;
    const r = await fetchKlines({ out, from: T0, baseUrl: base, retry, now: () => NOW, limit: 1000 });
    expect(r.resumedFrom).toBe(T0 + 1001 * HOUR);
    expect(new URL(state.requests[0] as string, 'http://x').searchParams.get('startTime')).toBe(String((T0 + 1001 * HOUR) * 1000));
    expect(existsSync(`${out}.part`)).toBe(false);
    // The resumed file is byte-identical to a clean download.
    const clean = join(dir, 'clean.csv');
    await fetchKlines({ out: clean, from: T0, baseUrl: base, retry, now: () => NOW, limit: 1000 });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(clean, 'utf8'));
  });

  it('extends an existing output file from its last candle', async () => {
    const dir = tmp();
    const out = join(dir, 'eth_1h.csv');
    const { retry } = recordSleeps();
    await fetchKlines({ out, from: T0, to: T0 + 500 * HOUR, baseUrl: base, retry, now: () => NOW });
    expect((await loadCandles(out, { gapPolicy: 'skip' })).time.length).toBe(499);
    const r = await fetchKlines({ out, from: T0, baseUrl: base, retry, now: () => NOW });
    expect(r.resumedFrom).toBe(T0 + 500 * HOUR);
    expect((await loadCandles(out, { gapPolicy: 'skip' })).time.length).toBe(2499);
  });

  it('a client error (400) fails at once with the server message, no retries, no file', async () => {
    const dir = tmp();
    const out = join(dir, 'x.csv');
    const { delays, retry } = recordSleeps();
    await expect(fetchKlines({ out, from: T0, symbol: 'NOPE', baseUrl: base, retry, now: () => NOW })).rejects.toThrow(/HTTP 400 .*Invalid symbol/);
    expect(delays).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it('Retry-After as delta-seconds or HTTP date; prices lose only trailing zeros', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(trimDecimal('2308.07000000')).toBe('2308.07');
    expect(trimDecimal('2300.00000000')).toBe('2300');
    expect(trimDecimal('100')).toBe('100');
  });
});

// ---- Chainlink over JSON-RPC -------------------------------------------------------------
const PHASE = 6n;
const LATEST = 250n;
function roundData(n: bigint): readonly [bigint, bigint, bigint, bigint, bigint] {
  const id = phaseRoundId(PHASE, n);
  if (n === 100n) return [id, 0n, 0n, 0n, id]; // a round the feed never completed
  const t = 1_700_000_000n + n * 1800n;
  return [id, 200_000_000_000n + n * 12_345_678n, t, t, id];
}

describe('fetch Chainlink rounds (viem over a local JSON-RPC server)', () => {
  let decimals = 8;
  const calls: bigint[] = [];
  const answer = (msg: { id: number; method: string; params?: unknown[] }) => {
    if (msg.method !== 'eth_call') return { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: `method ${msg.method} not found` } };
    const { data } = (msg.params?.[0] ?? {}) as { data: Hex };
    const call = decodeFunctionData({ abi: AGGREGATOR_V3_ABI, data });
    let result: Hex;
    if (call.functionName === 'decimals') result = encodeFunctionResult({ abi: AGGREGATOR_V3_ABI, functionName: 'decimals', result: decimals });
    else if (call.functionName === 'latestRoundData') result = encodeFunctionResult({ abi: AGGREGATOR_V3_ABI, functionName: 'latestRoundData', result: roundData(LATEST) });
    else if (call.functionName === 'getRoundData') {
      const id = call.args[0] as bigint;
      calls.push(id & ((1n << 64n) - 1n));
      result = encodeFunctionResult({ abi: AGGREGATOR_V3_ABI, functionName: 'getRoundData', result: roundData(id & ((1n << 64n) - 1n)) });
    } else result = '0x';
    return { jsonrpc: '2.0', id: msg.id, result };
  };
  const { server, state } = startServer((_req, body, res) => {
    const parsed = JSON.parse(body) as unknown;
    const reply = Array.isArray(parsed) ? parsed.map(answer) : answer(parsed as never);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  });
  let rpc = '';
  beforeAll(async () => {
    rpc = await listen(server);
  });
  afterAll(() => server.close());

  it('reads rounds by getRoundData in batches through faults; skips incomplete rounds', async () => {
    const dir = tmp();
    const out = join(dir, 'rounds.csv');
    const { delays, retry } = recordSleeps();
    state.faults.push({ status: 429, retryAfter: '3' }, 'truncate', { status: 500 });
    calls.length = 0;
    const r = await fetchChainlinkRounds({ rpcUrl: rpc, out, fromRound: 51n, batchSize: 40, retry });
    expect(r).toMatchObject({ phase: PHASE, fromRound: 51n, latestRound: LATEST, rounds: 199, skipped: 1 });
    expect(delays[0]).toBe(3000);
    expect(delays).toHaveLength(3);
    expect(existsSync(`${out}.part`)).toBe(false);
    const { rounds } = await loadRounds(out);
    expect(rounds).toHaveLength(199);
    expect(rounds[0]).toEqual({ roundId: phaseRoundId(PHASE, 51n), answer: roundData(51n)[1], startedAt: Number(roundData(51n)[2]), updatedAt: Number(roundData(51n)[3]) });
    expect(rounds.some((x) => x.roundId === phaseRoundId(PHASE, 100n))).toBe(false);
    // Requests really were JSON-RPC batches.
    expect(state.bodies.some((b) => b.startsWith('[') && (JSON.parse(b) as unknown[]).length === 40)).toBe(true);
  });

  it('resumes after the last round it has, and never writes a half file when it gives up', async () => {
    const dir = tmp();
    const out = join(dir, 'rounds.csv');
    const { retry } = recordSleeps();
    await fetchChainlinkRounds({ rpcUrl: rpc, out, fromRound: 200n, batchSize: 25, retry });
    calls.length = 0;
    const r = await fetchChainlinkRounds({ rpcUrl: rpc, out, fromRound: 1n, batchSize: 25, retry });
    expect(r.resumedFrom).toBe(LATEST + 1n);
    expect(calls).toEqual([]);
    const other = join(dir, 'other.csv');
    state.faults.push(...Array.from({ length: 20 }, () => ({ status: 503 }) as Fault));
    await expect(fetchChainlinkRounds({ rpcUrl: rpc, out: other, fromRound: 1n, retry: { ...retry, retries: 2 } })).rejects.toThrow(FetchFailed);
    expect(existsSync(other)).toBe(false);
    state.faults.length = 0;
  });

  it('refuses a feed whose answers are not 8 decimals', async () => {
    decimals = 18;
    const { retry } = recordSleeps();
    await expect(fetchChainlinkRounds({ rpcUrl: rpc, out: join(tmp(), 'r.csv'), retry })).rejects.toThrow(/18 decimals/);
    decimals = 8;
  });
});
