import { BufferMode } from './buffer-mode.js';
import type { Peekable } from './peekable.js';
import { SourceObj } from './source-obj.js';

/**
 * A source that drains an array: `shift` in FIFO mode, `pop` in LIFO mode. It ends once it finds the array
 * empty (D3). Items added to `buffer` before then are delivered.
 *
 * @typeParam T - the item type
 */
export class SourceBufferObj<T> extends SourceObj<T> implements Peekable<T> {
  /** The items still to deliver. Public and mutable: callers may add to it while the source runs. */
  buffer: T[];
  /** Drain order. */
  protected mode: BufferMode;
  /**
   * Kept for compatibility with the original API, where it stopped re-initialisation. Sources always end (D3),
   * so it changes nothing.
   */
  protected readonly one_shot: boolean;

  /**
   * @param buffer - the items to deliver; used as is, not copied
   * @param one_shot - accepted for compatibility; no effect (sources always end, D3)
   * @param mode - drain order, FIFO by default
   */
  constructor(buffer: T[] = [], one_shot = false, mode: BufferMode = BufferMode.FIFO) {
    super();
    this.buffer = buffer;
    this.one_shot = one_shot;
    this.mode = mode;
  }

  /** The item the next `next()` delivers, without consuming it. */
  peek(): T | undefined {
    return this.mode === BufferMode.LIFO ? this.buffer[this.buffer.length - 1] : this.buffer[0];
  }

  protected override async *pull_impl(): AsyncGenerator<T, T | undefined, void> {
    while (this.buffer.length > 0) {
      // Non-empty, so shift/pop returns an item (possibly one whose value is undefined).
      yield (this.mode === BufferMode.LIFO ? this.buffer.pop() : this.buffer.shift()) as T;
    }
    return undefined;
  }
}
