/**
 * Which Chromium the reports use: $VAMM_CHROMIUM, then /usr/bin/chromium, then the one inside
 * the npm package @sparticuz/chromium, so `npm install` alone is enough. The npm one is
 * unpacked once per version; processes that unpack at the same time must not launch each
 * other's half-written binary.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BrowserMissingError, SYSTEM_CHROMIUM, findChromium } from '../reports/browser.ts';
import { ROOT } from './helpers/report-fixtures.ts';

const npm = async () => ({ executable: '/cache/chromium', env: { FONTCONFIG_FILE: '/cache/fonts.conf' } });
const only = (...paths: string[]) => (p: string) => paths.includes(p);

describe('the Chromium the reports launch', () => {
  it('is $VAMM_CHROMIUM when set, even where the system has one', async () => {
    expect(await findChromium({ override: '/opt/chrome', exists: only('/opt/chrome', SYSTEM_CHROMIUM), npm })).toEqual({ path: '/opt/chrome', source: 'VAMM_CHROMIUM', env: {} });
  });

  it('refuses a $VAMM_CHROMIUM that does not exist rather than silently using another', async () => {
    await expect(findChromium({ override: '/opt/missing', exists: only(SYSTEM_CHROMIUM), npm })).rejects.toThrow(BrowserMissingError);
    await expect(findChromium({ override: '/opt/missing', exists: only(SYSTEM_CHROMIUM), npm })).rejects.toThrow(/VAMM_CHROMIUM=\/opt\/missing: no such file/);
  });

  it('is the system Chromium when there is one', async () => {
    expect(await findChromium({ override: undefined, exists: only(SYSTEM_CHROMIUM), npm })).toEqual({ path: SYSTEM_CHROMIUM, source: 'system', env: {} });
  });

  it('is the npm package\'s Chromium otherwise, with its font configuration', async () => {
    expect(await findChromium({ override: undefined, exists: only(), npm })).toEqual({ path: '/cache/chromium', source: 'npm', env: { FONTCONFIG_FILE: '/cache/fonts.conf' } });
  });

  it('says what to do when none can be had', async () => {
    const broken = async () => {
      throw new Error('ENOSPC');
    };
    await expect(findChromium({ override: undefined, exists: only(), npm: broken })).rejects.toThrow(/no Chromium: \/usr\/bin\/chromium does not exist and the npm package @sparticuz\/chromium could not be unpacked \(ENOSPC\)/);
  });
});

describe('the npm Chromium', () => {
  const cache = mkdtempSync(join(tmpdir(), 'vamm-chromium-cache-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('unpacks once, complete, when three processes ask for it at the same moment', async () => {
    const unpackIn = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', "import('./reports/npm-chromium.ts').then(async (m) => process.stdout.write((await m.unpackNpmChromium()).executable))"], {
          cwd: ROOT,
          env: { ...process.env, VAMM_CHROMIUM_CACHE: cache },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const paths = await Promise.all([unpackIn(), unpackIn(), unpackIn()]);
    expect(new Set(paths).size).toBe(1);
    // One versioned folder, no staging folder left behind, and a binary that runs.
    expect(readdirSync(cache)).toEqual([expect.stringMatching(/^vamm-npm-chromium-\d+\.\d+\.\d+-\w+$/)]);
    expect(paths[0]).toBe(join(cache, readdirSync(cache)[0]!, 'chromium'));
    expect(execFileSync(paths[0]!, ['--version'], { encoding: 'utf8' })).toMatch(/Chromium \d+\./);
  }, 120_000);
});
