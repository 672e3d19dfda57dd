import type { ResourceCost } from '../../foundation/resource-cost.js';
import type { RunObserver } from './run-observer.js';
import type { AttemptRecord, JobRecord, RunEvent, RunRecord } from './run-record.js';

/** What the recorder knows of a job before the run. */
export interface RecordedJob {
  name: string;
  cost: ResourceCost;
  deps: string[];
}

/** The end of one attempt, as the job's process reported it. */
export type AttemptEnd = Pick<AttemptRecord, 'endMs' | 'outcome' | 'exitCode' | 'signal' | 'error'>;

/** Builds the {@link RunRecord} of a run from its events and the attempts' ends. */
export class RunRecorder implements RunObserver {
  readonly #jobs = new Map<string, JobRecord>();
  readonly #usage: RunRecord['usage'];
  readonly #progress: RunRecord['progress'] = [];

  constructor(
    readonly file: string,
    readonly limits: ResourceCost,
    jobs: readonly RecordedJob[],
    readonly startedAt: number,
  ) {
    for (const job of jobs) this.#jobs.set(job.name, { ...job, state: 'waiting', attempts: [], runMs: 0 });
    const zero: ResourceCost = {};
    for (const name of Object.keys(limits)) zero[name] = 0;
    this.#usage = [{ timeMs: 0, inUse: zero }];
  }

  event(e: RunEvent): void {
    if (e.event === 'usage') {
      this.#usage.push({ timeMs: e.time, inUse: e.inUse });
      return;
    }
    const job = this.#jobs.get(e.job);
    if (job === undefined) return;
    switch (e.event) {
      case 'queued':
        job.readyMs ??= e.time;
        if (job.state === 'waiting' || job.state === 'backoff') job.state = 'queued';
        break;
      case 'start':
        if (job.attempts.length === 0) job.waitMs = e.time - (job.readyMs ?? 0);
        job.state = 'running';
        job.attempts.push({ job: e.job, attempt: e.attempt, startMs: e.time, devices: e.devices });
        break;
      case 'progress':
        this.#progress.push({
          job: e.job,
          attempt: e.attempt,
          timeMs: e.time,
          value: e.value,
          ...(e.total === undefined ? {} : { total: e.total }),
        });
        break;
      case 'retry':
        job.state = 'backoff';
        break;
      case 'complete':
        job.state = 'completed';
        break;
      case 'fail':
        job.state = e.state;
        if (job.attempts.length === 0) {
          job.waitMs = e.time - (job.readyMs ?? e.time);
          job.reason ??= e.error;
        } else if (job.attempts.at(-1)?.outcome !== e.state) {
          // Ended other than its last try did (cancelled while waiting to retry): that is why it ended.
          job.reason = e.error;
        }
        break;
    }
  }

  /** Records how attempt `attempt` of `job` ended. */
  endAttempt(job: string, attempt: number, end: AttemptEnd): void {
    const record = this.#jobs.get(job);
    const a = record?.attempts.find((x) => x.attempt === attempt);
    if (record === undefined || a === undefined || a.endMs !== undefined) return;
    Object.assign(a, end);
    record.runMs += (end.endMs ?? a.startMs) - a.startMs;
  }

  /** Why a job that has not started is held back (kept if it then ends without running). */
  noteReason(job: string, reason: string): void {
    const record = this.#jobs.get(job);
    if (record !== undefined && record.attempts.length === 0) record.reason = reason;
  }

  /** The record as of `durationMs` after the start. */
  record(durationMs: number): RunRecord {
    return {
      file: this.file,
      startedAt: this.startedAt,
      durationMs,
      limits: { ...this.limits },
      jobs: [...this.#jobs.values()],
      usage: this.#usage,
      progress: this.#progress,
    };
  }
}
