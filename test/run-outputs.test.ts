/**
 * A run's folder is a result or nothing: written whole (staged beside it, renamed when the run
 * finishes), with a completion record written last. A run that is interrupted or killed leaves
 * the previous run's folder byte for byte as it was; `vamm report` refuses a folder without a
 * record, or labels it partial on every page when asked. Results go to stdout, progress to
 * stderr (plain lines when stderr is not a terminal), and `-q` silences only the progress.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../data/shared-dir.ts';
import { COMPLETION_RECORD, type CompletionRecord, fileRecord } from '../sim/engine/completion-record.ts';
import { type CliResult, startVamm, vammCli } from './helpers/cli.ts';

const FIXTURE_RUN = join(REPO_ROOT, 'test', 'fixtures', 'reports', 'crash-hours.json');
/** A run long enough to be stopped half way (a year of hourly prices, 100 agents). */
const LONG_RUN = join(REPO_ROOT, 'scenarios', 'runs', 'year-2022-hourly.json');
const dir = mkdtempSync(join(tmpdir(), 'vamm-outputs-'));
const out = join(dir, 'run');
let first: CliResult;
let files: Map<string, Buffer>;

const snapshot = (folder: string) => new Map(readdirSync(folder).map((f) => [f, readFileSync(join(folder, f))]));
const partials = () => readdirSync(dir).filter((f) => f.startsWith(`${basename(out)}.partial-`));

