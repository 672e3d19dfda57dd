import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * A Chromium executable to drive headless, or undefined when this machine has none: `ALLOT_CHROMIUM` or
 * `CHROMIUM_PATH` when set, else Debian's `chromium` (or `chromium-browser`), else the one Playwright
 * downloaded, if it did.
 */
export function findChromium(): string | undefined {
  const candidates = [
    process.env.ALLOT_CHROMIUM,
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ];
  try {
    candidates.push(chromium.executablePath());
  } catch {
    // Playwright throws when it knows no browser for this platform: then there is none of its own.
  }
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

/** Launches a headless Chromium the way every browser check here does (no sandbox: CI runs as root). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** Opens `url` in a new page, collecting every console error, page error and failed request into `errors`. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request: ${r.url()}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors };
}
