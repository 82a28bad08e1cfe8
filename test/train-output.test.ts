/**
 * `vamm train` never overwrites the shipped model unless asked: by default it saves to a new
 * folder under runs/models/, and an --out that names the shipped model needs --replace-shipped.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MDN_DIR } from '../data/generators/mdn.ts';
import { REPO_ROOT } from '../data/shared-dir.ts';
import { vammCli } from './helpers/cli.ts';

const shipped = () => new Map(readdirSync(DEFAULT_MDN_DIR).map((f) => [f, readFileSync(join(DEFAULT_MDN_DIR, f))]));
const before = shipped();
const hash = (m: Map<string, Buffer>) => createHash('sha256').update(JSON.stringify([...m].map(([f, b]) => [f, createHash('sha256').update(b).digest('hex')]))).digest('hex');
const cwd = mkdtempSync(join(tmpdir(), 'vamm-train-'));

afterAll(() => {
  // Put the shipped model back if a failing version of this test overwrote it.
  if (hash(shipped()) !== hash(before)) for (const [f, b] of before) writeFileSync(join(DEFAULT_MDN_DIR, f), b);
  rmSync(cwd, { recursive: true, force: true });
});

describe('vamm train: where the model goes', () => {
  it('generative: a new folder under runs/models/ by default; the shipped model is untouched', async () => {
    const r = await vammCli(['train', 'generative', '--epochs', '1', '--from', '2023-01-01', '--seed', '5', '--json', '-q'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).out).toBe(join('runs', 'models', 'mdn-seed5'));
    expect(existsSync(join(cwd, 'runs', 'models', 'mdn-seed5', 'model.json'))).toBe(true);
    expect(hash(shipped())).toBe(hash(before));
  }, 300_000);

  it('refuses an --out that is the shipped model without --replace-shipped, before training', async () => {
    const r = await vammCli(['train', 'generative', '--epochs', '1', '--out', relative(cwd, DEFAULT_MDN_DIR), '-q'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is the shipped model \(tracked in git, used by default\): pass --replace-shipped to overwrite it/);
    const m = await vammCli(['train', 'manipulator', '--out', join(REPO_ROOT, 'agents', 'trained', 'adaptive-manipulator'), '-q']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/is the shipped model/);
    expect(hash(shipped())).toBe(hash(before));
  }, 120_000);
});
