import type { ResourceCost } from '../foundation/resource-cost.js';

/**
 * What every task runner receives: identity, a signal that fires when the task should stop, and a way to correct
 * the cost it holds. Runners that take no argument keep working; the context is simply ignored.
 */
export interface TaskContext {
  /** The task's `key`. */
  readonly key: string;
  /** The run-local id of this start (1-based, a retry gets a new id). */
  readonly taskId: number;
  /** Fires when the run ends early; pass it to fetch, child processes, etc. */
  readonly signal: AbortSignal;
  /**
   * Replaces the cost this task holds by `actual` — its real size, once known (a model loaded, a file opened).
   * The difference is taken or given back at once at every level: a larger cost is taken even if it does not
   * fit (the resource is already in use; others wait until it is given back), a smaller one lets waiting tasks
   * start. When the task ends, the runner gives back exactly what it then holds. `actual` is the whole new cost,
   * not a delta; it is validated like any cost (`InvalidCostError`, `UnknownResourceError`, nothing changes).
   * A call after the task ended does nothing.
   */
  reconcile(actual: ResourceCost): void;
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
  /**
   * Resources held while the task runs. Default `{ capacity: 1 }` — so a task without a cost is **not limited
   * at all** unless the budget tracks a resource named `capacity`. Give every task a cost, or add `capacity` to
   * the budget to count tasks. A cost object is read again for every task, so a shared one may be changed
   * between tasks; a task already waiting for capacity keeps the cost it was admitted with.
   */
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

/**
 * What `runTasks()` returns: an async generator of envelopes that does nothing until it is iterated with
 * `for await`. It is not a promise, so `await runner.runTasks()` would run nothing at all; the type makes
 * TypeScript report that mistake (its `then` member exists only in the type, never at run time).
 */
export interface TaskRunGenerator<I, O> extends AsyncGenerator<TaskProgressEnvelope<I, O>, void, unknown> {
  /** Absent at run time. Present in the type only so that `await runner.runTasks()` fails to compile. */
  readonly then?: (notAPromise: 'iterate runTasks() with for await; awaiting it runs nothing') => never;
}

/** The cost used when a task declares none. */
export const DEFAULT_TASK_COST: Readonly<ResourceCost> = Object.freeze({ capacity: 1 });
