import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TraceEvent, traceOf, writeTrace } from '../../src/cli/output/trace.js';
import type { JobRecord, RunRecord } from '../../src/cli/run/run-record.js';

const limits = { gpu: 2, cpu: 3, mem_gb: 16 };

const jobs: JobRecord[] = [
  {
    name: 'download',
    cost: { cpu: 1 },
    deps: [],
    state: 'completed',
    readyMs: 0,
    waitMs: 0,
    runMs: 1200,
    attempts: [
      {
        job: 'download',
        attempt: 1,
        startMs: 0,
        endMs: 1200,
        outcome: 'completed',
        exitCode: 0,
        signal: null,
        devices: {},
      },
    ],
  },
  {
    name: 'encode',
    cost: { gpu: 2, cpu: 1 },
    deps: ['download'],
    state: 'completed',
    readyMs: 1200,
    waitMs: 0,
    runMs: 6300,
    attempts: [
      {
        job: 'encode',
        attempt: 1,
        startMs: 1200,
        endMs: 3000,
        outcome: 'failed',
        exitCode: 1,
        signal: null,
        devices: { gpu: ['0', '1'] },
        error: 'exit code 1',
      },
      {
        job: 'encode',
        attempt: 2,
        startMs: 3500,
        endMs: 8000,
        outcome: 'completed',
        exitCode: 0,
        signal: null,
        devices: { gpu: ['0', '1'] },
      },
    ],
  },
  {
    name: 'features[part=1]',
    cost: { cpu: 1, mem_gb: 4 },
    deps: [],
    state: 'completed',
    readyMs: 0,
    waitMs: 1200,
    runMs: 4800,
    attempts: [
      {
        job: 'features[part=1]',
        attempt: 1,
        startMs: 1200,
        endMs: 6000,
        outcome: 'completed',
        exitCode: 0,
        signal: null,
        devices: {},
      },
    ],
  },
  {
    name: 'thumbs',
    cost: { gpu: 1, cpu: 1 },
    deps: ['download'],
    state: 'failed',
    readyMs: 1200,
    waitMs: 6800,
    runMs: 900,
    attempts: [
      {
        job: 'thumbs',
        attempt: 1,
        startMs: 8000,
        endMs: 8500,
        outcome: 'failed',
        exitCode: 2,
        signal: null,
        devices: { gpu: ['0'] },
        error: 'exit code 2',
      },
      {
        job: 'thumbs',
        attempt: 2,
        startMs: 9000,
        endMs: 9400,
        outcome: 'failed',
        exitCode: null,
        signal: 'SIGKILL',
        devices: { gpu: ['1'] },
        error: 'killed by SIGKILL',
      },
    ],
  },
  {
    name: 'publish',
    cost: { cpu: 1 },
    deps: ['encode', 'thumbs'],
    state: 'skipped',
    runMs: 0,
    attempts: [],
    reason: 'dependency thumbs failed',
  },
];

const record: RunRecord = {
  file: '/work/pipelines/media.yaml',
  startedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
  durationMs: 9500,
  limits,
  jobs,
  // Some samples leave resources out: the trace must still give every resource in every counter.
  usage: [
    { timeMs: 0, inUse: { gpu: 0, cpu: 0, mem_gb: 0 } },
    { timeMs: 0, inUse: { cpu: 1 } },
    { timeMs: 1200, inUse: { gpu: 0, cpu: 0, mem_gb: 0 } },
    { timeMs: 1200, inUse: { gpu: 2, cpu: 1, mem_gb: 0 } },
    { timeMs: 1200, inUse: { gpu: 2, cpu: 2, mem_gb: 4 } },
    { timeMs: 3000, inUse: { gpu: 0, cpu: 1, mem_gb: 4 } },
    { timeMs: 3500, inUse: { gpu: 2, cpu: 2, mem_gb: 4 } },
    { timeMs: 6000, inUse: { gpu: 2, cpu: 1, mem_gb: 0 } },
    { timeMs: 8000, inUse: { gpu: 0, cpu: 0, mem_gb: 0 } },
    { timeMs: 8000, inUse: { gpu: 1, cpu: 1, mem_gb: 0 } },
    { timeMs: 8500, inUse: { gpu: 0, cpu: 0, mem_gb: 0 } },
    { timeMs: 9000, inUse: { gpu: 1, cpu: 1, mem_gb: 0 } },
    { timeMs: 9400, inUse: { gpu: 0, cpu: 0, mem_gb: 0 } },
  ],
  progress: [
    { job: 'encode', attempt: 2, timeMs: 5000, value: 600, total: 1800 },
    { job: 'encode', attempt: 2, timeMs: 6500, value: 1200, total: 1800 },
    { job: 'features[part=1]', attempt: 1, timeMs: 4000, value: 3 },
  ],
};

const ofPhase = <P extends TraceEvent['ph']>(events: TraceEvent[], ph: P): Extract<TraceEvent, { ph: P }>[] =>
  events.filter((e): e is Extract<TraceEvent, { ph: P }> => e.ph === ph);

