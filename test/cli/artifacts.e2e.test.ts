import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { launchChromium, openPage } from '../support/chromium.js';
import { chromiumForTests } from '../support/chromium-tests.js';
import { alive, allGone, CliProcess, type CliResult, pipelineDir } from './cli-harness.js';

// The CLI's artifacts — `--trace`, `--report`, `--metrics-port` — and the shipped example, each from a real run
// of the CLI as a process on real commands. What the artifacts say is checked against the `--json` event stream
// of the same run, not against the CLI's own record of it.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every CLI started here, and every job process id the jobs wrote down: killed after the file if still alive. */
const clis: CliProcess[] = [];
const jobPids: number[] = [];
afterAll(() => {
  for (const cli of clis)
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  for (const pid of jobPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

function startCli(args: readonly string[], cwd: string): CliProcess {
  const cli = new CliProcess(args, cwd);
  clis.push(cli);
  return cli;
}

/** One `--json` line. */
interface JsonEvent {
  event: string;
  job?: string;
  time?: number;
  attempt?: number;
  state?: string;
  value?: number;
  devices?: Record<string, string[]>;
  inUse?: Record<string, number>;
  counts?: Record<string, number>;
  total?: number;
  ok?: boolean;
}

/** The `--json` lines of a run; each must parse (the CLI promises nothing else is on stdout). */
function eventsOf(result: CliResult): JsonEvent[] {
  return result.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as JsonEvent;
      } catch {
        throw new Error(`not a JSON line on stdout: ${l}\nstderr:\n${result.stderr}`);
      }
    });
}

/** Each job's final state, from its `complete` or `fail` event. */
function finalStates(events: readonly JsonEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) {
    if (e.event === 'complete') out.set(e.job!, 'completed');
    else if (e.event === 'fail') out.set(e.job!, e.state!);
  }
  return out;
}

/** One attempt, from its `start` event to the job's next `complete`, `retry` or `fail` event. */
interface Span {
  job: string;
  attempt: number;
  start: number;
  end: number;
}

function spansOf(events: readonly JsonEvent[]): Span[] {
  const open = new Map<string, Span>();
  const spans: Span[] = [];
  for (const e of events) {
    if (e.job === undefined) continue;
    if (e.event === 'start') {
      expect(open.has(e.job), `${e.job} started twice without ending`).toBe(false);
      open.set(e.job, { job: e.job, attempt: e.attempt!, start: e.time!, end: Number.NaN });
    } else if (e.event === 'complete' || e.event === 'retry' || e.event === 'fail') {
      const span = open.get(e.job);
      if (span === undefined) continue; // a job that never started (skipped)
      span.end = e.time!;
      spans.push(span);
      open.delete(e.job);
    }
  }
  expect([...open.keys()], 'attempts that never ended').toEqual([]);
  return spans;
}

