import type { Peekable } from './peekable.js';
import { PullAwaitReset } from './pull-await-reset.js';
import type { PullObj } from './pull-obj.js';
import type { PushObj } from './push-obj.js';
import { PushPostSignalObj } from './push-post-signal-obj.js';
import { PushPullObj } from './push-pull-obj.js';
import { SinkCollectObj } from './sink-collect-obj.js';
import { SourceBufferObj } from './source-buffer-obj.js';
import { WaitObject } from './wait-object.js';

/**
 * An unbounded FIFO queue between a producer and a consumer, sharing one array.
 *
 * - `sink.next(item)` appends and wakes the consumer; `sink.return()` ends the stream.
 * - `source` delivers items in push order, blocks while the buffer is empty, and after `sink.return()`
 *   drains what is left and ends. After `sink.throw(error)` it drains, then rejects with `error`.
 * - `source` is peekable, so it can feed `ScheduledTaskPoolRunner` with tasks added at run time.
 *
 * Items must not be `undefined` (the pull side finds items with `peek()`).
 *
 * @typeParam T - the item type
 */
export class PushPullBufferObj<T>
  extends PushPullObj<T, PushObj<T>, PullObj<T> & Peekable<T>>
  implements Peekable<T>
{
  readonly #queue: SourceBufferObj<T>;

  /** @param buffer - initial items (delivered first); used as is, not copied */
  constructor(buffer: T[] = []) {
    const wait = new WaitObject<boolean>('PushPullBufferObj');
    const queue = new SourceBufferObj(buffer);
    super(new PushPostSignalObj(new SinkCollectObj(buffer), wait), new PullAwaitReset(queue, wait));
    this.#queue = queue;
  }

  /** The shared queue: items pushed and not yet pulled. */
  get buffer(): T[] {
    return this.#queue.buffer;
  }

  /** The next item the source delivers, without consuming it. */
  peek(): T | undefined {
    return this.#queue.peek();
  }
}
