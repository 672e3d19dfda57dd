/** Dropped entries are compacted away once they are this many and outnumber the live ones. */
const COMPACT_AT = 1024;

/**
 * Keys in the order they became ready, for {@link DependencySourceObj}. A key readied again (after `fail()`)
 * moves to the back: only its latest entry counts. Entries whose key is no longer ready (started or aborted
 * elsewhere) are dropped lazily when they reach the front. Amortised O(1) per operation.
 *
 * Why not read the graph's live `ready` set: V8 finds the first element of a Set slowly after many deletions.
 */
export class ReadyFifo<K> {
  #keys: Array<K | undefined> = [];
  #seqs: number[] = [];
  #head = 0;
  /** Sequence number of each key's latest entry. */
  #latest = new Map<K, number>();
  #seq = 0;

  /** Appends `key`; an older entry for it becomes stale. */
  push(key: K): void {
    const seq = ++this.#seq;
    this.#keys.push(key);
    this.#seqs.push(seq);
    this.#latest.set(key, seq);
  }

  /**
   * The oldest key whose latest entry this is and for which `isReady` holds, without removing it. Entries in
   * front of it are dropped: a key that is not ready now can only become ready again through a new entry.
   */
  front(isReady: (key: K) => boolean): K | undefined {
    while (this.#head < this.#keys.length) {
      const key = this.#keys[this.#head] as K;
      const current = this.#latest.get(key) === this.#seqs[this.#head];
      if (current && isReady(key)) return key;
      if (current) this.#latest.delete(key);
      this.#drop();
    }
    return undefined;
  }

  /** Removes the front entry (the one {@link ReadyFifo.front} just returned). */
  shift(): void {
    const key = this.#keys[this.#head] as K;
    this.#latest.delete(key);
    this.#drop();
  }

  /** Forgets everything. */
  clear(): void {
    this.#keys = [];
    this.#seqs = [];
    this.#head = 0;
    this.#latest.clear();
  }

  #drop(): void {
    this.#keys[this.#head] = undefined;
    this.#head++;
    if (this.#head === this.#keys.length) {
      this.#keys.length = 0;
      this.#seqs.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#keys.length) {
      this.#keys = this.#keys.slice(this.#head);
      this.#seqs = this.#seqs.slice(this.#head);
      this.#head = 0;
    }
  }
}
