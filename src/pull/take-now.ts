/**
 * Internal protocol between pull objects and the runner: `source[takeNow]()` hands out the next item at once
 * when the source has it, or returns `undefined` when only an asynchronous `next()` can tell. It lets the
 * runner admit a task it has just peeked without a promise round trip. Not exported from the package.
 */
export const takeNow: unique symbol = Symbol('allot.takeNow');

/** A source that may offer {@link takeNow}. */
export interface TakesNow<T> {
  [takeNow]?(): IteratorResult<T, unknown> | undefined;
}
