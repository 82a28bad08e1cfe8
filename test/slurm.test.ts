/**
 * A study on a real batch engine: a one-node Slurm cluster (munged, slurmctld, slurmd, all under
 * a temp folder) runs a small k-resize study as a job array through the documented sbatch script
 * (docs/scale-out/vamm-study.sbatch); `vamm merge` of the shards gives exactly the rows of the
 * unsharded run. The daemons are always stopped. Without Slurm installed the test fails and says
 * how to install it (.ci/run does).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRows } from '../scenarios/sweep.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'sinfo'];
// The daemons live in /usr/sbin, which a non-login PATH may lack.
const PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', env: { ...process.env, PATH } });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => ok(port));
    });
  });
}

/** A small k-resize study: one 6-hour window, one multiplier, two remaps, two seeds (4 runs). */
const STUDY = {
  name: 'k-resize-slurm',
  environment: {
    name: 'k-resize-slurm',
    profile: 'default',
    blockTime: 12,
    market: { id: 'ETH', depth: '10000000' },
    insuranceFund: '1000000',
    agents: [
      { kind: 'noise', count: 6, capital: '20000', params: { medianMargin: 3000, maxLeverage: 5, meanInterval: 1800, meanHolding: 7200 } },
      { kind: 'whale', name: 'whale-long', count: 1, capital: '500000', params: { side: 'long', margin: 200000, leverage: 3, openAfter: 1800 } },
      { kind: 'arbitrageur', count: 1, capital: '2000000', params: { interval: 60, latency: 12 } },
      { kind: 'liquidator', count: 1, capital: '1000', params: { latency: 12 } },
      { kind: 'keeper', count: 1, capital: '1000' },
    ],
    invariants: 'block',
    snapshotInterval: 3600,
  },
  windows: [
    { label: 'FTX 2022-11-09', prices: { file: 'w5_ftx', gapPolicy: 'carry-forward', from: '2022-11-09T06:00', to: '2022-11-09T12:00' }, migrateAt: '2022-11-09T09:00' },
  ],
  multipliers: ['2'],
  remaps: ['eager', 'none'],
  seeds: [1, 2],
};

interface Cluster {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly daemons: ChildProcess[];
}

/** Starts a daemon in the foreground as a child of this process (stopped by its own PID). */
function startDaemon(cluster: Cluster, command: string, args: string[], user?: { uid: number; gid: number }): void {
  const child = spawn(command, args, { env: cluster.env, stdio: 'ignore', ...user });
  child.on('error', () => {});
  cluster.daemons.push(child);
}

