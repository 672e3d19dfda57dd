import type { ResourceCapacitySource } from '../capacity/resource-capacity-source.js';
import type { ResourceCost } from '../foundation/resource-cost.js';

/**
 * One capacity source the {@link HierarchicalBalancer} resizes, with the range its limits may move in.
 *
 * The keys that count are the union of `min` and `max` keys that `capacity` tracks. A key named only in
 * `max` has a floor of 0; a key named only in `min` has no ceiling.
 */
export interface BalancerChildConfig {
  /** The source whose limits are adjusted through `setLimits`. */
  capacity: ResourceCapacitySource;
  /**
   * Lowest limit per resource that shrinking may reach. This is a floor on the *limit*, not a reservation:
   * the parent's capacity can still be used up by siblings.
   */
  min: ResourceCost;
  /**
   * Highest limit per resource that growing may reach; also declared as the child's ceiling, so tasks within it
   * wait for the pool to grow. Growth does not check the parent's free capacity.
   */
  max: ResourceCost;
}

/** Options of {@link HierarchicalBalancer}. Every field is optional; the defaults are shown. */
export interface HierarchicalBalancerOptions {
  /** Milliseconds between automatic `check()` passes once `start()` is called. Default 1000. */
  checkIntervalMs?: number | undefined;
  /** How long a child must stay idle, in ms, before its limits shrink by one step. Default 5000. */
  idleTimeThresholdMs?: number | undefined;
  /** How long a child must stay busy, in ms, before its limits grow by one step. Default 5000. */
  busyTimeThresholdMs?: number | undefined;
  /** A child is idle when every counted resource has utilization strictly below this. Default 0.3. */
  idleThreshold?: number | undefined;
  /** A child is busy when any counted resource has utilization strictly above this. Default 0.85. */
  busyThreshold?: number | undefined;
  /**
   * Step size per resource. Default: 1 for each key in any child's `min`/`max`; keys left out of a given
   * object also step by 1. The resolved `options.increment` lists every such key explicitly.
   */
  increment?: ResourceCost | undefined;
  /** Clock in milliseconds, injectable so tests can advance time without sleeping. Default `Date.now`. */
  now?: (() => number) | undefined;
}

/** The resolved options a balancer exposes: every field present, frozen. */
export type ResolvedBalancerOptions = {
  readonly [K in keyof HierarchicalBalancerOptions]-?: NonNullable<HierarchicalBalancerOptions[K]>;
};
