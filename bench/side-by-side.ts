/**
 * Two source trees side by side, each run in fresh processes, alternating and swapping which goes
 * first every round: `npm run bench:side-by-side -- --base <rev> [--head <rev>|.] [--runs
 * month,year,insurance] [--rounds 4] [--paths 10] [--quiet]`. `.` is this working tree, edits
 * included. Prints each arm's mean and median CPU (and wall) seconds per unit, the ratio of the
 * means and the median of the rounds' ratios, and writes every sample to
 * bench/out/side-by-side.json.
 *
 * Why fresh processes: loading two trees into one process and alternating them runs the tree
 * loaded second ~14 % faster on the 1-minute month with the same code in both (an A/A, measured
 * 2026-12-07), more than most single changes are worth.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ArmResult, SideBySideRun } from './side-by-side-run.ts';

const repo = join(import.meta.dirname, '..');
const RUNS: readonly SideBySideRun[] = ['month', 'year', 'insurance'];

export interface Tree {
  readonly label: string;
  readonly commit: string;
  readonly root: string;
  readonly temporary: boolean;
}

/** This working tree, edits included. */
export function workingTree(): Tree {
  return { label: '. (working tree)', commit: git(['rev-parse', 'HEAD']), root: repo, temporary: false };
}

/** A checkout of `rev` in a temporary folder sharing this one's node_modules, or this working tree for `.`. */
function checkout(rev: string): Tree {
  if (rev === '.') return workingTree();
  const commit = git(['rev-parse', '--verify', `${rev}^{commit}`]);
  const root = mkdtempSync(join(os.tmpdir(), `vamm-side-by-side-${commit.slice(0, 8)}-`));
  execFileSync('sh', ['-c', `git -C "$0" archive "$1" | tar -x -C "$2"`, repo, commit, root]);
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  return { label: rev, commit, root, temporary: true };
}

function git(args: readonly string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
}

/** One arm in a fresh process; a failing one is reported with its stderr, not waited on. */
export function arm(tree: Tree, run: SideBySideRun, paths: number): Promise<ArmResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'bench', 'side-by-side-run.ts'), tree.root, run, String(paths)], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${tree.label} (${tree.commit.slice(0, 8)}), ${run}: exited ${code}\n${err.trim().split('\n').slice(-12).join('\n')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as ArmResult);
      } catch {
        reject(new Error(`${tree.label}, ${run}: no result line in its output:\n${out.slice(-500)}`));
      }
    });
  });
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}

/** The comparison of one run: base over head, so above 1 means head is faster. */
export interface RunComparison {
  readonly run: SideBySideRun;
  readonly base: readonly ArmResult[];
  readonly head: readonly ArmResult[];
  readonly meanRatio: number;
  readonly medianPairRatio: number;
  readonly headFasterPairs: number;
}

export function compare(run: SideBySideRun, base: readonly ArmResult[], head: readonly ArmResult[]): RunComparison {
  const pairs = base.map((b, i) => b.cpuSeconds / (head[i] as ArmResult).cpuSeconds);
  return {
    run,
    base,
    head,
    meanRatio: mean(base.map((a) => a.cpuSeconds)) / mean(head.map((a) => a.cpuSeconds)),
    medianPairRatio: median(pairs),
    headFasterPairs: pairs.filter((r) => r > 1).length,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      head: { type: 'string', default: '.' },
      runs: { type: 'string', default: RUNS.join(',') },
      rounds: { type: 'string', default: '4' },
      paths: { type: 'string', default: '10' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const runs = (values.runs as string).split(',');
  const bad = runs.filter((r) => !RUNS.includes(r as SideBySideRun));
  const rounds = Number(values.rounds);
  const paths = Number(values.paths);
  if (!values.base || bad.length > 0 || !(Number.isInteger(rounds) && rounds >= 1) || !(Number.isInteger(paths) && paths >= 1)) {
    console.error(`usage: npm run bench:side-by-side -- --base <rev> [--head <rev>|.] [--runs ${RUNS.join(',')}] [--rounds n ≥ 1] [--paths n ≥ 1] [--quiet]${bad.length ? `\nunknown run: ${bad.join(', ')}` : ''}`);
    process.exit(2);
  }
  const say = (line: string) => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };
  const trees = [checkout(values.base), checkout(values.head as string)] as const;
  const load = [os.loadavg()];
  const comparisons: RunComparison[] = [];
  try {
    for (const run of runs as SideBySideRun[]) {
      const got: [ArmResult[], ArmResult[]] = [[], []];
      for (let r = 0; r < rounds; r++) {
        // Each round swaps which tree goes first: drift in the machine's state hits both alike.
        for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
          const a = await arm(trees[k as 0 | 1], run, paths);
          got[k as 0 | 1].push(a);
          say(`${run} round ${r + 1}/${rounds}: ${(trees[k as 0 | 1] as Tree).label} ${a.cpuSeconds.toFixed(3)} CPU s (${a.wallSeconds.toFixed(3)} s wall) a ${run === 'insurance' ? 'path' : 'run'}`);
        }
      }
      comparisons.push(compare(run, got[0], got[1]));
    }
  } finally {
    for (const t of trees) if (t.temporary) rmSync(t.root, { recursive: true, force: true });
  }
  load.push(os.loadavg());
  const fmt = (xs: readonly ArmResult[]) => `${mean(xs.map((a) => a.cpuSeconds)).toFixed(3)} (median ${median(xs.map((a) => a.cpuSeconds)).toFixed(3)}; wall ${mean(xs.map((a) => a.wallSeconds)).toFixed(3)})`;
  console.log(`side by side, fresh processes, ${rounds} rounds alternating: base ${trees[0].label} ${trees[0].commit.slice(0, 8)}, head ${trees[1].label} ${trees[1].commit.slice(0, 8)} (CPU s a unit; >1 = head faster)`);
  for (const c of comparisons) {
    console.log(`  ${c.run.padEnd(9)} base ${fmt(c.base)}  head ${fmt(c.head)}  ratio ${c.meanRatio.toFixed(3)} (median pair ${c.medianPairRatio.toFixed(3)}; head faster in ${c.headFasterPairs}/${rounds})`);
  }
  console.log(`  load average 1 min: ${(load[0]?.[0] ?? 0).toFixed(2)} at the start, ${(load[1]?.[0] ?? 0).toFixed(2)} at the end (2 cores: only near-idle figures compare across runs)`);
  const out = join(repo, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'side-by-side.json'), `${JSON.stringify({ base: trees[0], head: trees[1], rounds, paths, load, node: process.version, cpu: os.cpus()[0]?.model, comparisons }, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
