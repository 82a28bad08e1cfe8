/**
 * Where the project's shared, read-only material lives (price data, conformance vectors): an
 * explicit folder, the VAMM_SHARED_DIR environment variable, or a `shared/` folder beside the
 * checkout (../shared, as on the project machines). Price data has its own resolution
 * (`--data`, VAMM_DATA_DIR, then ../shared/data/eth): see findDataDir.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from './input-error.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The candidate folders, in the order they are tried. */
export function sharedDirCandidates(explicit?: string): string[] {
  const out: string[] = [];
  if (explicit) out.push(resolve(explicit));
  if (process.env.VAMM_SHARED_DIR) out.push(resolve(process.env.VAMM_SHARED_DIR));
  out.push(join(REPO_ROOT, '..', 'shared'), join(REPO_ROOT, '..', '..', 'shared'), '/work/shared');
  return out;
}

/** The first candidate that holds `subpath`, or an error saying where it looked. */
export function findShared(subpath: string, explicit?: string): string {
  const tried = sharedDirCandidates(explicit).map((dir) => join(dir, subpath));
  const found = tried.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `cannot find ${subpath}: looked in ${tried.join(', ')}. Set VAMM_SHARED_DIR to the folder that holds it.`,
    );
  }
  return found;
}

/** The environment variable naming the price-data folder (the one holding normalized/, chainlink/…). */
export const DATA_DIR_ENV = 'VAMM_DATA_DIR';

export interface DataDirCandidate {
  readonly path: string;
  /** Where the candidate came from: the `--data` flag, the environment, or the default. */
  readonly origin: '--data' | typeof DATA_DIR_ENV | 'default';
}

/**
 * Price-data folders in the order they are tried: the `--data` flag, then VAMM_DATA_DIR, then
 * data/eth under each shared folder (../shared/data/eth first). An explicit choice (flag or
 * variable) is the only candidate: a wrong one must fail, not fall back to other data silently.
 */
export function dataDirCandidates(flag?: string): DataDirCandidate[] {
  if (flag) return [{ path: resolve(flag), origin: '--data' }];
  const env = process.env[DATA_DIR_ENV];
  if (env) return [{ path: resolve(env), origin: DATA_DIR_ENV }];
  return sharedDirCandidates().map((dir) => ({ path: join(dir, 'data', 'eth'), origin: 'default' as const }));
}

/** The price-data folder, or an InputError saying where it looked and how to get data. */
export function findDataDir(flag?: string): string {
  const candidates = dataDirCandidates(flag);
  const found = candidates.find((c) => existsSync(c.path) && statSync(c.path).isDirectory());
  if (found) return found.path;
  const looked = candidates.map((c) => `${c.path} (${c.origin})`).join(', ');
  throw new InputError(
    { file: candidates[0]?.path ?? 'data folder' },
    `no price data folder found: looked in ${looked}. ` +
      `Fetch data with "vamm data fetch candles --out <dir>/normalized/eth_usdt_binance_spot_1h.csv" ` +
      `(and "vamm data fetch chainlink --rpc-url <url> --out <dir>/chainlink/rounds.csv"), then pass --data <dir> ` +
      `or set ${DATA_DIR_ENV}=<dir>; or place the shared data in ../shared/data/eth`,
  );
}
