/**
 * The intrabar library on disk: every process that refines paths (each study worker, each test,
 * each bench) built it from ~350,000 real candles through the exact candle loader, 1.7 CPU s and
 * 2.5 s of wall time before its first path (docs/PERFORMANCE.md, "The insurance paths, fifth session"). The
 * library built once is written beside the worker bundles, named by what it was built from: the
 * source files' bytes, the format and the code that turns candles into donors (data/'s
 * modules). A file whose name, header or length does not match is never read as a library; a
 * file that matches is checked against the donors of the first (smallest) source built afresh,
 * so a library from other code is rebuilt instead of used. `VAMM_INTRABAR_CACHE=0` always builds.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { REPO_ROOT } from './shared-dir.ts';
import { removeStaleFiles } from './stale-files.ts';

/** Where the libraries live (one per set of sources and code), beside the worker bundles. */
export const INTRABAR_CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'vamm-intrabar');

/** Bumped when the file's layout or what a library holds changes. */
const FORMAT = 1;
const MAGIC = 'vamm-intrabar';

/** Floats per donor shape (12 five-minute bars × open, high, low, close). */
export const SHAPE_FLOATS = 48;

export interface CachedLibrary {
  readonly returns: Float64Array;
  readonly shapes: Float64Array;
}

/**
 * The text of every module in data/ (the candle loader, resampling, the donors), named and in
 * order: part of a library's key, so code that may build donors differently builds anew. Read
 * from the .ts files themselves, so tsx, vitest and the worker bundle (whose `import.meta` is
 * each source file's own) agree on it.
 */
export function dataCode(): string {
  const dir = import.meta.dirname;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => `${f}\n${readFileSync(join(dir, f), 'utf8')}`)
    .join('\n');
}

/** The key of a library: its sources' bytes, in order, and the code that builds donors from them. */
export function libraryKey(files: readonly string[], code: string): string {
  const h = createHash('sha256').update(`${MAGIC}/${FORMAT}\n`).update(code);
  for (const file of files) {
    const bytes = readFileSync(file);
    h.update(`\n${file.length}:${file}\n${bytes.length}\n`).update(bytes);
  }
  return h.digest('hex').slice(0, 32);
}

export const cacheFileFor = (key: string, dir = INTRABAR_CACHE_DIR) => join(dir, `${key}.bin`);

/** The library as bytes: a header line (magic, format, key, donors), padded to 8 bytes, then returns and shapes as float64. */
export function encodeLibrary(key: string, lib: CachedLibrary): Uint8Array {
  const donors = lib.returns.length;
  if (lib.shapes.length !== donors * SHAPE_FLOATS) throw new RangeError(`intrabar library: ${lib.shapes.length} shape floats for ${donors} donors`);
  let header = JSON.stringify({ magic: MAGIC, format: FORMAT, key, donors });
  header += ' '.repeat((8 - ((header.length + 1) % 8)) % 8) + '\n';
  const head = Buffer.from(header, 'latin1');
  const out = new Uint8Array(head.length + 8 * donors * (1 + SHAPE_FLOATS));
  out.set(head, 0);
  out.set(new Uint8Array(lib.returns.buffer, lib.returns.byteOffset, lib.returns.byteLength), head.length);
  out.set(new Uint8Array(lib.shapes.buffer, lib.shapes.byteOffset, lib.shapes.byteLength), head.length + 8 * donors);
  return out;
}

/** The library in `bytes` when they hold one built under `key` and are whole; else null. */
export function decodeLibrary(bytes: Uint8Array, key: string): CachedLibrary | null {
  const end = bytes.indexOf(10);
  if (end < 0 || end > 512 || (end + 1) % 8 !== 0) return null;
  let header: { magic?: unknown; format?: unknown; key?: unknown; donors?: unknown };
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(0, end)).toString('latin1'));
  } catch {
    return null;
  }
  const donors = header.donors;
  if (header.magic !== MAGIC || header.format !== FORMAT || header.key !== key || typeof donors !== 'number' || !Number.isInteger(donors) || donors <= 0) return null;
  const start = end + 1;
  if (bytes.length !== start + 8 * donors * (1 + SHAPE_FLOATS)) return null;
  // Copied out (a Buffer's slice is a view into a shared pool): the floats must be 8-byte aligned.
  const floats = new Float64Array(bytes.length - start >> 3);
  new Uint8Array(floats.buffer).set(bytes.subarray(start));
  return { returns: floats.subarray(0, donors), shapes: floats.subarray(donors) };
}

/** The cached library under `key`, or null (none, unreadable, or not whole). */
export function readCachedLibrary(key: string, dir = INTRABAR_CACHE_DIR): CachedLibrary | null {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(cacheFileFor(key, dir));
  } catch {
    return null;
  }
  return decodeLibrary(bytes, key);
}

/**
 * Writes the library under `key` (whole or not at all) and drops libraries under other keys
 * written over a day ago (other sources or code); false when it cannot be written (a read-only
 * checkout: the library is then built by every process, as before).
 */
export function writeCachedLibrary(key: string, lib: CachedLibrary, dir = INTRABAR_CACHE_DIR): boolean {
  const file = cacheFileFor(key, dir);
  try {
    writeFileAtomic(file, encodeLibrary(key, lib));
  } catch {
    return false;
  }
  removeStaleFiles(dir, '.bin', file, LIFETIME_MS);
  return true;
}

/** A library under another key is dropped a day after it was written (a process reading it then just builds anew). */
const LIFETIME_MS = 24 * 3600 * 1000;

/**
 * Whether every donor of `sample` (built afresh from one source) is in the library, shape and
 * return bit for bit: the library is sorted by return, so each is found by binary search.
 */
export function holdsDonors(lib: CachedLibrary, sample: ReadonlyArray<{ ret: number; shape: Float64Array }>): boolean {
  const n = lib.returns.length;
  for (const d of sample) {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((lib.returns[mid] as number) < d.ret) lo = mid + 1;
      else hi = mid;
    }
    // Equal returns (−0 and 0 among them) sit together: each is compared bit for bit.
    let found = false;
    for (let k = lo; k < n && lib.returns[k] === d.ret && !found; k++) found = Object.is(lib.returns[k], d.ret) && sameShape(lib.shapes, k, d.shape);
    if (!found) return false;
  }
  return true;
}

function sameShape(shapes: Float64Array, k: number, shape: Float64Array): boolean {
  for (let j = 0; j < SHAPE_FLOATS; j++) if (!Object.is(shapes[k * SHAPE_FLOATS + j], shape[j])) return false;
  return true;
}
