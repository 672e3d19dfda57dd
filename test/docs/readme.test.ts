import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

  it('shows what examples/readme.ts really prints', async () => {
    const readme = read('README.md');
    const at = readme.indexOf('<!-- snippet: examples/readme.ts -->');
    const printed = /It prints:\n\n```text\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
    const script = fileURLToPath(new URL('../../examples/readme.ts', import.meta.url));
    // Real timers: the events are 100 ms or more apart, so their order does not depend on the machine's speed.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 15_000 }, (error, out) =>
        error === null ? resolve(out) : reject(error),
      );
    });
    expect(stdout).toBe(printed);
  });

  it('has the two-command quick start', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm install && npm run demo\nnpm test\n');
  });
});
