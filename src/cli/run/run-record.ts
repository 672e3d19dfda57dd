import type { ResourceCost } from '../../foundation/resource-cost.js';
import type { TaskState } from '../../scheduler/types.js';

/** How one attempt of a job ended. */
export type AttemptOutcome = 'completed' | 'failed' | 'timed-out' | 'cancelled';

/** One attempt: one process run of a job. Times are ms since the run began. */
export interface AttemptRecord {
  job: string;
  /** 1-based. */
  attempt: number;
  startMs: number;
  /** Absent while it runs. */
  endMs?: number;
  outcome?: AttemptOutcome;
  /** The process's exit code, or null when a signal ended it. */
  exitCode?: number | null;
  signal?: string | null;
  /** Device ids it held, per indexed resource. */
  devices: Record<string, string[]>;
  /** Why it failed, in one line. */
  error?: string;
}

/** A job's whole story in a run. */
export interface JobRecord {
  name: string;
  cost: ResourceCost;
  deps: string[];
  /** Final state (or the current one while the run goes on). */
  state: TaskState;
  attempts: AttemptRecord[];
  /** When it became ready (dependencies done), ms since the run began. */
  readyMs?: number;
  /** Time from ready to its first start (or to its end, if it never started), ms. */
  waitMs?: number;
  /** Total time its attempts ran, ms. */
  runMs: number;
  /**
   * Why it ended as it did, when its tries do not say: for a job that never ran, the scheduler's explanation or
   * the error; for one stopped between tries, what stopped it.
   */
  reason?: string;
}

/** What was in use right after a change, ms since the run began. */
export interface UsageSample {
  timeMs: number;
  inUse: ResourceCost;
}

/** One progress report of a running attempt. */
export interface ProgressRecord {
  job: string;
  attempt: number;
  timeMs: number;
  value: number;
  /** The job's `total`, when it has one. */
  total?: number;
}

/** Everything a run did: what the trace, the report and the summary are made of. */
export interface RunRecord {
  /** Absolute path of the pipeline file. */
  file: string;
  /** Wall-clock start, ms since the epoch. */
  startedAt: number;
  /** ms from start to end. */
  durationMs: number;
  limits: ResourceCost;
  /** Jobs in pipeline order. */
  jobs: JobRecord[];
  /** Starts with all-zero usage at 0 ms; one sample after each start, release or end. */
  usage: UsageSample[];
  progress: ProgressRecord[];
}

/**
 * One event of a run as the outputs see it (`--json` prints these; the live view and metrics follow them).
 * `time` is ms since the run began.
 */
export type RunEvent =
  | { event: 'queued'; job: string; time: number }
  | { event: 'start'; job: string; attempt: number; time: number; devices: Record<string, string[]> }
  | {
      event: 'progress';
      job: string;
      attempt: number;
      time: number;
      value: number;
      total?: number;
    }
  | { event: 'retry'; job: string; attempt: number; time: number; error: string; delayMs: number }
  | { event: 'complete'; job: string; time: number; attempts: number }
  | {
      event: 'fail';
      job: string;
      time: number;
      state: Exclude<TaskState, 'waiting' | 'queued' | 'running' | 'backoff' | 'completed'>;
      error: string;
      attempts: number;
    }
  | { event: 'usage'; time: number; inUse: ResourceCost };
