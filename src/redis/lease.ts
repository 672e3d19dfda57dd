import type { ResourceCost } from '../foundation/resource-cost.js';
import type { RemoteCost } from './remote-cost.js';

/** One acquisition in the store: what a gate's `take` hands out and its `release` gives back. */
export class Lease {
  /** What the lease holds now (the cost, as corrected or partly given back since). */
  amounts: Readonly<ResourceCost>;
  /**
   * Local time (`performance.now()`) before which the store cannot have expired the lease: the send time of the
   * latest call that set its expiry, plus the TTL, minus a safety margin.
   */
  deadline: number;
  /** The task holding it, once it started (for the lease-lost error). */
  key: string | undefined;
  /** Called once if the lease is lost while held. */
  onLost: ((error: Error) => void) | undefined;
  /** Given back (or lost): no longer renewed. */
  ended = false;

  constructor(
    readonly id: string,
    readonly cost: RemoteCost,
    deadline: number,
  ) {
    this.amounts = cost.amounts;
    this.deadline = deadline;
  }
}

/** Why the store refused a take for good (the task fails with the matching error). */
export type AcquireRefusal =
  | { kind: 'unavailable'; error: Error }
  | { kind: 'unknown_node'; node: string }
  | { kind: 'unknown_resource'; resource: string }
  | { kind: 'exceeds'; resource: string; node: string; requested: number; ceiling: number };
