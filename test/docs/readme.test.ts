import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('README', () => {
  it('shows examples/readme.ts verbatim (importing from the package name)', () => {
    const readme = read('README.md');
    const block = /<!-- snippet: examples\/readme\.ts -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(read('examples/readme.ts').replaceAll("'../src/index.js'", "'allot'"));
  });

  it('has the two-command quick start', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm install && npm run demo\nnpm test\n');
  });
});
