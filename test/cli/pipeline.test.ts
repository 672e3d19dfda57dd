import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/pipeline/duration.js';
import {
  formatIssue,
  type LoadPipelineOptions,
  loadPipeline,
  parsePipeline,
} from '../../src/cli/pipeline/load-pipeline.js';
import type { Pipeline, PipelineJob } from '../../src/cli/pipeline/pipeline.js';

const FILE = '/pipelines/media.yaml';
const DIR = '/pipelines';

/** The lines of a file: keeping one line per argument makes every position in a test visible. */
const text = (...lines: string[]): string => `${lines.join('\n')}\n`;

function valid(source: string, options?: LoadPipelineOptions, file = FILE): Pipeline {
  const result = parsePipeline(source, file, options);
  if (!result.ok) throw new Error(`unexpected issues:\n${result.issues.map(formatIssue).join('\n')}`);
  return result.pipeline;
}

function issues(source: string, options?: LoadPipelineOptions, file = 'p.yaml'): string[] {
  const result = parsePipeline(source, file, options);
  if (result.ok) throw new Error('expected the file to be refused');
  return result.issues.map(formatIssue);
}

function job(pipeline: Pipeline, name: string): PipelineJob {
  const found = pipeline.jobs.find((j) => j.name === name);
  if (found === undefined)
    throw new Error(`no job ${name} in ${pipeline.jobs.map((j) => j.name).join(', ')}`);
  return found;
}

const JOB_FIELDS =
  'cmd, env, cwd, timeout, retry, priority, deps, cost, tenant, progress, total, estimate, matrix';

