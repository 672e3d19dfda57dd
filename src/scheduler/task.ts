import type { Admittable } from '../admission/ready-queue.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { DeviceIds } from './device-pool.js';
import type { ReleasePart, RetryOptions, SchedulerTaskContext, SchedulerTaskFn, TaskState } from './types.js';

/** Options and links few tasks use, kept out of the task record so a plain task stays small. */
export class TaskExtras<T> {
  timeoutMs: number | undefined;
  queueTimeoutMs: number | undefined;
  retry: RetryOptions | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  onProgress: ((value: never) => void) | undefined;
  queueTimer: ReturnType<typeof setTimeout> | undefined;
  backoffTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the backoff ends, on the scheduler's clock. */
  backoffUntil = 0;
  /** Keys of its dependencies, for explanations (until it ends). */
  deps: readonly string[] | undefined;
  /** Dependencies not completed yet. */
  pending = 0;
  /** Tasks waiting for this one (until it ends). */
  dependents: T[] | undefined;
  /** Its fairness group, when not the default one. */
  tenant: string | undefined;
}

/** The resolving functions of the promise being made (one shared executor: no closure per promise). */
const captured: {
  resolve: ((value: unknown) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
} = {
  resolve: undefined,
  reject: undefined,
};
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

/** The tenant of a task added without one. */
export const DEFAULT_TENANT = 'default';

/** States a task never leaves. */
const TERMINAL: Readonly<Record<TaskState, boolean>> = {
  waiting: false,
  queued: false,
  running: false,
  backoff: false,
  completed: true,
  failed: true,
  cancelled: true,
  'timed-out': true,
  skipped: true,
};

/**
 * One task of a scheduler: its cost travels with it from `add` through the ready queue to the capacity and back,
 * and its handle reads it. Internal.
 */
export class Task<P, H = unknown> implements Admittable<P> {
  state: TaskState = 'waiting';
  /** Tries started so far. */
  attempt = 0;
  inQueue = false;
  seq = 0;
  readyAt = 0;
  bypassed = 0;
  /** The attempt that counts (running); a cancelled or timed-out attempt still settling is not it. */
  current: Attempt<P, H> | undefined;
  /** The result (fulfilled) or the error (rejected). */
  result: unknown;
  /** Options and links few tasks use (undefined for a plain task). */
  extras: TaskExtras<Task<P, H>> | undefined;
  /** Created when someone awaits the handle. */
  promise: Promise<unknown> | undefined;
  resolve: ((value: unknown) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;

  constructor(
    /** The key given at `add`; for an unnamed task, made from `id` when first read. */
    private name: string | undefined,
    /** The generated number of an unnamed task; 0 for a named one. */
    readonly id: number,
    public run: SchedulerTaskFn<unknown, unknown> | undefined,
    public prepared: P,
    readonly priority: number,
  ) {}

  /** The task's key: the one given, or `task-<id>` (a string is made only when someone asks). */
  get key(): string {
    if (this.name === undefined) this.name = `task-${this.id}`;
    return this.name;
  }

  /** The task's extras, made on first need. */
  more(): TaskExtras<Task<P, H>> {
    if (this.extras === undefined) this.extras = new TaskExtras<Task<P, H>>();
    return this.extras;
  }

  /** Its fairness group. */
  get tenant(): string {
    return this.extras?.tenant ?? DEFAULT_TENANT;
  }

  /** Keys of its dependencies (until it ends). */
  get deps(): readonly string[] | undefined {
    return this.extras?.deps;
  }

  get terminal(): boolean {
    return TERMINAL[this.state];
  }

  /** A promise of the outcome, made on first request so an unobserved failure rejects nothing. */
  settled(): Promise<unknown> {
    if (this.promise === undefined) {
      if (this.state === 'completed') this.promise = Promise.resolve(this.result);
      else if (TERMINAL[this.state]) this.promise = Promise.reject(this.result);
      else {
        this.promise = new Promise(capture);
        this.resolve = captured.resolve;
        this.reject = captured.reject;
        captured.resolve = captured.reject = undefined; // holds nothing alive
      }
    }
    return this.promise;
  }
}

/** What an attempt reports back to its scheduler. */
export interface AttemptHost<P, H> {
  progress(attempt: Attempt<P, H>, value: unknown): void;
  reconcile(attempt: Attempt<P, H>, actual: ResourceCost): void;
  release(attempt: Attempt<P, H>, part: ReleasePart): void;
}

/** No device ids (shared by every attempt that holds none). */
const NO_DEVICES: DeviceIds = Object.freeze({});

/** One try of a task: what it holds, its signal and its timer. It is also the context the task's function gets. */
export class Attempt<P, H = unknown> implements SchedulerTaskContext<unknown> {
  /** The function settled (its capacity is back). */
  done = false;
  /** Still the task's current attempt (not cancelled or timed out). */
  live = true;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Device ids it holds, per indexed resource. */
  devices: DeviceIds = NO_DEVICES;
  /** What it holds now, once that differs from its task's cost (after `reconcile` or `release`). */
  cost: ResourceCost | undefined;
  /** Neighbours in the scheduler's list of attempts holding capacity. */
  prevHolder: Attempt<P, H> | undefined;
  nextHolder: Attempt<P, H> | undefined;
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

  release(part: ReleasePart): void {
    this.host.release(this, part);
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

/**
 * Attempts holding capacity, oldest first. Linked through the attempts themselves, so adding and removing one
 * allocates nothing and hashes nothing: this is on every task's path.
 */
export class HolderList<P, H> implements Iterable<Attempt<P, H>> {
  #first: Attempt<P, H> | undefined;
  #last: Attempt<P, H> | undefined;

  add(a: Attempt<P, H>): void {
    a.prevHolder = this.#last;
    a.nextHolder = undefined;
    if (this.#last === undefined) this.#first = a;
    else this.#last.nextHolder = a;
    this.#last = a;
  }

  /** Removes an attempt that is in the list. */
  delete(a: Attempt<P, H>): void {
    const { prevHolder: prev, nextHolder: next } = a;
    if (prev === undefined) this.#first = next;
    else prev.nextHolder = next;
    if (next === undefined) this.#last = prev;
    else next.prevHolder = prev;
    a.prevHolder = a.nextHolder = undefined;
  }

  *[Symbol.iterator](): Iterator<Attempt<P, H>> {
    for (let a = this.#first; a !== undefined; a = a.nextHolder) yield a;
  }
}
