import type { TenantOptions } from '../admission/fair-shares.js';
import type { ResourceCapacitySource } from '../capacity/resource-capacity-source.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { ExternalCapacity } from '../runner/capacity-gate.js';

/** Where a scheduled task is in its life. The last five are terminal: a task reaches exactly one of them. */
export type TaskState =
  | 'waiting'
  | 'queued'
  | 'running'
  | 'backoff'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timed-out'
  | 'skipped';

/** The terminal states other than `completed`. */
export type FailedState = 'failed' | 'cancelled' | 'timed-out' | 'skipped';

/** Options of a {@link Scheduler}. Give exactly one of `limits` and `capacity`. */
export interface SchedulerOptions {
  /** The budget, e.g. `{ gpu: 2, cpu: 3 }`: the scheduler gets its own capacity with these limits. */
  limits?: ResourceCost;
  /**
   * An existing capacity to draw on instead (it becomes the scheduler's level 0, its parents levels 1, 2…), so
   * several schedulers and runners can share one budget or one hierarchy. An {@link ExternalCapacity} (such as
   * `RedisCapacity` from `allot/redis`) shares a budget with other processes: each start then awaits the store.
   */
  capacity?: ResourceCapacitySource | ExternalCapacity;
  /** `backfill` (default): tasks that fit may start while a bigger head waits; `fifo`: the head blocks all. */
  order?: 'fifo' | 'backfill';
  /** Backfill: starts allowed past a waiting head before it holds a reservation. Default 16; 0 reserves at once. */
  maxBypass?: number;
  /** Backfill: a head that has waited this long (on the `now` clock) holds a reservation. Default: no limit. */
  maxBypassMs?: number;
  /** Waiting tasks gain `rate` priority per millisecond, up to `maxBoost` (default no cap). Default: no aging. */
  aging?: { rate: number; maxBoost?: number };
  /**
   * Fair sharing between tenants (weighted Dominant Resource Fairness): the next task comes from the tenant with
   * the lowest weighted dominant share whose task can start; priorities order tasks within a tenant only.
   * `{ name: { weight } }`; a tenant not listed has weight 1; `{}` turns fairness on with equal weights. Default:
   * off, and a task's `tenant` is ignored.
   */
  tenants?: Readonly<Record<string, TenantOptions>>;
  /**
   * Indexed resources: `{ gpu: ['0', '1', '2', '3'] }` gives each running task distinct ids (`ctx.devices.gpu`).
   * The resource's limit is its number of ids (added to `limits` if missing; it must match if present). Costs
   * on it must be whole numbers. Ids are coordinated among this scheduler's tasks.
   */
  devices?: Readonly<Record<string, readonly string[]>>;
  /** The cost of a task added without one. Default `{}`: needs nothing and starts at once. */
  defaultCost?: ResourceCost;
  /** Clock in milliseconds for aging, `maxBypassMs` and explanations. Default `performance.now`. Timers use `setTimeout`. */
  now?: () => number;
  /**
   * Settled tasks kept by key after the scheduler becomes idle (newest first); older ones are forgotten then.
   * Default 1000. Until the next idle moment every settled task is kept, so dependencies on it resolve.
   */
  keepSettled?: number;
}

/** Backoff between attempts: `min(maxMs, initialMs × factor^(n−1))` before retry n, minus up to `jitter` of it. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. Default 0. */
  initialMs?: number;
  /** Growth per retry. Default 2. */
  factor?: number;
  /** Upper bound on a delay, ms. Default `Infinity`. */
  maxMs?: number;
  /** Fraction (0..1) of each delay that is randomized away: delay × (1 − jitter × random()). Default 0. */
  jitter?: number;
}

/** Retry policy of a task. */
export interface RetryOptions {
  /** Total tries, first included (1 = no retry). */
  attempts: number;
  /** Wait between tries; capacity is not held while waiting. Default: retry at once. */
  backoff?: BackoffOptions;
  /** Whether to retry after `error` ended try number `attempt`. Default: always (until attempts run out). */
  retryOn?: (error: unknown, attempt: number) => boolean;
}

/** What a task's function receives. */
export interface SchedulerTaskContext<P = unknown> {
  /** The task's key. */
  readonly key: string;
  /** Which try this is, 1-based. */
  readonly attempt: number;
  /** Fires when the task is cancelled or the attempt times out; pass it to fetch, child processes, etc. */
  readonly signal: AbortSignal;
  /** Reports a progress value (what a `yield` does in an async generator task). */
  progress(value: P): void;
  /**
   * Replaces the cost this attempt holds by `actual` (its real size, once known); the difference is taken or
   * given back at once. Validated like any cost; a call after the attempt ended does nothing.
   */
  reconcile(actual: ResourceCost): void;
  /**
   * Device ids this attempt holds, per indexed resource (see `devices`), e.g. `{ gpu: ['2'] }`: no other running
   * task holds them. Empty when it holds none.
   */
  readonly devices: Readonly<Record<string, readonly string[]>>;
  /**
   * Gives back part of what this attempt holds before it ends: amounts (`{ cpu: 1 }`) or, for an indexed
   * resource, ids (`{ gpu: ['1'] }`; a number gives back the most recently assigned ids). Waiting tasks may start
   * at once; the end of the task gives back only the rest. More than it holds (or an id it does not hold) throws
   * `OverReleaseError` and changes nothing.
   */
  release(part: ReleasePart): void;
}