describe('a valid pipeline', () => {
  const media = text(
    'resources: { gpu: 2, cpu: 3, mem_gb: 16 }',
    "devices: { gpu: ['0', '1'] }",
    'defaults: { retry: 1, timeout: 10m, env: { LEVEL: 6, VERBOSE: true } }',
    'tenants: { batch: { weight: 2 }, ui: {} }',
    'jobs:',
    "  source: { cmd: [sh, -c, 'head -c 100000 /dev/urandom > in.bin'], cost: { cpu: 1 }, estimate: 2s }",
    '  compress:',
    '    cmd: gzip -k -f in.bin',
    '    cost: { gpu: 2, cpu: 1 }',
    '    deps: [source]',
    "    progress: 'done=\\s*(\\d+)'",
    '    total: 100',
    '    cwd: work',
    '    env: { LEVEL: 9 }',
    '  pause: { cmd: [sleep, 1], cost: { gpu: 1, cpu: 1 }, deps: [source], priority: 5, retry: 0, timeout: 30 }',
    "  features: { cmd: 'sleep 0.{part}', matrix: { part: [1, 2] }, cost: { cpu: 1, mem_gb: 4 }, tenant: batch }",
  );

  it('parses to the expected jobs, defaults applied and the matrix expanded', () => {
    const pipeline = valid(media);
    expect(pipeline).toEqual({
      file: FILE,
      dir: DIR,
      resources: { gpu: 2, cpu: 3, mem_gb: 16 },
      devices: { gpu: ['0', '1'] },
      tenants: { batch: { weight: 2 }, ui: {} },
      jobs: [
        {
          name: 'source',
          source: 'source',
          command: { kind: 'argv', argv: ['sh', '-c', 'head -c 100000 /dev/urandom > in.bin'] },
          env: { LEVEL: '6', VERBOSE: 'true' },
          cwd: DIR,
          timeoutMs: 600_000,
          retry: { attempts: 2 },
          priority: 0,
          deps: [],
          cost: { cpu: 1 },
          estimateMs: 2000,
        },
        {
          name: 'compress',
          source: 'compress',
          command: { kind: 'shell', script: 'gzip -k -f in.bin' },
          env: { LEVEL: '9', VERBOSE: 'true' },
          cwd: '/pipelines/work',
          timeoutMs: 600_000,
          retry: { attempts: 2 },
          priority: 0,
          deps: ['source'],
          cost: { gpu: 2, cpu: 1 },
          progress: /done=\s*(\d+)/,
          total: 100,
        },
        {
          name: 'pause',
          source: 'pause',
          command: { kind: 'argv', argv: ['sleep', '1'] },
          env: { LEVEL: '6', VERBOSE: 'true' },
          cwd: DIR,
          timeoutMs: 30_000,
          retry: { attempts: 1 },
          priority: 5,
          deps: ['source'],
          cost: { gpu: 1, cpu: 1 },
        },
        ...[1, 2].map((part) => ({
          name: `features[part=${part}]`,
          source: 'features',
          command: { kind: 'shell', script: `sleep 0.${part}` },
          env: { LEVEL: '6', VERBOSE: 'true' },
          cwd: DIR,
          timeoutMs: 600_000,
          retry: { attempts: 2 },
          priority: 0,
          deps: [],
          cost: { cpu: 1, mem_gb: 4 },
          tenant: 'batch',
        })),
      ],
    });
    expect(job(pipeline, 'compress').progress?.exec('done= 42')?.[1]).toBe('42');
  });

  it('leaves tenants out when the file has none, and adds a device resource missing from resources', () => {
    const pipeline = valid(
      text('resources: { cpu: 1 }', 'devices: { gpu: [0, 1, 2] }', 'jobs: { a: { cmd: x } }'),
    );
    expect(pipeline.tenants).toBeUndefined();
    expect(pipeline.devices).toEqual({ gpu: ['0', '1', '2'] });
    expect(pipeline.resources).toEqual({ cpu: 1, gpu: 3 });
  });

  it('keeps the jobs in file order, also for names that look like numbers', () => {
    const pipeline = valid(
      text('resources: {}', 'jobs:', '  b: { cmd: x }', '  "2": { cmd: x }', '  a: { cmd: x }'),
    );
    expect(pipeline.jobs.map((j) => j.name)).toEqual(['b', '2', 'a']);
  });

  it('reads a file from disk and resolves cwd against its directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allot-pipeline-'));
    try {
      const file = join(dir, 'p.yaml');
      await writeFile(
        file,
        text('resources: {}', 'jobs:', '  a: { cmd: x }', '  b: { cmd: x, cwd: ../elsewhere }'),
      );
      const result = await loadPipeline(file);
      expect(result.ok && result.pipeline.jobs.map((j) => j.cwd)).toEqual([dir, join(dir, '../elsewhere')]);
      expect(result.ok && result.pipeline.file).toBe(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a file that cannot be read', async () => {
    const result = await loadPipeline('/nonexistent/allot/p.yaml');
    expect(result.ok).toBe(false);
    expect(!result.ok && formatIssue(result.issues[0]!)).toMatch(
      /^\/nonexistent\/allot\/p\.yaml:1:1: cannot read the file: ENOENT/,
    );
  });
});

describe('commands', () => {
  it('runs a string under the shell and a list as argv, numbers as strings, nothing split', () => {
    const pipeline = valid(
      text(
        'resources: {}',
        'jobs:',
        "  a: { cmd: 'echo a  b | wc' }",
        "  b: { cmd: [printf, '%s x', 3, 1.5] }",
      ),
    );
    expect(job(pipeline, 'a').command).toEqual({ kind: 'shell', script: 'echo a  b | wc' });
    expect(job(pipeline, 'b').command).toEqual({ kind: 'argv', argv: ['printf', '%s x', '3', '1.5'] });
  });

  it('refuses an empty command and an empty program name', () => {
    expect(
      issues(text('resources: {}', 'jobs:', "  a: { cmd: '' }", '  b: { cmd: [] }', "  c: { cmd: ['', x] }")),
    ).toEqual([
      'p.yaml:3:13: job "a": cmd must be a command: a non-empty string (run by /bin/sh -c) or a non-empty list of arguments',
      'p.yaml:4:13: job "b": cmd must be a command: a non-empty string (run by /bin/sh -c) or a non-empty list of arguments',
      'p.yaml:5:14: job "c": cmd[0] must be a program name (a non-empty string)',
    ]);
  });
});

