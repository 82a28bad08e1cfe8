/**
 * The harness's anvils log nothing per request (a replay sends tens of thousands, and anvil's log of
 * them cost its CPU and the replay's), while what anvil says when it fails still reaches the error.
 */
import { describe, expect, it } from 'vitest';
import { Anvil, AnvilError } from '../contracts/harness/anvil.ts';

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await r.json()) as { result: unknown }).result;
}

/** The output anvil left, as the error of a dead anvil reports it. */
async function outputAfterExit(anvil: Anvil): Promise<string> {
  anvil.stop();
  for (let i = 0; i < 200; i++) {
    try {
      anvil.assertAlive();
    } catch (e) {
      expect(e).toBeInstanceOf(AnvilError);
      return (e as Error).message.split('last output:\n')[1]!;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('anvil did not exit');
}

describe('the harness anvil', () => {
  it('writes nothing for requests, transactions and blocks', { timeout: 60_000 }, async () => {
    const anvil = await Anvil.start({ number: 100, timestamp: 1_600_000_000 });
    const from = '0x00000000000000000000000000000000000d3910';
    await rpc(anvil.url, 'anvil_setBalance', [from, '0xde0b6b3a7640000']);
    await rpc(anvil.url, 'eth_sendTransaction', [{ from, to: '0x000000000000000000000000000000000000dEaD', value: '0x1', gasPrice: '0x0' }]);
    await rpc(anvil.url, 'evm_mine', []);
    expect(await rpc(anvil.url, 'eth_blockNumber', [])).toBe('0x65');
    expect(await outputAfterExit(anvil)).toBe('');
  });

  it('still reports why it failed to start', { timeout: 60_000 }, async () => {
    await expect(Anvil.start({ forkUrl: '/nonexistent/base.ipc', forkBlockNumber: 1 })).rejects.toThrow(/No such file or directory.*\/nonexistent\/base\.ipc/);
  });
});
