/**
 * The batched cross-check: the state compared once per mined block (many blocks pipelined in one
 * JSON-RPC batch) must keep the per-transaction precision. A one-wei change made to the model
 * in the middle of a block is caught at the block's end and located by the second pass at the
 * very step that made it, with the field and both values; a change to an account no action of
 * the block named is caught by the next whole-state read and located the same way.
 */
import { toFunctionSelector } from 'viem';
import { describe, expect, it, vi } from 'vitest';
import { Rpc } from '../contracts/harness/chain.ts';
import { crashLog } from '../contracts/harness/crash-log.ts';
import { type ReplayInput, replay } from '../contracts/harness/replay.ts';

const TIMEOUT = 300_000;

/** The crash log's steps grouped by block, in order. */
function blocksOf(input: ReplayInput): number[][] {
  const blocks = new Map<number, number[]>();
  input.actions.forEach(({ blockNumber }, i) => {
    const list = blocks.get(blockNumber!) ?? [];
    list.push(i);
    blocks.set(blockNumber!, list);
  });
  return [...blocks.values()];
}

const traderOf = (input: ReplayInput, step: number) => (input.actions[step]!.action.args as { trader?: string }).trader;

describe('cross-check compared once per block', () => {
  const input = crashLog({ blocks: 60 });
  const blocks = blocksOf(input);
  // A block of at least three trades: the injection goes into its middle one.
  const busy = blocks.find((steps, b) => b > 0 && steps.length >= 3 && steps.slice(0, 3).every((s) => traderOf(input, s) !== undefined))!;
  const target = busy[1]!;
  const trader = traderOf(input, target)!;

  it('replays the crash log with zero divergence, with fewer state reads than transactions', { timeout: TIMEOUT }, async () => {
    const report = await replay(input, { views: true });
    expect(report.compare).toBe('block');
    expect(report.divergences).toEqual([]);
    expect(report.located).toBeUndefined();
    expect(report.transactions).toBeGreaterThan(report.blocks);
  });

  it('reads the accounts a block named without scanning every account once a read has shown them on the chain', { timeout: TIMEOUT }, async () => {
    const selectors = new Map<string, number>();
    const batch = Rpc.prototype.batch;
    const spy = vi.spyOn(Rpc.prototype, 'batch').mockImplementation(function (this: Rpc, requests) {
      for (const r of requests) {
        if (r.method !== 'eth_call') continue;
        const selector = (r.params[0] as { data: string }).data.slice(0, 10);
        selectors.set(selector, (selectors.get(selector) ?? 0) + 1);
      }
      return batch.call(this, requests);
    });
    try {
      const report = await replay(input, { views: false });
      expect(report.divergences).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    const scans = selectors.get(toFunctionSelector('stateOf(address,address[],address[])')) ?? 0;
    const named = selectors.get(toFunctionSelector('stateOfAccounts(address,address[],address[])')) ?? 0;
    // A scan only where a block names an account no read has shown yet (the first blocks' deposits).
    expect(named).toBeGreaterThan(4 * scans);
  });

  it('locates a one-wei divergence made mid-block at its step, with the field and both values', { timeout: TIMEOUT }, async () => {
    expect(busy.indexOf(target)).toBeGreaterThan(0);
    expect(busy.indexOf(target)).toBeLessThan(busy.length - 1);
    const report = await replay(input, {
      views: false,
      afterStep: (step, { ch }) => {
        if (step === target) ch.accounts.get(trader)!.collateral += 1n;
      },
    });
    expect(report.located).toBeDefined();
    expect(report.located!.fromStep).toBeLessThanOrEqual(busy[0]!);
    const first = report.divergences[0]!;
    expect(first.step).toBe(target);
    expect(first.field).toBe(`accounts.${trader}.collateral`);
    expect(BigInt(first.model) - BigInt(first.chain)).toBe(1n);
    expect(first.block).toBeUndefined(); // located, not only bounded by its block
    expect(first.reproduce).toHaveLength(target + 1);
  });

  it('catches a change to an account the block did not name at the next whole-state read, located at its step', { timeout: TIMEOUT }, async () => {
    // An account no action names after the injection: only a whole-state read can see it.
    const namedLater = new Set(input.actions.slice(target).flatMap(({ action }) => Object.values(action.args as Record<string, unknown>)));
    const bystander = Object.keys(input.header.wallets ?? {}).find((name) => !namedLater.has(name))!;
    expect(bystander).toBeDefined();
    const report = await replay(input, {
      views: false,
      afterStep: (step, { ch }) => {
        if (step === target) ch.accounts.get(bystander)!.collateral -= 1n;
      },
    });
    const first = report.divergences[0]!;
    expect(first.step).toBe(target);
    expect(first.field).toBe(`accounts.${bystander}.collateral`);
    expect(BigInt(first.chain) - BigInt(first.model)).toBe(1n);
  });

  it('reports a block mined at another timestamp, or holding a transaction the model did not send, at its first step', { timeout: TIMEOUT }, async () => {
    const step = busy[1]!;
    const { timestamp } = input.actions[step]!;
    // Sent after the step's transactions, before the block is mined: anvil's next timestamp moved
    // one second on, and a stray transfer from an address no step uses.
    const late = await replay(input, {
      views: false,
      probe: (i) => (i === step ? [{ request: { method: 'evm_setNextBlockTimestamp', params: [`0x${(timestamp! + 1).toString(16)}`] }, onResult: () => {} }] : []),
    });
    expect(late.divergences).toContainEqual(expect.objectContaining({ step: busy[0], field: 'block.timestamp', model: String(timestamp), chain: String(timestamp! + 1) }));
    const stray = { from: '0x00000000000000000000000000000000005e7a11', to: '0x000000000000000000000000000000000000dEaD', gas: '0x5208', nonce: '0x0', gasPrice: '0x0' };
    const crowded = await replay(input, {
      views: false,
      probe: (i) => (i === step ? [{ request: { method: 'eth_sendTransaction', params: [stray] }, onResult: () => {} }] : []),
    });
    expect(crowded.divergences).toContainEqual(expect.objectContaining({ step: busy[0], field: 'block.transactions', model: String(busy.length), chain: String(busy.length + 1) }));
  });

  it('compares after every transaction when asked, finding the same step without a second pass', { timeout: TIMEOUT }, async () => {
    const report = await replay(input, {
      views: false,
      compare: 'transaction',
      afterStep: (step, { ch }) => {
        if (step === target) ch.accounts.get(trader)!.collateral += 1n;
      },
    });
    expect(report.compare).toBe('transaction');
    expect(report.located).toBeUndefined();
    expect(report.divergences[0]).toMatchObject({ step: target, field: `accounts.${trader}.collateral` });
  });
});
