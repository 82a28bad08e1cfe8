/**
 * Headless Chromium through playwright-core, used to print the audit report to PDF and by the
 * browser tests. The binary is, in order: `$VAMM_CHROMIUM`, the system's `/usr/bin/chromium`,
 * else the Chromium that ships inside the npm package `@sparticuz/chromium` (so `npm install`
 * alone is enough; never a downloaded browser).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { unpackNpmChromium } from './npm-chromium.ts';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export class BrowserMissingError extends Error {
  override name = 'BrowserMissingError';
}

export interface ChromiumBinary {
  readonly path: string;
  /** Where it came from, for messages: the env override, the system package or npm. */
  readonly source: 'VAMM_CHROMIUM' | 'system' | 'npm';
  /** Extra environment for the browser process (the npm build's font configuration). */
  readonly env: Record<string, string>;
}

export interface ChromiumLookup {
  readonly override?: string | undefined;
  readonly exists?: (path: string) => boolean;
  readonly npm?: () => Promise<{ executable: string; env: Record<string, string> }>;
}

/** The binary to launch, in the order above. A set override that does not exist is an error, not skipped. */
export async function findChromium(lookup: ChromiumLookup = {}): Promise<ChromiumBinary> {
  const override = 'override' in lookup ? lookup.override : process.env.VAMM_CHROMIUM;
  const exists = lookup.exists ?? existsSync;
  if (override) {
    if (!exists(override)) throw new BrowserMissingError(`VAMM_CHROMIUM=${override}: no such file (unset it to use ${SYSTEM_CHROMIUM} or the npm Chromium)`);
    return { path: override, source: 'VAMM_CHROMIUM', env: {} };
  }
  if (exists(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, source: 'system', env: {} };
  try {
    const npm = await (lookup.npm ?? unpackNpmChromium)();
    return { path: npm.executable, source: 'npm', env: npm.env };
  } catch (error) {
    throw new BrowserMissingError(
      `no Chromium: ${SYSTEM_CHROMIUM} does not exist and the npm package @sparticuz/chromium could not be unpacked (${error instanceof Error ? error.message : String(error)}); run \`npm install\`, or set VAMM_CHROMIUM`,
    );
  }
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  readonly binary: ChromiumBinary;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  const binary = await findChromium();
  const profile = mkdtempSync(join(tmpdir(), 'vamm-chromium-'));
  // The user-data dir is playwright's to pass (launchPersistentContext); a fresh temp profile
  // per launch keeps runs independent, so we pass everything else as flags.
  const browser = await chromium.launch({
    executablePath: binary.path,
    headless: true,
    env: { ...process.env, ...binary.env } as Record<string, string>,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', `--disk-cache-dir=${profile}`],
  });
  return {
    browser,
    binary,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
