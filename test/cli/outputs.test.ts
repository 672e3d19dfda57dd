import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { JsonLines, type LineSink } from '../../src/cli/output/json-lines.js';
import { bar, finishedLine, renderFrame } from '../../src/cli/output/live-frame.js';
import { LiveState } from '../../src/cli/output/live-state.js';
import { LiveView } from '../../src/cli/output/live-view.js';
import { type MetricsServer, startMetricsServer } from '../../src/cli/output/metrics-server.js';
import { PlainLines } from '../../src/cli/output/plain-lines.js';
import type { RunPlan } from '../../src/cli/run/run-observer.js';
import type { RunEvent, RunRecord } from '../../src/cli/run/run-record.js';
import { DefaultCapacityMetricsCollector } from '../../src/metrics/default-capacity-metrics-collector.js';

/** Keeps what is written, and calls write callbacks as a stream would. */
class Sink implements LineSink {
  chunks: string[] = [];
  write(chunk: string, callback?: (error?: Error | null) => void): boolean {
    this.chunks.push(chunk);
    if (callback) queueMicrotask(() => callback());
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

const plan: RunPlan = {
  file: '/tmp/pipeline.yaml',
  limits: { gpu: 2, cpu: 3 },
  jobs: [
    { name: 'download', cost: { cpu: 1 } },
    { name: 'encode', cost: { gpu: 2, cpu: 1 }, total: 1800 },
    { name: 'thumbs', cost: { gpu: 1, cpu: 1 } },
    { name: 'features', cost: { cpu: 1 } },
  ],
};

/** A run: download completes, encode retries once then completes, thumbs times out, features is skipped. */
const events: RunEvent[] = [
  { event: 'queued', job: 'download', time: 0 },
  { event: 'start', job: 'download', attempt: 1, time: 2, devices: {} },
  { event: 'usage', time: 3, inUse: { cpu: 1 } },
  { event: 'complete', job: 'download', time: 1500, attempts: 1 },
  { event: 'queued', job: 'encode', time: 1501 },
  { event: 'queued', job: 'thumbs', time: 1501 },
  { event: 'start', job: 'encode', attempt: 1, time: 1502, devices: { gpu: ['0', '1'] } },
  { event: 'progress', job: 'encode', attempt: 1, time: 1700, value: 100, total: 1800 },
  { event: 'retry', job: 'encode', attempt: 1, time: 2000, error: 'exit code 1\nsee log', delayMs: 500 },
  { event: 'start', job: 'thumbs', attempt: 1, time: 2001, devices: { gpu: ['0'] } },
  { event: 'progress', job: 'thumbs', attempt: 1, time: 2100, value: 1 },
  { event: 'progress', job: 'thumbs', attempt: 1, time: 2500, value: 2 },
  { event: 'queued', job: 'encode', time: 2500 },
  { event: 'progress', job: 'thumbs', attempt: 1, time: 3200, value: 3 },
  { event: 'fail', job: 'thumbs', time: 4000, state: 'timed-out', error: 'timed out after 2s', attempts: 1 },
  { event: 'start', job: 'encode', attempt: 2, time: 4001, devices: { gpu: ['0', '1'] } },
  { event: 'progress', job: 'encode', attempt: 2, time: 4100, value: 90, total: 1800 },
  { event: 'progress', job: 'encode', attempt: 2, time: 4200, value: 150, total: 1800 },
  { event: 'progress', job: 'encode', attempt: 2, time: 4300, value: 170, total: 1800 },
  { event: 'progress', job: 'encode', attempt: 2, time: 4400, value: 1000, total: 1800 },
  { event: 'progress', job: 'encode', attempt: 2, time: 4500, value: 1800, total: 1800 },
  { event: 'complete', job: 'encode', time: 5000, attempts: 2 },
  {
    event: 'fail',
    job: 'features',
    time: 5001,
    state: 'skipped',
    error: 'dependency thumbs timed-out',
    attempts: 0,
  },
];

const record: RunRecord = {
  file: plan.file,
  startedAt: 1_700_000_000_000,
  durationMs: 5002,
  limits: plan.limits,
  jobs: [
    {
      name: 'download',
      cost: { cpu: 1 },
      deps: [],
      state: 'completed',
      attempts: [],
      waitMs: 2,
      runMs: 1498,
    },
    { name: 'encode', cost: { gpu: 2 }, deps: [], state: 'completed', attempts: [], waitMs: 1, runMs: 1497 },
    {
      name: 'thumbs',
      cost: { gpu: 1 },
      deps: [],
      state: 'timed-out',
      attempts: [],
      waitMs: 500,
      runMs: 1999,
    },
    {
      name: 'features',
      cost: {},
      deps: [],
      state: 'skipped',
      attempts: [],
      runMs: 0,
      reason: 'thumbs timed out',
    },
  ],
  usage: [],
  progress: [],
};
record.jobs[1]!.attempts = [
  { job: 'encode', attempt: 1, startMs: 1502, endMs: 2000, outcome: 'failed', devices: {} },
  { job: 'encode', attempt: 2, startMs: 4001, endMs: 5000, outcome: 'completed', devices: {} },
];

describe('JsonLines', () => {
  it('writes one parseable object per event, then a summary line', async () => {
    const sink = new Sink();
    const json = new JsonLines(sink);
    for (const e of events) json.event(e);
    await json.end(record);

    expect(sink.text.endsWith('\n')).toBe(true);
    const lines = sink.lines;
    expect(lines).toHaveLength(events.length + 1);
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const [i, o] of objects.slice(0, -1).entries()) {
      expect(o).toEqual(events[i]);
      expect(typeof o.event).toBe('string');
      expect(typeof o.time).toBe('number');
      if (o.event !== 'usage') expect(typeof o.job).toBe('string');
    }
    expect(new Set(objects.map((o) => o.event))).toEqual(
      new Set(['queued', 'start', 'usage', 'progress', 'retry', 'complete', 'fail', 'summary']),
    );
    const summary = objects.at(-1)!;
    expect(summary).toMatchObject({
      event: 'summary',
      time: 5002,
      durationMs: 5002,
      ok: false,
      total: 4,
      counts: { completed: 2, failed: 0, 'timed-out': 1, cancelled: 0, skipped: 1 },
    });
    expect(summary.jobs).toContainEqual({
      job: 'encode',
      state: 'completed',
      attempts: 2,
      waitMs: 1,
      runMs: 1497,
    });
    expect(summary.jobs).toContainEqual({
      job: 'features',
      state: 'skipped',
      attempts: 0,
      runMs: 0,
      reason: 'thumbs timed out',
    });
  });
});

describe('PlainLines', () => {
  it('prints one stamped line per start, throttled progress, retry, complete and fail', () => {
    const sink = new Sink();
    const plain = new PlainLines(sink);
    for (const e of events) plain.event(e);
    expect(sink.lines).toEqual([
      '[   0.0s] start download',
      '[   1.5s] complete download in 1.5s',
      '[   1.5s] start encode gpu=0,1',
      '[   1.7s] progress encode 5% (100/1800)',
      '[   2.0s] retry encode: attempt 1 failed: exit code 1 see log; next attempt in 0.5s',
      '[   2.0s] start thumbs gpu=0',
      // Raw values: at most one a second (2.5 s is too soon after 2.1 s).
      '[   2.1s] progress thumbs 1',
      '[   3.2s] progress thumbs 3',
      '[   4.0s] fail thumbs timed-out in 2.0s: timed out after 2s',
      '[   4.0s] start encode (attempt 2) gpu=0,1',
      // With a total: one line per 10 % step (150 and 170 stay within the first).
      '[   4.1s] progress encode 5% (90/1800)',
      '[   4.4s] progress encode 55% (1000/1800)',
      '[   4.5s] progress encode 100% (1800/1800)',
      '[   5.0s] complete encode in 1.0s after 2 attempts',
      '[   5.0s] fail features skipped: dependency thumbs timed-out',
    ]);
    expect(sink.text).not.toContain('usage');
    expect(sink.text).not.toContain('queued');
  });
});

/** The state after encode (with a total) and thumbs (without) started, with some progress. */
function twoRunning(): LiveState {
  const state = new LiveState(plan);
  const upTo: RunEvent[] = [
    { event: 'queued', job: 'download', time: 0 },
    { event: 'start', job: 'download', attempt: 1, time: 0, devices: {} },
    { event: 'complete', job: 'download', time: 1000, attempts: 1 },
    { event: 'queued', job: 'encode', time: 1000 },
    { event: 'queued', job: 'thumbs', time: 1000 },
    { event: 'start', job: 'encode', attempt: 1, time: 1000, devices: { gpu: ['0'] } },
    { event: 'retry', job: 'encode', attempt: 1, time: 1500, error: 'boom', delayMs: 100 },
    { event: 'start', job: 'encode', attempt: 2, time: 2000, devices: { gpu: ['0'] } },
    { event: 'start', job: 'thumbs', attempt: 1, time: 3000, devices: { gpu: ['1'] } },
    { event: 'progress', job: 'encode', attempt: 2, time: 4000, value: 900, total: 1800 },
    { event: 'progress', job: 'thumbs', attempt: 1, time: 4000, value: 42 },
    { event: 'usage', time: 4000, inUse: { gpu: 2, cpu: 2 } },
  ];
  for (const e of upTo) state.apply(e);
  return state;
}

describe('renderFrame', () => {
  it('shows counts, a gauge per resource and a line per running job', () => {
    const frame = renderFrame(twoRunning(), 80, 5000);
    const lines = frame.split('\n');
    expect(lines).toHaveLength(1 + 2 + 2);
    expect(lines[0]).toBe('allot 5.0s · 0 queued · 1 waiting · 2 running · 1/4 done · 0 failed');
    expect(lines[1]).toMatch(/^ {2}gpu \[█+\] 2\/2$/);
    expect(lines[1]).not.toContain('░');
    expect(lines[2]).toMatch(/^ {2}cpu \[█+░+\] 2\/3$/);

    const encode = lines.find((l) => l.includes('encode'))!;
    const thumbs = lines.find((l) => l.includes('thumbs'))!;
    // Started first, shown first.
    expect(lines.indexOf(encode)).toBeLessThan(lines.indexOf(thumbs));
    // 900/1800: half the bar, 50 %.
    const cells = /\[(█*)(░*)\]/.exec(encode)!;
    expect(Math.abs(cells[1]!.length - cells[2]!.length)).toBeLessThanOrEqual(1);
    expect(encode).toContain(' 50%');
    expect(encode).toContain('3.0s');
    expect(encode).toContain('try 2');
    expect(encode).toContain('gpu 0');
    // No total: the raw value, no bar.
    expect(thumbs).not.toContain('[');
    expect(thumbs).toMatch(/\b42\b/);
    expect(thumbs).toContain('2.0s');
    expect(thumbs).not.toContain('try');
    expect(thumbs).toContain('gpu 1');
    for (const l of lines) expect(Array.from(l).length).toBeLessThanOrEqual(80);
  });

  it('truncates long names and every line to the width', () => {
    const long = 'a-very-long-job-name-that-goes-on-and-on-well-past-any-reasonable-terminal-width';
    const state = new LiveState({ file: 'x', limits: { gpu: 1 }, jobs: [{ name: long, cost: { gpu: 1 } }] });
    state.apply({ event: 'start', job: long, attempt: 1, time: 0, devices: { gpu: ['0'] } });
    for (const width of [40, 60]) {
      const lines = renderFrame(state, width, 1000).split('\n');
      for (const l of lines) expect(Array.from(l).length).toBeLessThanOrEqual(width);
      const row = lines.find((l) => l.startsWith('  a-very'))!;
      expect(row).toContain('…');
      expect(row).toContain('1.0s');
    }
  });

  it('sums up the running jobs that do not fit the height', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => ({ name: `job${i}`, cost: { cpu: 1 } }));
    const state = new LiveState({ file: 'x', limits: { cpu: 10 }, jobs });
    for (const [i, j] of jobs.entries())
      state.apply({ event: 'start', job: j.name, attempt: 1, time: i, devices: {} });
    const lines = renderFrame(state, 80, 100, 6).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe('  … and 7 more running');
  });