/** Starts the long run into `out`, waits until it is running, then sends `signal`. */
async function interruptLongRun(signal: NodeJS.Signals): Promise<CliResult> {
  const run = startVamm(['run', LONG_RUN, '--out', out], { env: { VAMM_PROGRESS_INTERVAL: '0.5' } });
  const deadline = Date.now() + 240_000;
  // Two progress lines after "running": the simulation is writing the log.
  while (!/running[\s\S]*\d+% [\s\S]*\d+% /.test(run.stderrSoFar()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  run.child.kill(signal);
  return run.done;
}

beforeAll(async () => {
  first = await vammCli(['run', FIXTURE_RUN, '--out', out, '-q']);
  files = snapshot(out);
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vamm run: the output folder', () => {
  it('is written with a completion record, last, that names every file with its size and hash', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect([...files.keys()].sort()).toEqual([COMPLETION_RECORD, 'events.jsonl', 'report.html', 'summary.json', 'summary.md']);
    const record = JSON.parse(files.get(COMPLETION_RECORD)!.toString()) as CompletionRecord;
    expect(record).toMatchObject({ format: 'vamm-run/1', name: 'black-thursday-crash-hours', seed: 1, invariantViolations: 0 });
    for (const f of ['events.jsonl', 'summary.json', 'summary.md', 'report.html']) expect(record.files[f]).toEqual(await fileRecord(join(out, f)));
    expect(partials()).toEqual([]);
  });

  it('-q silences only the progress: the summary and the folder go to stdout, nothing to stderr', () => {
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^# black-thursday-crash-hours \(default, seed 1\)/);
    expect(first.stdout).toContain(`written ${out}/{events.jsonl, summary.json, summary.md, report.html, ${COMPLETION_RECORD}}`);
  });

  it('shows progress on stderr as plain lines when stderr is not a terminal', async () => {
    const again = join(dir, 'progress');
    const r = await vammCli(['run', FIXTURE_RUN, '--out', again], { env: { VAMM_PROGRESS_INTERVAL: '0.2' } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^black-thursday-crash-hours: started \(\d+s\)$/);
    expect(lines).toContain(lines.find((l) => /: running \(/.test(l)));
    expect(lines.some((l) => /: \d+% \d+ blocks, \d+ actions \(/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/: done, 100% \d+ blocks/);
    expect(r.stderr).not.toContain('\r');
    expect(r.stdout).toMatch(/^# black-thursday-crash-hours/);
  }, 240_000);

  it('an interrupted rerun (SIGINT) leaves the previous run byte for byte, exits 130, and says where the partial run is', async () => {
    const r = await interruptLongRun('SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(new RegExp(`interrupted \\(SIGINT\\): ${out} is as it was; the partial run is in ${out}\\.partial-\\w+`));
    expect(snapshot(out)).toEqual(files);
    const [partial] = partials();
    expect(partial).toBeDefined();
    expect(existsSync(join(dir, partial!, COMPLETION_RECORD))).toBe(false);
  }, 300_000);

  it('`vamm report` refuses the partial run, or labels it partial on every page with --partial', async () => {
    const partial = join(dir, partials()[0]!);
    const refused = await vammCli(['report', partial]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not a finished run: no complete\.json/);
    const labelled = await vammCli(['report', partial, '--partial']);
    expect(labelled.code, labelled.stderr).toBe(0);
    expect(labelled.stdout).toContain('PARTIAL RUN');
    const html = readFileSync(join(partial, 'report.html'), 'utf8');
    expect(html).toContain('<p class="banner" role="alert">PARTIAL RUN: this run did not finish');
    expect(html).toMatch(/@page \{ @top-center \{ content: "PARTIAL RUN/); // every printed page
    expect(readFileSync(join(partial, 'summary.md'), 'utf8')).toMatch(/^> \*\*PARTIAL RUN/);
    expect(JSON.parse(readFileSync(join(partial, 'summary.json'), 'utf8')).partial).toMatch(/^PARTIAL RUN/);
    rmSync(partial, { recursive: true });
  }, 120_000);

  it('a rerun killed outright (SIGKILL, no clean-up code) still leaves the previous run as it was', async () => {
    const r = await interruptLongRun('SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(snapshot(out)).toEqual(files);
    for (const p of partials()) rmSync(join(dir, p), { recursive: true });
  }, 300_000);

  it('`vamm report` rebuilds a finished run, and refuses one whose log changed after it finished', async () => {
    const rebuilt = await vammCli(['report', out]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(readFileSync(join(out, 'summary.md'))).toEqual(files.get('summary.md'));
    appendFileSync(join(out, 'events.jsonl'), '{"type":"Snapshot"}\n');
    const changed = await vammCli(['report', out]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/events\.jsonl: changed since the run finished/);
  }, 120_000);

  it('refuses a folder it cannot write before any work, naming it and the reason', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    // Root ignores permission bits: meet the folder as an ordinary user.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chmod', ['755', dir]);
    // A checkout inside a private folder (`git clone . "$(mktemp -d)/fresh"`, mode 700) is out of
    // that user's reach: open the way to it (traverse only) for this test, and close it after.
    const closed = asRoot ? untraversableAncestors(REPO_ROOT) : [];
    for (const d of closed) chmodSync(d, (statSync(d).mode & 0o7777) | 0o001);
    const r = await vammCli(['run', FIXTURE_RUN, '--out', join(locked, 'run')], asRoot ? { user: 'nobody', cwd: dir } : {}).finally(() => {
      for (const d of closed) chmodSync(d, statSync(d).mode & 0o7776);
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${locked}: --out: cannot write here \\(EACCES`));
    expect(readdirSync(locked)).toEqual([]);
  }, 120_000);

  it('refuses to replace a folder holding files a run does not write', async () => {
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    appendFileSync(join(mine, 'notes.txt'), 'keep me');
    const r = await vammCli(['run', FIXTURE_RUN, '--out', mine, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mine: --out: holds files vamm run does not write \(notes\.txt\)/);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  }, 120_000);
});

/** The folders above `path` that other users cannot pass through (no o+x). */
function untraversableAncestors(path: string): string[] {
  const out: string[] = [];
  for (let d = dirname(path); d !== dirname(d); d = dirname(d)) if ((statSync(d).mode & 0o001) === 0) out.push(d);
  return out;
}
