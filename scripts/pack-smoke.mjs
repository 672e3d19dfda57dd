// Smoke test of the published shape of the package: pack it the way `npm publish` would, install the tarball
// into two fresh projects (ESM and CommonJS), run a small scheduling program in each, type-check a
// TypeScript consumer against the installed declarations, and run the installed `allot` command.
//
// Usage: node scripts/pack-smoke.mjs [--build] [--keep]
//   --build  always run `npm run build` first (default: only when dist/ is missing or older than its inputs)
//   --keep   leave the temporary directories in place and print where they are
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const forceBuild = args.has('--build');
const keep = args.has('--keep');
const started = performance.now();
const win = process.platform === 'win32';

const log = (msg) => console.log(`pack-smoke: ${msg}`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

class SmokeFailure extends Error {}

/** Every package the lock file installs for the package's runtime dependencies (hoisted names). */
function dependencyClosure() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const out = new Set();
  const visit = (name) => {
    if (out.has(name)) return;
    const entry = lock.packages[`node_modules/${name}`];
    if (entry === undefined) fail(`package-lock.json has no node_modules/${name}`);
    out.add(name);
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(dep);
  };
  for (const dep of Object.keys(lock.packages[''].dependencies ?? {})) visit(dep);
  return out;
}

/** Package names directly under a node_modules folder (scoped ones as @scope/name). */
function installedPackages(dir) {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => (n.startsWith('@') ? readdirSync(join(dir, n)).map((m) => `${n}/${m}`) : [n]));
}
const fail = (msg) => {
  throw new SmokeFailure(msg);
};

// When started through `npm run`, npm exports its own settings and the repository's package details as
// npm_* variables; a nested npm in a temp project must not inherit them (npm_config_local_prefix would point
// it back at this repository).
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^npm_(package_|lifecycle_|config_local_prefix$|config_global_prefix$|command$)/i.test(k),
  ),
);

/** Runs a command, returns its stdout; on failure, reports the command and everything it printed. */
function run(cmd, cmdArgs, cwd, timeout = 120_000) {
  try {
    return execFileSync(cmd, cmdArgs, {
      cwd,
      env: childEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout,
      shell: win,
    });
  } catch (err) {
    const out = [err.stdout, err.stderr].filter(Boolean).join('\n').trim();
    const why = err.signal ? `killed by ${err.signal}` : `exit code ${err.status}`;
    fail(`\`${cmd} ${cmdArgs.join(' ')}\` in ${cwd} failed (${why})${out ? `:\n${out}` : ''}`);
  }
}

