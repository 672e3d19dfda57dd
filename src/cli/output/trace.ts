import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ResourceCost } from '../../foundation/resource-cost.js';
import type { RunRecord } from '../run/run-record.js';

/** A JSON value, as trace event arguments may hold. */
export type TraceValue = string | number | boolean | null | TraceValue[] | { [key: string]: TraceValue };

/** Fields every trace event has. Times are microseconds since the run began. */
interface TraceEventBase {
  name: string;
  /** Timestamp, µs. */
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  args?: { [key: string]: TraceValue };
}

/**
 * One event of a Chrome Trace Event file: metadata (`M`: process and thread names and order), a complete
 * slice (`X`, with its duration in µs), an instant (`i`, `s: 't'` scopes it to its thread) or a counter
 * (`C`, whose `args` are the counter's series).
 */
export type TraceEvent =
  | (TraceEventBase & { ph: 'M' })
  | (TraceEventBase & { ph: 'X'; dur: number })
  | (TraceEventBase & { ph: 'i'; s: 't' | 'p' | 'g' })
  | (TraceEventBase & { ph: 'C'; args: { [resource: string]: number } });

/** A whole trace file, as Perfetto and chrome://tracing load it. */
export interface Trace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
}

const PID = 1;
/** The counters are the process's own; thread 0 is no job. */
const PROCESS_TID = 0;

// Whole microseconds: the trace viewers' unit, and no float noise such as 100.00000000000001.
const micros = (ms: number): number => Math.round(ms * 1000);

const amountsText = (cost: ResourceCost): string =>
  Object.entries(cost)
    .map(([name, amount]) => `${name}=${amount}`)
    .join(', ');

/**
 * The run as a Chrome Trace Event trace: one thread per job (in pipeline order, named after it), one complete
 * slice per attempt (still-running attempts end at the run's end), an instant per progress report, and an
 * `in use` counter per usage sample giving every resource's amount.
 */
export function traceOf(record: RunRecord): Trace {
  const events: TraceEvent[] = [];
  const meta = (name: string, tid: number, args: { [key: string]: TraceValue }): void => {
    events.push({ name, ph: 'M', ts: 0, pid: PID, tid, args });
  };

  meta('process_name', PROCESS_TID, { name: basename(record.file) });
  meta('process_labels', PROCESS_TID, { labels: `limits: ${amountsText(record.limits)}` });

  const tids = new Map<string, number>();
  record.jobs.forEach((job, i) => {
    const tid = i + 1;
    tids.set(job.name, tid);
    meta('thread_name', tid, { name: job.name });
    // Without a sort index the viewers order threads by tid or by first event, not by the pipeline.
    meta('thread_sort_index', tid, { sort_index: i });
  });

  for (const job of record.jobs) {
    const tid = tids.get(job.name)!;
    for (const a of job.attempts) {
      const start = micros(a.startMs);
      const end = micros(a.endMs ?? Math.max(record.durationMs, a.startMs));
      const args: { [key: string]: TraceValue } = {
        attempt: a.attempt,
        outcome: a.outcome ?? 'running',
        devices: a.devices,
      };
      if (a.exitCode !== undefined) args.exitCode = a.exitCode;
      if (a.signal !== undefined) args.signal = a.signal;
      if (a.error !== undefined) args.error = a.error;
      events.push({ name: job.name, cat: 'job', ph: 'X', ts: start, dur: end - start, pid: PID, tid, args });
    }
  }

  for (const p of record.progress) {
    const tid = tids.get(p.job);
    if (tid === undefined) continue;
    const args: { [key: string]: TraceValue } = { attempt: p.attempt, value: p.value };
    if (p.total !== undefined) args.total = p.total;
    events.push({
      name: 'progress',
      cat: 'progress',
      ph: 'i',
      s: 't',
      ts: micros(p.timeMs),
      pid: PID,
      tid,
      args,
    });
  }

  // Every resource in every sample: a series a sample leaves out would otherwise hold its last value.
  const resources = [...Object.keys(record.limits)];
  for (const sample of record.usage)
    for (const name of Object.keys(sample.inUse)) if (!resources.includes(name)) resources.push(name);
  for (const sample of record.usage) {
    const args: { [resource: string]: number } = {};
    for (const name of resources) args[name] = sample.inUse[name] ?? 0;
    events.push({
      name: 'in use',
      cat: 'resources',
      ph: 'C',
      ts: micros(sample.timeMs),
      pid: PID,
      tid: PROCESS_TID,
      args,
    });
  }

  return { traceEvents: events, displayTimeUnit: 'ms' };
}

/** Writes the run's trace ({@link traceOf}) as JSON to `path`, creating its directory if needed. */
export async function writeTrace(path: string, record: RunRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(traceOf(record))}\n`);
}
