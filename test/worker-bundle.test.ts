/**
 * Pool workers load their TypeScript compiled into one module (scenarios/worker-bundle.ts): each
 * source file keeps its own import.meta (paths built from it point where they did under tsx), and
 * the batch reports which worker ran each run and when.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../scenarios/batch.ts';
import { workerModule } from '../scenarios/worker-bundle.ts';

describe('worker bundle', () => {
  it("keeps every source file's own import.meta", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vamm-bundle-'));
    writeFileSync(join(dir, 'inner.ts'), 'export const inner = { url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename };\n');
    writeFileSync(join(dir, 'entry.ts'), "import { inner } from './inner.ts';\nexport const entry = { url: import.meta.url, dirname: import.meta.dirname };\nexport { inner };\n");
    const entry = pathToFileURL(join(dir, 'entry.ts'));
    const url = await workerModule(entry, new URL('./never-used.mjs', entry));
    expect(url).not.toBe(entry.href);
    expect(url).toMatch(/\.mjs$/);
    const m = (await import(url)) as { entry: { url: string; dirname: string }; inner: { url: string; dirname: string; filename: string } };
    expect(m.entry).toEqual({ url: entry.href, dirname: dir });
    expect(m.inner).toEqual({ url: pathToFileURL(join(dir, 'inner.ts')).href, dirname: dir, filename: join(dir, 'inner.ts') });
  });

  it('times each run on the worker that ran it', async () => {
    const scenarioText = JSON.stringify({
      name: 'bundle-test',
      profile: 'default',
      market: { id: 'ETH', depth: '5000000' },
      prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12T00:00', to: '2020-03-12T02:00' },
      insuranceFund: '10000',
      agents: [{ kind: 'noise', count: 3, capital: '10000', params: { meanInterval: 900 } }],
    });
    const outcomes = await runBatch(Array.from({ length: 4 }, (_, i) => ({ scenarioText, file: 'bundle.json', seed: i + 1 })), { threads: 2 });
    const timings = outcomes.map((o) => (o.ok ? o.worker : undefined));
    for (const t of timings) {
      expect(t).toBeDefined();
      expect(t!.readyAt).toBeLessThanOrEqual(t!.startedAt);
      expect(t!.startedAt).toBeLessThanOrEqual(t!.finishedAt);
    }
    for (const t of timings) expect(Number.isInteger(t!.threadId) && t!.threadId > 0).toBe(true);
  }, 120_000);
});
