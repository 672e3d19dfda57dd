import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('README', () => {
  it.each(['examples/readme.ts', 'examples/readme-server.ts'])(
    'shows %s verbatim (importing from the package name)',
    (file) => {
      const readme = read('README.md');
      const marker = `<!-- snippet: ${file} -->\n\`\`\`ts\n`;
      const at = readme.indexOf(marker);
      expect(at, `no snippet marker for ${file}`).toBeGreaterThanOrEqual(0);
      const block = readme.slice(at + marker.length, readme.indexOf('```', at + marker.length));
      expect(block).toBe(read(file).replaceAll("'../src/index.js'", "'allot'"));
    },
  );

  it('has the two-command quick start', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm install && npm run demo\nnpm test\n');
  });
});
