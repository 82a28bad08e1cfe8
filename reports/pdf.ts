/**
 * Prints an HTML report to PDF with Chromium's print-to-PDF (through playwright-core): the
 * page is opened from its file at the printable width of A4, every chart is waited for, and
 * print CSS (page breaks per section) applies. A chart that fails, or a console error, fails
 * the print rather than producing a PDF with holes.
 */
import { pathToFileURL } from 'node:url';
import { launchChromium } from './browser.ts';

/** A4 at 96 dpi less the 12 mm side margins of the print CSS. */
const PRINT_WIDTH = 704;

export async function printToPdf(htmlFile: string, pdfFile: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const chrome = await launchChromium();
  try {
    const page = await chrome.browser.newPage({ viewport: { width: PRINT_WIDTH, height: 1000 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-plots="rendered"], body[data-plots="failed"]', { timeout: options.timeoutMs ?? 60_000 });
    if ((await page.getAttribute('body', 'data-plots')) !== 'rendered' || errors.length > 0) {
      throw new Error(`${htmlFile}: the page did not render cleanly: ${errors.join('; ') || 'a chart failed'}`);
    }
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: pdfFile, format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await chrome.close();
  }
}
