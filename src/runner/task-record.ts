import { NotSupportedError, TaskAbortedError } from '../errors/runner-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { CapacityGate } from './capacity-gate.js';
import type { ScheduledTask, TaskContext } from './types.js';

/** What a task's latest event was, waiting in the run's event queue. */
export type TaskEventKind = 'none' | 'intermediate' | 'final' | 'error' | 'refused';

/**
 * Everything the run knows about one task taken from the source: identity, the cost it holds, its abort
 * controller and its latest event. It is also the `TaskContext` handed to the task, so a task costs one object.
 * Every path that ends a task (success, failure, early exit) gives its capacity back through
 * {@link TaskRecord.releaseOnce}, and a task's own corrections go through the same record, so what is given
 * back at the end is exactly what the task holds then.
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
  /** True once the task's terminal outcome has been handled (callbacks fired). */
  settled = false;
  /** Streaming tasks: a `next()` is pending on the iterator. */
  stepping = false;
  /** Streaming tasks: `return()` has been requested after the run ended. */
  closing = false;
  readonly #gate: CapacityGate<P, H>;
  /** What the gate took for this task; `undefined` before the take and after the release. */
  #hold: H | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  /** Why the task was told to stop, when not because the run ended (a lost lease). */
  #reason: Error | undefined;

  constructor(task: ScheduledTask<I, O>, key: string, taskId: number, prepared: P, gate: CapacityGate<P, H>) {
    this.task = task;
    this.key = key;
    this.taskId = taskId;
    this.prepared = prepared;
    this.#gate = gate;
  }

  /** Created on first use: most tasks never look at their signal, and AbortController is not free. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.abortReason());
    }
    return this.#controller.signal;
  }

  /** Records what the gate took for this task; a gate that can lose a hold (a lease) may abort the task. */
  holds(hold: H): void {
    this.#hold = hold;
    this.#gate.watch?.(hold, this.key, (error) => this.abort(error));
  }

  /**
   * The task's context method: replaces the cost this task holds by `actual`, at once. See
   * {@link TaskContext.reconcile}.
   */
  reconcile(actual: ResourceCost): void {
    const hold = this.#hold;
    if (hold === undefined) return;
    const adjust = this.#gate.adjust;
    if (adjust === undefined)
      throw new NotSupportedError(this.key, 'reconcile', 'this runner holds no per-task cost to correct');
    adjust.call(this.#gate, this.key, hold, actual);
  }

  /** Tells the task to stop (because the run ended, unless `reason` says otherwise). Idempotent. */
  abort(reason?: Error): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(this.abortReason());
  }

  abortReason(): Error {
    return this.#reason ?? new TaskAbortedError(this.key, this.taskId, 'run-ended');
  }

  /** Gives the task's capacity back unless already given; returns whether this call released it. */
  releaseOnce(): boolean {
    const hold = this.#hold;
    if (hold === undefined) return false;
    this.#hold = undefined;
    this.#gate.release(hold);
    return true;
  }
}
