import { describe, expect, it } from 'vitest';
import { findChromium } from './chromium.js';

/**
 * The Chromium a test file's browser checks use. Without one, those checks are skipped with a warning on a
 * developer's machine, but under `CI=true` a test fails: a CI run must not pass having checked no page.
 */
export function chromiumForTests(file: string): string | undefined {
  const path = findChromium();
  if (path === undefined)
    console.warn(
      `${file}: no Chromium found (ALLOT_CHROMIUM, CHROMIUM_PATH, /usr/bin/chromium, Playwright) — skipping the browser checks`,
    );
  describe('a Chromium for the browser checks', () => {
    it.runIf(path === undefined && process.env.CI === 'true')('is present on CI', () => {
      expect.fail('no Chromium executable: install Debian chromium or set ALLOT_CHROMIUM');
    });
  });
  return path;
}