/** Stops slurmd, slurmctld, then munged (each by its own process), waiting for each to exit. */
async function stopCluster(cluster: Cluster): Promise<void> {
  for (const child of [...cluster.daemons].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

async function waitFor(what: string, cluster: Cluster, ready: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (ready()) return;
    const dead = cluster.daemons.find((d) => d.exitCode !== null);
    if (dead) throw new Error(`${dead.spawnargs.join(' ')} exited (${dead.exitCode}) while waiting for ${what}; logs in ${cluster.dir}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs in ${cluster.dir}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'vamm-slurm-'));
  chmodSync(dir, 0o755);
  const keyDir = join(dir, 'munge-key');
  const runDir = join(dir, 'munge-run');
  const slurm = join(dir, 'slurm');
  for (const d of [keyDir, runDir, join(slurm, 'state'), join(slurm, 'spool'), join(slurm, 'log')]) mkdirSync(d, { recursive: true });
  const munge = { uid: Number(execFileSync('id', ['-u', 'munge'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'munge'], { encoding: 'utf8' })) };
  // munged wants a key only it can read, and a socket folder everyone can enter.
  const key = join(keyDir, 'munge.key');
  writeFileSync(key, execFileSync('head', ['-c', '1024', '/dev/urandom']));
  for (const [p, mode] of [[keyDir, 0o700], [key, 0o400], [runDir, 0o755]] as const) {
    chownSync(p, munge.uid, munge.gid);
    chmodSync(p, mode);
  }
  const socket = join(runDir, 'munge.socket');
  const host = hostname();
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(slurm, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=vamm-test',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `StateSaveLocation=${join(slurm, 'state')}`,
      `SlurmdSpoolDir=${join(slurm, 'spool')}`,
      `SlurmctldPidFile=${join(slurm, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(slurm, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(slurm, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(slurm, 'log', 'slurmd.log')}`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MpiDefault=none',
      'JobCompType=jobcomp/none',
      'AccountingStorageType=accounting_storage/none',
      `NodeName=${host} CPUs=2 RealMemory=4000 State=UNKNOWN`,
      `PartitionName=main Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const cluster: Cluster = { dir, env: { ...process.env, PATH, SLURM_CONF: conf }, daemons: [] };
  try {
    const mungedArgs = ['-F', '--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(runDir, 'munged.pid')}`, `--log-file=${join(runDir, 'munged.log')}`, `--seed-file=${join(runDir, 'munged.seed')}`];
    startDaemon(cluster, 'munged', mungedArgs, munge);
    await waitFor('munged', cluster, () => readdirSync(runDir).includes('munge.socket'));
    startDaemon(cluster, 'slurmctld', ['-D', '-f', conf]);
    startDaemon(cluster, 'slurmd', ['-D', '-f', conf]);
    await waitFor('the node to be idle', cluster, () => spawnSync('sinfo', ['-h', '-o', '%T'], { env: cluster.env, encoding: 'utf8' }).stdout.trim() === 'idle');
    return cluster;
  } catch (e) {
    await stopCluster(cluster);
    throw e;
  }
}

function vamm(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'vamm.mjs'), ...args], { cwd: ROOT, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vamm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

describe('Slurm job array', () => {
  let cluster: Cluster | undefined;
  let passed = false;
  const missing = BINARIES.filter((b) => which(b) === null);

  beforeAll(async () => {
    if (missing.length === 0) cluster = await startCluster();
  }, 120_000);

  afterAll(async () => {
    if (!cluster) return;
    await stopCluster(cluster);
    // The daemons' logs stay for a failed run (the failure names the folder).
    if (passed) rmSync(cluster.dir, { recursive: true, force: true });
  }, 60_000);

  it('runs a study as sbatch --array shards that merge into exactly the unsharded rows', { timeout: 600_000 }, () => {
    expect(missing, `Slurm is not installed (missing ${missing.join(', ')}): apt-get install -y slurm-wlm munge (.ci/run installs it)`).toEqual([]);
    const c = cluster as Cluster;
    const config = join(c.dir, 'study.json');
    writeFileSync(config, JSON.stringify(STUDY));
    const whole = join(c.dir, 'whole');
    vamm(['study', 'k-resize', '--config', config, '--threads', '1', '--quiet', '--out', whole]);

    const shards = join(c.dir, 'shards');
    const submit = spawnSync(
      'sbatch',
      ['--wait', '--array=1-3', '--cpus-per-task=1', `--output=${join(c.dir, 'task-%a.out')}`, join(ROOT, 'docs', 'scale-out', 'vamm-study.sbatch')],
      { cwd: ROOT, env: { ...c.env, VAMM_STUDY: 'k-resize', VAMM_CONFIG: config, VAMM_OUT: shards, VAMM_HOME: ROOT }, encoding: 'utf8' },
    );
    expect(submit.status, `sbatch failed: ${submit.stderr}${submit.stdout}; task logs in ${c.dir}`).toBe(0);
    const files = readdirSync(shards).filter((f) => /^rows-\d-of-3\.jsonl$/.test(f)).sort();
    expect(files).toEqual(['rows-1-of-3.jsonl', 'rows-2-of-3.jsonl', 'rows-3-of-3.jsonl']);

    const merged = join(c.dir, 'merged.jsonl');
    vamm(['merge', ...files.map((f) => join(shards, f)), '-o', merged, '--expect', '4']);
    const byIndex = (file: string) => [...readRows(file).values()].sort((a, b) => a.index - b.index);
    const expected = byIndex(join(whole, 'rows.jsonl'));
    expect(expected).toHaveLength(4);
    expect(expected.every((r) => r.ok)).toBe(true);
    expect(byIndex(merged)).toEqual(expected);
    passed = true;
  });
});