/** A trace event as the file holds it. */
interface TraceEventJson {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: string;
  args?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------------
// --trace and --report

const executablePath = chromiumForTests('artifacts.e2e.test.ts');

// What the page-side callbacks use of the browser: the project compiles without the DOM library.
interface PageElement {
  getAttribute(name: string): string | null;
}

const limits: Record<string, number> = { cpu: 3, mem: 4, gpu: 2 };
const costs: Record<string, Record<string, number>> = {
  prepare: { cpu: 1, mem: 1 },
  flaky: { cpu: 1 },
  broken: { cpu: 1 },
  after: { cpu: 1 },
  encode: { gpu: 2, cpu: 1 },
  progress: { gpu: 1, cpu: 1, mem: 2 },
};
const jobNames = Object.keys(costs);

/** The run whose trace and report are checked: started once, shared by the tests that read it. */
interface DesignedRun {
  dir: string;
  result: CliResult;
  events: JsonEvent[];
}
let designed: Promise<DesignedRun> | undefined;

function designedRun(): Promise<DesignedRun> {
  designed ??= (async () => {
    const cost = (job: string): string => JSON.stringify(costs[job]);
    const dir = pipelineDir(
      [
        'resources: { cpu: 3, mem: 4 }',
        "devices: { gpu: ['0', '1'] }",
        'jobs:',
        `  prepare: { cmd: [sh, -c, 'head -c 300000 /dev/urandom | gzip -1 > data.gz'], cost: ${cost('prepare')} }`,
        `  flaky: { cmd: [sh, -c, 'sleep 0.2; test "$ALLOT_ATTEMPT" -ge 2'], retry: 1, cost: ${cost('flaky')} }`,
        `  broken: { cmd: [sh, -c, 'sleep 0.2; echo oops >&2; exit 3'], cost: ${cost('broken')} }`,
        `  after: { cmd: ['true'], deps: [broken], cost: ${cost('after')} }`,
        `  encode: { cmd: [sh, -c, 'gzip -dc data.gz | gzip -9 > data9.gz && sleep 0.3'], deps: [prepare], cost: ${cost('encode')} }`,
        '  progress:',
        `    cmd: 'for n in 10 40 70 100; do echo "progress $n%"; sleep 0.2; done'`,
        "    progress: 'progress (\\d+)%'",
        '    total: 100',
        `    cost: ${cost('progress')}`,
      ].join('\n'),
    );
    const result = await startCli(
      ['run', 'pipeline.yaml', '--json', '--trace', 'out/trace.json', '--report', 'out/report.html'],
      dir,
    ).done;
    return { dir, result, events: eventsOf(result) };
  })();
  return designed;
}

describe('allot run --trace (end to end)', () => {
  let dir: string;
  let result: CliResult;
  let events: JsonEvent[];

  beforeAll(async () => {
    ({ dir, result, events } = await designedRun());
  }, 60_000);

  it('ran as designed: one retry that recovered, one failure, one skip, exit 1', () => {
    // A run that crashed also exits 1: it must have ended with its summary line.
    expect(events.at(-1)?.event, result.stderr).toBe('summary');
    expect(result.code, result.stderr).toBe(1);
    expect(Object.fromEntries(finalStates(events))).toEqual({
      prepare: 'completed',
      flaky: 'completed',
      broken: 'failed',
      after: 'skipped',
      encode: 'completed',
      progress: 'completed',
    });
    const starts = (job: string) => events.filter((e) => e.event === 'start' && e.job === job);
    expect(starts('flaky').map((e) => e.attempt)).toEqual([1, 2]);
    expect(starts('after')).toHaveLength(0);
    expect(starts('encode')[0]?.devices?.gpu?.slice().sort()).toEqual(['0', '1']);
    expect(starts('progress')[0]?.devices?.gpu).toHaveLength(1);
    expect(result.stderr).toContain(`trace: ${join(dir, 'out/trace.json')}`);
    expect(result.stderr).toContain(`report: ${join(dir, 'out/report.html')}`);
  });

  it('the trace: one slice per attempt named after its job, counters within the limits, progress instants', () => {
    const trace = JSON.parse(readFileSync(join(dir, 'out/trace.json'), 'utf8')) as { traceEvents: unknown };
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    const all = trace.traceEvents as TraceEventJson[];
    for (const e of all) {
      expect(typeof e.name).toBe('string');
      expect(typeof e.ph).toBe('string');
      expect(Number.isFinite(e.ts)).toBe(true);
    }

    // Each job has its own thread, named after it.
    const threadName = new Map<number, string>();
    for (const e of all)
      if (e.ph === 'M' && e.name === 'thread_name') threadName.set(e.tid, String(e.args?.name));
    expect([...threadName.values()].sort()).toEqual([...jobNames].sort());

    // One complete slice per attempt the JSON stream started, in attempt order, on the job's thread.
    const slices = all.filter((e) => e.ph === 'X');
    for (const s of slices) {
      expect(jobNames).toContain(s.name);
      expect(threadName.get(s.tid), `thread of a ${s.name} slice`).toBe(s.name);
      expect(s.dur!).toBeGreaterThanOrEqual(0);
    }
    for (const job of jobNames) {
      const started = events.filter((e) => e.event === 'start' && e.job === job).map((e) => e.attempt);
      const sliced = slices.filter((s) => s.name === job).map((s) => s.args?.attempt);
      expect(sliced, job).toEqual(started);
    }
    expect(slices.length).toBe(events.filter((e) => e.event === 'start').length);

    // A counter sample at the start and one per usage event; each names every resource, none above its limit.
    const counters = all.filter((e) => e.ph === 'C');
    expect(counters.length).toBe(events.filter((e) => e.event === 'usage').length + 1);
    for (const c of counters) {
      const args = c.args as Record<string, number>;
      expect(Object.keys(args).sort()).toEqual(Object.keys(limits).sort());
      for (const [r, limit] of Object.entries(limits)) {
        expect(args[r], `${r} at ${c.ts} µs`).toBeGreaterThanOrEqual(0);
        expect(args[r], `${r} at ${c.ts} µs`).toBeLessThanOrEqual(limit);
      }
    }
    // The counters did see the work: the encode job held both GPUs.
    expect(counters.some((c) => (c.args as Record<string, number>).gpu === 2)).toBe(true);

    // A progress instant for every progress event of the job, on its thread.
    const progressTid = [...threadName].find(([, name]) => name === 'progress')![0];
    const instants = all.filter((e) => e.ph === 'i' && e.name === 'progress');
    const reported = events.filter((e) => e.event === 'progress');
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((e) => e.job === 'progress')).toBe(true);
    expect(instants.map((e) => [e.tid, e.args?.value])).toEqual(reported.map((e) => [progressTid, e.value]));
    for (const v of reported) expect([10, 40, 70, 100]).toContain(v.value);
    expect(reported.at(-1)?.value).toBe(100);
  });
});

