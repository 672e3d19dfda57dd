/**
 * The runner's only view of capacity. One place decides whether a task fits, takes its cost and gives it back,
 * so a remote capacity (whose `take` must await) or the legacy single counter plug in without touching the loop.
 *
 * `P` is the gate's prepared form of a cost, computed once per task; `H` describes what one `take` took, so
 * the matching `release` gives back exactly that.
 */
export interface CapacityGate<P, H = P> {
  /** Compiles a task's cost once; returns an error (not thrown) when the cost itself is malformed. */
  prepare(key: string, cost: Readonly<Record<string, number>> | undefined): P | Error;
  /** An error when the cost can never be met under the current limits (unknown resource, over a limit). */
  refusal(key: string, prepared: P): Error | undefined;
  /** Whether the cost fits right now. */
  fits(prepared: P): boolean;
  /**
   * Takes the cost if it fits, atomically, and says what it took; `undefined` leaves everything unchanged.
   * A promise must settle promptly
   * (a remote round trip): it must never wait for capacity to free up, because releases happen in the same
   * loop that awaits it. Waiting is the job of {@link CapacityGate.changed}.
   */
  take(prepared: P): H | undefined | Promise<H | undefined>;
  /** Gives back what one `take` took. Called exactly once per successful `take`. */
  release(hold: H): void;
  /** Resolves at the next change that may let a waiting cost fit; shared by all waiters. */
  changed(): Promise<void>;
}
