import type { PullObj } from './pull-obj.js';
import type { PushObj } from './push-obj.js';

/**
 * A bridge between a producer and a consumer: items pushed into `sink` come out of `source`.
 *
 * @typeParam T - the item type
 * @typeParam Sink - the push side's type
 * @typeParam Source - the pull side's type
 */
export class PushPullObj<T, Sink extends PushObj<T> = PushObj<T>, Source extends PullObj<T> = PullObj<T>> {
  /** The push side: call `next(item)`, then `return()` when there is no more. */
  readonly sink: Sink;
  /** The pull side: iterate it, or hand it to a runner. */
  readonly source: Source;

  constructor(sink: Sink, source: Source) {
    this.sink = sink;
    this.source = source;
  }
}
