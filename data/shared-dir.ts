/**
 * Where the project's shared, read-only material lives (price data, conformance vectors): an
 * explicit folder, the VAMM_SHARED_DIR environment variable, or a `shared/` folder beside the
 * checkout (../shared, as on the project machines).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
