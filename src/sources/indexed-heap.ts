/**
 * A binary heap of slots (small non-negative integers), each with a priority, a time and a sequence number,
 * ordered by `priority + rate × (now − time)` for any common `now` — highest first, exact ties by lowest
 * sequence number. It records where each slot sits, so any slot can be removed in O(log n).
 *
 * Two entries are compared by the difference `(p1 − p2) − rate × (t1 − t2)` rather than by a precomputed key
 * `p − rate × t`: the key loses precision as `t` grows, the difference only depends on how far apart the two
 * entries are, so exact ties of the aging formula stay exact ties (FIFO) however long the queue lives.
 *
 * Keys and sequence numbers are stored in heap order next to the slot, so comparisons read contiguous
 * typed arrays instead of chasing slots; this roughly halves the time of a large drain. Storage grows with
 * use: 20 bytes per position, plus 4 per slot number up to the highest slot pushed.
 */
export class IndexedHeap {
  readonly #rate: number;
  #keys: Float64Array<ArrayBuffer>;
  #times: Float64Array<ArrayBuffer>;
  #seqs: Float64Array<ArrayBuffer>;
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
    this.#keys = new Float64Array(capacity);
    this.#times = new Float64Array(capacity);
    this.#seqs = new Float64Array(capacity);
    this.#slots = new Int32Array(capacity);
    this.#pos = new Int32Array(capacity);
  }

  /** Number of slots held. */
  get size(): number {
    return this.#size;
  }

  /** Drops every slot and resizes the storage to `capacity`. */
  reset(capacity: number): void {
    this.#keys = new Float64Array(capacity);
    this.#times = new Float64Array(capacity);
    this.#seqs = new Float64Array(capacity);
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
    return p > 0 ? this.#seqs[p - 1]! : -1;
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

  /** Whether entry 1 is served before entry 2. */
  #ahead(k1: number, t1: number, s1: number, k2: number, t2: number, s2: number): boolean {
    const d = k1 - k2 - this.#rate * (t1 - t2);
    return d > 0 || (d === 0 && s1 < s2);
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

  #growPos(slot: number): void {
    // An unused heap (the capped one when nothing can cap) never allocates this.
    const pos = new Int32Array(Math.max(16, 2 * this.#pos.length, slot + 1));
    pos.set(this.#pos);
    this.#pos = pos;
  }

  #growHeap(capacity: number): void {
    const keys = new Float64Array(capacity);
    keys.set(this.#keys);
    const times = new Float64Array(capacity);
    times.set(this.#times);
    this.#times = times;
    const seqs = new Float64Array(capacity);
    seqs.set(this.#seqs);
    const slots = new Int32Array(capacity);
    slots.set(this.#slots);
    this.#keys = keys;
    this.#seqs = seqs;
    this.#slots = slots;
  }

  /** Fills the hole at `i` with the last element, then restores the order around it. */
  #removeAt(i: number): void {
    this.#pos[this.#slots[i]!] = 0;
    const last = --this.#size;
    if (i === last) return;
    const slot = this.#slots[last]!;
    const key = this.#keys[last]!;
    const time = this.#times[last]!;
    const seq = this.#seqs[last]!;
    if (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#ahead(key, time, seq, this.#keys[p]!, this.#times[p]!, this.#seqs[p]!)) {
        this.#siftUp(i, slot, key, time, seq);
        return;
      }
    }
    this.#siftDown(i, slot, key, time, seq);
  }

  /** Places (slot, key, time, seq) at the hole `i` or above it. */
  #siftUp(i: number, slot: number, key: number, time: number, seq: number): void {
    const keys = this.#keys;
    const times = this.#times;
    const seqs = this.#seqs;
    const slots = this.#slots;
    const pos = this.#pos;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p]!;
      const pt = times[p]!;
      if (!this.#ahead(key, time, seq, pk, pt, seqs[p]!)) break;
      keys[i] = pk;
      times[i] = pt;
      seqs[i] = seqs[p]!;
      const ps = slots[p]!;
      slots[i] = ps;
      pos[ps] = i + 1;
      i = p;
    }
    keys[i] = key;
    times[i] = time;
    seqs[i] = seq;
    slots[i] = slot;
    pos[slot] = i + 1;
  }

  /** Places (slot, key, time, seq) at the hole `i` or below it. */
  #siftDown(i: number, slot: number, key: number, time: number, seq: number): void {
    const keys = this.#keys;
    const times = this.#times;
    const seqs = this.#seqs;
    const slots = this.#slots;
    const pos = this.#pos;
    const size = this.#size;
    const half = size >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ck = keys[c]!;
      let ct = times[c]!;
      let cs = seqs[c]!;
      const r = c + 1;
      if (r < size && this.#ahead(keys[r]!, times[r]!, seqs[r]!, ck, ct, cs)) {
        c = r;
        ck = keys[r]!;
        ct = times[r]!;
        cs = seqs[r]!;
      }
      if (this.#ahead(key, time, seq, ck, ct, cs)) break;
      keys[i] = ck;
      times[i] = ct;
      seqs[i] = cs;
      const childSlot = slots[c]!;
      slots[i] = childSlot;
      pos[childSlot] = i + 1;
      i = c;
    }
    keys[i] = key;
    times[i] = time;
    seqs[i] = seq;
    slots[i] = slot;
    pos[slot] = i + 1;
  }
}