/** What {@link SchedulerTaskContext.release} gives back: amounts, or device ids for an indexed resource. */
export type ReleasePart = Readonly<Record<string, number | readonly string[]>>;

/** A task's work: returns a value or a promise, or is an async generator function whose yields are progress. */
export type SchedulerTaskFn<O = unknown, P = unknown> = (
  ctx: SchedulerTaskContext<P>,
) => O | PromiseLike<O> | AsyncGenerator<P, O, void>;

/** Options of one task. */
export interface AddOptions<P = unknown> {
  /** Unique among the tasks the scheduler remembers; generated (`task-1`, …) when absent. */
  key?: string;
  /** Resources held while it runs. Default: the scheduler's `defaultCost`. */
  cost?: ResourceCost;
  /** Keys that must complete first; each must be known (added earlier, or in the same `addAll`). */
  deps?: readonly string[];
  /** Higher starts first among ready tasks; default 0; finite numbers only. */
  priority?: number;
  /** Fairness group, when the scheduler has `tenants`. Default `'default'`. */
  tenant?: string;
  /** Time limit of each attempt, from its start; it then fails with `TaskTimeoutError`. */
  timeoutMs?: number;
  /** A task not started this long after `add` ends with `QueueTimeoutError`. */
  queueTimeoutMs?: number;
  /** Retry policy. Default: one attempt. */
  retry?: RetryOptions;
  /** Aborting it cancels the task. */
  signal?: AbortSignal;
  /** Called with each progress value. */
  onProgress?: (value: P) => void;
}

/** One item of {@link Scheduler.addAll}. */
export interface AddItem<O = unknown, P = unknown> extends AddOptions<P> {
  /** The task's function. */
  run: SchedulerTaskFn<O, P>;
}

/** Events of a {@link Scheduler} and what each listener receives. */
export interface SchedulerEvents {
  /** The task is ready (dependencies done) and waits for capacity. */
  queued: { key: string };
  /** An attempt started. */
  start: { key: string; attempt: number };
  /** A progress value. */
  progress: { key: string; value: unknown };
  /** An attempt failed and another will follow (after `delayMs`). */
  retry: { key: string; attempt: number; error: unknown; delayMs: number };
  /** The task completed. */
  complete: { key: string; value: unknown };
  /** The task ended any other way. */
  fail: { key: string; state: FailedState; error: unknown };
  /** Nothing is waiting, queued, in backoff or running, and all capacity taken is back. */
  idle: { key?: undefined };
}

/**
 * Why a task is where it is; see {@link Scheduler.explain}.
 * - `dependency`: the dependency `key` has not completed (it is in `state`).
 * - `resource`: `resource` is short at chain `level` (0 = the scheduler's own capacity, 1 = its parent, …):
 *   the task needs `need`, `free` is available there.
 * - `behind`: fifo order, and the head `key` does not fit yet.
 * - `reservation`: the head `key` holds a reservation, and starting this task would delay it.
 * - `tenant`: fairness lets tenant `tenant` (weighted share `share`) go first.
 * - `backoff`: waiting to retry until `untilMs` on the scheduler's clock.
 * - `paused`: the scheduler is paused.
 * - `releasing`: the cancelled or timed-out task `key` still holds capacity this task needs.
 */
export type ExplainReason =
  | { kind: 'dependency'; key: string; state: TaskState }
  | {
      kind: 'resource';
      resource: string;
      level: number;
      need: number;
      free: number;
      /** The level's name, for a shared budget tree (e.g. `"cluster"`). */
      node?: string;
    }
  | { kind: 'behind'; key: string }
  | { kind: 'reservation'; key: string }
  | { kind: 'tenant'; tenant: string; share: number }
  | { kind: 'backoff'; untilMs: number }
  | { kind: 'paused' }
  | { kind: 'releasing'; key: string };

/** Answer of {@link Scheduler.explain}. */
export interface Explanation {
  /** The task asked about. */
  key: string;
  /** Its state when asked. */
  state: TaskState;
  /** Why it has not started (empty when nothing holds it back, or once it has started or ended). */
  reasons: ExplainReason[];
  /** One sentence built from the reasons. */
  message: string;
}

/** Counts and capacity figures of a {@link Scheduler} (a snapshot). */
export interface SchedulerStats {
  /** Tasks waiting for their dependencies. */
  waiting: number;
  /** Ready tasks waiting for capacity (or for `resume`). */
  queued: number;
  /** Tasks whose function is running. */
  running: number;
  /** Tasks waiting to retry (holding no capacity). */
  backoff: number;
  /** Cancelled or timed-out attempts whose function has not settled yet (they still hold capacity). */
  releasing: number;
  /** Tasks that completed, since the scheduler was created (likewise the next four counts). */
  completed: number;
  /** Tasks that ended `failed`. */
  failed: number;
  /** Tasks that ended `cancelled`. */
  cancelled: number;
  /** Tasks that ended `timed-out` (attempt time limit or queue time limit). */
  timedOut: number;
  /** Tasks skipped because a dependency did not complete. */
  skipped: number;
  /** Limits of the scheduler's own capacity (level 0). */
  limits: ResourceCost;
  /** What is in use there, by this scheduler and anyone sharing it. */
  inUse: ResourceCost;
  /** What is free there. */
  available: ResourceCost;
}