/** The thread each job's events are on, from the thread-name metadata. */
function threads(events: TraceEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of ofPhase(events, 'M')) if (e.name === 'thread_name') out.set(String(e.args?.name), e.tid);
  return out;
}

describe('traceOf', () => {
  const trace = traceOf(record);
  const events = trace.traceEvents;

  it('survives a JSON round trip as an object with a traceEvents array', () => {
    const parsed: unknown = JSON.parse(JSON.stringify(trace));
    expect(parsed).toEqual(trace);
    expect(Array.isArray((parsed as { traceEvents: unknown }).traceEvents)).toBe(true);
    expect(trace.displayTimeUnit).toBe('ms');
    for (const e of events) {
      expect(e.pid).toBe(1);
      expect(Number.isInteger(e.ts)).toBe(true);
    }
  });

  it('names the process after the pipeline file and one thread per job, in pipeline order', () => {
    const meta = ofPhase(events, 'M');
    expect(meta.find((e) => e.name === 'process_name')?.args).toEqual({ name: 'media.yaml' });
    const names = meta.filter((e) => e.name === 'thread_name');
    expect(names.map((e) => e.args?.name)).toEqual(jobs.map((j) => j.name));
    expect(new Set(names.map((e) => e.tid)).size).toBe(jobs.length);
    const order = meta
      .filter((e) => e.name === 'thread_sort_index')
      .sort((a, b) => Number(a.args?.sort_index) - Number(b.args?.sort_index))
      .map((e) => e.tid);
    expect(order).toEqual(names.map((e) => e.tid));
  });

  it('has exactly one complete slice per attempt, on its job thread, in microseconds', () => {
    const slices = ofPhase(events, 'X');
    const tids = threads(events);
    const attempts = jobs.flatMap((j) => j.attempts);
    expect(slices).toHaveLength(attempts.length);
    for (const a of attempts) {
      const matching = slices.filter((s) => s.name === a.job && s.args?.attempt === a.attempt);
      expect(matching).toHaveLength(1);
      const slice = matching[0]!;
      expect(slice.tid).toBe(tids.get(a.job));
      expect(slice.ts).toBe(a.startMs * 1000);
      expect(slice.dur).toBe((a.endMs! - a.startMs) * 1000);
      expect(slice.args?.outcome).toBe(a.outcome);
      expect(slice.args?.exitCode).toBe(a.exitCode);
      expect(slice.args?.signal).toBe(a.signal);
      expect(slice.args?.devices).toEqual(a.devices);
      if (a.error !== undefined) expect(slice.args?.error).toBe(a.error);
    }
    // The job that never ran has a thread and no slice.
    expect(slices.some((s) => s.name === 'publish')).toBe(false);
    expect(tids.has('publish')).toBe(true);
  });

  it('marks each progress report with a thread-scoped instant', () => {
    const instants = ofPhase(events, 'i');
    const tids = threads(events);
    expect(instants).toHaveLength(record.progress.length);
    for (const [i, p] of record.progress.entries()) {
      const e = instants[i]!;
      expect(e.s).toBe('t');
      expect(e.tid).toBe(tids.get(p.job));
      expect(e.ts).toBe(p.timeMs * 1000);
      expect(e.args?.value).toBe(p.value);
      expect(e.args?.attempt).toBe(p.attempt);
      expect(e.args?.total).toBe(p.total);
    }
  });

  it('gives one counter per usage sample with every resource, never above its limit', () => {
    const counters = ofPhase(events, 'C');
    expect(counters).toHaveLength(record.usage.length);
    for (const [i, c] of counters.entries()) {
      expect(c.ts).toBe(record.usage[i]!.timeMs * 1000);
      expect(Object.keys(c.args).sort()).toEqual(Object.keys(limits).sort());
      for (const [resource, value] of Object.entries(c.args)) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(limits[resource as keyof typeof limits]);
      }
    }
    expect(counters[1]!.args).toEqual({ gpu: 0, cpu: 1, mem_gb: 0 });
    expect(new Set(counters.map((c) => c.name)).size).toBe(1);
  });

  it('ends a still-running attempt at the end of the record', () => {
    const running: RunRecord = {
      ...record,
      durationMs: 2500,
      jobs: [
        {
          name: 'long',
          cost: { cpu: 1 },
          deps: [],
          state: 'running',
          runMs: 0,
          attempts: [{ job: 'long', attempt: 1, startMs: 1000.25, devices: {} }],
        },
      ],
      progress: [],
    };
    const [slice] = ofPhase(traceOf(running).traceEvents, 'X');
    expect(slice).toMatchObject({
      name: 'long',
      ts: 1_000_250,
      dur: 1_499_750,
      args: { outcome: 'running' },
    });
  });

  it('writes the trace as JSON, creating the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allot-trace-'));
    try {
      const path = join(dir, 'nested', 'out.json');
      await writeTrace(path, record);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(trace);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
