import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WakeChannelClient } from '../agents/wake-channel.ts';

const WORKER = new URL('./fixtures/wake-channel/worker.mjs', import.meta.url);

async function withWorker<T>(data: object, body: (c: WakeChannelClient) => Promise<T>): Promise<T> {
  const c = new WakeChannelClient(WORKER, data, 'test worker');
  try {
    return await body(c);
  } finally {
    await c.close();
  }
}

async function ask(c: WakeChannelClient, request: unknown): Promise<unknown> {
  c.send(request);
  return c.answer();
}

describe('the wake channel between the engine and an agent worker', () => {
  it('answers every request with its own answer, in order, whatever the values', async () => {
    await withWorker({}, async (c) => {
      const value = fc.oneof(fc.bigInt(), fc.double(), fc.string(), fc.constant(null), fc.array(fc.integer()), fc.dictionary(fc.string(), fc.bigInt()));
      await fc.assert(
        fc.asyncProperty(fc.array(value, { maxLength: 20 }), async (requests) => {
          for (const r of requests) expect(await ask(c, { echo: r })).toEqual({ echo: r });
        }),
        { numRuns: 200 },
      );
    });
  }, 60_000);

  it('waits for an answer that takes longer than its wait slices', async () => {
    await withWorker({}, async (c) => {
      expect(await ask(c, { op: 'late', ms: 150 })).toBe('late answer');
      expect(await ask(c, 'next')).toBe('next');
    });
  }, 30_000);

  it("throws the handler's error with the worker's name, and the worker goes on answering", async () => {
    await withWorker({}, async (c) => {
      await expect(ask(c, { op: 'throw' })).rejects.toThrow(/^test worker: RangeError: the handler refused/);
      expect(await ask(c, 'after')).toBe('after');
    });
  }, 30_000);

  it('reports a worker that exits in the middle of a request instead of waiting on it', async () => {
    await withWorker({}, async (c) => {
      const started = Date.now();
      await expect(ask(c, { op: 'exit' })).rejects.toThrow('test worker exited with code 7');
      expect(Date.now() - started).toBeLessThan(5_000);
      // And every later request fails at once.
      expect(() => c.send('again')).toThrow('test worker exited with code 7');
    });
  }, 30_000);

  it('reports a worker that fails before it serves', async () => {
    await withWorker({ failAtStart: true }, async (c) => {
      await expect(ask(c, 'hello')).rejects.toThrow('test worker crashed: failed before serving');
    });
  }, 30_000);
});
