/**
 * A run's input is checked before it starts, each problem with its file, line, field and the
 * reason that fits (a zero depth, a negative amount, a window outside the file with the file's
 * actual range); a CSV that ends in a blank line is accepted. A run that crosses gaps in its
 * prices (gapPolicy "skip") says so in its summary and its report.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { loadRounds } from '../data/round-loader.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { renderHtml } from '../reports/render/html.ts';
import { RunModelBuilder } from '../reports/run-model-builder.ts';
import { runReportDocument } from '../reports/run-report.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { formatRunSummary } from '../sim/engine/summary-markdown.ts';
import { runScenarioErrors } from './helpers/scenario-errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'vamm-validation-'));
const WINDOW = 'windows/w1_black_thursday_2020-03-09_2020-03-16_binance_spot_5m.csv';

function scenario(over: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      name: 'small',
      profile: 'default',
      market: { id: 'ETH', depth: '2000000' },
      prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12T09:00', to: '2020-03-12T12:00' },
      insuranceFund: '100000',
      agents: [
        { kind: 'noise', count: 6, capital: '5000' },
        { kind: 'liquidator', capital: '1000' },
        { kind: 'keeper', capital: '1000' },
      ],
      ...over,
    },
    null,
    2,
  );
}

const errorsOf = (text: string) => runScenarioErrors(text);

describe('run scenario validation', () => {
  it('refuses a zero depth before the run, located, saying why', () => {
    const errors = errorsOf(scenario({ market: { id: 'ETH', depth: '0' } }));
    expect(errors).toEqual([expect.stringMatching(/^bad\.json:6:\d+: market\.depth: must be greater than 0: a vAMM with no depth has no price$/)]);
  });

  it('says a negative insurance fund or capital is negative, not that it is not an amount', () => {
    const errors = errorsOf(scenario({ insuranceFund: '-5', agents: [{ kind: 'noise', capital: '-100' }] }));
    expect(errors).toContainEqual(expect.stringMatching(/bad\.json:\d+:\d+: insuranceFund: must not be negative \(got "-5"\)/));
    expect(errors).toContainEqual(expect.stringMatching(/bad\.json:\d+:\d+: agents\[0\]\.capital: must not be negative \(got "-100"\)/));
  });

  it('names what a malformed amount should look like', () => {
    expect(errorsOf(scenario({ insuranceFund: '1e6' }))).toContainEqual(expect.stringMatching(/insuranceFund: "1e6" is not an amount: digits with at most 18 decimals/));
  });

  it('a window outside the price file names the field and the file\'s actual range', async () => {
    const s = parseRunScenario(scenario({ prices: { file: 'w1_black_thursday', gapPolicy: 'skip', from: '2021-01-01', to: '2021-01-02' } }));
    await expect(resolveRun(s)).rejects.toThrow(
      /w1_black_thursday_2020-03-09_2020-03-16_binance_spot_5m\.csv: prices\.from: the window 2021-01-01T00:00:00Z → 2021-01-02T00:00:00Z holds no candles \(a run needs two\): the file covers 2020-03-09T00:00:00Z → 2020-03-16T23:55:00Z/,
    );
  });

  it('a window that ends before it starts is refused as such', async () => {
    const s = parseRunScenario(scenario({ prices: { file: 'w1_black_thursday', gapPolicy: 'skip', from: '2020-03-12T12:00', to: '2020-03-12T09:00' } }));
    await expect(resolveRun(s)).rejects.toThrow(/prices\.to: 2020-03-12T09:00:00Z is not after prices\.from/);
  });
});

describe('CSV files that end with a blank line', () => {
  it('load as if the line were not there (candles and Chainlink rounds); a blank line inside is still an error', async () => {
    const source = readFileSync(join(findDataDir(), WINDOW), 'utf8').split('\n').slice(0, 50).join('\n');
    writeFileSync(join(dir, 'trailing.csv'), `${source}\n\n`);
    writeFileSync(join(dir, 'inside.csv'), source.replace('\n', '\n\n'));
    const plain = await loadCandles(join(dir, 'trailing.csv'), { gapPolicy: 'refuse' });
    expect(plain.time).toHaveLength(49);
    await expect(loadCandles(join(dir, 'inside.csv'), { gapPolicy: 'refuse' })).rejects.toThrow(/inside\.csv:2:1: expected 6 fields .* found empty line/);
    const rounds = readFileSync(join(import.meta.dirname, 'fixtures', 'data', 'rounds-good.csv'), 'utf8').trimEnd();
    writeFileSync(join(dir, 'rounds.csv'), `${rounds}\n\n`);
    expect((await loadRounds(join(dir, 'rounds.csv'))).rounds.length).toBe(rounds.split('\n').length - 1);
  });
});

describe('a run across gaps in its prices', () => {
  it('says in its summary and report that it skipped them, how many and how long', async () => {
    // The Black Thursday window with 09:30–09:55 and 10:40–10:45 removed: two gaps, 6 + 2 bars.
    const lines = readFileSync(join(findDataDir(), WINDOW), 'utf8').split('\n');
    const drop = (iso: string) => String(Date.parse(`${iso}Z`) / 1000);
    const removed = new Set(['2020-03-12T09:30', '2020-03-12T09:35', '2020-03-12T09:40', '2020-03-12T09:45', '2020-03-12T09:50', '2020-03-12T09:55', '2020-03-12T10:40', '2020-03-12T10:45'].map(drop));
    writeFileSync(join(dir, 'gappy.csv'), lines.filter((l) => !removed.has(l.split(',')[0] as string)).join('\n'));
    const s = parseRunScenario(scenario({ prices: { file: join(dir, 'gappy.csv'), gapPolicy: 'skip', from: '2020-03-12T09:00', to: '2020-03-12T12:00' } }));
    const model = new RunModelBuilder();
    const { summary } = await runSimulation(await resolveRun(s), { sinks: [model] });
    expect(summary.prices.gaps).toEqual([
      { market: 'ETH', policy: 'skip', count: 2, missingBars: 8, missingSeconds: 2400, filled: 0, longest: { from: Date.parse('2020-03-12T09:30Z') / 1000, bars: 6, seconds: 1800 } },
    ]);
    const md = formatRunSummary(summary);
    expect(md).toContain('| price data | 2 gaps in the ETH prices, 8 missing bars (40 min; longest 30 min from 2020-03-12 09:30): skipped — the run jumped over them');
    const html = renderHtml(runReportDocument(model.result()));
    expect(html).toContain('price gaps skipped');
    expect(html).toContain('2 gaps in the ETH prices, 8 missing bars');
  }, 120_000);

  it('says "no gaps" when there are none', async () => {
    const { summary } = await runSimulation(await resolveRun(parseRunScenario(scenario())));
    expect(summary.prices.gaps).toEqual([]);
    expect(formatRunSummary(summary)).toContain('| price data | no gaps in the price window |');
  }, 120_000);
});
