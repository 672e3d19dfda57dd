import { PushObj } from './push-obj.js';

/**
 * A terminal sink that appends every pushed item to `buffer` (synchronously, inside `next`, so unawaited
 * pushes keep their order).
 *
 * @typeParam T - the item type
 */
export class SinkCollectObj<T> extends PushObj<T> {
  /** The collected items, in push order. Shared with whoever passed it in. */
  buffer: T[];

  /** @param buffer - the array to append to; used as is, not copied */
  constructor(buffer: T[] = []) {
    super();
    this.buffer = buffer;
  }

  protected override async next_impl(item: T): Promise<void> {
    this.buffer.push(item);
  }
}
