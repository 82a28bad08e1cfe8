/**
 * Exit statuses, as the README's table promises them, on the real command line: 0 ok, 1 a
 * failed check (expectation, invariant, failed run, shards that disagree or miss points), 2 bad
 * input or usage (commander's own errors too), never 3 ("internal error") for anything a user
 * typed. A representative matrix over every command.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../data/shared-dir.ts';
import { vammCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'vamm-exit-'));
const at = (name: string) => join(dir, name);
const FIXTURE_RUN = join(REPO_ROOT, 'test', 'fixtures', 'reports', 'crash-hours.json');
const SCRIPT = join(REPO_ROOT, 'scenarios', 'scripts', 'whale-liquidation.json');

const row = (index: number, ok: boolean, metric: number) => JSON.stringify({ index, key: `k${index}`, values: {}, seed: 1, ok, metrics: ok ? { x: metric } : null, ...(ok ? {} : { error: 'boom' }) });

beforeAll(() => {
  // A script whose expectation is wrong: it runs, and a check fails.
  const script = JSON.parse(readFileSync(SCRIPT, 'utf8'));
  const step = script.steps.findIndex((s: { expect?: unknown }) => s.expect);
  script.steps[step].expect = { 'insuranceFund.balance': '1' };
  writeFileSync(at('failing-script.json'), JSON.stringify(script));
  writeFileSync(at('shard-1.jsonl'), `${row(0, true, 1)}\n${row(2, true, 3)}\n`);
  writeFileSync(at('shard-2.jsonl'), `${row(1, true, 2)}\n`);
  writeFileSync(at('shard-2-other.jsonl'), `${row(1, true, 99)}\n`);
  writeFileSync(at('not-a-folder'), 'a file');
  // Every point of this sweep fails when it runs (its scenario is not a run scenario).
  writeFileSync(at('all-fail.json'), JSON.stringify({ name: 'all-fail', scenario: { name: 'x' }, mode: 'list', axes: [{ path: 'seed', values: [1, 2] }] }));
  writeFileSync(at('bad-sweep.json'), '{\n  "name": "Bad Name",\n  "scenario": {}\n}\n');
  writeFileSync(at('partial-rows.jsonl'), `${row(0, true, 1)}\n`);
  writeFileSync(at('audit.json'), JSON.stringify({ runs: [{ dir: 'no-run', scenario: FIXTURE_RUN }], crosscheck: ['no-crosscheck.json'] }));
});

/** The label, the arguments, the status, and what the output (stderr, then stdout) must say. */
type Case = readonly [label: string, args: () => string[], status: number, says?: RegExp];

const CASES: readonly Case[] = [
  // usage: commander's errors (it would exit 1) and help (0)
  ['no command', () => [], 2, /Usage: vamm/],
  ['unknown command', () => ['runn'], 2, /unknown command 'runn'/],
  ['unknown option', () => ['run', FIXTURE_RUN, '--sed', '3'], 2, /unknown option '--sed'/],
  ['missing argument', () => ['run'], 2, /missing required argument 'scenario'/],
  ['missing option value', () => ['run', FIXTURE_RUN, '--seed'], 2, /argument missing/],
  ['--help', () => ['run', '--help'], 0],
  ['help command', () => ['help', 'audit'], 0],
  // bad flag values
  ['run --seed abc', () => ['run', FIXTURE_RUN, '--seed', 'abc'], 2, /--seed: "abc" is not a whole number ≥ 0/],
  ['run --agent-threads 0', () => ['run', FIXTURE_RUN, '--agent-threads', '0'], 2, /--agent-threads: "0" is not a whole number ≥ 1/],
  ['study --threads 0', () => ['study', 'k-resize', '--threads', '0', '--out', at('study')], 2, /--threads: "0"/],
  ['study --shard 3/2', () => ['study', 'k-resize', '--shard', '3/2', '--out', at('study')], 2, /--shard: takes i\/N with 1 ≤ i ≤ N, got "3\/2"/],
  ['unknown study', () => ['study', 'fundingcap'], 2, /unknown study "fundingcap"/],
  ['sweep --shard 0/2', () => ['sweep', at('all-fail.json'), '--shard', '0/2'], 2, /--shard/],
  ['crosscheck --crash abc', () => ['crosscheck', '--crash', 'abc'], 2, /--crash: "abc" is not a whole number ≥ 1/],
  ['crosscheck --max-divergences 0', () => ['crosscheck', SCRIPT, '--max-divergences', '0'], 2, /--max-divergences/],
  ['report --buckets 1', () => ['report', at('nowhere'), '--buckets', '1'], 2, /--buckets/],
  ['merge --expect abc', () => ['merge', at('shard-1.jsonl'), '--expect', 'abc', '-o', at('m.jsonl')], 2, /--expect/],
  // input files
  ['run a missing scenario', () => ['run', at('missing.json')], 2, /missing\.json: cannot read the scenario/],
  ['merge a file that does not exist (an unmatched glob)', () => ['merge', join(dir, 'rows-*-of-20.jsonl'), '-o', at('m.jsonl')], 2, /rows-\*-of-20\.jsonl: no such rows file/],
  ['sweep spec with errors, located', () => ['sweep', at('bad-sweep.json')], 2, /bad-sweep\.json:2:\d+: name: /],
  ['study --analyse on partial rows', () => ['study', 'k-resize', '--analyse', at('partial-rows.jsonl'), '--out', at('study-partial')], 2, /1 of \d+ points have rows/],
  ['run --out under a file', () => ['run', FIXTURE_RUN, '--out', join(at('not-a-folder'), 'run')], 2, /not-a-folder: --out: is a file, not a folder/],
  ['audit of evidence that is not there', () => ['audit', at('audit.json'), '--out', at('audit')], 2, /needs 2 pieces of evidence[\s\S]*no-run: no such run folder; make it with: vamm run [\s\S]*no-crosscheck\.json: no such cross-check result; the config does not say how/],
  // checks that fail
  ['script with a failed expectation', () => ['script', at('failing-script.json'), '--summary'], 1, /result: 1 failure/],
  ['merge --expect with points missing', () => ['merge', at('shard-1.jsonl'), '--expect', '3', '-o', at('m.jsonl')], 1, /the shards miss 1 of 3 points/],
  ['merge of shards that disagree', () => ['merge', at('shard-1.jsonl'), at('shard-2.jsonl'), at('shard-2-other.jsonl'), '-o', at('m.jsonl')], 1, /two shards with different results/],
  ['sweep where every point failed', () => ['sweep', at('all-fail.json'), '--threads', '1', '-q', '-o', at('all-fail-rows.jsonl')], 1, /2 of 2 runs failed/],
  // ok
  ['script that passes', () => ['script', SCRIPT, '--summary'], 0],
  ['merge of every shard', () => ['merge', at('shard-1.jsonl'), at('shard-2.jsonl'), '--expect', '3', '-o', at('merged.jsonl')], 0],
];

describe.concurrent('exit statuses (README table) on the command line', () => {
  for (const [label, args, status, says] of CASES) {
    it(`${label} → ${status}`, async () => {
      const r = await vammCli(args());
      expect({ code: r.code, internal: /internal error/.test(r.stderr) }, r.stderr).toEqual({ code: status, internal: false });
      if (says) expect(`${r.stderr}${r.stdout}`).toMatch(says);
    }, 120_000);
  }
});
