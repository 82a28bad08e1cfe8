/**
 * The audit's scope: the contract sources with their SHA-256, the compiler (the solc-js
 * package the project pins, the pragmas the sources ask for, the settings in foundry.toml) and
 * the git commit the files were read at, flagged when the tree differs from it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

export interface ScopeFile {
  /** Path relative to the repository root (or the contracts folder outside a repository). */
  readonly path: string;
  readonly lines: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface Scope {
  readonly dir: string;
  readonly found: boolean;
  readonly files: ScopeFile[];
  /** solc-js installed in node_modules, else the version package.json declares, else null. */
  readonly compiler: { readonly version: string | null; readonly source: string };
  readonly pragmas: string[];
  /** Settings read from foundry.toml beside the sources (optimizer, via_ir, evm_version). */
  readonly settings: Record<string, string>;
  readonly commit: { readonly hash: string; readonly dirty: boolean } | null;
}

function listSol(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...listSol(p));
    else if (entry.endsWith('.sol')) out.push(p);
  }
  return out;
}

function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function compilerVersion(root: string): Scope['compiler'] {
  try {
    const require = createRequire(join(root, 'package.json'));
    const version = (require('solc/package.json') as { version: string }).version;
    return { version, source: 'solc-js in node_modules' };
  } catch {
    // not installed: fall through to what package.json declares
  }
  const pkg = join(root, 'package.json');
  if (existsSync(pkg)) {
    const json = JSON.parse(readFileSync(pkg, 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const declared = json.dependencies?.solc ?? json.devDependencies?.solc;
    if (declared) return { version: declared, source: 'declared in package.json (not installed)' };
  }
  return { version: null, source: 'no solc-js in this tree' };
}

/** key = value lines of foundry.toml's [profile.default] that fix the bytecode. */
function foundrySettings(dir: string): Record<string, string> {
  for (const candidate of [join(dir, 'foundry.toml'), join(dirname(dir), 'foundry.toml')]) {
    if (!existsSync(candidate)) continue;
    const out: Record<string, string> = {};
    for (const line of readFileSync(candidate, 'utf8').split('\n')) {
      const m = /^\s*(optimizer|optimizer_runs|via_ir|evm_version|solc|solc_version)\s*=\s*(.+?)\s*$/.exec(line);
      if (m) out[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
    }
    return out;
  }
  return {};
}

export function readScope(dir: string): Scope {
  // Paths and the compiler are read from the repository holding the contracts; outside one,
  // from the contracts folder's parent (so paths read src/…, not ../../…).
  const root = git(existsSync(dir) ? dir : process.cwd(), ['rev-parse', '--show-toplevel']) ?? dirname(dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { dir, found: false, files: [], compiler: compilerVersion(root), pragmas: [], settings: {}, commit: null };
  }
  const pragmas = new Set<string>();
  const files = listSol(dir).map((file): ScopeFile => {
    const content = readFileSync(file);
    const text = content.toString('utf8');
    for (const m of text.matchAll(/pragma\s+solidity\s+([^;]+);/g)) pragmas.add((m[1] as string).trim());
    return { path: relative(root, file), lines: text.split('\n').length, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  });
  const hash = git(dir, ['rev-parse', 'HEAD']);
  const status = git(dir, ['status', '--porcelain', '--', '.']);
  return {
    dir,
    found: true,
    files,
    compiler: compilerVersion(root),
    pragmas: [...pragmas].sort(),
    settings: foundrySettings(dir),
    commit: hash ? { hash, dirty: (status ?? '') !== '' } : null,
  };
}
