import { ResourceCapacitySource } from '../../capacity/resource-capacity-source.js';
import type { ResourceCost } from '../../foundation/resource-cost.js';
import type { DefaultCapacityMetricsCollector } from '../../metrics/default-capacity-metrics-collector.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { AddItem } from '../../scheduler/types.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { type JobTaskHost, jobTask, messageOf } from './job-task.js';
import type { RunObserver } from './run-observer.js';
import type { RunEvent, RunRecord } from './run-record.js';
import { RunRecorder } from './run-recorder.js';
import { selectJobs } from './select-jobs.js';

/** How to run a pipeline. */
export interface RunPipelineOptions {
  pipeline: Pipeline;
  /** The jobs to run (they and everything they depend on); default all. */
  jobs?: readonly string[];
  /** Where each job's output goes, as `<job>.log`. */
  logDir: string;
  /** Outputs told of every event, and of the record at the end. */
  observers?: readonly RunObserver[];
  /** Time a job's process group gets between SIGTERM and SIGKILL, ms. Default 3000. */
  graceMs?: number;
  /** Aborting it stops the run: nothing more starts, running jobs are stopped, the rest end `cancelled`. */
  signal?: AbortSignal;
  /** Receives the capacity's events (for `/metrics`). */
  collector?: DefaultCapacityMetricsCollector;
}

/** How a run went. */
export interface RunPipelineResult {
  record: RunRecord;
  /** 0 when every job completed, 1 otherwise. */
  exitCode: 0 | 1;
}

/**
 * Runs a pipeline's jobs as processes under its budget, with a {@link Scheduler}: each job starts when its
 * dependencies completed and its whole cost fits, and holds that cost until its process (and every process of its
 * group) has exited. Resolves when every job has ended and no process is left.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<RunPipelineResult> {
  const { pipeline, logDir } = options;
  const jobs = selectJobs(pipeline, options.jobs);
  const observers = options.observers ?? [];
  const t0 = performance.now();
  const now = (): number => Math.round((performance.now() - t0) * 1000) / 1000;
  const recorder = new RunRecorder(
    pipeline.file,
    pipeline.resources,
    jobs.map((j) => ({ name: j.name, cost: j.cost, deps: j.deps })),
    Date.now(),
  );
  const attemptsOf = new Map<string, number>();
  const emit = (e: RunEvent): void => {
    if (e.event === 'start') attemptsOf.set(e.job, e.attempt);
    recorder.event(e);
    for (const o of observers) o.event(e);
  };

  const capacity = new ResourceCapacitySource({ ...pipeline.resources }, undefined, options.collector);
  const hasDevices = Object.keys(pipeline.devices).length > 0;
  const scheduler = new Scheduler({
    capacity,
    ...(hasDevices ? { devices: pipeline.devices } : {}),
    ...(pipeline.tenants === undefined ? {} : { tenants: pipeline.tenants }),
    keepSettled: jobs.length,
  });

  // A sample of what is in use after every change, once per tick.
  let lastUsage = '';
  let sampling = false;
  const sampleUsage = (): void => {
    if (sampling) return;
    sampling = true;
    setImmediate(() => {
      sampling = false;
      const inUse: ResourceCost = { ...capacity.inUse };
      const text = JSON.stringify(inUse);
      if (text === lastUsage) return;
      lastUsage = text;
      emit({ event: 'usage', time: now(), inUse });
    });
  };
  lastUsage = JSON.stringify(capacity.inUse);

  scheduler.on('queued', ({ key }) => emit({ event: 'queued', job: key, time: now() }));
  scheduler.on('retry', ({ key, attempt, error, delayMs }) => {
    emit({ event: 'retry', job: key, attempt, time: now(), error: messageOf(error), delayMs });
    sampleUsage();
  });
  scheduler.on('complete', ({ key }) => {
    emit({ event: 'complete', job: key, time: now(), attempts: attemptsOf.get(key) ?? 0 });
    sampleUsage();
  });
  scheduler.on('fail', ({ key, state, error }) => {
    emit({
      event: 'fail',
      job: key,
      time: now(),
      state,
      error: messageOf(error),
      attempts: attemptsOf.get(key) ?? 0,
    });
    sampleUsage();
  });

  const host: JobTaskHost = {
    logDir,
    deviceResources: Object.keys(pipeline.devices),
    graceMs: options.graceMs ?? 3000,
    now,
    emit,
    changed: sampleUsage,
    endAttempt: (job, attempt, end) => recorder.endAttempt(job, attempt, end),
  };

  const items: AddItem<void>[] = jobs.map((job) => ({
    key: job.name,
    run: jobTask(job, host),
    cost: job.cost,
    deps: job.deps,
    priority: job.priority,
    ...(job.tenant === undefined ? {} : { tenant: job.tenant }),
    ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }),
    ...(job.retry === undefined ? {} : { retry: job.retry }),
  }));
  const handles = scheduler.addAll(items);

  const stop = (): void => {
    const reason: unknown = options.signal?.reason;
    // Dependents first, so a job that never started ends cancelled rather than skipped because its dependency
    // was cancelled; each keeps why it was held back, for the summary.
    for (const h of [...handles].reverse()) {
      if (h.state === 'waiting' || h.state === 'queued' || h.state === 'backoff') {
        recorder.noteReason(
          h.key,
          `cancelled before it started; it ${describeWait(h.key, h.explain().message)}`,
        );
        h.cancel(reason);
      }
    }
    for (const h of handles) if (h.state === 'running') h.cancel(reason);
    scheduler.close({ cancel: true }).catch(() => {});
  };
  if (options.signal?.aborted) stop();
  else options.signal?.addEventListener('abort', stop, { once: true });

  await Promise.allSettled(handles.map((h) => Promise.resolve(h)));
  await scheduler.close();
  options.signal?.removeEventListener('abort', stop);
  // The last usage sample (everything back) lands before the record is taken.
  await new Promise((r) => setImmediate(r));
  const record = recorder.record(now());
  for (const o of observers) await o.end?.(record);
  const exitCode = record.jobs.every((j) => j.state === 'completed') ? 0 : 1;
  return { record, exitCode };
}

/** `"x" waits for …` → `was waiting for …`. */
function describeWait(key: string, message: string): string {
  const own = `${JSON.stringify(key)} `;
  const rest = message.startsWith(own) ? message.slice(own.length) : message;
  return rest
    .replace(/\bwaits\b/g, 'was waiting')
    .replace(/^is\b/, 'was')
    .replace(/\.$/, '');
}
