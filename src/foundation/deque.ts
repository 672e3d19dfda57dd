/** Smallest ring the deque allocates; it never shrinks below this. */
const MIN_CAPACITY = 16;
/** The ring halves once at most this fraction of it is in use (a quarter, not a half, so that push/shift at the
 * boundary does not resize back and forth). */
const SHRINK_AT_FRACTION = 4;

/**
 * Double-ended queue on a power-of-two ring buffer: push and pop at both ends in amortised O(1), memory
 * proportional to what is held. `Array.prototype.shift` is O(n) per call, which makes a long FIFO quadratic.
 * Internal: not exported from the package.
 */
export class Deque<T> {
  #buf: (T | undefined)[] = new Array<T | undefined>(MIN_CAPACITY);
  #head = 0;
  #size = 0;

  /** Number of items held. */
  get length(): number {
    return this.#size;
  }

  /** Appends at the back. */
  push(item: T): void {
    if (this.#size === this.#buf.length) this.#resize(this.#buf.length * 2);
    this.#buf[(this.#head + this.#size) & (this.#buf.length - 1)] = item;
    this.#size++;
  }

  /** Removes and returns the front item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#size--;
    this.#maybeShrink();
    return item;
  }

  /** Removes and returns the back item. */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const i = (this.#head + this.#size - 1) & (this.#buf.length - 1);
    const item = this.#buf[i];
    this.#buf[i] = undefined;
    this.#size--;
    this.#maybeShrink();
    return item;
  }

  /** The front item, without removing it. */
  front(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head];
  }

  /** The back item, without removing it. */
  back(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[(this.#head + this.#size - 1) & (this.#buf.length - 1)];
  }

  /** Removes and returns every item, front first. */
  drain(): T[] {
    const out = [...this];
    this.clear();
    return out;
  }

  /** Drops every item and gives the memory back. */
  clear(): void {
    this.#buf = new Array<T | undefined>(MIN_CAPACITY);
    this.#head = 0;
    this.#size = 0;
  }

  /** Iterates front to back. */
  *[Symbol.iterator](): IterableIterator<T> {
    const mask = this.#buf.length - 1;
    for (let i = 0; i < this.#size; i++) yield this.#buf[(this.#head + i) & mask] as T;
  }

  #maybeShrink(): void {
    const cap = this.#buf.length;
    if (cap > MIN_CAPACITY && this.#size <= cap / SHRINK_AT_FRACTION) this.#resize(cap / 2);
  }

  #resize(capacity: number): void {
    const next = new Array<T | undefined>(capacity);
    const mask = this.#buf.length - 1;
    for (let i = 0; i < this.#size; i++) next[i] = this.#buf[(this.#head + i) & mask];
    this.#buf = next;
    this.#head = 0;
  }
}
