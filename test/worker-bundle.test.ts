/**
 * Pool workers load their TypeScript compiled into one module (scenarios/worker-bundle.ts): each
 * source file keeps its own import.meta (paths built from it point where they did under tsx), and
 * the batch reports which worker ran each run and when.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBatch } from '../scenarios/batch.ts';
import { WORKER_BUNDLE_DIR, workerModule } from '../scenarios/worker-bundle.ts';

const module = (dir: string, name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return pathToFileURL(join(dir, name));
};

describe('worker bundle', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('loads through tsx when VAMM_WORKER_TSX=1 or when the bundle cannot be built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vamm-bundle-'));
    const fallback = new URL('./fallback.mjs', pathToFileURL(join(dir, 'x')));
    vi.stubEnv('VAMM_WORKER_TSX', '1');
    expect(await workerModule(module(dir, 'fine.ts', 'export const x = 1;\n'), fallback)).toBe(fallback.href);
    vi.unstubAllEnvs();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await workerModule(module(dir, 'broken.ts', "import { nothing } from './missing.ts';\nexport const y = nothing;\n"), fallback)).toBe(fallback.href);
    expect(String(stderr.mock.calls[0]?.[0])).toMatch(/worker bundle for .*broken\.ts not built .*: workers load through tsx/);
  });

  it('prunes bundles no process has written for a day, and keeps recent ones', async () => {
    mkdirSync(WORKER_BUNDLE_DIR, { recursive: true });
    const old = join(WORKER_BUNDLE_DIR, 'test-old-bundle.mjs');
    const recent = join(WORKER_BUNDLE_DIR, 'test-recent-bundle.mjs');
    writeFileSync(old, '');
    writeFileSync(recent, '');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    const dir = mkdtempSync(join(tmpdir(), 'vamm-bundle-'));
    await workerModule(module(dir, 'prune.ts', `export const stamp = ${Date.now()};\n`), new URL('./unused.mjs', pathToFileURL(join(dir, 'x'))));
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    rmSync(recent);
  });

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
