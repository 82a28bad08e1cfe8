/**
 * The Chromium inside the npm package `@sparticuz/chromium` (brotli-compressed in the package,
 * so it installs offline with `npm install`), unpacked once per package version into a cache
 * folder. The package unpacks into `os.tmpdir()` itself, into fixed names (`chromium`,
 * `fonts/`, the SwiftShader libraries) that it trusts when they exist: two processes unpacking
 * at once would launch a half-written binary, and another version's leftovers would be taken
 * for this one. So each unpack goes to a private staging folder that is renamed into place
 * (complete) under a name that carries the version.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sparticuz from '@sparticuz/chromium';

export interface NpmChromium {
  readonly executable: string;
  readonly env: Record<string, string>;
}

/** Written last into the staging folder: a folder without it is not used. */
const COMPLETE = '.complete';

function packageVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  // build/*/package.json only sets the module type: walk up to the package's own.
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@sparticuz/chromium' && pkg.version) return pkg.version;
  }
  throw new Error(`no package.json of @sparticuz/chromium above ${entry}`);
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The system's fonts when there are any, and the package's own (Open Sans) either way. */
function fontsConf(dir: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${xml(join(dir, 'fonts'))}</dir>
  <cachedir>${xml(join(dir, 'fonts-cache'))}</cachedir>
</fontconfig>
`;
}

/** Runs the package's unpacker with `os.tmpdir()` pointing at `staging`. */
async function unpackInto(staging: string): Promise<void> {
  const saved = process.env.TMPDIR;
  let pending: Promise<string>;
  process.env.TMPDIR = staging;
  try {
    // The package resolves every output path synchronously, before its first await, so the
    // override is undone before any other code of this process can run.
    pending = sparticuz.executablePath();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  const executable = await pending;
  if (executable !== join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${executable}, not into ${staging}`);
}

const unpacking = new Map<string, Promise<NpmChromium>>();

/** Unpacks (first use only, ~6 s) and returns the binary with its font configuration. */
export function unpackNpmChromium(cacheRoot: string = process.env.VAMM_CHROMIUM_CACHE ?? tmpdir()): Promise<NpmChromium> {
  // Per user too: the folder is private (mkdtemp makes it 0700), and /tmp is shared.
  const dir = join(cacheRoot, `vamm-npm-chromium-${packageVersion()}-${process.getuid?.() ?? 'user'}`);
  let result = unpacking.get(dir);
  if (!result) {
    result = unpack(cacheRoot, dir);
    unpacking.set(dir, result);
    result.catch(() => unpacking.delete(dir));
  }
  return result;
}

async function unpack(cacheRoot: string, dir: string): Promise<NpmChromium> {
  const found: NpmChromium = { executable: join(dir, 'chromium'), env: { FONTCONFIG_FILE: join(dir, 'fonts.conf') } };
  if (existsSync(join(dir, COMPLETE))) return found;
  mkdirSync(cacheRoot, { recursive: true });
  const staging = mkdtempSync(`${dir}.unpacking-`);
  try {
    await unpackInto(staging);
    writeFileSync(join(staging, 'fonts.conf'), fontsConf(dir));
    writeFileSync(join(staging, COMPLETE), '');
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another process finished first: its copy is as good as ours.
      if (!existsSync(join(dir, COMPLETE))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return found;
}
