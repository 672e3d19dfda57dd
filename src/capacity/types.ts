import type { CapacityShortfall } from './cost-binding.js';

/**
 * A named amount per resource, such as `{ gpu: 2, cpu: 1 }`. Used both for budgets (limits) and for task costs.
 * Amounts are finite, non-negative numbers with at most 6 digits after the decimal point.
 */
export type ResourceCost = Record<string, number>;

/** Why `tryAcquire` refused: the cost did not fit, or it was malformed (negative, NaN, infinite, too precise). */
export type TryAcquireRejectReason = 'insufficient_capacity' | 'invalid_cost';

/** Outcome of {@link ResourceCapacitySource.tryAcquire}: either the cost was taken, or nothing changed. */
export type TryAcquireResult =
  | { ok: true; requested: Readonly<ResourceCost>; availableAfter: Readonly<ResourceCost> }
  | {
      ok: false;
      requested: Readonly<ResourceCost>;
      available: Readonly<ResourceCost>;
      reason: TryAcquireRejectReason;
      /**
       * For `insufficient_capacity`: the first resource that did not fit and at which level (0 = this source,
       * 1 = its parent, …) — in a hierarchy the refusal may come from an ancestor. An addition to the documented
       * type.
       */
      shortfall?: CapacityShortfall;
    };
