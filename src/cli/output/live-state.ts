import type { ResourceCost } from '../../foundation/resource-cost.js';
import type { TaskState } from '../../scheduler/types.js';
import type { RunPlan } from '../run/run-observer.js';
import type { RunEvent } from '../run/run-record.js';

/** One job as the live view follows it. Times are ms since the run began. */
export interface LiveJob {
  readonly name: string;
  /** Position in the plan, to keep rows in a stable order. */
  readonly index: number;
  state: TaskState;
  /** The current (or last) attempt, 1-based; 0 before the first start. */
  attempt: number;
  /** When the current (or last) attempt started. */
  startMs?: number;
  /** Time the attempts that have ended ran, ms. */
  runMs: number;
  /** The job's `total`, when progress is reported against one. */
  total?: number;
  /** Latest progress value of the current attempt. */
  value?: number;
  /** Device ids the current attempt holds, per indexed resource. */
  devices: Record<string, string[]>;
  /** When it ended. */
  endMs?: number;
  /** Why it ended without completing, in one line. */
  error?: string;
}

/** How many jobs are where; `failed` counts the ends other than `completed` and `cancelled`. */
export interface LiveCounts {
  /** Not ready yet: dependencies still running. */
  waiting: number;
  /** Ready and waiting for capacity, or waiting to be retried. */
  queued: number;
  running: number;
  done: number;
  failed: number;
  /** Stopped by the user (Ctrl-C), not by a fault of their own. */
  cancelled: number;
  total: number;
}

/** What the live view knows about a run: every job's latest state and what is in use, updated from events. */
export class LiveState {
  /** The budget, per resource. */
  readonly limits: Readonly<ResourceCost>;
  /** In use per resource, as of the latest `usage` event. */
  inUse: ResourceCost = {};
  readonly #jobs = new Map<string, LiveJob>();

  /** Every planned job starts `waiting`, with nothing in use. */
  constructor(plan: RunPlan) {
    this.limits = { ...plan.limits };
    for (const j of plan.jobs) this.#add(j.name, j.total);
  }

  /** Every job, in plan order (jobs named only by events come last). */
  get jobs(): readonly LiveJob[] {
    return [...this.#jobs.values()];
  }

  /** One job, or `undefined` when neither the plan nor any event named it. */
  job(name: string): LiveJob | undefined {
    return this.#jobs.get(name);
  }

  /** Running jobs, the longest-running first. */
  running(): LiveJob[] {
    return this.jobs
      .filter((j) => j.state === 'running')
      .sort((a, b) => (a.startMs ?? 0) - (b.startMs ?? 0) || a.index - b.index);
  }

  /** Counts per state group. */
  counts(): LiveCounts {
    const c: LiveCounts = {
      waiting: 0,
      queued: 0,
      running: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
      total: this.#jobs.size,
    };
    for (const j of this.#jobs.values()) {
      if (j.state === 'waiting') c.waiting++;
      else if (j.state === 'queued' || j.state === 'backoff') c.queued++;
      else if (j.state === 'running') c.running++;
      else if (j.state === 'completed') c.done++;
      else if (j.state === 'cancelled') c.cancelled++;
      else c.failed++;
    }
    return c;
  }

  /** Applies one event. Returns the job when this event ended it, so its final line can be printed once. */
  apply(e: RunEvent): LiveJob | undefined {
    if (e.event === 'usage') {
      this.inUse = { ...e.inUse };
      return undefined;
    }
    const job = this.#jobs.get(e.job) ?? this.#add(e.job, undefined);
    switch (e.event) {
      case 'queued':
        job.state = 'queued';
        return undefined;
      case 'start':
        job.state = 'running';
        job.attempt = e.attempt;
        job.startMs = e.time;
        job.devices = e.devices;
        // A new process starts its progress over.
        delete job.value;
        return undefined;
      case 'progress':
        if (e.attempt !== job.attempt) return undefined;
        job.value = e.value;
        if (e.total !== undefined) job.total = e.total;
        return undefined;
      case 'retry':
        this.#stopClock(job, e.time);
        job.state = 'backoff';
        job.error = e.error;
        return undefined;
      case 'complete':
        this.#stopClock(job, e.time);
        job.state = 'completed';
        job.attempt = Math.max(job.attempt, e.attempts);
        job.endMs = e.time;
        delete job.error;
        return job;
      case 'fail':
        this.#stopClock(job, e.time);
        job.state = e.state;
        job.attempt = Math.max(job.attempt, e.attempts);
        job.endMs = e.time;
        job.error = e.error;
        return job;
    }
  }

  #add(name: string, total: number | undefined): LiveJob {
    const job: LiveJob = {
      name,
      index: this.#jobs.size,
      state: 'waiting',
      attempt: 0,
      runMs: 0,
      devices: {},
    };
    if (total !== undefined) job.total = total;
    this.#jobs.set(name, job);
    return job;
  }

  /** Adds the running attempt's time to the job's run time. */
  #stopClock(job: LiveJob, timeMs: number): void {
    if (job.state === 'running' && job.startMs !== undefined) job.runMs += Math.max(0, timeMs - job.startMs);
  }
}
