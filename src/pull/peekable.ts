/** A source whose next item can be inspected without consuming it. */
export interface Peekable<T> {
  /** The item the next `next()` would deliver, or `undefined` when none is known yet. */
  peek: () => T | undefined;
}
