import type { Task } from './task.js';
import type { Explanation, TaskState } from './types.js';

/** What a handle asks of its scheduler. Internal. */
export interface HandleHost {
  cancelTask(task: Task<unknown>, reason: unknown): boolean;
  explainTask(task: Task<unknown>): Explanation;
}

/**
 * One added task. Awaiting it gives the task's result, or throws how it ended (its own error, or a
 * `TaskCancelledError`, `TaskTimeoutError`, `QueueTimeoutError` or `DependencyFailedError`). The promise is made
 * only when someone awaits, so a handle nobody awaits never causes an unhandled rejection.
 */
export class TaskHandle<O = unknown> implements PromiseLike<O> {
  readonly #task: Task<unknown>;
  readonly #host: HandleHost;

  /** @internal */
  constructor(task: Task<unknown>, host: HandleHost) {
    this.#task = task;
    this.#host = host;
  }

  /** The task's key. */
  get key(): string {
    return this.#task.key;
  }

  /** Where the task is now. */
  get state(): TaskState {
    return this.#task.state;
  }

  /**
   * Cancels the task: not started yet, it never starts; running, its signal fires (it keeps its capacity until
   * its function settles). The handle rejects at once with `TaskCancelledError` (`cause`: `reason`). Returns false
   * when the task had already ended.
   */
  cancel(reason?: unknown): boolean {
    return this.#host.cancelTask(this.#task, reason);
  }

  /** Why the task is where it is (see `Scheduler.explain`). */
  explain(): Explanation {
    return this.#host.explainTask(this.#task);
  }

  // biome-ignore lint/suspicious/noThenProperty: a handle is deliberately awaitable
  then<R1 = O, R2 = never>(
    onFulfilled?: ((value: O) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return (this.#task.settled() as Promise<O>).then(onFulfilled, onRejected);
  }

  /** Like `Promise.prototype.catch`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<O | R> {
    return (this.#task.settled() as Promise<O>).catch(onRejected);
  }

  /** Like `Promise.prototype.finally`. */
  finally(onFinally?: (() => void) | null): Promise<O> {
    return (this.#task.settled() as Promise<O>).finally(onFinally);
  }
}
