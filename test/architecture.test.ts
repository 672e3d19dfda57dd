import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layers of src/, bottom up. A folder may import (values or types) only from itself and the folders listed
// for it, so the architecture the folders show is the one the code has, and no two layers depend on each other.
const ALLOWED: Record<string, readonly string[]> = {
  foundation: [],
  errors: [],
  pull: ['errors', 'foundation'],
  metrics: ['errors', 'foundation'],
  capacity: ['errors', 'foundation', 'metrics', 'pull'],
  graph: ['errors', 'foundation'],
  sources: ['errors', 'foundation', 'pull', 'graph'],
  runner: ['errors', 'foundation', 'pull', 'capacity'],
  legacy: ['errors', 'foundation', 'pull', 'runner'],
  balancer: ['errors', 'foundation', 'capacity'],
  admission: ['errors', 'foundation', 'sources'],
  scheduler: ['errors', 'foundation', 'capacity', 'sources', 'admission', 'runner'],
  // Integrations: separate package entries, each with its own third-party dependency.
  redis: ['errors', 'foundation', 'capacity', 'runner'],
  bullmq: ['errors', 'foundation', 'runner', 'scheduler'],
  // The command line: its own dependencies (YAML, schema, terminal, Prometheus), never loaded by the library.
  cli: ['errors', 'foundation', 'metrics', 'capacity', 'admission', 'scheduler'],
};

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/\bfrom\s+'(\.[^']+)'/g)) {
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  }
  return out;
}

const folderOf = (file: string): string => relative(src, file).split('/')[0]!;

describe('architecture', () => {
  const all = files(src).filter((f) => relative(src, f) !== 'index.ts');

  it('every folder of src/ is a known layer', () => {
    expect([...new Set(all.map(folderOf))].sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('imports only point down the layers', () => {
    const wrong: string[] = [];
    for (const file of all) {
      const from = folderOf(file);
      for (const target of imports(file)) {
        const to = folderOf(target);
        if (to !== from && !ALLOWED[from]?.includes(to))
          wrong.push(`${relative(src, file)} → ${relative(src, target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('third-party packages are imported only by the integrations and the command line', () => {
    // So `import 'allot'` loads nothing but the library and Node's own modules.
    const integrations: Record<string, readonly string[]> = {
      redis: ['ioredis'],
      bullmq: ['bullmq'],
      cli: ['commander', 'yaml', 'ajv', 'log-update', 'prom-client'],
    };
    const wrong: string[] = [];
    for (const file of files(src)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bfrom\s+'([^.'][^']*)'/g)) {
        const name = m[1]!;
        if (name.startsWith('node:')) continue;
        if (!(integrations[folderOf(file)] ?? []).includes(name))
          wrong.push(`${relative(src, file)} → ${name}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no module imports itself through a cycle', () => {
    const graph = new Map(all.map((f) => [f, imports(f)]));
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 2) return;
      if (state.get(f) === 1) {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(src, p)).join(' → '));
        return;
      }
      state.set(f, 1);
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 2);
    };
    for (const f of all) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
