import { TaskAbortedError } from '../errors/runner-errors.js';
import type { ScheduledTask, TaskContext } from './types.js';

/** What a task's latest event was, waiting in the run's event queue. */
export type TaskEventKind = 'none' | 'intermediate' | 'final' | 'error' | 'refused';

/**
 * Everything the run knows about one task taken from the source: identity, the cost it holds, its abort
 * controller and its latest event. It is also the `TaskContext` handed to the task, so a task costs one object.
 * Every path that ends a task (success, failure, early exit) goes through {@link TaskRecord.releaseOnce}.
 */
export class TaskRecord<I, O, P, H = P> implements TaskContext {
  readonly key: string;
  readonly taskId: number;
  readonly task: ScheduledTask<I, O>;
  readonly prepared: P;
  /** Streaming tasks only: the iterator being advanced one step per consumer resume. */
  iterator: AsyncIterator<I, O, void> | undefined;
  /** The pending event; a task has at most one at a time. */
  event: TaskEventKind = 'none';
  eventValue: unknown;
  /** What the gate took for this task; `undefined` before the take and after the release. */
  hold: H | undefined;
  /** True once the task's terminal outcome has been handled (callbacks fired). */
  settled = false;
  /** Streaming tasks: a `next()` is pending on the iterator. */
  stepping = false;
  /** Streaming tasks: `return()` has been requested after the run ended. */
  closing = false;
  #controller: AbortController | undefined;
  #aborted = false;

  constructor(task: ScheduledTask<I, O>, key: string, taskId: number, prepared: P) {
    this.task = task;
    this.key = key;
    this.taskId = taskId;
    this.prepared = prepared;
  }

  /** Created on first use: most tasks never look at their signal, and AbortController is not free. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.abortReason());
    }
    return this.#controller.signal;
  }

  /** Tells the task to stop. Idempotent. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort(this.abortReason());
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  abortReason(): TaskAbortedError {
    return new TaskAbortedError(this.key, this.taskId, 'run-ended');
  }

  /** Gives the cost back to `gate` unless already given; returns whether this call released it. */
  releaseOnce(gate: { release(hold: H): void }): boolean {
    const hold = this.hold;
    if (hold === undefined) return false;
    this.hold = undefined;
    gate.release(hold);
    return true;
  }
}