describe('defaults', () => {
  it('apply to every job; a job field wins, env merges, cost is replaced whole', () => {
    const pipeline = valid(
      text(
        'resources: { cpu: 4, mem: 8 }',
        'defaults:',
        '  env: { A: a, B: b }',
        '  cost: { cpu: 1, mem: 1 }',
        '  priority: 3',
        '  cwd: /abs',
        '  tenant: t',
        'jobs:',
        '  x: { cmd: x }',
        '  y: { cmd: y, env: { B: override, C: c }, cost: { mem: 2 }, priority: -1, cwd: rel }',
      ),
    );
    const x = job(pipeline, 'x');
    const y = job(pipeline, 'y');
    expect([x.env, x.cost, x.priority, x.cwd, x.tenant]).toEqual([
      { A: 'a', B: 'b' },
      { cpu: 1, mem: 1 },
      3,
      '/abs',
      't',
    ]);
    expect([y.env, y.cost, y.priority, y.cwd, y.tenant]).toEqual([
      { A: 'a', B: 'override', C: 'c' },
      { mem: 2 },
      -1,
      '/pipelines/rel',
      't',
    ]);
    // Each job has its own objects: changing one does not change another.
    x.cost.cpu = 0;
    expect(job(pipeline, 'y').cost).toEqual({ mem: 2 });
  });

  it('refuse per-job fields, at the field', () => {
    expect(issues(text('resources: {}', 'defaults:', '  deps: [a]', 'jobs: { a: { cmd: x } }'))).toEqual([
      'p.yaml:3:3: "deps" cannot have a default: set it on each job',
    ]);
  });

  it('are checked once, at the default', () => {
    expect(
      issues(text('resources: {}', 'defaults: { timeout: soon }', 'jobs: { a: { cmd: x }, b: { cmd: y } }')),
    ).toEqual([
      "p.yaml:2:22: defaults.timeout: \"soon\" is not a duration: use a duration such as '500ms', '30s', '1.5m', '1h', '1m30s', or a number of seconds",
    ]);
  });
});

describe('retry', () => {
  const retryOf = (value: string): unknown =>
    job(valid(text('resources: {}', 'jobs:', `  a: { cmd: x, retry: ${value} }`)), 'a').retry;

  it('as a number counts retries: N retries are N + 1 attempts', () => {
    expect(retryOf('0')).toEqual({ attempts: 1 });
    expect(retryOf('3')).toEqual({ attempts: 4 });
  });

  it('as a mapping counts attempts, with a backoff in durations', () => {
    expect(retryOf('{ attempts: 3 }')).toEqual({ attempts: 3 });
    expect(retryOf('{ attempts: 2, backoff: { initial: 500ms, factor: 3, max: 1m, jitter: 0.25 } }')).toEqual(
      {
        attempts: 2,
        backoff: { initialMs: 500, factor: 3, maxMs: 60_000, jitter: 0.25 },
      },
    );
    expect(retryOf('{ attempts: 2, backoff: { initial: 2 } }')).toEqual({
      attempts: 2,
      backoff: { initialMs: 2000 },
    });
  });

  it('refuses malformed forms, each at its field', () => {
    expect(
      issues(
        text(
          'resources: {}',
          'jobs:',
          '  a: { cmd: x, retry: 1.5 }',
          '  b: { cmd: x, retry: { attempts: 0 } }',
          '  c: { cmd: x, retry: { backoff: { factor: 0.5, jitter: 2, initial: 1y } } }',
        ),
      ),
    ).toEqual([
      'p.yaml:3:23: job "a": retry must be a number of retries (a whole number ≥ 0) or a mapping { attempts, backoff? }',
      'p.yaml:4:35: job "b": retry.attempts must be a whole number ≥ 1 (tries in all, the first included)',
      'p.yaml:5:16: job "c": missing required field "retry.attempts"',
      'p.yaml:5:44: job "c": retry.backoff.factor must be a number ≥ 1',
      'p.yaml:5:57: job "c": retry.backoff.jitter must be a fraction from 0 to 1',
      "p.yaml:5:69: job \"c\": retry.backoff.initial: \"1y\" is not a duration: use a duration such as '500ms', '30s', '1.5m', '1h', '1m30s', or a number of seconds",
    ]);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1.5m', 90_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['.5s', 500],
    [' 2s ', 2000],
    ['0s', 0],
    [0, 0],
    [30, 30_000],
    [1.5, 1500],
  ])('%j is %d ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each([
    ['', 'is not a duration'],
    ['-5s', 'is not a duration'],
    ['5', 'has no unit'],
    ['5 s', 'is not a duration'],
    ['5d', 'is not a duration'],
    ['1s1m', 'is not a duration'],
    ['1m1m', 'is not a duration'],
    ['ms', 'is not a duration'],
    ['NaNs', 'is not a duration'],
    [-1, 'is not a duration'],
    [Number.NaN, 'is not a duration'],
    [Number.POSITIVE_INFINITY, 'is not a duration'],
    [null, 'is not a duration'],
    [true, 'is not a duration'],
  ])('refuses %j', (value, reason) => {
    const result = parseDuration(value);
    expect(typeof result).toBe('string');
    expect(result).toContain(reason);
  });
});

