import type { CapacityShortfall } from '../capacity/types.js';
import type { ResourceCost } from '../foundation/resource-cost.js';

/**
 * The runner's only view of capacity. One place decides whether a task fits, takes its cost and gives it back,
 * so a remote capacity (whose `take` must await) or the legacy single counter plug in without touching the loop.
 *
 * `P` is the gate's prepared form of a cost, computed once per task; `H` describes what one `take` took, so
 * the matching `release` gives back exactly that.
 */
export interface CapacityGate<P, H = P> {
  /**
   * Prepares a task's cost once. Returns an error (not thrown) when the cost is malformed or names a resource
   * that no level of the capacity tracks: such a task can never run.
   */
  prepare(key: string, cost: Readonly<ResourceCost> | undefined): P | Error;
  /**
   * Asked only when the cost does not fit now, or right after a `take` that took nothing: an error when the task
   * can never run this way (above the most some level can ever have; for a remote capacity also an unknown
   * resource or an unreachable store), `undefined` when it only has to wait.
   */
  refusal(key: string, prepared: P): Error | undefined;
  /** Whether the cost fits right now. */
  fits(prepared: P): boolean;
  /**
   * Takes the cost if it fits, atomically, and says what it took; `undefined` leaves everything unchanged.
   * A promise must settle promptly (a remote round trip): it must never wait for capacity to free up, because
   * releases happen in the same loop that awaits it. Waiting is the job of {@link CapacityGate.onChange}.
   */
  take(prepared: P): H | undefined | Promise<H | undefined>;
  /** Gives back what one `take` took (as adjusted since). Called exactly once per successful `take`. */
  release(hold: H): void;
  /**
   * Calls `listener` at every change that may let a waiting cost fit, until the returned function is called.
   * The run subscribes once and listens for its whole life, so no wake-up can fall between a failed check and
   * the start of a wait.
   */
  onChange(listener: () => void): () => void;
  /**
   * Optional: replaces what `hold` holds by `actual`, taking or giving back the difference at once (a task
   * learned its real size). Throws for a malformed cost or an unknown resource, changing nothing.
   */
  adjust?(key: string, hold: H, actual: Readonly<ResourceCost>): void;
  /**
   * Optional: called when the run blocks on `prepared`, until the matching {@link CapacityGate.endWait}. Lets the
   * capacity record the wait: a balancer grows a pool runners wait on, and a quota keeps its refill timer alive
   * while runners wait for that refill (time alone will end their wait).
   */
  waitFor?(prepared: P): void;
  /** Optional: the run stopped waiting (it woke up, or ended). */
  endWait?(): void;
  /**
   * Optional, for explanations and reservations: each (resource, level) of the cost that does not fit now, with
   * the amount needed and the amount free there.
   */
  shortfalls?(prepared: P): readonly CapacityShortfall[];
  /** Optional (the `Scheduler` needs it): the cost as amounts per resource, for fair shares and device ids. */
  amounts?(prepared: P): Readonly<ResourceCost>;
  /** Optional, for explanations: the resources the cost takes a non-zero amount of. */
  resources?(prepared: P): readonly string[];
  /**
   * Optional, for reservations: whether `prepared` fits now with the cost `reserved` set aside wherever both
   * take the same resource at the same level. Without it, a reservation lets through only tasks that take none
   * of the reserved task's resources.
   */
  fitsBeside?(prepared: P, reserved: P): boolean;
  /**
   * Optional, for capacities held elsewhere: called when a task starts with what it holds. The gate calls `lost`
   * (at most once) if it can no longer vouch for that hold, e.g. a lease it could not renew; the task must then
   * stop. `release` is still called once when the task settles.
   */
  watch?(hold: H, key: string, lost: (error: Error) => void): void;
  /**
   * Optional: the user is done with this gate (the scheduler closed). A remote capacity resolves once every
   * release it was given has reached the store.
   */
  dispose?(): void | Promise<void>;
}

/**
 * A capacity kept outside this process, such as a budget tree in Redis. The `Scheduler` and the
 * `ScheduledTaskPoolRunner` accept it where they accept a local capacity source, and draw on it through a gate it
 * opens; its `take` awaits the store.
 */
export interface ExternalCapacity {
  /** Marks the object as an external capacity. */
  readonly external: true;
  /** Opens a gate for one scheduler or one run. */
  openGate(): CapacityGate<object, object> & Required<Pick<CapacityGate<object, object>, 'amounts'>>;
  /** The last known limit of `resource` at this capacity's own level; `undefined` when unknown. */
  limitOf(resource: string): number | undefined;
  /** The last known limits at this capacity's own level (a copy). */
  readonly limits: Readonly<ResourceCost>;
  /** The last known amounts in use at this capacity's own level (a copy). */
  readonly inUse: Readonly<ResourceCost>;
  /** The last known amounts available at this capacity's own level (a copy). */
  readonly available: Readonly<ResourceCost>;
}

/** Whether `value` is an {@link ExternalCapacity}. */
export function isExternalCapacity(value: unknown): value is ExternalCapacity {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { external?: unknown }).external === true &&
    typeof (value as { openGate?: unknown }).openGate === 'function'
  );
}