  it('fills bars in proportion, full only at the limit', () => {
    expect(bar(0, 2, 8)).toBe('░'.repeat(8));
    expect(bar(1, 2, 8)).toBe('████░░░░');
    expect(bar(2, 2, 8)).toBe('█'.repeat(8));
    expect(bar(0.01, 16, 8)).toBe('█░░░░░░░');
    expect(bar(15.99, 16, 8)).toBe('███████░');
    expect(bar(1, 0, 8)).toBe('░'.repeat(8));
  });

  it('writes the permanent line of a finished job', () => {
    const state = new LiveState(plan);
    for (const e of events) {
      const ended = state.apply(e);
      if (ended?.name === 'download') expect(finishedLine(ended, 80)).toBe('✓ download 1.5s');
      if (ended?.name === 'encode') expect(finishedLine(ended, 80)).toBe('✓ encode 1.5s (2 attempts)');
      if (ended?.name === 'thumbs')
        expect(finishedLine(ended, 80)).toBe('✗ thumbs timed-out: timed out after 2s');
    }
    expect(state.counts()).toEqual({
      waiting: 0,
      queued: 0,
      running: 0,
      done: 2,
      failed: 2,
      cancelled: 0,
      total: 4,
    });
  });
});

describe('the live header', () => {
  it('counts cancelled jobs apart from failed ones, and shows them only when there are some', () => {
    const state = new LiveState(plan);
    expect(renderFrame(state, 100, 0)).not.toContain('cancelled');
    state.apply({
      event: 'fail',
      job: 'download',
      time: 10,
      state: 'cancelled',
      error: 'stopped',
      attempts: 0,
    });
    expect(state.counts()).toMatchObject({ cancelled: 1, failed: 0 });
    expect(renderFrame(state, 100, 10).split('\n')[0]).toContain('0 failed · 1 cancelled');
  });
});

