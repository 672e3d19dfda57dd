import type { ResourceCost } from '../capacity/types.js';

/**
 * What every task runner receives: identity and a signal that fires when the task should stop.
 * Runners that take no argument keep working; the context is simply ignored.
 */
export interface TaskContext {
  /** The task's `key`. */
  readonly key: string;
  /** The run-local id of this start (1-based, a retry gets a new id). */
  readonly taskId: number;
  /** Fires when the run ends early or the task is cancelled; pass it to fetch, child processes, etc. */
  readonly signal: AbortSignal;
}

/** A task that returns one result. */
export type TASK_RUNNER<O> = (context: TaskContext) => Promise<O>;

/** A task that streams progress values (`I`) and returns a final result (`O`). */
export type STREAMING_TASK_RUNNER<I, O = I> = (context: TaskContext) => AsyncGenerator<I, O, void>;

/**
 * A unit of work with a resource cost.
 *
 * @typeParam I - type of the progress values a streaming runner yields
 * @typeParam O - type of the final result
 */
export type ScheduledTask<I = unknown, O = unknown> = {
  /** Unique identifier; with a dependency source it must equal the graph key. */
  key: string;
  /** The work. An async function, or an async generator function for streaming progress. */
  runner: TASK_RUNNER<O> | STREAMING_TASK_RUNNER<I, O>;
  /** Resources held while the task runs. Default `{ capacity: 1 }`. */
  cost?: ResourceCost;
  /** Called after the cost is released and before the `FINAL` envelope is yielded. */
  onComplete?: (key: string, result: O | undefined) => void;
  /** Called after the cost is released and before the `ERROR` envelope is yielded (or thrown). */
  onError?: (key: string, error: unknown) => void;
};

/** What a run yields for each task event. */
export type TaskProgressEnvelope<I, O> = {
  /** Run-local id, 1-based, in the order tasks were taken from the source. */
  taskId: number;
  /** The task's `key`. */
  key: string;
  /** `INTERMEDIATE` for a streamed progress value, `FINAL` for the result, `ERROR` for a failure. */
  type: 'INTERMEDIATE' | 'FINAL' | 'ERROR';
  /** `I` for `INTERMEDIATE`, `O` for `FINAL`. */
  value?: I | O;
  /** The failure, for `ERROR`. */
  error?: unknown;
};

/** The cost used when a task declares none. */
export const DEFAULT_TASK_COST: Readonly<ResourceCost> = Object.freeze({ capacity: 1 });
