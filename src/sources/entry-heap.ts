/** Capacity kept by `clear()`; bigger storage is released. */
const KEPT_CAPACITY = 1024;
const MIN_CAPACITY = 16;

/**
 * A binary max-heap of queue entries, each a reference (the item, or its handle) with a priority, a time and a
 * sequence number, ordered by `priority + rate × (now − time)` for any common `now`: highest first, exact ties by
 * lowest sequence number. {@link AgingQueue} uses two: entries still aging, and entries whose bonus reached the
 * cap.
 *
 * Two entries are compared by the difference `(p1 − p2) − rate × (t1 − t2)` rather than by a precomputed key
 * `p − rate × t`: the key loses precision as `t` grows, the difference only depends on how far apart the two
 * entries are, so exact ties of the aging formula stay exact ties (FIFO) however long the queue lives.
 *
 * The heap does not know where an entry sits, so it cannot take one out of the middle: the queue leaves it in
 * place, recognises it as stale when it reaches the top, and calls {@link EntryHeap.filter} once stale entries
 * outnumber live ones. Not tracking positions saves a scattered write on every move.
 *
 * Storage: each position's (priority, time, sequence) triple sits together in one typed array, so a comparison
 * reads one place, and the references sit in a plain array. 32 bytes per position; both double when full.
 */
export class EntryHeap {
  readonly #rate: number;
  /** Per position: priority, time, sequence number. */
  #data = new Float64Array(3 * MIN_CAPACITY);
  /** Per position: the entry's reference. */
  #refs: unknown[] = new Array(MIN_CAPACITY);
  #size = 0;

  /** @param rate - priority gained per unit of time (0: plain priority order) */
  constructor(rate = 0) {
    this.#rate = rate;
  }

  /** Number of entries held, stale ones included. */
  get size(): number {
    return this.#size;
  }

  /** Reference of the first entry (only when `size > 0`). */
  topRef(): unknown {
    return this.#refs[0];
  }

  /** Priority of the first entry (only when `size > 0`). */
  topPriority(): number {
    return this.#data[0]!;
  }

  /** Time of the first entry (only when `size > 0`). */
  topTime(): number {
    return this.#data[1]!;
  }

  /** Sequence number of the first entry (only when `size > 0`). */
  topSeq(): number {
    return this.#data[2]!;
  }

  /** Adds an entry. O(log n) (amortised: the storage doubles when full). */
  push(ref: unknown, priority: number, time: number, seq: number): void {
    if (this.#size === this.#refs.length) this.#resize(2 * this.#size);
    this.#siftUp(this.#size++, ref, priority, time, seq);
  }

  /**
   * Removes the first entry (only when `size > 0`). O(log n). Bottom-up: the hole left at the top goes down to
   * a leaf by the better child (one comparison per level instead of two), then the last entry fills it and
   * rises, usually by a level or two since it came from the bottom.
   */
  pop(): void {
    const n = --this.#size;
    const data = this.#data;
    const refs = this.#refs;
    const ref = refs[n];
    refs[n] = undefined; // no reference to a departed item stays behind
    if (n === 0) return;
    const lb = 3 * n;
    const priority = data[lb]!;
    const time = data[lb + 1]!;
    const seq = data[lb + 2]!;
    let i = 0;
    for (let c = 1; c < n; c = 2 * i + 1) {
      c = this.#betterChild(c, n);
      this.#move(c, i);
      i = c;
    }
    this.#siftUp(i, ref, priority, time, seq);
  }

  /** Keeps only the entries for which `keep(ref, seq)` is true, then restores the heap order. O(n). */
  filter(keep: (ref: unknown, seq: number) => boolean): void {
    const data = this.#data;
    const refs = this.#refs;
    const n = this.#size;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const ref = refs[i];
      refs[i] = undefined;
      if (!keep(ref, data[3 * i + 2]!)) continue;
      if (kept !== i) data.copyWithin(3 * kept, 3 * i, 3 * i + 3);
      refs[kept++] = ref;
    }
    this.#size = kept;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  /** Drops every entry (and their references); releases big storage. */
  clear(): void {
    const n = this.#size;
    this.#size = 0;
    if (this.#refs.length > KEPT_CAPACITY) this.#resize(MIN_CAPACITY);
    else this.#refs.fill(undefined, 0, n);
  }

  /** Places the entry at the hole `i` or above it. */
  #siftUp(i: number, ref: unknown, priority: number, time: number, seq: number): void {
    const data = this.#data;
    const rate = this.#rate;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pb = 3 * p;
      const d = priority - data[pb]! - rate * (time - data[pb + 1]!);
      if (d < 0 || (d === 0 && seq > data[pb + 2]!)) break;
      this.#move(p, i);
      i = p;
    }
    this.#place(i, ref, priority, time, seq);
  }

  /** Moves the entry at `i` down to its place (for `filter`'s heap construction). */
  #siftDown(i: number): void {
    const data = this.#data;
    const refs = this.#refs;
    const rate = this.#rate;
    const n = this.#size;
    const ref = refs[i];
    const b = 3 * i;
    const priority = data[b]!;
    const time = data[b + 1]!;
    const seq = data[b + 2]!;
    for (let c = 2 * i + 1; c < n; c = 2 * i + 1) {
      c = this.#betterChild(c, n);
      const cb = 3 * c;
      const d = priority - data[cb]! - rate * (time - data[cb + 1]!);
      if (d > 0 || (d === 0 && seq < data[cb + 2]!)) break;
      this.#move(c, i);
      i = c;
    }
    this.#place(i, ref, priority, time, seq);
  }

  /** Moves the entry at position `from` into the hole at `to`. */
  #move(from: number, to: number): void {
    const data = this.#data;
    const fb = 3 * from;
    const tb = 3 * to;
    data[tb] = data[fb]!;
    data[tb + 1] = data[fb + 1]!;
    data[tb + 2] = data[fb + 2]!;
    this.#refs[to] = this.#refs[from];
  }

  /** Puts an entry into the hole at `i`. */
  #place(i: number, ref: unknown, priority: number, time: number, seq: number): void {
    const data = this.#data;
    const b = 3 * i;
    data[b] = priority;
    data[b + 1] = time;
    data[b + 2] = seq;
    this.#refs[i] = ref;
  }

  /** Of the left child `c` and its right sibling (when one of the `n` positions), the one served first. */
  #betterChild(c: number, n: number): number {
    if (c + 1 >= n) return c;
    const data = this.#data;
    const cb = 3 * c;
    const rb = cb + 3;
    const d = data[rb]! - data[cb]! - this.#rate * (data[rb + 1]! - data[cb + 1]!);
    return d > 0 || (d === 0 && data[rb + 2]! < data[cb + 2]!) ? c + 1 : c;
  }

  /** Moves the entries to storage for `capacity` positions (at least the current size). */
  #resize(capacity: number): void {
    const data = new Float64Array(3 * capacity);
    data.set(this.#data.subarray(0, 3 * this.#size));
    const refs: unknown[] = new Array(capacity);
    for (let i = 0; i < this.#size; i++) refs[i] = this.#refs[i];
    this.#data = data;
    this.#refs = refs;
  }
}