describe('LiveView', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('draws on a TTY stream, persists finished jobs, and stops its timer at the end', () => {
    vi.useFakeTimers();
    let clock = 0;
    const written: string[] = [];
    const tty = {
      isTTY: true,
      columns: 60,
      rows: 20,
      write(chunk: string): boolean {
        written.push(chunk);
        return true;
      },
    };
    const view = new LiveView(plan, tty, { now: () => clock });
    expect(vi.getTimerCount()).toBe(1);
    for (const e of events.slice(0, 8)) view.event(e);
    clock = 1800;
    vi.advanceTimersByTime(100);
    const first = written.join('');
    expect(first).toContain('✓ download 1.5s');
    expect(first).toContain('allot 1.8s');
    expect(first).toMatch(/gpu +\[/);
    expect(first).toContain('encode');

    for (const e of events.slice(8)) view.event(e);
    view.end(record);
    const all = written.join('');
    expect(all).toContain('✗ thumbs timed-out');
    expect(all).toContain('✓ encode');
    expect(all).toContain('allot 5.0s');
    expect(all).toContain('2/4 done · 2 failed');
    // Finished lines are printed once.
    expect(all.split('✓ download').length).toBe(2);

    expect(vi.getTimerCount()).toBe(0);
    const count = written.length;
    vi.advanceTimersByTime(1000);
    expect(written.length).toBe(count);
  });
});

