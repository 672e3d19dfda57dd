import type { ResourceCost, TryAcquireRejectReason } from '../foundation/resource-cost.js';

export type { ResourceCost, TryAcquireRejectReason } from '../foundation/resource-cost.js';

/** Which resource at which level (0 = the source itself, 1 = its parent…) does not fit right now. */
export interface CapacityShortfall {
  readonly resource: string;
  readonly level: number;
  readonly requested: number;
  readonly available: number;
  /** The level's name, when the capacity names its levels (a shared budget tree does). */
  readonly node?: string;
}

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
