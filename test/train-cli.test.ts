/**
 * `vamm train` end to end on tiny budgets: the real command line trains, saves a tfjs model
 * with the backend that ran, and the data commands use it (facts on a held-out period,
 * generated paths); bad options exit 2.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../data/shared-dir.ts';

const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin', 'vamm.mjs'), ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
};

describe('vamm train (command line)', () => {
  it('generative: trains, saves, and `data facts` checks it on a held-out period', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'train-')), 'mdn');
    const r = await run(['train', 'generative', '--epochs', '1', '--from', '2023-01-01', '--out', out, '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(result.backend);
    expect(result.training.settings.epochs).toBe(1);
    expect(existsSync(join(out, 'model.json')) && existsSync(join(out, 'weights.bin'))).toBe(true);
    const facts = await run(['data', 'facts', '--generators', 'bootstrap,mdn', '--mdn', out, '--from', '2023-01-01', '--eval-from', '2024-01-01', '--eval-to', '2024-07-01', '--replicates', '1', '--paths', '4', '--json', '-q']);
    const json = JSON.parse(facts.stdout);
    expect(json.heldOut.returns).toBeGreaterThan(4000);
    expect(json.generators.map((g: { name: string }) => g.name)).toEqual(['bootstrap', 'mdn']);
    expect(json.generators[1].description).toMatch(new RegExp(`trained with tfjs \\(${result.backend}\\)`));
    const paths = await run(['data', 'generate', '--model', 'mdn', '--mdn', out, '--paths', '2', '--horizon', '2d', '-q']);
    expect(paths.code, paths.stderr).toBe(0);
    expect(paths.stdout).toMatch(/2 paths × 48 steps/);
  }, 120_000);

  it('refuses a held-out period that overlaps the training period, and bad budgets', async () => {
    const overlap = await run(['data', 'facts', '--generators', 'gbm', '--eval-from', '2023-06-01', '-q']);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toMatch(/--eval-from.*after the training period/);
    const epochs = await run(['train', 'generative', '--epochs', '0', '-q']);
    expect(epochs.code).toBe(2);
    const iterations = await run(['train', 'manipulator', '--iterations', 'many', '-q']);
    expect(iterations.code).toBe(2);
  });
});
