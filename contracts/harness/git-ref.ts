/**
 * The contracts as they were at a git ref: `git archive <ref> contracts/src` unpacked into a
 * temporary folder, to be compiled with this tree's compiler and test doubles
 * (compileContracts({ srcDir })) and checked like today's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTRACTS_DIR } from './compile.ts';

export interface RefCheckout {
  /** The ref as given and the commit it names. */
  readonly ref: string;
  readonly commit: string;
  /** The ref's contracts/src. */
  readonly srcDir: string;
  readonly remove: () => void;
}

export function checkoutContractsAt(ref: string, repoDir: string = CONTRACTS_DIR): RefCheckout {
  const git = (args: string[], input?: Buffer) => execFileSync('git', ['-C', repoDir, ...args], { ...(input ? { input } : {}), maxBuffer: 64 << 20 });
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', `${ref}^{commit}`]).toString().trim();
  } catch {
    throw new Error(`git ref "${ref}" names no commit in ${repoDir}`);
  }
  const top = git(['rev-parse', '--show-toplevel']).toString().trim();
  const dir = mkdtempSync(join(tmpdir(), 'vamm-contracts-'));
  try {
    const archive = execFileSync('git', ['-C', top, 'archive', commit, 'contracts/src'], { maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot check out contracts/src at ${ref}: ${(e as Error).message}`);
  }
  return { ref, commit, srcDir: join(dir, 'contracts', 'src'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
