/**
 * `vamm run` scenario files: every bundled scenario is valid, and a bad one is refused with the
 * file, line, field and reason of each problem; missing price data names what it looked for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { runScenarioErrors } from './helpers/scenario-errors.ts';

const dir = join(import.meta.dirname, '..', 'scenarios', 'runs');

const errorsOf = (text: string) => runScenarioErrors(text);

describe('run scenarios', () => {
  it('bundles the six crash windows, a year of hourly data, the cross-check day and the oracle attack, each with every agent kind and a gas market', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual([
      '3ac-celsius-2022.json',
      'aug5-2024.json',
      'black-thursday-2020.json',
      'crosscheck-black-thursday.json',
      'ftx-2022.json',
      'luna-2022.json',
      'may19-2021.json',
      'oracle-attack-2020.json',
      'year-2022-hourly.json',
    ]);
    for (const f of files) {
      const s = parseRunScenario(readFileSync(join(dir, f), 'utf8'), f);
      const kinds = new Set(s.agents.map((a) => a.kind));
      for (const k of ['noise', 'arbitrageur', 'manipulator', 'liquidator', 'keeper']) expect(kinds, f).toContain(k);
      // The arbitrageurs are a population with spread capital, and every run says which venue's gas it pays.
      expect(s.agents.find((a) => a.kind === 'arbitrageur')?.capital, f).toMatchObject({ sigma: expect.any(Number) });
      expect(s.gas.profile, f).toBeDefined();
    }
  });

  it('refuses bad fields with their place and reason, all at once', () => {
    const text = JSON.stringify(
      {
        name: 'Bad Name',
        profile: 'default',
        market: { id: 'ETH', depth: 1000 },
        prices: { file: 'w1', gapPolicy: 'interpolate' },
        agents: [
          { kind: 'noise', capital: '100', params: { meanInterval: -5, colour: 'blue' } },
          { kind: 'sniper', capital: '100' },
        ],
      },
      null,
      2,
    );
    const errors = errorsOf(text).join('\n');
    expect(errors).toMatch(/bad\.json:2:\d+: name: lower-case letters, digits and dashes/);
    expect(errors).toMatch(/bad\.json:\d+:\d+: market\.depth: /);
    expect(errors).toMatch(/prices\.gapPolicy: /);
    expect(errors).toMatch(/agents\[0\]\.params\.meanInterval: /);
    expect(errors).toMatch(/agents\[0\]\.params: Unrecognized key: "colour"/);
    expect(errors).toMatch(/agents\[1\]\.kind: /);
  });

  it('says where it looked when the price data is missing', async () => {
    const s = parseRunScenario(readFileSync(join(dir, 'ftx-2022.json'), 'utf8'));
    await expect(resolveRun(s, { dataDir: '/nonexistent/data' })).rejects.toThrow(/no price data folder found: looked in \/nonexistent\/data \(--data\)/);
  });
});
