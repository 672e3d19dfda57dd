// Only types come from bullmq: this entry must load without it, and the worker brings its own copy.
import type { Job } from 'bullmq';
import { InvalidCostError } from '../errors/capacity-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { AddOptions, SchedulerOptions } from '../scheduler/types.js';

/**
 * The budget jobs draw on: usually a `RedisCapacity` from `allot/redis`, so that every worker process shares one
 * budget tree; an in-process `ResourceCapacitySource` works too, for workers of one process.
 */
export type BudgetCapacity = NonNullable<SchedulerOptions['capacity']>;

/**
 * A BullMQ processor that honours the budget: like BullMQ's own, but `signal` is always there, and it fires
 * when the job must stop (a lost lease, or BullMQ cancelling the job).
 */
export type BudgetedJobFn<D = unknown, R = unknown, N extends string = string> = (
  job: Job<D, R, N>,
  token: string | undefined,
  signal: AbortSignal,
) => Promise<R>;

/**
 * How jobs waiting for the budget in one worker are ordered. The defaults suit most queues: BullMQ already hands
 * jobs over in its own order, and backfill keeps small jobs moving while a big one waits (within `maxBypass`).
 */
export type BudgetOrderOptions = Pick<
  SchedulerOptions,
  'order' | 'maxBypass' | 'maxBypassMs' | 'aging' | 'tenants'
>;

/** Options of {@link withBudget}. */
export interface WithBudgetOptions<D = unknown, R = unknown, N extends string = string> {
  /** Ordering of the jobs this worker holds while they wait for the budget. */
  order?: BudgetOrderOptions;
  /**
   * A job's priority among the jobs waiting in this worker: higher starts first. Note that BullMQ's own
   * `opts.priority` runs the other way (1 is the highest). Default: 0 for all, so they start in arrival order.
   */
  priority?: (job: Job<D, R, N>) => number;
  /** A job's fairness group, used when `order.tenants` is given. */
  tenant?: (job: Job<D, R, N>) => string;
}

/**
 * The processor {@link withBudget} returns: give it to `new Worker(...)`. It declares three parameters on
 * purpose, because BullMQ passes its abort signal only to processors that declare one.
 */
export interface BudgetedProcessor<D = unknown, R = unknown, N extends string = string> {
  (job: Job<D, R, N>, token?: string, signal?: AbortSignal): Promise<R>;
  /** The scheduler jobs wait in: its `stats` and `explain` say what is waiting, and why. */
  readonly scheduler: Scheduler;
  /**
   * Closes the scheduler, so its releases reach the store: call it after `worker.close()` and before
   * `capacity.close()`. With `cancel: true`, jobs still waiting fail with `SchedulerClosedError` (use it after a
   * forced `worker.close(true)`, which leaves them behind).
   */
  close(options?: { cancel?: boolean }): Promise<void>;
}

const ignore = (): void => {};

/**
 * Wraps a BullMQ processor so that each job runs only once its cost fits the budget, at every level of the tree
 * the capacity sits in. BullMQ stays the durable queue (retries, persistence, dashboards); the budget adds what
 * its count-based `concurrency` cannot say: vector costs and a hierarchy shared by every worker.
 *
 * A job waits inside the processor, so BullMQ keeps it active and keeps renewing its lock; `concurrency` bounds
 * how many jobs one worker holds, waiting or running. One scheduler per call: wrap once per worker.
 *
 * A job fails (and BullMQ retries it as configured) when its cost is bad (`ALLOT_INVALID_COST`, or one that
 * `costOf` throws), can never fit (`ALLOT_COST_EXCEEDS_LIMIT`, `ALLOT_UNKNOWN_RESOURCE`), or the store is away
 * (`ALLOT_BACKEND_UNAVAILABLE`); the worker goes on with other jobs. On a lost lease (`ALLOT_LEASE_LOST`) or a
 * BullMQ cancellation, the processor's signal fires and the job fails with that error once the processor has
 * settled, so BullMQ never hands the job to another worker while this one still runs it.
 *
 * @example
 * const budgeted = withBudget(capacity, (job) => job.data.cost, encodeJob);
 * const worker = new Worker('media', budgeted, { connection, concurrency: 32 });
 * // on shutdown:
 * await worker.close();
 * await budgeted.close();
 * await capacity.close();
 */
export function withBudget<D = unknown, R = unknown, N extends string = string>(
  capacity: BudgetCapacity,
  costOf: (job: Job<D, R, N>) => ResourceCost,
  processor: BudgetedJobFn<D, R, N>,
  options: WithBudgetOptions<D, R, N> = {},
): BudgetedProcessor<D, R, N> {
  // Nothing depends on a finished job, so none is remembered past an idle moment.
  const scheduler = new Scheduler({ ...options.order, capacity, keepSettled: 0 });
  const { priority, tenant } = options;
  let attempts = 0;

  async function budgeted(job: Job<D, R, N>, token?: string, signal?: AbortSignal): Promise<R> {
    // Unique per call: a retried job, or a job id used again, must not meet its earlier attempt's key.
    const key = `job-${job.id ?? '?'}/${++attempts}`;
    // Job data is JSON from the queue, whatever its type says: a job without a cost must fail, not run for free
    // on the scheduler's default cost.
    const cost: ResourceCost | undefined | null = costOf(job);
    if (cost === undefined || cost === null) throw new InvalidCostError('', cost, key, 'not-an-object');
    const add: AddOptions = { key, cost };
    if (signal !== undefined) add.signal = signal;
    if (priority !== undefined) add.priority = priority(job);
    if (tenant !== undefined) add.tenant = tenant(job);
    // The result goes around the scheduler, which would keep it with the settled task until an idle moment.
    let result: { value: R } | undefined;
    let running: Promise<void> | undefined;
    const run = async (ctx: { signal: AbortSignal }): Promise<void> => {
      result = { value: await processor(job, token, ctx.signal) };
    };
    const handle = scheduler.add((ctx) => {
      running = run(ctx);
      return running;
    }, add);
    try {
      await handle;
    } catch (error) {
      // A lost lease or a cancellation rejects the handle at once, while the processor may still be at work:
      // keep the job active (and its lock renewed) until it stops.
      if (running !== undefined) await running.then(ignore, ignore);
      throw error;
    }
    return (result as { value: R }).value;
  }

  return Object.assign(budgeted, {
    scheduler,
    close: (closeOptions?: { cancel?: boolean }): Promise<void> => scheduler.close(closeOptions),
  });
}
