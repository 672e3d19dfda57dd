import { SinkClosedError } from '../errors/source-errors.js';

/**
 * Base of push (producer-driven) objects: the producer calls `next(item)` for each item, then `return()` at the
 * end or `throw(error)` on failure. Subclasses implement the protected `*_impl` hooks.
 *
 * After `return()` or `throw()` the object is done; a later `next(item)` rejects with {@link SinkClosedError}
 * rather than dropping the item silently. `return()` and `throw()` on a done object do nothing.
 *
 * @typeParam T - the item type
 */
export class PushObj<T> {
  /** True once `return()` or `throw()` was called. */
  protected _done = false;
  /** Whether `throw(error)` is passed on to a wrapped sink (used by subclasses that wrap one). */
  protected readonly forward_errors: boolean;
  /** Whether `return()` is passed on to a wrapped sink (used by subclasses that wrap one). */
  protected readonly forward_close: boolean;

  /**
   * @param forward_errors - pass `throw(error)` on to a wrapped sink
   * @param forward_close - pass `return()` on to a wrapped sink
   */
  constructor(forward_errors = false, forward_close = false) {
    this.forward_errors = forward_errors;
    this.forward_close = forward_close;
  }

  /** True once `return()` or `throw()` was called. */
  get done(): boolean {
    return this._done;
  }

  /** Pushes one item. Resolves `{ done }` once the item is handled; rejects with SinkClosedError when done. */
  async next(item: T): Promise<IteratorResult<undefined, undefined>> {
    if (this._done) throw new SinkClosedError(this.constructor.name);
    await this.next_impl(item);
    return { done: this._done, value: undefined };
  }

  /** Ends the stream: marks the object done, then runs {@link PushObj.return_impl} once. */
  async return(): Promise<IteratorReturnResult<undefined>> {
    if (!this._done) {
      this._done = true;
      await this.return_impl();
    }
    return { done: true, value: undefined };
  }

  /** Ends the stream with a failure: marks the object done, then runs {@link PushObj.throw_impl} once. */
  async throw(error?: unknown): Promise<IteratorReturnResult<undefined>> {
    if (!this._done) {
      this._done = true;
      await this.throw_impl(error);
    }
    return { done: true, value: undefined };
  }

  /** Handles one pushed item. The default drops it. */
  protected async next_impl(_item: T): Promise<void> {}

  /** Runs once when the stream ends normally (after `done` is set). */
  protected async return_impl(): Promise<void> {}

  /** Runs once when the stream ends with `error` (after `done` is set). */
  protected async throw_impl(_error: unknown): Promise<void> {}
}