/** All files under dir, as paths relative to dir with forward slashes. */
function walk(dir, base = dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p, base));
    else out.push(relative(base, p).split(sep).join('/'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// 1. Build, when asked or when dist/ is missing or stale.

/** Why dist/ needs a rebuild, or undefined when it is up to date with src/ and the build config. */
function staleReason() {
  const outputs = [
    'dist/esm/index.js',
    'dist/cjs/index.js',
    'dist/esm/package.json',
    'dist/cjs/package.json',
  ];
  const missing = outputs.find((f) => !existsSync(join(root, f)));
  if (missing) return `${missing} is missing`;
  const builtAt = Math.min(...outputs.map((f) => statSync(join(root, f)).mtimeMs));
  const sources = walk(join(root, 'src')).filter((f) => f.endsWith('.ts'));
  const inputs = [
    ...sources.map((f) => `src/${f}`),
    'tsconfig.json',
    'tsconfig.build.json',
    'tsconfig.cjs.json',
    'scripts/build.mjs',
  ];
  const newer = inputs.find((f) => statSync(join(root, f)).mtimeMs > builtAt);
  if (newer) return `${newer} changed after the last build`;
  // Every source module has its output, and no output is left over from a deleted source.
  for (const flavor of ['esm', 'cjs']) {
    const built = new Set(
      walk(join(root, 'dist', flavor))
        .filter((f) => f.endsWith('.js'))
        .map((f) => f.slice(0, -3)),
    );
    const expected = new Set(sources.filter((f) => !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)));
    for (const m of expected) if (!built.has(m)) return `dist/${flavor}/${m}.js is missing`;
    for (const m of built) if (!expected.has(m)) return `dist/${flavor}/${m}.js has no source`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// 2. The two consumer projects.

// A small run: two tasks that each need the only GPU must both finish, one after the other.
const programBody = `
const fail = (msg) => {
  console.error('FAIL (' + FLAVOR + '): ' + msg);
  process.exit(1);
};
let finished = false;
process.on('exit', (code) => {
  if (code === 0 && !finished) {
    console.error('FAIL (' + FLAVOR + '): the run stopped before all tasks finished (event loop ran dry)');
    process.exitCode = 1;
  }
});
setTimeout(() => fail('the run did not finish within 10s'), 10_000).unref();

if (!RESOLVED.includes('/dist/' + FLAVOR + '/')) fail("'allot' resolved to " + RESOLVED + ', expected dist/' + FLAVOR);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let running = 0;
let maxRunning = 0;
const spans = [];
const task = (key) => ({
  key,
  cost: { gpu: 1 },
  runner: async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    const start = performance.now();
    await sleep(25);
    spans.push({ key, start, end: performance.now() });
    running--;
    return key + '-done';
  },
});

async function main() {
  const capacity = new ResourceCapacitySource({ gpu: 1 });
  const runner = new ScheduledTaskPoolRunner('smoke', new SourceBufferObj([task('a'), task('b')]), capacity);
  const finals = [];
  for await (const e of runner.runTasks(false)) {
    if (e.type === 'ERROR') fail('task ' + e.key + ' failed: ' + (e.error && e.error.stack ? e.error.stack : e.error));
    if (e.type === 'FINAL') finals.push(e.key + '=' + e.value);
  }
  const got = finals.slice().sort().join(', ');
  if (got !== 'a=a-done, b=b-done') fail('expected FINAL envelopes a=a-done and b=b-done, got [' + got + ']');
  if (maxRunning !== 1) fail('the tasks overlapped: ' + maxRunning + ' ran at once under a budget of { gpu: 1 }');
  spans.sort((x, y) => x.start - y.start);
  if (spans.length !== 2 || spans[1].start < spans[0].end) fail('the tasks overlapped in time: ' + JSON.stringify(spans));
  // The same two tasks through the Scheduler: awaitable handles, still one at a time.
  running = 0;
  maxRunning = 0;
  const s = new Scheduler({ limits: { gpu: 1 } });
  const results = await Promise.all(['c', 'd'].map((k) => s.add(task(k).runner, { key: k, cost: { gpu: 1 } })));
  if (results.join(', ') !== 'c-done, d-done') fail('Scheduler results: expected c-done, d-done, got ' + results.join(', '));
  if (maxRunning !== 1) fail('Scheduler tasks overlapped: ' + maxRunning + ' ran at once under { gpu: 1 }');
  await s.onIdle();
  finished = true;
  console.log('ok (' + FLAVOR + '): FINAL ' + finals.join(', FINAL ') + '; Scheduler ' + results.join(', ') + '; one task at a time; allot from ' + RESOLVED);
}
main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
`;

const consumers = {
  esm: {
    type: 'module',
    programFile: 'smoke.mjs',
    program: `import { ResourceCapacitySource, ScheduledTaskPoolRunner, Scheduler, SourceBufferObj } from 'allot';
const FLAVOR = 'esm';
const RESOLVED = import.meta.resolve('allot');
${programBody}`,
  },
  cjs: {
    type: 'commonjs',
    programFile: 'smoke.cjs',
    program: `const { ResourceCapacitySource, ScheduledTaskPoolRunner, Scheduler, SourceBufferObj } = require('allot');
const FLAVOR = 'cjs';
const RESOLVED = require.resolve('allot').split(require('node:path').sep).join('/');
${programBody}`,
  },
};

// Type-checked only. The @ts-expect-error line fails the check if the declarations degrade to `any`.
const consumerTs = `import {
  ResourceCapacitySource,
  type ResourceCost,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  Scheduler,
  SourceBufferObj,
  type TaskHandle,
  type TaskProgressEnvelope,
} from 'allot';

const cost: ResourceCost = { gpu: 1 };
const tasks: ScheduledTask<never, string>[] = [
  { key: 'a', cost, runner: async () => 'a-done' },
  { key: 'b', cost, runner: async ({ signal }) => (signal.aborted ? 'aborted' : 'b-done') },
];
const runner = new ScheduledTaskPoolRunner('typed', new SourceBufferObj(tasks), new ResourceCapacitySource({ gpu: 1 }));

export async function finals(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of runner.runTasks(false)) {
    const envelope: TaskProgressEnvelope<never, string> = e;
    if (envelope.type === 'FINAL' && typeof envelope.value === 'string') out.push(envelope.value);
  }
  return out;
}

// @ts-expect-error a cost amount is a number, so this must not type-check
export const bad = new ResourceCapacitySource({ gpu: 'one' });

const scheduler = new Scheduler({ limits: { gpu: 1 } });
export const handle: TaskHandle<string> = scheduler.add(async ({ signal }) => (signal.aborted ? 'no' : 'yes'), {
  cost: { gpu: 1 },
});
// @ts-expect-error a handle of a string task is not a handle of a number
export const wrong: TaskHandle<number> = scheduler.add(async () => 'text');
`;

const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    // Check the package's .d.ts files too, not only how this file uses them.
    skipLibCheck: false,
    // The consumer has no node_modules/@types of its own; borrow this repository's @types/node.
    typeRoots: [join(root, 'node_modules', '@types')],
    types: ['node'],
  },
  files: ['consumer.ts'],
};

// ---------------------------------------------------------------------------------------------------------
// 3. The checks on the packed file list and the installed copy.

function checkFileList(files) {
  const paths = files.map((f) => f.path);
  const required = [
    'package.json',
    'README.md',
    'LICENSE',
    'dist/esm/index.js',
    'dist/esm/index.d.ts',
    'dist/esm/package.json',
    'dist/cjs/index.js',
    'dist/cjs/index.d.ts',
    'dist/cjs/package.json',
    'src/index.ts',
  ];
  const missing = required.filter((p) => !paths.includes(p));
  if (missing.length > 0) fail(`the tarball lacks ${missing.join(', ')}`);
  // Every path package.json points at (main, module, types, each exports condition) must be shipped.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entries = [];
  const collect = (v, where) => {
    if (typeof v === 'string') entries.push([where, v]);
    else if (v && typeof v === 'object')
      for (const [k, sub] of Object.entries(v))
        collect(sub, /^\w+$/.test(k) ? `${where}.${k}` : `${where}["${k}"]`);
  };
  for (const field of ['main', 'module', 'types', 'exports']) collect(pkg[field], field);
  const dangling = entries.filter(([, target]) => !paths.includes(target.replace(/^\.\//, '')));
  if (dangling.length > 0) {
    fail(
      `package.json points at files not in the tarball: ${dangling.map(([w, t]) => `${w} = ${t}`).join(', ')}`,
    );
  }
  const unwanted = paths.filter(
    (p) =>
      /^(test|tests|bench|examples|scripts|coverage|docs|node_modules|\.ci)\//.test(p) ||
      /\.(test|spec|bench)\.[cm]?[jt]sx?$/.test(p) ||
      /(^|\/)tsconfig[^/]*\.json$/.test(p),
  );
  if (unwanted.length > 0) fail(`the tarball ships files it should not:\n  ${unwanted.join('\n  ')}`);
}

/** Every source map in the installed package points at files that were installed with it. */
function checkSourceMaps(pkgDir) {
  const maps = walk(join(pkgDir, 'dist')).filter((f) => f.endsWith('.map'));
  if (maps.length === 0) fail('no source maps in dist/ (expected .js.map and .d.ts.map files)');
  const broken = [];
  for (const m of maps) {
    const mapPath = join(pkgDir, 'dist', m);
    const map = JSON.parse(readFileSync(mapPath, 'utf8'));
    for (const source of map.sources ?? []) {
      const target = resolve(dirname(mapPath), map.sourceRoot ?? '', source);
      if (!target.startsWith(pkgDir + sep) || !existsSync(target)) broken.push(`dist/${m} -> ${source}`);
    }
  }
  if (broken.length > 0)
    fail(`source maps point at files not in the package:\n  ${broken.slice(0, 10).join('\n  ')}`);
  return maps.length;
}

// ---------------------------------------------------------------------------------------------------------
// Main.

const work = mkdtempSync(join(tmpdir(), 'allot-pack-smoke-'));
let ok = false;
try {
  const reason = forceBuild ? '--build was given' : staleReason();
  if (reason) {
    log(`building (${reason}): npm run build`);
    const t = performance.now();
    run('npm', ['run', 'build'], root, 300_000);
    log(`built in ${seconds(performance.now() - t)}`);
  } else {
    log('dist/ is up to date with src/, not rebuilding (pass --build to force)');
  }

  // --ignore-scripts: the build above already ran; `prepare` would only repeat it.
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  const packOut = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], root);
  const packed = JSON.parse(packOut.slice(packOut.indexOf('[')))[0];
  const tarball = join(packDir, packed.filename);
  if (!existsSync(tarball)) fail(`npm pack reported ${packed.filename} but ${tarball} does not exist`);
  checkFileList(packed.files);
  log(
    `packed ${packed.filename}: ${packed.entryCount} files, ${(packed.size / 1000).toFixed(1)} kB ` +
      `(${(packed.unpackedSize / 1000).toFixed(1)} kB unpacked); no tests, bench, examples or scripts`,
  );

  // The command line's dependencies come from the local npm cache (filled by `npm ci`); the install must
  // bring exactly their closure as the lock file has it, and nothing else.
  const expected = dependencyClosure();
  const tsc = join(root, 'node_modules', '.bin', win ? 'tsc.cmd' : 'tsc');
  if (!existsSync(tsc)) fail(`${tsc} not found; run npm ci in the repository first`);

  for (const [flavor, c] of Object.entries(consumers)) {
    const dir = join(work, flavor);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: `allot-smoke-${flavor}`, version: '0.0.0', private: true, type: c.type }, null, 2)}\n`,
    );

    const t = performance.now();
    run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], dir);
    const installMs = performance.now() - t;
    const pkgDir = join(dir, 'node_modules', 'allot');
    if (!existsSync(join(pkgDir, 'package.json'))) fail(`${flavor}: node_modules/allot was not installed`);
    const others = installedPackages(join(dir, 'node_modules')).filter((n) => n !== 'allot');
    const unexpected = others.filter((n) => !expected.has(n));
    const missing = [...expected].filter((n) => !others.includes(n));
    if (unexpected.length > 0 || missing.length > 0)
      fail(
        `${flavor}: installed packages differ from the lock file: +${unexpected.join(',')} -${missing.join(',')}`,
      );
    log(
      `${flavor}: npm install <tarball> in a fresh project took ${seconds(installMs)}; it brought the ` +
        `command line's ${expected.size} packages and nothing else`,
    );
    if (flavor === 'esm') {
      const example = join(dir, 'pipeline.yaml');
      writeFileSync(
        example,
        'resources: { cpu: 1 }\njobs:\n  hello: { cmd: [echo, hello], cost: { cpu: 1 } }\n',
      );
      const bin = join(dir, 'node_modules', '.bin', win ? 'allot.cmd' : 'allot');
      run(bin, ['validate', example], dir, 30_000);
      const ran = run(bin, ['run', example, '--json'], dir, 30_000);
      if (!ran.includes('"event":"complete"')) fail(`esm: allot run printed no complete event:\n${ran}`);
      log('esm: the installed allot command validated and ran a pipeline');
    }

    if (flavor === 'esm') log(`source maps: all ${checkSourceMaps(pkgDir)} resolve to files in the package`);

    writeFileSync(join(dir, c.programFile), c.program);
    const out = run(process.execPath, [c.programFile], dir, 30_000).trim();
    log(`${flavor}: node ${c.programFile}: ${out}`);

    writeFileSync(join(dir, 'consumer.ts'), consumerTs);
    writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(consumerTsconfig, null, 2)}\n`);
    run(tsc, ['-p', 'tsconfig.json'], dir);
    // Which declarations tsc resolved 'allot' to (listing only, no second check).
    const listed = run(tsc, ['-p', 'tsconfig.json', '--listFilesOnly'], dir)
      .split(/\r?\n/)
      .map((l) => l.split(sep).join('/'));
    const expectedDts = `node_modules/allot/dist/${flavor}/index.d.ts`;
    if (!listed.some((l) => l.endsWith(expectedDts))) {
      const allot = listed.filter((l) => l.includes('node_modules/allot/'));
      fail(
        `${flavor}: tsc did not use ${expectedDts}; it read:\n  ${allot.join('\n  ') || '(no allot files)'}`,
      );
    }
    log(`${flavor}: tsc (NodeNext, strict, skipLibCheck off) type-checks a consumer against ${expectedDts}`);
  }
  ok = true;
} catch (err) {
  if (!(err instanceof SmokeFailure)) throw err;
  console.error(`pack-smoke: FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (ok) log(`passed in ${seconds(performance.now() - started)}`);
