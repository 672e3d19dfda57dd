/**
 * A growable ring buffer of slot numbers in insertion order: {@link AgingQueue}'s list of entries that may
 * still reach the aging cap. 4 bytes per slot, no objects. The queue keeps a deleted entry's slot reserved
 * while it is still in the ring, so a slot in the ring always names the entry that was pushed with it.
 */
export class EntryFifo {
  #slots: Int32Array<ArrayBuffer>;
  #head = 0;
  #length = 0;

  /** @param capacity - initial capacity, a power of two */
  constructor(capacity = 16) {
    this.#slots = new Int32Array(capacity);
  }

  /** Number of slots held. */
  get length(): number {
    return this.#length;
  }

  /** The oldest slot (only when `length > 0`). */
  front(): number {
    return this.#slots[this.#head]!;
  }

  /** Drops the oldest slot. */
  shift(): void {
    this.#head = (this.#head + 1) & (this.#slots.length - 1);
    this.#length--;
  }

  /** Appends a slot, doubling the ring when full. */
  push(slot: number): void {
    if (this.#length === this.#slots.length) this.#resize(this.#slots.length * 2);
    this.#slots[(this.#head + this.#length) & (this.#slots.length - 1)] = slot;
    this.#length++;
  }

  /** Keeps only the slots for which `keep` is true, in order. O(length). */
  compact(keep: (slot: number) => boolean): void {
    const mask = this.#slots.length - 1;
    let kept = 0;
    for (let k = 0; k < this.#length; k++) {
      const slot = this.#slots[(this.#head + k) & mask]!;
      if (keep(slot)) this.#slots[(this.#head + kept++) & mask] = slot;
    }
    this.#length = kept;
  }

  /** Empties the ring, keeping its storage. */
  clear(): void {
    this.#head = 0;
    this.#length = 0;
  }

  /** Empties the ring and resizes it to `capacity` (a power of two). */
  reset(capacity: number): void {
    if (this.#slots.length !== capacity) this.#slots = new Int32Array(capacity);
    this.#head = 0;
    this.#length = 0;
  }

  #resize(capacity: number): void {
    const slots = new Int32Array(capacity);
    const mask = this.#slots.length - 1;
    for (let k = 0; k < this.#length; k++) slots[k] = this.#slots[(this.#head + k) & mask]!;
    this.#slots = slots;
    this.#head = 0;
  }
}
