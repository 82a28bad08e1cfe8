/**
 * The real `vamm` command line in a child process: its exit status, stdout and stderr kept
 * apart (the tests check which stream carries what), stderr not a terminal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../data/shared-dir.ts';

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** Run as this user (`runuser -u`), e.g. to meet a read-only folder as root. */
  readonly user?: string;
}

export function startVamm(args: readonly string[], o: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult>; stderrSoFar: () => string } {
  const entry = [process.execPath, join(REPO_ROOT, 'bin', 'vamm.mjs'), ...args];
  const [cmd, ...argv] = o.user ? ['runuser', '-u', o.user, '--', ...entry] : entry;
  const child = spawn(cmd as string, argv, { cwd: o.cwd ?? REPO_ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stderrSoFar: () => stderr };
}

export function vammCli(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  return startVamm(args, o).done;
}
