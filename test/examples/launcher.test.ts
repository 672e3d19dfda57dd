import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../examples/run.js';

describe('example launcher', () => {
  it('every listed example exists and exports main()', async () => {
    for (const { file } of Object.values(EXAMPLES)) {
      const url = new URL(`../../examples/${file}`, import.meta.url);
      expect(existsSync(url), file).toBe(true);
      const module = (await import(url.href)) as { main?: unknown };
      expect(typeof module.main, file).toBe('function');
    }
  });
});
