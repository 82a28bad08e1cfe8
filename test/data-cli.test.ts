/**
 * `vamm data …` end to end: the real command line, exit codes (0 ok, 1 failed checks or
 * download, 2 bad input) and located messages.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../data/shared-dir.ts';

const run = async (args: string[], env: Record<string, string> = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin', 'vamm.mjs'), ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
};
const fixture = (name: string) => join(import.meta.dirname, 'fixtures', 'data', name);

describe('vamm data (command line)', () => {
  it('list: every shared file with its span and rows', async () => {
    const r = await run(['data', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/normalized\/eth_usdt_binance_spot_1h_2017-08-17_2026-05-13\.csv\s+candles\s+binance spot USDT\s+1h\s+2017-08-17 04:00Z → 2026-05-13 14:00Z\s+76467/);
    const json = await run(['data', 'list', '--json']);
    expect(JSON.parse(json.stdout).files.length).toBeGreaterThanOrEqual(20);
  });

  it('validate: a bad file exits 2 with file, line, column and reason', async () => {
    const r = await run(['data', 'validate', fixture('negative-price.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/negative-price\.csv:3:14: low: price must be positive, found -99/);
  });

  it('validate: gaps are reported; --gaps refuse makes them an error', async () => {
    const ok = await run(['data', 'validate', fixture('gaps-1h.csv'), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).gaps).toMatchObject({ count: 2, missingBars: 5, policy: 'skip' });
    const refused = await run(['data', 'validate', fixture('gaps-1h.csv'), '--gaps', 'refuse']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/2 gaps, 5 missing bars/);
  });

  it('show: the candles between two times, as normalised CSV', async () => {
    const r = await run(['data', 'show', 'w1_black', '--from', '2020-03-13T02:10', '--to', '2020-03-13T02:20']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('timestamp,open,high,low,close,volume\n1584065400,93.99,95.5,87.28,88.35,32034.55273\n1584065700,88.44,93.59,86,93.18,59255.6005\n');
  });

  it('no data folder: exit 2, says where it looked and how to fetch', async () => {
    const r = await run(['data', 'list'], { VAMM_DATA_DIR: '/nonexistent/vamm' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/looked in \/nonexistent\/vamm \(VAMM_DATA_DIR\)/);
    expect(r.stderr).toMatch(/vamm data fetch/);
  });

  it('oracle synth writes rounds the round loader accepts', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vamm-cli-')), 'rounds.csv');
    const r = await run(['data', 'oracle', 'synth', 'w5_ftx', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).rounds).toBeGreaterThan(100);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('round_id,phase_id,aggregator_round_id,answer,price,started_at,updated_at,answered_in_round');
    const v = await run(['data', 'validate', out]);
    expect(v.code).toBe(0);
  });

  it('fetch candles from a local server: a whole file, then exit 1 with the .part kept when it gives up', async () => {
    let fail = false;
    const server = createServer((req, res) => {
      if (fail) {
        res.writeHead(500);
        return res.end('oops');
      }
      const q = new URL(req.url ?? '', 'http://x').searchParams;
      const start = Number(q.get('startTime'));
      const rows = [];
      for (let t = start; t < start + 5 * 3_600_000 && t < 1_704_085_200_000; t += 3_600_000) rows.push([t, '2000.10', '2001', '1999', '2000.5', '1.5', t + 3_599_999]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rows));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'vamm-cli-'));
    try {
      const out = join(dir, 'c.csv');
      const r = await run(['data', 'fetch', 'candles', '--out', out, '--from', '2024-01-01', '--to', '2024-01-01T05:00', '--base-url', base, '--quiet']);
      expect(r.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(`timestamp,open,high,low,close,volume\n${[0, 1, 2, 3, 4].map((k) => `${1704067200 + k * 3600},2000.1,2001,1999,2000.5,1.5`).join('\n')}\n`);
      fail = true;
      const out2 = join(dir, 'd.csv');
      const f = await run(['data', 'fetch', 'candles', '--out', out2, '--from', '2024-01-01', '--to', '2024-01-02', '--base-url', base, '--retries', '0', '--quiet']);
      expect(f.code).toBe(1);
      expect(f.stderr).toMatch(/download failed: gave up after 1 attempts: HTTP 500/);
      expect(existsSync(out2)).toBe(false);
      expect(existsSync(`${out2}.part`)).toBe(true);
    } finally {
      server.close();
    }
  });
});
