import { BufferMode } from './buffer-mode.js';
import type { Peekable } from './peekable.js';
import { SourceObj } from './source-obj.js';

/** Delivered slots at the front of the array are cut off once there are more than this many and they are the majority. */
const COMPACT_AFTER = 1024;

/**
 * A source that drains an array: front first in FIFO mode, back first in LIFO mode. It ends once it finds the
 * array empty: it does not restart. Items added to `buffer` before then are delivered.
 *
 * FIFO draining moves a head index instead of calling `shift()` (which copies large arrays, making a long
 * drain quadratic); consumed items are cut off the array in place, in amortised O(1). Reading `buffer` always
 * shows exactly the items still to deliver.
 *
 * @typeParam T - the item type
 */
export class SourceBufferObj<T> extends SourceObj<T> implements Peekable<T> {
  /** Drain order. */
  protected mode: BufferMode;
  /**
   * Kept for compatibility with the original API, where it stopped re-initialisation. Sources always end once
   * drained, so it changes nothing.
   */
  protected readonly one_shot: boolean;
  #items: T[];
  /** FIFO: index of the next item; everything before it was delivered. */
  #head = 0;

  /**
   * @param buffer - the items to deliver; used as is, not copied
   * @param one_shot - accepted for compatibility; no effect (sources always end once drained)
   * @param mode - drain order, FIFO by default
   */
  constructor(buffer: T[] = [], one_shot = false, mode: BufferMode = BufferMode.FIFO) {
    super();
    this.#items = buffer;
    this.one_shot = one_shot;
    this.mode = mode;
  }

  /**
   * The items still to deliver. Public and mutable: callers may add to it while the source runs. Read it again
   * after pulling before changing it: the array is trimmed in place when read.
   */
  get buffer(): T[] {
    this.#compact();
    return this.#items;
  }

  set buffer(items: T[]) {
    this.#items = items;
    this.#head = 0;
  }

  /** The item the next `next()` delivers, without consuming it. */
  peek(): T | undefined {
    const items = this.#items;
    if (this.mode === BufferMode.LIFO) return items.length > this.#head ? items[items.length - 1] : undefined;
    return items[this.#head];
  }

  /** Hands out the next item without the generator round trip when there is one. */
  protected override pull_now(): IteratorResult<T, T | undefined> | undefined {
    return this.#hasItem() ? { done: false, value: this.#take() } : undefined;
  }

  protected override async *pull_impl(): AsyncGenerator<T, T | undefined, void> {
    while (this.#hasItem()) yield this.#take();
    return undefined;
  }

  #hasItem(): boolean {
    return this.#items.length > this.#head;
  }

  /** Removes and returns the next item (call only when {@link SourceBufferObj.#hasItem}). */
  #take(): T {
    const items = this.#items;
    if (this.mode === BufferMode.LIFO) return items.pop() as T;
    const item = items[this.#head] as T;
    // Drop the reference at once, so a delivered item can be collected as soon as its consumer is done with it.
    items[this.#head++] = undefined as T;
    // Trim the delivered prefix once it dominates: amortised O(1) per item.
    if (this.#head > COMPACT_AFTER && this.#head * 2 > items.length) this.#compact();
    return item;
  }

  #compact(): void {
    if (this.#head === 0) return;
    this.#items.splice(0, this.#head);
    this.#head = 0;
  }
}
