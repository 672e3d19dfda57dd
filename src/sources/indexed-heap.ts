/**
 * A binary heap of slots (small non-negative integers), each with a priority, a time and a sequence number,
 * ordered by `priority + rate × (now − time)` for any common `now` — highest first, exact ties by lowest
 * sequence number. It records where each slot sits, so any slot can be removed in O(log n).
 *
 * Two entries are compared by the difference `(p1 − p2) − rate × (t1 − t2)` rather than by a precomputed key
 * `p − rate × t`: the key loses precision as `t` grows, the difference only depends on how far apart the two
 * entries are, so exact ties of the aging formula stay exact ties (FIFO) however long the queue lives.
 *
 * Each position's (priority, time, sequence) triple sits side by side in one typed array, so a comparison reads
 * one cache line instead of three; that matters once a million entries no longer fit in cache. Storage grows
 * with use: 28 bytes per position, plus 4 per slot number up to the highest slot pushed.
 */
export class IndexedHeap {
  readonly #rate: number;
  /** Per position: priority, time, sequence number. */
  #data: Float64Array<ArrayBuffer>;
  #slots: Int32Array<ArrayBuffer>;
  /** Position + 1 of each slot, 0 when not held (so fresh zeroed arrays need no fill). */
  #pos: Int32Array<ArrayBuffer>;
  #size = 0;

  /**
   * @param capacity - initial room, in positions and slot numbers (both grow on demand)
   * @param rate - priority gained per unit of time (0: plain priority order)
   */
  constructor(capacity = 16, rate = 0) {
    this.#rate = rate;
    this.#data = new Float64Array(3 * capacity);
    this.#slots = new Int32Array(capacity);
    this.#pos = new Int32Array(capacity);
  }

  /** Number of slots held. */
  get size(): number {
    return this.#size;
  }

  /** Drops every slot and resizes the storage to `capacity`. */
  reset(capacity: number): void {
    this.#data = new Float64Array(3 * capacity);
    this.#slots = new Int32Array(capacity);
    this.#pos = new Int32Array(capacity);
    this.#size = 0;
  }

  /** True when `slot` is held. */
  has(slot: number): boolean {
    return (this.#pos[slot] ?? 0) > 0;
  }

  /** Sequence number of `slot`, or -1 when the slot is not held. */
  seqOf(slot: number): number {
    const p = this.#pos[slot] ?? 0;
    return p > 0 ? this.#data[3 * (p - 1) + 2]! : -1;
  }

  /** The first slot, or -1 when empty. */
  top(): number {
    return this.#size > 0 ? this.#slots[0]! : -1;
  }

  /** Adds `slot` (a non-negative integer not held) with its priority, time and sequence number. */
  push(slot: number, key: number, time: number, seq: number): void {
    if (slot >= this.#pos.length) this.#growPos(slot);
    if (this.#size === this.#slots.length) this.#growHeap(Math.max(16, this.#size * 2));
    this.#siftUp(this.#size++, slot, key, time, seq);
  }

  /** Removes and returns the first slot, or -1 when empty. */
  pop(): number {
    if (this.#size === 0) return -1;
    const first = this.#slots[0]!;
    this.#removeAt(0);
    return first;
  }

  /** Removes `slot` if held; returns whether it was. */
  remove(slot: number): boolean {
    if (!this.has(slot)) return false;
    this.#removeAt(this.#pos[slot]! - 1);
    return true;
  }

  /** Whether (k1, t1, s1) is served before the entry at position `j`. */
  #ahead(k1: number, t1: number, s1: number, j: number): boolean {
    const data = this.#data;
    const b = 3 * j;
    const d = k1 - data[b]! - this.#rate * (t1 - data[b + 1]!);
    return d > 0 || (d === 0 && s1 < data[b + 2]!);
  }

  #growPos(slot: number): void {
    // An unused heap (the capped one when nothing can cap) never allocates this.
    const pos = new Int32Array(Math.max(16, 2 * this.#pos.length, slot + 1));
    pos.set(this.#pos);
    this.#pos = pos;
  }

  #growHeap(capacity: number): void {
    const data = new Float64Array(3 * capacity);
    data.set(this.#data);
    const slots = new Int32Array(capacity);
    slots.set(this.#slots);
    this.#data = data;
    this.#slots = slots;
  }

  /** Fills the hole at `i` with the last element, then restores the order around it. */
  #removeAt(i: number): void {
    this.#pos[this.#slots[i]!] = 0;
    const last = --this.#size;
    if (i === last) return;
    const data = this.#data;
    const slot = this.#slots[last]!;
    const key = data[3 * last]!;
    const time = data[3 * last + 1]!;
    const seq = data[3 * last + 2]!;
    if (i > 0 && this.#ahead(key, time, seq, (i - 1) >> 1)) this.#siftUp(i, slot, key, time, seq);
    else this.#siftDown(i, slot, key, time, seq);
  }

  /** Moves the entry at position `from` to the hole `to`. */
  #move(from: number, to: number): void {
    const data = this.#data;
    data[3 * to] = data[3 * from]!;
    data[3 * to + 1] = data[3 * from + 1]!;
    data[3 * to + 2] = data[3 * from + 2]!;
    const slot = this.#slots[from]!;
    this.#slots[to] = slot;
    this.#pos[slot] = to + 1;
  }

  #place(i: number, slot: number, key: number, time: number, seq: number): void {
    const data = this.#data;
    data[3 * i] = key;
    data[3 * i + 1] = time;
    data[3 * i + 2] = seq;
    this.#slots[i] = slot;
    this.#pos[slot] = i + 1;
  }

  /** Places (slot, key, time, seq) at the hole `i` or above it. */
  #siftUp(i: number, slot: number, key: number, time: number, seq: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#ahead(key, time, seq, p)) break;
      this.#move(p, i);
      i = p;
    }
    this.#place(i, slot, key, time, seq);
  }

  /** Places (slot, key, time, seq) at the hole `i` or below it. */
  #siftDown(i: number, slot: number, key: number, time: number, seq: number): void {
    const data = this.#data;
    const size = this.#size;
    const half = size >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < size && this.#ahead(data[3 * r]!, data[3 * r + 1]!, data[3 * r + 2]!, c)) c = r;
      if (this.#ahead(key, time, seq, c)) break;
      this.#move(c, i);
      i = c;
    }
    this.#place(i, slot, key, time, seq);
  }
}