describe.skipIf(executablePath === undefined)('the report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let events: JsonEvent[];

  beforeAll(async () => {
    ({ dir, events } = await designedRun());
    browser = await launchChromium(executablePath!);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders cleanly, one [data-job] per job in its final state, charts laid out', async () => {
    const { page, errors } = await openPage(browser, pathToFileURL(join(dir, 'out/report.html')).href);
    try {
      const marked = await page
        .locator('[data-job]')
        .evaluateAll((els: PageElement[]) =>
          els.map((el) => [el.getAttribute('data-job'), el.getAttribute('data-state')]),
        );
      const states = finalStates(events);
      expect(marked.map(([job]) => job).sort()).toEqual([...jobNames].sort());
      for (const [job, state] of marked) expect(state, String(job)).toBe(states.get(String(job)));
      for (const job of jobNames) {
        const box = await page.locator(`[data-job="${job}"]`).boundingBox();
        expect(box, job).not.toBeNull();
        expect(box!.width, job).toBeGreaterThan(0);
        expect(box!.height, job).toBeGreaterThan(0);
      }

      const charts = page.locator('[data-resource]');
      const resources = await charts.evaluateAll((els: PageElement[]) =>
        els.map((el) => el.getAttribute('data-resource')),
      );
      expect([...resources].sort()).toEqual(Object.keys(limits).sort());
      for (const resource of Object.keys(limits)) {
        const box = await page.locator(`[data-resource="${resource}"]`).boundingBox();
        expect(box, resource).not.toBeNull();
        expect(box!.width, resource).toBeGreaterThan(0);
        expect(box!.height, resource).toBeGreaterThan(0);
      }
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------
// --metrics-port

/** A TCP port that was free a moment ago: listened on with port 0, then closed. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((ok) => server.close(() => ok()));
  expect(port).toBeGreaterThan(0);
  return port;
}

/** The error code of a TCP connection attempt to 127.0.0.1:`port` (`connected` if it was accepted). */
function connectOutcome(port: number): Promise<string> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** `name{labels} value` lines of a Prometheus text body, as `name{labels}` → value. */
function samplesOf(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (m !== null) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('allot run --metrics-port (end to end)', () => {
  it('serves the run’s metrics while jobs run, and closes the port when the run ends', async () => {
    const port = await freePort();
    const job = `[sh, -c, 'echo $$ >> pids; exec sleep 2']`;
    const dir = pipelineDir(
      [
        'resources: { gpu: 2, cpu: 3 }',
        'jobs:',
        `  first: { cmd: ${job}, cost: { gpu: 2, cpu: 1 } }`,
        `  second: { cmd: ${job}, cost: { gpu: 2, cpu: 1 } }`,
      ].join('\n'),
    );
    const cli = startCli(['run', 'pipeline.yaml', '--metrics-port', String(port)], dir);
    const url = `http://127.0.0.1:${port}/metrics`;
    await cli.until(() => cli.stderr.includes(`metrics: ${url}\n`), 30_000);

    // Scrape until a job is seen running (the CLI may take a moment to start it), checking every scrape.
    let seen: Map<string, number> | undefined;
    let last = '';
    const deadline = Date.now() + 30_000;
    while (seen === undefined) {
      if (Date.now() > deadline || cli.child.exitCode !== null)
        throw new Error(`no scrape showed a running job\nlast scrape:\n${last}\nstderr:\n${cli.stderr}`);
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(200);
      last = await res.text();
      const samples = samplesOf(last);
      expect(samples.get('allot_resource_limit{resource="gpu"}')).toBe(2);
      expect(samples.get('allot_resource_limit{resource="cpu"}')).toBe(3);
      expect(samples.get('allot_resource_in_use{resource="gpu"}')).toBeLessThanOrEqual(2);
      expect(samples.get('allot_jobs{state="running"}')).toBeLessThanOrEqual(1);
      if (
        samples.get('allot_jobs{state="running"}') === 1 &&
        samples.get('allot_resource_in_use{resource="gpu"}') === 2
      )
        seen = samples;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(last).toMatch(/^allot_resource_in_use\{resource="gpu"\} 2$/m);
    expect(last).toMatch(/^allot_resource_limit\{resource="gpu"\} 2$/m);
    expect(last).toMatch(/^allot_jobs\{state="running"\} 1$/m);
    expect(seen.get('allot_resource_in_use{resource="cpu"}')).toBe(1);
    // Two jobs: the one running, and the other either still queued behind it or already completed.
    expect(
      (seen.get('allot_jobs{state="queued"}') ?? 0) + (seen.get('allot_jobs_completed_total') ?? 0),
    ).toBe(1);

    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const pids = readFileSync(join(dir, 'pids'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
    jobPids.push(...pids);
    expect(pids).toHaveLength(2);
    await allGone(pids);
    expect(await connectOutcome(port)).toBe('ECONNREFUSED');
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------
// examples/media-pipeline.yaml

describe('examples/media-pipeline.yaml through the CLI', () => {
  it('completes every job in under a minute, within the budget, encodes never beside another GPU job', async () => {
    // The example writes work/ next to itself: run a copy, so nothing lands in the repository.
    const example = join(root, 'examples/media-pipeline.yaml');
    const dir = pipelineDir('', 'placeholder.yaml');
    const file = join(dir, 'media-pipeline.yaml');
    copyFileSync(example, file);
    const spec = parse(readFileSync(example, 'utf8')) as {
      resources: Record<string, number>;
      jobs: Record<string, { cost: Record<string, number> }>;
    };
    const limits = spec.resources;
    const costOf = (job: string): Record<string, number> => {
      const source = job.replace(/\[.*$/, '');
      const cost = spec.jobs[source]?.cost;
      expect(cost, `cost of ${job}`).toBeDefined();
      return cost!;
    };

    const began = Date.now();
    const result = await startCli(['run', file, '--log-dir', join(dir, 'logs'), '--json'], dir).done;
    const elapsed = Date.now() - began;
    writeFileSync(join(dir, 'events.jsonl'), result.stdout);
    expect(result.code, result.stderr).toBe(0);
    expect(elapsed).toBeLessThan(60_000);
    expect(existsSync(join(dir, 'work', 'report.txt'))).toBe(true);

    const events = eventsOf(result);
    const summary = events.find((e) => e.event === 'summary');
    expect(summary?.ok).toBe(true);
    const states = finalStates(events);
    // 3 videos × (ingest, encode, features, thumbs) + report.
    expect(states.size).toBe(13);
    expect(summary?.total).toBe(13);
    for (const [job, state] of states) expect(state, job).toBe('completed');
    for (const job of states.keys()) expect(existsSync(join(dir, 'logs', `${job}.log`)), job).toBe(true);

    // What the CLI reported in use never went above a limit.
    const usage = events.filter((e) => e.event === 'usage');
    expect(usage.length).toBeGreaterThan(0);
    for (const u of usage)
      for (const [r, amount] of Object.entries(u.inUse!)) {
        expect(limits[r], `limit of ${r}`).toBeDefined();
        expect(amount, `${r} at ${u.time} ms`).toBeLessThanOrEqual(limits[r]!);
        expect(amount, `${r} at ${u.time} ms`).toBeGreaterThanOrEqual(0);
      }
    expect(usage.some((u) => u.inUse?.gpu === 2)).toBe(true);

    // An encode (both GPUs) shares its time with no other GPU job.
    const spans = spansOf(events);
    const gpuSpans = spans.filter((s) => (costOf(s.job).gpu ?? 0) > 0);
    const encodes = gpuSpans.filter((s) => s.job.startsWith('encode['));
    expect(encodes.length).toBeGreaterThanOrEqual(3);
    for (const e of encodes)
      for (const o of gpuSpans) {
        if (o === e) continue;
        const apart = e.end <= o.start || o.end <= e.start;
        expect(
          apart,
          `${e.job} #${e.attempt} [${e.start}, ${e.end}] and ${o.job} #${o.attempt} [${o.start}, ${o.end}]`,
        ).toBe(true);
      }
    // …while the features and thumbnails of a video did run side by side somewhere (the GPUs were shared).
    const others = gpuSpans.filter((s) => !s.job.startsWith('encode['));
    expect(others.some((a) => others.some((b) => a !== b && a.start < b.end && b.start < a.end))).toBe(true);
  }, 90_000);
});
