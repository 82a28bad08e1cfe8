/**
 * Compiles the protocol's contracts (contracts/src) and the chain's test doubles
 * (contracts/test/doubles) with solc-js, the pinned npm compiler. Outputs are cached in
 * .cache/contracts keyed by a hash of every source and the compiler settings, so a second run
 * with unchanged sources costs a file read; concurrent processes compile a source set once (a lock
 * beside the cache file) and never read half a file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import type { Abi, Hex } from 'viem';

export const CONTRACTS_DIR = resolve(import.meta.dirname, '..');
export const ROOT_DIR = resolve(CONTRACTS_DIR, '..');
const CACHE_DIR = join(ROOT_DIR, '.cache', 'contracts');
const SOURCE_DIRS = ['src', 'test/doubles'];

export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  viaIR: true,
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const;

export interface Artifact {
  readonly abi: Abi;
  readonly bytecode: Hex;
  readonly deployedSize: number;
}

export type Artifacts = Record<string, Artifact>;

export class CompileError extends Error {
  override name = 'CompileError';
}

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listSources(path));
    else if (entry.endsWith('.sol')) out.push(path);
  }
  return out.sort();
}

function resolveImport(path: string): { contents: string } | { error: string } {
  const candidates = [join(CONTRACTS_DIR, path), join(ROOT_DIR, 'node_modules', path)];
  for (const file of candidates) if (existsSync(file)) return { contents: readFileSync(file, 'utf8') };
  return { error: `not found: ${path}` };
}

/**
/**
 * Compiles (or loads from the cache) every contract under `dirs` (relative to contracts/,
 * default the protocol and its doubles); keys are contract names. `srcDir` compiles the
 * protocol from another folder (e.g. an older git ref's contracts/src) with this tree's test
 * doubles, with the same compiler and settings.
 */
export function compileContracts(options: { quiet?: boolean; dirs?: readonly string[]; srcDir?: string } = {}): Artifacts {
  const require = createRequire(import.meta.url);
  const dirs = options.dirs ?? SOURCE_DIRS;
  const sources: Record<string, { content: string }> = {};
  for (const dir of dirs) {
    const from = dir === 'src' && options.srcDir ? resolve(options.srcDir) : join(CONTRACTS_DIR, dir);
    if (!existsSync(from)) throw new CompileError(`no contracts folder at ${from}`);
    for (const file of listSources(from)) sources[`${dir}/${relative(from, file)}`] = { content: readFileSync(file, 'utf8') };
  }
  const solcVersion = (require('solc/package.json') as { version: string }).version;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ solcVersion, SOLC_SETTINGS }));
  for (const [name, { content }] of Object.entries(sources)) hash.update(`${name}\0${content}\0`);
  const key = hash.digest('hex').slice(0, 24);
  const cacheFile = join(CACHE_DIR, `${key}.json`);
  const cached = () => (existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Artifacts) : null);
  const hit = cached();
  if (hit) return hit;
  mkdirSync(CACHE_DIR, { recursive: true });
  // One process compiles a source set; the others (parallel test workers, a CLI beside them)
  // wait for its cache file instead of each compiling the same sources at once.
  const lock = `${cacheFile}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const done = cached();
    if (done) return done;
    // A compile that died leaves its lock: take it over after STALE_LOCK_MS.
    if (Date.now() - lockTime(lock) > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
  try {
    return cached() ?? compileUncached(sources, dirs, cacheFile, options.quiet ?? false);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** How long a compile may hold the lock before another process takes it over (a loaded machine compiles slowly). */
const STALE_LOCK_MS = 15 * 60_000;

function lockTime(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}

function compileUncached(sources: Record<string, { content: string }>, dirs: readonly string[], cacheFile: string, quiet: boolean): Artifacts {
  const require = createRequire(import.meta.url);
  const solcVersion = (require('solc/package.json') as { version: string }).version;
  const started = Date.now();
  const solc = require('solc') as typeof import('solc').default;
  const input = { language: 'Solidity', sources, settings: SOLC_SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: resolveImport })) as {
    errors?: Array<{ severity: string; formattedMessage: string }>;
    contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new CompileError(`solc ${solcVersion} failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const artifacts: Artifacts = {};
  for (const [file, contracts] of Object.entries(output.contracts ?? {})) {
    if (!dirs.some((d) => file.startsWith(`${d}/`))) continue;
    for (const [name, c] of Object.entries(contracts)) {
      if (!c.evm.bytecode.object) continue;
      artifacts[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, deployedSize: c.evm.deployedBytecode.object.length / 2 };
    }
  }
  // Written whole, then renamed: a reader never sees half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(artifacts));
  renameSync(partial, cacheFile);
  if (!quiet) process.stderr.write(`compiled ${Object.keys(artifacts).length} contracts with solc ${solcVersion} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return artifacts;
}