/** `name{labels} value` samples of a Prometheus text exposition. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m === null) throw new Error(`unparsable line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

describe('metrics server', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves in-use amounts from the collector, limits, job gauges, counters and the wait histogram', async () => {
    const collector = new DefaultCapacityMetricsCollector();
    const capacity = new ResourceCapacitySource({ gpu: 2, cpu: 3 }, undefined, collector);
    server = await startMetricsServer({ port: 0, plan, collector });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(server.url).not.toContain(':0/');

    expect(capacity.tryAcquire({ gpu: 2, cpu: 1 }).ok).toBe(true);
    expect(capacity.tryAcquire({ cpu: 1 }).ok).toBe(true);
    expect(capacity.tryAcquire({ gpu: 1 }).ok).toBe(false);
    capacity.release({ cpu: 1 });
    // Everything up to encode's second start: encode runs, thumbs failed, download completed.
    for (const e of events.slice(0, 16)) server.observer.event(e);
    server.observer.event({ event: 'queued', job: 'features', time: 4001 });

    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parseMetrics(await res.text());
    expect(m.get('allot_resource_in_use{resource="gpu"}')).toBe(2);
    expect(m.get('allot_resource_in_use{resource="cpu"}')).toBe(1);
    expect(m.get('allot_resource_limit{resource="gpu"}')).toBe(2);
    expect(m.get('allot_resource_limit{resource="cpu"}')).toBe(3);
    expect(m.get('allot_jobs{state="running"}')).toBe(1);
    expect(m.get('allot_jobs{state="queued"}')).toBe(1);
    expect(m.get('allot_jobs_completed_total')).toBe(1);
    expect(m.get('allot_jobs_failed_total{state="timed-out"}')).toBe(1);
    expect(m.get('allot_jobs_failed_total{state="failed"}')).toBe(0);
    expect(m.get('allot_job_retries_total')).toBe(1);
    // download, encode (first start only) and thumbs waited: 2 ms, 1 ms and 500 ms.
    expect(m.get('allot_job_wait_seconds_count')).toBe(3);
    expect(m.get('allot_job_wait_seconds_sum')).toBeCloseTo(0.503, 6);
    expect(m.get('allot_job_wait_seconds_bucket{le="0.01"}')).toBe(2);
    expect(m.get('allot_job_wait_seconds_bucket{le="+Inf"}')).toBe(3);

    // What is held changes between scrapes.
    capacity.release({ gpu: 2, cpu: 1 });
    for (const e of events.slice(16)) server.observer.event(e);
    const after = parseMetrics(await (await fetch(server.url)).text());
    expect(after.get('allot_resource_in_use{resource="gpu"}')).toBe(0);
    expect(after.get('allot_resource_in_use{resource="cpu"}')).toBe(0);
    expect(after.get('allot_jobs{state="running"}')).toBe(0);
    expect(after.get('allot_jobs_completed_total')).toBe(2);
    expect(after.get('allot_jobs_failed_total{state="skipped"}')).toBe(1);
  });

  it('answers 404 elsewhere', async () => {
    server = await startMetricsServer({ port: 0, plan, collector: new DefaultCapacityMetricsCollector() });
    const base = server.url.replace(/\/metrics$/, '');
    for (const path of ['/', '/metric', '/metrics/x', '/favicon.ico']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      await res.text();
    }
  });

  it('rejects with an error naming the port when it is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(
        startMetricsServer({ port, plan, collector: new DefaultCapacityMetricsCollector() }),
      ).rejects.toThrow(new RegExp(`port ${port} is already in use`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
