/**
 * An anvil started with an IPC socket is ready when the socket takes a connection, not when its
 * file exists: the file appears at bind, a moment before anvil listens, and a client connecting in
 * that moment is refused (ECONNREFUSED, once in a full suite).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Anvil, ipcAccepts } from '../contracts/harness/anvil.ts';
import { ipcBatchTransport } from '../contracts/harness/batch-transport.ts';

const dir = mkdtempSync(join(tmpdir(), 'vamm-ipc-ready-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IPC readiness', () => {
  it('is a connection taken, not a file at the path', async () => {
    expect(await ipcAccepts(join(dir, 'missing.ipc'))).toBe(false);
    // A file that is there but takes no connection (as a socket bound and not yet listening).
    const plain = join(dir, 'plain.ipc');
    writeFileSync(plain, '');
    expect(await ipcAccepts(plain)).toBe(false);
    const path = join(dir, 'listening.ipc');
    const server = createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect(await ipcAccepts(path)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // Closed: Node removes its socket file, and nothing answers there.
    expect(await ipcAccepts(path)).toBe(false);
  });

  it('holds for an anvil as soon as it has started', { timeout: 60_000 }, async () => {
    const anvil = await Anvil.start({ number: 1, timestamp: 1_600_000_000, ipc: true });
    try {
      const transport = await ipcBatchTransport(anvil.ipcPath!);
      try {
        expect(await transport.send([{ jsonrpc: '2.0', id: 7, method: 'eth_blockNumber', params: [] }])).toMatchObject([{ id: 7, result: '0x1' }]);
      } finally {
        transport.close();
      }
    } finally {
      anvil.stop();
    }
  });
});