describe('matrix jobs', () => {
  const matrix = text(
    'resources: { cpu: 4 }',
    'jobs:',
    '  features:',
    `    cmd: [extract, --part, '{part}', '--size={size}', '{{part}}', '\${part}']`,
    '    matrix: { part: [1, 2], size: [a, b] }',
    "    env: { PART: '{part}', SIZE: '{size}' }",
    "    cwd: 'out/{size}'",
    `  merge: { cmd: 'merge {part} \${HOME}', deps: [features] }`,
    "  first: { cmd: 'echo {x}', deps: ['features[part=1,size=b]', features, 'features[part=1,size=b]'] }",
    `  shell: { cmd: 'echo {n} \${n} {{n}}', matrix: { n: [true, 2.5] } }`,
  );

  it('expand to one job per combination, first key outermost, values in order', () => {
    const pipeline = valid(matrix);
    expect(pipeline.jobs.map((j) => [j.name, j.source])).toEqual([
      ['features[part=1,size=a]', 'features'],
      ['features[part=1,size=b]', 'features'],
      ['features[part=2,size=a]', 'features'],
      ['features[part=2,size=b]', 'features'],
      ['merge', 'merge'],
      ['first', 'first'],
      ['shell[n=true]', 'shell'],
      ['shell[n=2.5]', 'shell'],
    ]);
  });

  it(`substitute placeholders in cmd, env and cwd; {{key}} is literal and \${key} is left to the shell`, () => {
    const instance = job(valid(matrix), 'features[part=2,size=a]');
    expect(instance.command).toEqual({
      kind: 'argv',
      argv: ['extract', '--part', '2', '--size=a', '{part}', `\${part}`],
    });
    expect(instance.env).toEqual({ PART: '2', SIZE: 'a' });
    expect(instance.cwd).toBe('/pipelines/out/a');
    expect(job(valid(matrix), 'shell[n=2.5]').command).toEqual({
      kind: 'shell',
      script: `echo 2.5 \${n} {n}`,
    });
  });

  it('leave jobs without a matrix as written', () => {
    const pipeline = valid(matrix);
    expect(job(pipeline, 'merge').command).toEqual({ kind: 'shell', script: `merge {part} \${HOME}` });
    expect(job(pipeline, 'first').command).toEqual({ kind: 'shell', script: 'echo {x}' });
  });

  it('are depended on whole by name, or one instance by its own name', () => {
    const pipeline = valid(matrix);
    expect(job(pipeline, 'merge').deps).toEqual([
      'features[part=1,size=a]',
      'features[part=1,size=b]',
      'features[part=2,size=a]',
      'features[part=2,size=b]',
    ]);
    expect(job(pipeline, 'first').deps).toEqual([
      'features[part=1,size=b]',
      'features[part=1,size=a]',
      'features[part=2,size=a]',
      'features[part=2,size=b]',
    ]);
  });

  it('pair instances through placeholders in deps, one instance with its own', () => {
    const pipeline = valid(
      text(
        'resources: { cpu: 2 }',
        'jobs:',
        "  ingest: { cmd: 'get {video}', matrix: { video: [a, b] } }",
        "  encode: { cmd: 'enc {video}', matrix: { video: [a, b] }, deps: ['ingest[video={video}]'] }",
        '  report: { cmd: report, deps: [encode] }',
      ),
    );
    expect(job(pipeline, 'encode[video=a]').deps).toEqual(['ingest[video=a]']);
    expect(job(pipeline, 'encode[video=b]').deps).toEqual(['ingest[video=b]']);
    expect(job(pipeline, 'report').deps).toEqual(['encode[video=a]', 'encode[video=b]']);
    expect(
      issues(
        text(
          'resources: {}',
          'jobs:',
          "  ingest: { cmd: 'get {video}', matrix: { video: [a] } }",
          "  encode: { cmd: x, matrix: { video: [a, b] }, deps: ['ingest[video={video}]', 'encode[video={video}]'] }",
          "  other: { cmd: x, matrix: { v: [1] }, deps: ['ingest[video={nope}]'] }",
        ),
      ),
    ).toEqual([
      'p.yaml:4:55: job "encode": deps[0] names an unknown job "ingest[video=b]"',
      'p.yaml:4:80: job "encode": deps[1]: a job cannot depend on its own instances',
      'p.yaml:5:47: job "other": deps[0]: placeholder {nope} names no matrix key (keys: v; write {{nope}} for a literal {nope})',
      'p.yaml:5:47: job "other": deps[0] names an unknown job "ingest[video={nope}]"',
    ]);
  });

  it('report a placeholder that names no matrix key, at the argument, env value or cwd', () => {
    expect(
      issues(
        text(
          'resources: {}',
          'jobs:',
          '  a:',
          "    cmd: [run, '--in={prt}']",
          '    matrix: { part: [1] }',
          "    env: { X: 'x{y}' }",
          "    cwd: '{part}/{z}'",
          "  b: { cmd: 'run {size}', matrix: { part: [1, 2] } }",
        ),
      ),
    ).toEqual([
      'p.yaml:4:16: job "a": cmd[1]: placeholder {prt} names no matrix key (keys: part; write {{prt}} for a literal {prt})',
      'p.yaml:6:15: job "a": env.X: placeholder {y} names no matrix key (keys: part; write {{y}} for a literal {y})',
      'p.yaml:7:10: job "a": cwd: placeholder {z} names no matrix key (keys: part; write {{z}} for a literal {z})',
      'p.yaml:8:13: job "b": cmd: placeholder {size} names no matrix key (keys: part; write {{size}} for a literal {size})',
    ]);
  });

  it('refuse repeated values (two jobs of one name), empty lists and bad keys', () => {
    expect(
      issues(
        text(
          'resources: {}',
          'jobs:',
          "  a: { cmd: x, matrix: { part: [1, '1'] } }",
          '  b: { cmd: x, matrix: { part: [] } }',
          '  c: { cmd: x, matrix: { 2x: [1] } }',
          '  d: { cmd: x, matrix: {} }',
        ),
      ),
    ).toEqual([
      'p.yaml:3:36: job "a": matrix.part[1] repeats the value "1"',
      'p.yaml:4:32: job "b": matrix.part must be a non-empty list of values',
      'p.yaml:5:26: job "c": invalid name "2x" in matrix: use letters, digits and "_", not starting with a digit',
      'p.yaml:6:24: job "d": matrix must be a mapping of key → list of values, with at least one key',
    ]);
  });
});

