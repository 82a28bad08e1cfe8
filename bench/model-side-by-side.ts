/**
 * The model's per-operation ratios of several checkouts, side by side: each round runs
 * bench/model-throughput.ts of every checkout in a fresh process, in turn (the order reversed
 * every other round), as `npm run bench` runs it (the float64 swap loop, then `default`, then
 * `perp-v1`); prints the best and the median ratio of each row per checkout. Fresh processes,
 * because the first rows of a process also time V8's compilation of the model.
 *
 *   npx tsx bench/model-side-by-side.ts [--rounds 5] <checkout> <checkout> ...
 *
 * A checkout is a directory holding sim/ and bench/ (a worktree, or `git archive <ref> sim bench
 * | tar -x -C <dir>` with node_modules linked in).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Ratios = Record<string, number>;

/** One checkout's rows in this process: float64 swaps per second ÷ the operation's. */
async function ratiosOf(checkout: string): Promise<Ratios> {
  const mt = await import(pathToFileURL(resolve(checkout, 'bench/model-throughput.ts')).href);
  const { float64 } = mt.swapThroughput();
  const out: Ratios = {};
  for (const profile of ['default', 'perp-v1']) {
    for (const r of mt.modelThroughput(profile) as Array<{ name: string; opsPerSecond: number }>) out[r.name] = float64.opsPerSecond / r.opsPerSecond;
  }
  return out;
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  process.stdout.write(JSON.stringify(await ratiosOf(args[1] as string)));
} else {
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;
  const checkouts = args.filter((a, i) => a !== '--rounds' && i !== roundsAt + 1);
  if (checkouts.length === 0 || !Number.isInteger(rounds) || rounds < 1) throw new Error('usage: tsx bench/model-side-by-side.ts [--rounds n] <checkout>...');
  const seen = checkouts.map(() => new Map<string, number[]>());
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...checkouts.keys()].reverse() : [...checkouts.keys()];
    for (const k of order) {
      const json = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', resolve(checkouts[k] as string)], { encoding: 'utf8' });
      for (const [name, ratio] of Object.entries(JSON.parse(json) as Ratios)) seen[k]?.set(name, [...(seen[k]?.get(name) ?? []), ratio]);
      process.stderr.write(`round ${round + 1}/${rounds}: ${checkouts[k]}\n`);
    }
  }
  const fmt = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `${Math.round(sorted[0] as number).toLocaleString('en-US')}× / ${Math.round(sorted[Math.floor(sorted.length / 2)] as number).toLocaleString('en-US')}×`;
  };
  console.log(`float64 swap is … faster: best / median of ${rounds} fresh processes per checkout`);
  console.log(`${'operation'.padEnd(42)}${checkouts.map((c) => c.slice(-24).padStart(26)).join('')}`);
  for (const name of seen[0]?.keys() ?? []) console.log(`${name.padEnd(42)}${seen.map((s) => fmt(s.get(name) ?? [Number.NaN]).padStart(26)).join('')}`);
}
