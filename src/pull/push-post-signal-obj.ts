import { PushObj } from './push-obj.js';
import type { WaitObject } from './wait-object.js';

/**
 * Passes items on to `sink` and signals a {@link WaitObject} after each one, so that a puller blocked on it
 * wakes up: `resolve(!done)` after each push (`true` while open) and `resolve(false)` after `return()`.
 *
 * `throw(error)` rejects the wait object with `error` instead of resolving `false`, so a puller fails with it
 * once it has drained what was pushed (the original docs resolve `!done`, which would hide the failure).
 *
 * @typeParam T - the item type
 */
export class PushPostSignalObj<T> extends PushObj<T> {
  /** Where the items go. */
  protected readonly sink: PushObj<T>;
  /** The signal for the pull side. */
  protected readonly wait_obj: WaitObject<boolean>;

  /**
   * @param sink - receives every item
   * @param wait_obj - signalled after each push and at the end
   * @param forward_errors - pass `throw(error)` on to `sink` (default true)
   * @param forward_close - pass `return()` on to `sink` (default true)
   */
  constructor(sink: PushObj<T>, wait_obj: WaitObject<boolean>, forward_errors = true, forward_close = true) {
    super(forward_errors, forward_close);
    this.sink = sink;
    this.wait_obj = wait_obj;
  }

  protected override async next_impl(item: T): Promise<void> {
    await this.sink.next(item);
    // Read `done` now: a return() that raced this push must not be overwritten by a late `true`.
    this.wait_obj.resolve(!this._done);
  }

  protected override async return_impl(): Promise<void> {
    if (this.forward_close) await this.sink.return();
    this.wait_obj.resolve(!this._done);
  }

  protected override async throw_impl(error: unknown): Promise<void> {
    if (this.forward_errors) await this.sink.throw(error);
    this.wait_obj.reject(error);
  }
}
