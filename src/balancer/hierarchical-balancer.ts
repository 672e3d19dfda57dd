import type { ResourceCapacitySource } from '../capacity/resource-capacity-source.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { unrefTimer } from '../foundation/timers.js';
import { type ChildState, classify, countedKeys, stepLimits } from './child-state.js';
import { resolveBalancerOptions, validateChildren } from './options.js';
import type { BalancerChildConfig, HierarchicalBalancerOptions, ResolvedBalancerOptions } from './types.js';

/** Per-child bookkeeping: bounds copied at construction, plus since-when the child has looked idle or busy. */
interface ChildTracker {
  readonly config: BalancerChildConfig;
  idleSince: number | undefined;
  busySince: number | undefined;
}

/**
 * Moves the limits of sibling capacity sources between per-child bounds according to how used they are.
 *
 * Each `check()` samples every child's `utilization`. A child that stays idle (every counted resource
 * strictly below `idleThreshold`) for `idleTimeThresholdMs` loses one `increment` per resource, never going
 * below `min`; one that stays busy (any resource strictly above `busyThreshold`) for `busyTimeThresholdMs`
 * gains one `increment`, never above `max`. A neutral sample resets both timers, and so does every step,
 * so the next step needs another full period. Idleness is sampled: what happens between checks is unseen.
 *
 * A child also counts as busy while a runner waits on it because its own limit lacks room for the next task,
 * whatever its utilization: a pool shrunk while idle grows back when work that does not fit arrives. And since
 * each child's limits can reach its `max`, the balancer declares `max` as the child's ceiling (see
 * `ResourceCapacitySource.setCeilings`): a task that fits under `max` waits for the pool to grow instead of
 * being refused while the pool is small.
 *
 * Limits are not reservations: growing does not look at the parent's free capacity, and shrinking revokes
 * nothing already acquired. `min` is a floor on a child's limit, not a guarantee that the parent has that much
 * left for it.
 *
 * @example
 * const cluster = new ResourceCapacitySource({ gpu: 8 });
 * const teamA = new ResourceCapacitySource({ gpu: 6 }, cluster);
 * const teamB = new ResourceCapacitySource({ gpu: 6 }, cluster);
 * const balancer = new HierarchicalBalancer([
 *   { capacity: teamA, min: { gpu: 3 }, max: { gpu: 6 } },
 *   { capacity: teamB, min: { gpu: 3 }, max: { gpu: 6 } },
 * ]);
 * balancer.start(); // first check after checkIntervalMs; the timer never keeps the process alive
 */
export class HierarchicalBalancer {
  /** The resolved options, frozen. `increment` lists every key named in any child's `min`/`max`. */
  readonly options: ResolvedBalancerOptions;
  readonly #children: readonly ChildTracker[];
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @throws InvalidOptionError when an option or a child's bounds are out of range. */
  constructor(children: BalancerChildConfig[], options?: HierarchicalBalancerOptions) {
    validateChildren(children);
    this.options = resolveBalancerOptions(children, options);
    // Copy the bounds so later edits by the caller cannot bypass validation.
    this.#children = children.map((child) => ({
      config: { capacity: child.capacity, min: { ...child.min }, max: { ...child.max } },
      idleSince: undefined,
      busySince: undefined,
    }));
    for (const { config } of this.#children) raiseCeilingsTo(config.capacity, config.max);
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Starts checking every `checkIntervalMs`. The first check runs one interval after the call, not at once,
   * so a freshly started workload is not judged on an empty sample. Idempotent. Timers start fresh.
   * The interval is `unref()`'d: it never keeps the process alive by itself.
   */
  start(): void {
    if (this.#timer !== undefined) return;
    // Time spent stopped is not observed, so it must not count as continuous idleness or busyness.
    for (const child of this.#children) {
      child.idleSince = undefined;
      child.busySince = undefined;
    }
    this.#timer = setInterval(() => this.check(), this.options.checkIntervalMs);
    unrefTimer(this.#timer);
  }

  /** Stops the periodic check. Idempotent. Limits stay where they are. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Runs one rebalance pass over every child, at the time `options.now()` returns. Works whether or not
   * the balancer is running. If `setLimits` throws for one child, the others are still processed and the
   * error is rethrown afterwards (an `AggregateError` if several failed).
   */
  check(): void {
    const t = this.options.now();
    const errors: unknown[] = [];
    for (const child of this.#children) {
      try {
        this.#checkChild(child, t);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1)
      throw new AggregateError(errors, 'HierarchicalBalancer.check failed for several children');
  }

  #checkChild(child: ChildTracker, t: number): void {
    const { capacity, min, max } = child.config;
    const keys = countedKeys(min, max, capacity.limits);
    const { idleThreshold, busyThreshold } = this.options;
    const state: ChildState = classify(
      capacity.utilization,
      keys,
      idleThreshold,
      busyThreshold,
      capacity.waiting,
    );

    if (state === 'neutral') {
      child.idleSince = undefined;
      child.busySince = undefined;
      return;
    }
    if (state === 'idle') {
      child.busySince = undefined;
      child.idleSince ??= t;
      if (t - child.idleSince < this.options.idleTimeThresholdMs) return;
      child.idleSince = t;
    } else {
      child.idleSince = undefined;
      child.busySince ??= t;
      if (t - child.busySince < this.options.busyTimeThresholdMs) return;
      child.busySince = t;
    }
    // The tracker restarted at t above, even when the step is clamped to nothing.
    const changes: ResourceCost = stepLimits(
      state === 'idle' ? 'shrink' : 'grow',
      capacity.limits,
      keys,
      child.config,
      this.options.increment,
    );
    // Skip no-op updates: setLimits signals waiters and emits a metrics event.
    if (Object.keys(changes).length > 0) capacity.setLimits(changes);
  }
}

/** Raises each tracked resource's ceiling to `max` where it is lower (never lowers a declared ceiling). */
function raiseCeilingsTo(capacity: ResourceCapacitySource, max: Readonly<ResourceCost>): void {
  const ceilings = capacity.ceilings;
  const raise: ResourceCost = {};
  let any = false;
  for (const [key, value] of Object.entries(max)) {
    const current = ceilings[key];
    if (current === undefined || current >= value) continue;
    raise[key] = value;
    any = true;
  }
  if (any) capacity.setCeilings(raise);
}
