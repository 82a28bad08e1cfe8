/**
 * The intrabar library's disk cache (issue 15): a library read back is the library built, bit for
 * bit; a file that is not whole, not of this format or not built under the key is never read as
 * one; and a library under the right key that disagrees with the first source's donors built
 * afresh (as one from other code would) is rebuilt and written over.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { SHAPE_FLOATS, cacheFileFor, decodeLibrary, encodeLibrary, holdsDonors, readCachedLibrary, writeCachedLibrary } from '../data/intrabar-cache.ts';
import { INTRABAR_SOURCES, donorsOf, intrabarLibrary, libraryOf } from '../data/intrabar.ts';
import { resample } from '../data/resample.ts';
import { findDataDir } from '../data/shared-dir.ts';

const dataDir = findDataDir();
const scratch = mkdtempSync(join(tmpdir(), 'vamm-intrabar-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const donorsOfFile = async (file: string) => {
  const raw = await loadCandles(join(dataDir, file), { gapPolicy: 'skip' });
  return donorsOf(raw.resolution === 300 ? raw : resample(raw, 300));
};

/** A small library with awkward floats (−0, subnormals, the largest double) and ties in return. */
function smallLibrary(): { returns: Float64Array; shapes: Float64Array } {
  const returns = Float64Array.from([-0.2, -0, 0, 5e-324, 0.1, 0.1, Number.MAX_VALUE]);
  const shapes = new Float64Array(returns.length * SHAPE_FLOATS).map((_, i) => (i % 7 === 0 ? -0 : Math.sin(i) * 10 ** ((i % 40) - 20)));
  return { returns, shapes };
}

describe('intrabar library cache', () => {
  it('reads back exactly what it wrote, and nothing that is not whole, of this format or under this key', () => {
    const lib = smallLibrary();
    const bytes = encodeLibrary('k1', lib);
    const back = decodeLibrary(bytes, 'k1');
    expect(back).not.toBeNull();
    expect(bits(back!.returns).equals(bits(lib.returns))).toBe(true);
    expect(bits(back!.shapes).equals(bits(lib.shapes))).toBe(true);
    expect(decodeLibrary(bytes, 'k2')).toBeNull();
    expect(decodeLibrary(bytes.subarray(0, bytes.length - 1), 'k1')).toBeNull();
    expect(decodeLibrary(new Uint8Array([...bytes, 0]), 'k1')).toBeNull();
    const header = Buffer.from(bytes.subarray(0, bytes.indexOf(10))).toString('latin1');
    const reformatted = Buffer.concat([Buffer.from(header.replace('"format":1', '"format":2'), 'latin1'), Buffer.from(bytes.subarray(header.length))]);
    expect(reformatted.length).toBe(bytes.length);
    expect(decodeLibrary(reformatted, 'k1')).toBeNull();
    expect(decodeLibrary(Buffer.from('not a library\n'), 'k1')).toBeNull();
    // Through a file, and a missing file is no library.
    expect(writeCachedLibrary('k1', lib, scratch)).toBe(true);
    expect(bits(readCachedLibrary('k1', scratch)!.shapes).equals(bits(lib.shapes))).toBe(true);
    expect(readCachedLibrary('absent', scratch)).toBeNull();
    // Writing one drops libraries under other keys written over a day ago, and keeps younger ones.
    const old = cacheFileFor('old', scratch);
    const young = cacheFileFor('young', scratch);
    writeFileSync(old, encodeLibrary('old', lib));
    writeFileSync(young, encodeLibrary('young', lib));
    const twoDaysAgo = new Date(Date.now() - 2 * 86400_000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    expect(writeCachedLibrary('k1', lib, scratch)).toBe(true);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
  });

  it('finds every donor of a sample in a library that holds it, and misses one float off by an ulp', () => {
    const lib = smallLibrary();
    const donor = (k: number) => ({ ret: lib.returns[k] as number, shape: lib.shapes.slice(k * SHAPE_FLOATS, (k + 1) * SHAPE_FLOATS) });
    const all = Array.from(lib.returns, (_, k) => donor(k));
    expect(holdsDonors(lib, all)).toBe(true);
    // Ties in return: the second of two equal returns is found past the first.
    expect(holdsDonors(lib, [donor(5)])).toBe(true);
    const off = donor(5);
    off.shape[46] = (off.shape[46] as number) * (1 + Number.EPSILON);
    expect(off.shape[46]).not.toBe(donor(5).shape[46]);
    expect(holdsDonors(lib, [off])).toBe(false);
    // −0 and 0 are different donors.
    expect(holdsDonors(lib, [{ ...donor(2), ret: -0 }])).toBe(false);
  });

  it('gives the library built from the data, bit for bit, and rebuilds one under its key that other code wrote', async () => {
    const dir = join(scratch, 'real');
    const donors = [];
    for (const file of INTRABAR_SOURCES) donors.push(...(await donorsOfFile(file)));
    const fresh = libraryOf(donors, INTRABAR_SOURCES);
    const same = (lib: { returns: Float64Array; shapes: Float64Array }) => bits(lib.returns).equals(bits(fresh.returns)) && bits(lib.shapes).equals(bits(fresh.shapes));
    // Built and written, then read back (another data-folder spelling: a new entry in the process's memo).
    expect(same(await intrabarLibrary(dataDir, dir))).toBe(true);
    const written = readdir(dir);
    expect(written).toHaveLength(1);
    expect(same(await intrabarLibrary(`${dataDir}/`, dir))).toBe(true);
    // One donor of the first source bent by an ulp under the same key: refused, rebuilt and written over.
    const file = join(dir, written[0] as string);
    const key = (written[0] as string).replace(/\.bin$/, '');
    const first = (await donorsOfFile(INTRABAR_SOURCES[0]))[0]!;
    const k = fresh.returns.indexOf(first.ret);
    const bent = { returns: fresh.returns, shapes: fresh.shapes.slice() };
    bent.shapes[k * SHAPE_FLOATS + 1] = (bent.shapes[k * SHAPE_FLOATS + 1] as number) * (1 + Number.EPSILON);
    writeFileSync(file, encodeLibrary(key, bent));
    expect(same(await intrabarLibrary(`${dataDir}//`, dir))).toBe(true);
    expect(same(decodeLibrary(readFileSync(cacheFileFor(key, dir)), key)!)).toBe(true);
  }, 120_000);
});

const readdir = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin'));
