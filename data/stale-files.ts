/**
 * Caches named by content (worker bundles, the intrabar library) never go stale in place: a
 * new build gets a new name. What is left behind is removed a while after it was last written.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Removes the files of `dir` ending in `extension`, except `keep`, last written over `lifetimeMs` ago. */
export function removeStaleFiles(dir: string, extension: string, keep: string, lifetimeMs: number): void {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (file === keep || !name.endsWith(extension)) continue;
    try {
      if (Date.now() - statSync(file).mtimeMs > lifetimeMs) rmSync(file, { force: true });
    } catch {
      // Another process removed it first.
    }
  }
}
