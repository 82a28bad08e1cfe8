/**
 * Headless Chromium through playwright-core: the Debian package's binary (never a downloaded
 * browser), with the flags that work as root on the project's machines. Used to print the
 * audit report to PDF and by the browser tests.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.VAMM_CHROMIUM ?? '/usr/bin/chromium';

export class BrowserMissingError extends Error {
  override name = 'BrowserMissingError';
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new BrowserMissingError(`no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set VAMM_CHROMIUM)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'vamm-chromium-'));
  // The user-data dir is playwright's to pass (launchPersistentContext); a fresh temp profile
  // per launch keeps runs independent, so we pass everything else as flags.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', `--disk-cache-dir=${profile}`],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
