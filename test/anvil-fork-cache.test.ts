/**
 * A fork reads its base chain, never anvil's on-disk RPC cache. The replay's base anvil is always
 * chain 31337 at the same block, so with the cache a fork served the contracts of an earlier run
 * (an older build of contracts/src, or another checkout's) and the cross-check compared the
 * model against code that no longer exists.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Anvil, anvilBinary } from '../contracts/harness/anvil.ts';

const ADDRESS = '0x00000000000000000000000000000000c0ffee15';

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await r.json()) as { result: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** A base chain mined to `block` + 1 whose code at ADDRESS is `code`. */
async function baseWith(block: number, code: string): Promise<Anvil> {
  // Same genesis and block timestamps, as the replay's base chains have.
  const base = await Anvil.start({ number: block, timestamp: 1_600_000_000 });
  await rpc(base.url, 'anvil_setCode', [ADDRESS, code]);
  await rpc(base.url, 'evm_mine', [1_600_000_012]);
  return base;
}

describe('anvil forks', () => {
  it('read the base chain, not code cached on disk by an earlier fork of the same chain and block', { timeout: 120_000 }, async () => {
    const block = 7_000_000 + Math.floor(Math.random() * 1_000_000);
    const forkBlock = block + 1;
    const cacheDir = join(homedir(), '.foundry', 'cache', 'rpc', 'anvil-hardhat', String(forkBlock));
    const first = await baseWith(block, '0x6001');
    const second = await baseWith(block, '0x6002');
    try {
      // An earlier fork with anvil's default caching, shut down gracefully so that it writes its cache.
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const earlier = spawn(anvilBinary(), ['--port', String(port), '--fork-url', first.url, '--fork-block-number', String(forkBlock)], { stdio: 'ignore' });
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        try {
          expect(await rpc<string>(url, 'eth_getCode', [ADDRESS, 'latest'])).toBe('0x6001');
          break;
        } catch (e) {
          if (i > 300) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await new Promise<void>((resolve) => {
        earlier.on('exit', () => resolve());
        earlier.kill('SIGINT');
      });

      const fork = await Anvil.start({ forkUrl: second.url, forkBlockNumber: forkBlock });
      try {
        expect(await rpc<string>(fork.url, 'eth_getCode', [ADDRESS, 'latest'])).toBe('0x6002');
      } finally {
        fork.stop();
      }
    } finally {
      first.stop();
      second.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
