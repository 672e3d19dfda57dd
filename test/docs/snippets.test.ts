import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Every ```ts block a docs page marks with `<!-- snippet: examples/snippets/<page>-<n>.ts -->` must be that file,
// with the one allowed difference of the import path. A following `<!-- output: … -->` ```text block must be what
// the file prints. So a page can neither drift from its snippet nor claim output the code does not produce.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const docsDir = join(root, 'docs');
const snippetsDir = join(root, 'examples/snippets');
const ENTRY = "'../../src/index.js'";
const PACKAGE = "'allot'";

interface Marked {
  page: string;
  file: string;
  body: string;
}

function blocks(kind: 'snippet' | 'output', fence: string): Marked[] {
  const found: Marked[] = [];
  const pattern = new RegExp(`<!-- ${kind}: (\\S+) -->\\n\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``, 'g');
  for (const page of readdirSync(docsDir).filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(join(docsDir, page), 'utf8');
    for (const m of text.matchAll(pattern)) found.push({ page, file: m[1]!, body: m[2]! });
  }
  return found;
}

const snippets = blocks('snippet', 'ts');
const outputs = new Map(blocks('output', 'text').map((b) => [b.file, b]));
const files = readdirSync(snippetsDir)
  .filter((f) => f.endsWith('.ts'))
  .sort();

describe('docs snippets match their files', () => {
  it('every snippet file is shown on exactly one page, and every marker names a file', () => {
    const shown = snippets.map((s) => s.file).sort();
    expect(shown).toEqual(files.map((f) => `examples/snippets/${f}`));
    for (const s of snippets) expect(existsSync(join(root, s.file)), s.file).toBe(true);
  });

  it.each(snippets.map((s) => [s.file, s] as const))('%s equals its block in the docs', (_, s) => {
    const source = readFileSync(join(root, s.file), 'utf8');
    expect(source, `${s.file} must import from ${ENTRY}`).toContain(ENTRY);
    expect(source.replaceAll(ENTRY, PACKAGE), `block in docs/${s.page}`).toBe(s.body);
    // The file is named after the page that shows it.
    expect(s.file.startsWith(`examples/snippets/${s.page.replace(/\.md$/, '')}-`)).toBe(true);
  });

  it('every output block belongs to a snippet', () => {
    for (const file of outputs.keys()) expect(snippets.map((s) => s.file)).toContain(file);
  });
});

describe('docs snippets run', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(files)('%s runs without throwing and prints what its page says', async (file) => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(format(...args));
    });
    await import(pathToFileURL(join(snippetsDir, file)).href);
    const expected = outputs.get(`examples/snippets/${file}`);
    if (expected !== undefined) expect(`${lines.join('\n')}\n`).toBe(expected.body);
  });
});