describe('issues are reported at the offending field', () => {
  it('YAML syntax errors, at their position', () => {
    expect(issues(text('resources: {}', 'jobs:', '  a: { cmd: [x, y }'))).toEqual([
      'p.yaml:3:19: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'p.yaml:3:20: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
    expect(issues(text('resources: {}', 'jobs:', '  a: { cmd: x }', '  a: { cmd: y }'))).toEqual([
      'p.yaml:4:3: invalid YAML: Map keys must be unique',
    ]);
    expect(issues(text('resources: {}', 'jobs:', '\ta: { cmd: x }'))).toEqual([
      'p.yaml:3:1: invalid YAML: Tabs are not allowed as indentation',
    ]);
    expect(issues(text('resources: {}', '---', 'jobs: {}'))).toEqual([
      'p.yaml:2:1: invalid YAML: a pipeline file holds a single document',
    ]);
  });

  it('an unknown field, at its key, with a suggestion when one is close', () => {
    expect(
      issues(
        text(
          'resources: { cpu: 1 }',
          'jobs:',
          '  build:',
          '    cmd: make',
          '    tiemout: 5m',
          '    colour: red',
        ),
      ),
    ).toEqual([
      `p.yaml:5:5: job "build": unknown field "tiemout" (did you mean "timeout"? allowed: ${JOB_FIELDS})`,
      `p.yaml:6:5: job "build": unknown field "colour" (allowed: ${JOB_FIELDS})`,
    ]);
    expect(issues(text('resources: {}', 'job: { a: { cmd: x } }'))).toEqual([
      'p.yaml:1:1: missing required field "jobs"',
      'p.yaml:2:1: unknown field "job" (did you mean "jobs"? allowed: resources, devices, tenants, defaults, jobs)',
    ]);
    expect(issues(text('resources: {}', 'jobs: { a: { cmd: x, Deps: [] } }'))).toEqual([
      `p.yaml:2:22: job "a": unknown field "Deps" (did you mean "deps"? allowed: ${JOB_FIELDS})`,
    ]);
  });

  it('a value of the wrong type or range, at the value', () => {
    expect(
      issues(
        text(
          'resources: { cpu: -1, mem: many }',
          'jobs:',
          '  a:',
          '    cmd: x',
          '    priority: high',
          '    cost: { cpu: -2 }',
          '    env: { A: [1], "B=C": x }',
          '    total: 0',
          '    deps: [1]',
        ),
      ),
    ).toEqual([
      'p.yaml:1:19: resources.cpu must be a non-negative number',
      'p.yaml:1:28: resources.mem must be a non-negative number',
      'p.yaml:5:15: job "a": priority must be a finite number (higher starts first)',
      'p.yaml:6:18: job "a": cost.cpu must be a non-negative number',
      'p.yaml:7:15: job "a": env.A must be a string, a number or a boolean',
      'p.yaml:7:20: job "a": invalid name "B=C" in env: use an environment variable name (no "=")',
      'p.yaml:8:12: job "a": total must be a positive number',
      'p.yaml:9:12: job "a": deps[0] must be a job name',
    ]);
  });

  it('a missing field, at the key of the mapping that lacks it', () => {
    expect(issues(text('resources: {}', 'jobs:', '  a: { cmd: x }', '  b:', '    deps: [a]'))).toEqual([
      'p.yaml:4:3: job "b": missing required field "cmd"',
    ]);
    expect(issues(text('resources: {}', 'jobs:', '  a:'))).toEqual([
      'p.yaml:3:3: job "a": the job must be a mapping of job fields (cmd, cost, deps, …)',
    ]);
    expect(issues(text('jobs: {}'))).toEqual([
      'p.yaml:1:1: missing required field "resources"',
      'p.yaml:1:7: jobs must be a mapping of job name → job, with at least one job',
    ]);
  });

  it('a malformed duration, at the value', () => {
    expect(
      issues(
        text(
          'resources: {}',
          'jobs:',
          '  a: { cmd: x, timeout: 5 min, estimate: 90 }',
          '  b: { cmd: x, timeout: 0 }',
        ),
      ),
    ).toEqual([
      "p.yaml:3:25: job \"a\": timeout: \"5 min\" is not a duration: use a duration such as '500ms', '30s', '1.5m', '1h', '1m30s', or a number of seconds",
      'p.yaml:4:25: job "b": timeout must be more than 0 and at most 2147483647ms (24.8 days)',
    ]);
  });

  it('a regular expression that does not compile, at the value', () => {
    expect(issues(text('resources: {}', 'jobs:', "  a: { cmd: x, progress: 'frame=(\\d+' }"))).toEqual([
      'p.yaml:3:26: job "a": progress is not a valid regular expression (Invalid regular expression: /frame=(\\d+/: Unterminated group)',
    ]);
  });

  it('an unknown dependency, at the list item', () => {
    expect(
      issues(
        text(
          'resources: {}',
          'jobs:',
          '  build: { cmd: x }',
          '  test:',
          '    cmd: x',
          '    deps:',
          '      - build',
          '      - biuld',
          "      - 'build[part=1]'",
        ),
      ),
    ).toEqual([
      'p.yaml:8:9: job "test": deps[1] names an unknown job "biuld" (did you mean "build"?)',
      'p.yaml:9:9: job "test": deps[2] names an unknown job "build[part=1]"',
    ]);
  });

  it('a dependency cycle, once, with its path, at the dependency of its first job that starts it', () => {
    expect(
      issues(
        text(
          'resources: {}',
          'jobs:',
          '  ok: { cmd: x }',
          '  a: { cmd: x, deps: [ok, b] }',
          '  b: { cmd: x, deps: [c] }',
          '  c: { cmd: x, deps: [a, ok] }',
          '  self: { cmd: x, deps: [self] }',
          "  m: { cmd: x, matrix: { i: [1, 2] }, deps: ['m[i=1]'] }",
        ),
      ),
    ).toEqual([
      'p.yaml:4:27: job "a": dependency cycle: a → b → c → a',
      'p.yaml:7:26: job "self": dependency cycle: self → self',
      'p.yaml:8:46: job "m": dependency cycle: m → m',
    ]);
  });

  it('a cost on an unknown resource at its key; one over its limit, or a fraction of a device, at its value', () => {
    expect(
      issues(
        text(
          'resources: { cpu: 2, mem: 0.5 }',
          "devices: { gpu: ['0', '1'] }",
          'jobs:',
          '  a:',
          '    cmd: x',
          '    cost: { cpu: 3, gpus: 1, gpu: 0.5, mem: 0.0000001 }',
          '  b: { cmd: x, cost: { gpu: 3, ram: 1 } }',
        ),
      ),
    ).toEqual([
      'p.yaml:6:18: job "a": cost.cpu is 3, more than the limit (resources.cpu = 2): it could never start',
      'p.yaml:6:21: job "a": cost.gpus names an unknown resource "gpus" (did you mean "gpu"? resources: cpu, mem, gpu)',
      'p.yaml:6:35: job "a": cost.gpu must be a whole number: gpu is a device resource (devices.gpu)',
      'p.yaml:6:45: job "a": cost.mem must have at most 6 digits after the decimal point',
      'p.yaml:7:29: job "b": cost.gpu is 3, more than the limit (resources.gpu = 2): it could never start',
      'p.yaml:7:32: job "b": cost.ram names an unknown resource "ram" (resources: cpu, mem, gpu)',
    ]);
  });

  it('devices that disagree with resources, or repeat an id', () => {
    expect(
      issues(
        text(
          'resources: { gpu: 3, npu: 1 }',
          'devices:',
          '  gpu: [0, 1]',
          "  npu: ['a', 'b', 'a']",
          "  tpu: ['', 1.5]",
          'jobs: { a: { cmd: x } }',
        ),
      ),
    ).toEqual([
      "p.yaml:3:3: devices.gpu lists 2 ids but resources.gpu = 3: a device resource's limit is its number of ids",
      'p.yaml:4:19: devices.npu[2] repeats the id "a"',
      'p.yaml:5:9: devices.tpu[0] must be a device id (a non-empty string or a whole number ≥ 0)',
      'p.yaml:5:13: devices.tpu[1] must be a device id (a non-empty string or a whole number ≥ 0)',
    ]);
  });

  it('an invalid job name, at its key', () => {
    expect(issues(text('resources: {}', 'jobs:', '  a b: { cmd: x }', "  'c,d': { cmd: x }"))).toEqual([
      'p.yaml:3:3: job "a b": invalid job name "a b": use letters, digits, "_", "." and "-", starting with a letter, a digit or "_"',
      'p.yaml:4:3: job "c,d": invalid job name "c,d": use letters, digits, "_", "." and "-", starting with a letter, a digit or "_"',
    ]);
  });

  it('every problem at once, sorted by line then column', () => {
    const found = issues(
      text(
        'resources: { cpu: 1 }',
        'jobs:',
        '  z: { cmd: x, deps: [nope], cost: { cpu: 2 } }',
        '  a: { cmd: x, timeout: never, tiemout: 1s }',
      ),
    );
    expect(found).toEqual([
      'p.yaml:3:23: job "z": deps[0] names an unknown job "nope"',
      'p.yaml:3:43: job "z": cost.cpu is 2, more than the limit (resources.cpu = 1): it could never start',
      "p.yaml:4:25: job \"a\": timeout: \"never\" is not a duration: use a duration such as '500ms', '30s', '1.5m', '1h', '1m30s', or a number of seconds",
      `p.yaml:4:32: job "a": unknown field "tiemout" (did you mean "timeout"? allowed: ${JOB_FIELDS})`,
    ]);
  });
});

describe('JSON files', () => {
  const json = [
    '{',
    '  "resources": { "cpu": 2 },',
    '  "jobs": {',
    '    "a": { "cmd": ["echo", "hi"], "cost": { "cpu": 3 } },',
    '    "b": { "cmd": "true", "deps": ["a", "c"], "tiemout": "1s" }',
    '  }',
    '}',
  ].join('\n');

  it('are read as YAML, with positions', () => {
    expect(issues(json, {}, 'p.json')).toEqual([
      'p.json:4:52: job "a": cost.cpu is 3, more than the limit (resources.cpu = 2): it could never start',
      'p.json:5:41: job "b": deps[1] names an unknown job "c"',
      `p.json:5:47: job "b": unknown field "tiemout" (did you mean "timeout"? allowed: ${JOB_FIELDS})`,
    ]);
  });

  it('parse like YAML when valid, tabs included', () => {
    const pipeline = valid(
      '{\n\t"resources": {"cpu": 1},\n\t"jobs": {"a": {"cmd": ["echo", 1]}}\n}\n',
      {},
      '/x/p.json',
    );
    expect(pipeline.jobs).toEqual([
      {
        name: 'a',
        source: 'a',
        command: { kind: 'argv', argv: ['echo', '1'] },
        env: {},
        cwd: '/x',
        priority: 0,
        deps: [],
        cost: {},
      },
    ]);
  });

  it('report syntax errors at their position', () => {
    expect(issues('{\n  "resources": {}\n  "jobs": {}\n}\n', {}, 'p.json')).toEqual([
      expect.stringMatching(/^p\.json:3:3: invalid YAML: /),
    ]);
  });
});

describe('--resources', () => {
  const file = text('resources: { gpu: 1, cpu: 2 }', 'jobs:', '  a: { cmd: x, cost: { gpu: 2, cpu: 2 } }');

  it('overrides the named limits and keeps the others, before costs are checked', () => {
    expect(issues(file)).toEqual([
      'p.yaml:3:29: job "a": cost.gpu is 2, more than the limit (resources.gpu = 1): it could never start',
    ]);
    expect(valid(file, { resources: { gpu: 2 } }).resources).toEqual({ gpu: 2, cpu: 2 });
    expect(valid(file, { resources: { gpu: 2, npu: 4 } }).resources).toEqual({ gpu: 2, cpu: 2, npu: 4 });
  });

  it('is named when its limit is the one a cost exceeds', () => {
    expect(issues(file, { resources: { cpu: 1.5, gpu: 2 } })).toEqual([
      'p.yaml:3:37: job "a": cost.cpu is 2, more than the limit (--resources cpu=1.5): it could never start',
    ]);
  });

  it('must agree with the number of device ids', () => {
    const devices = text('resources: {}', "devices: { gpu: ['0', '1'] }", 'jobs: { a: { cmd: x } }');
    expect(valid(devices).resources).toEqual({ gpu: 2 });
    expect(issues(devices, { resources: { gpu: 1 } })).toEqual([
      "p.yaml:2:12: devices.gpu lists 2 ids but --resources gpu=1: a device resource's limit is its number of ids",
    ]);
  });
});

describe('formatIssue', () => {
  it('names the job only when there is one', () => {
    expect(formatIssue({ file: 'f.yaml', line: 3, column: 7, job: 'a', message: 'bad' })).toBe(
      'f.yaml:3:7: job "a": bad',
    );
    expect(formatIssue({ file: 'f.yaml', line: 1, column: 1, message: 'bad' })).toBe('f.yaml:1:1: bad');
  });
});
