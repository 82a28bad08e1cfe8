/**
 * A pool worker's TypeScript as one compiled ES module, built once per process with esbuild
 * (the compiler tsx itself uses), so each worker loads a single plain .js
 * file instead of resolving and transforming its ~200 modules through tsx's loader thread:
 * worker start-up fell from ~1 s of wall time to ~0.1–0.2 s (docs/PERFORMANCE.md, "Issue 15: where the
 * time went"). Packages stay external (loaded from node_modules as usual); `import.meta.url`,
 * `.dirname` and `.filename` are replaced by each source file's own, so paths the code builds
 * from them point where they did. `VAMM_WORKER_TSX=1` runs workers through tsx instead (the
 * stack traces then name the .ts files).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { writeFileAtomic } from '../data/atomic-write.ts';
import { REPO_ROOT } from '../data/shared-dir.ts';
import { removeStaleFiles } from '../data/stale-files.ts';

/** Where the bundles live: inside the checkout, so their bare imports resolve from its node_modules. */
export const WORKER_BUNDLE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'vamm-workers');

/** Each source file's `import.meta` fields as literals (a bundle's own would name the bundle). */
const ownImportMeta: Plugin = {
  name: 'own-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const contents = text
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path))
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: 'ts' };
    });
  },
};

const built = new Map<string, Promise<string>>();

/**
 * The file URL of `entry` (a .ts module) compiled into one module; `fallback` (a .mjs loading
 * it through tsx) when `VAMM_WORKER_TSX=1`, or when the bundle cannot be built or written (a
 * read-only checkout), said once on stderr.
 */
export function workerModule(entry: URL, fallback: URL): Promise<string> {
  if (process.env.VAMM_WORKER_TSX === '1') return Promise.resolve(fallback.href);
  let url = built.get(entry.href);
  if (!url) {
    url = bundle(fileURLToPath(entry)).catch((e: unknown) => {
      process.stderr.write(`worker bundle for ${fileURLToPath(entry)} not built (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): workers load through tsx\n`);
      return fallback.href;
    });
    built.set(entry.href, url);
  }
  return url;
}

async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Unlike tsx: no keepNames. It names every closure bound to a variable or key by
    // Object.defineProperty each time one is created (~8 % of an insurance path's CPU, in the
    // engine's observation); nothing in the worker reads a function's or class's name.
    keepNames: false,
    plugins: [ownImportMeta],
    logLevel: 'silent',
  });
  const code = (out.outputFiles[0] as { contents: Uint8Array }).contents;
  // Named by content: concurrent processes write the same bytes, and a stale bundle is never reused.
  const file = join(WORKER_BUNDLE_DIR, `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  writeFileAtomic(file, code);
  removeStaleFiles(WORKER_BUNDLE_DIR, '.mjs', file, BUNDLE_LIFETIME_MS);
  return pathToFileURL(file).href;
}

/** A day after a process last wrote a bundle, no pool can still need it (pools load at their start). */
const BUNDLE_LIFETIME_MS = 24 * 3600 * 1000;


