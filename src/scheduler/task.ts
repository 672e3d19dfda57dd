import type { Admittable } from '../admission/ready-queue.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { EntryHandle } from '../sources/entry-handle.js';
import type { RetryOptions, SchedulerTaskContext, SchedulerTaskFn, TaskState } from './types.js';

/** Options few tasks use, kept out of the task record so a plain task stays small. */
export interface TaskExtras {
  timeoutMs: number | undefined;
  queueTimeoutMs: number | undefined;
  retry: RetryOptions | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  onProgress: ((value: never) => void) | undefined;
  queueTimer: ReturnType<typeof setTimeout> | undefined;
  backoffTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the backoff ends, on the scheduler's clock. */
  backoffUntil: number;
}

/** How a task's handle settles. */
export const Outcome = { Pending: 0, Fulfilled: 1, Rejected: 2 } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/**
 * One task of a scheduler: its cost travels with it from `add` through the ready queue to the capacity and back,
 * and its handle reads it. Internal.
 */
export class Task<P, H = unknown> implements Admittable<P> {
  state: TaskState = 'waiting';
  /** Tries started so far. */
  attempt = 0;
  /** Dependencies not completed yet. */
  pending = 0;
  /** Tasks waiting for this one (until it ends). */
  dependents: Task<P, H>[] | undefined;
  /** Keys of its dependencies, for explanations (until it ends). */
  deps: readonly string[] | undefined;
  /** The ready-queue entry while queued. */
  entry: EntryHandle | undefined;
  seq = 0;
  readyAt = 0;
  bypassed = 0;
  /** The attempt that counts (running); a cancelled or timed-out attempt still settling is not it. */
  current: Attempt<P, H> | undefined;
  outcome: Outcome = Outcome.Pending;
  /** The result (fulfilled) or the error (rejected). */
  result: unknown;
  /** Created when someone awaits the handle. */
  promise: Promise<unknown> | undefined;
  resolve: ((value: unknown) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;

  constructor(
    readonly key: string,
    public run: SchedulerTaskFn<unknown, unknown> | undefined,
    public prepared: P,
    readonly priority: number,
    readonly tenant: string,
    readonly extras: TaskExtras | undefined,
  ) {}

  get terminal(): boolean {
    return this.outcome !== Outcome.Pending;
  }

  /** A promise of the outcome, made on first request so an unobserved failure rejects nothing. */
  settled(): Promise<unknown> {
    if (this.promise === undefined) {
      if (this.outcome === Outcome.Fulfilled) this.promise = Promise.resolve(this.result);
      else if (this.outcome === Outcome.Rejected) this.promise = Promise.reject(this.result);
      else
        this.promise = new Promise((resolve, reject) => {
          this.resolve = resolve;
          this.reject = reject;
        });
    }
    return this.promise;
  }
}

/** What an attempt reports back to its scheduler. */
export interface AttemptHost<P, H> {
  progress(attempt: Attempt<P, H>, value: unknown): void;
  reconcile(attempt: Attempt<P, H>, actual: ResourceCost): void;
}

/** One try of a task: what it holds, its signal and its timer. It is also the context the task's function gets. */
export class Attempt<P, H = unknown> implements SchedulerTaskContext<unknown> {
  /** The function settled (its capacity is back). */
  done = false;
  /** Still the task's current attempt (not cancelled or timed out). */
  live = true;
  timer: ReturnType<typeof setTimeout> | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;

  constructor(
    readonly host: AttemptHost<P, H>,
    readonly task: Task<P, H>,
    readonly attempt: number,
    public held: H,
  ) {}

  get key(): string {
    return this.task.key;
  }

  progress(value: unknown): void {
    this.host.progress(this, value);
  }

  reconcile(actual: ResourceCost): void {
    this.host.reconcile(this, actual);
  }

  /** Created on first use: most tasks never read their signal, and AbortController is not free. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }
}
