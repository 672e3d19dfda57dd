/** Something a {@link KeyIndex} can hold: a given key, or a number from which the key `task-<n>` is made. */
export interface Keyed {
  /** The key given at `add`, or the generated one once it has been read. */
  readonly key: string;
  /** The generated number, when no key was given (0 otherwise). */
  readonly id: number;
}

const GENERATED = /^task-([1-9][0-9]{0,14})$/;

/** The number `n` of a key of the form `task-<n>` (no leading zeros), or 0. */
export function generatedNumber(key: string): number {
  const m = GENERATED.exec(key);
  return m === null ? 0 : Number(m[1]);
}

/** Slots of the window beyond which a mostly empty window moves its few entries to the overflow map. */
const MIN_SPILL = 1024;

/**
 * Finds tasks by key. Keys given by the caller live in a `Map`; tasks without one get the next number `n` and
 * are found by it, so the common unnamed task costs no string, no hashing and no map entry: numbers rise, so
 * they fill a window (an array indexed by `n − base`) whose front is trimmed as old entries are forgotten.
 * One long-lived entry would keep a growing window alive behind it, so a window that is mostly holes moves
 * its few entries to an overflow map and starts afresh: memory stays proportional to what is remembered.
 *
 * Generated numbers skip any `task-<n>` a caller has used as a key, so the two kinds never collide.
 */
export class KeyIndex<T extends Keyed> {
  readonly #named = new Map<string, T>();
  #window: (T | undefined)[] = [];
  /** The number of `#window[0]`. */
  #base = 1;
  /** Entries in the window. */
  #inWindow = 0;
  /** Slots before this one are empty. */
  #front = 0;
  readonly #overflow = new Map<number, T>();
  #next = 1;
  /** Numbers `n ≥ #next` whose key `task-<n>` a caller has used: generation skips them. */
  readonly #claimed = new Set<number>();

  /**
   * The number the next unnamed entry gets, or, with `after`, the first usable one above it (to number a batch
   * before adding it). Numbers are taken by {@link KeyIndex.addNumbered}.
   */
  nextNumber(after = 0): number {
    let n = after < this.#next ? this.#next : after + 1;
    if (this.#claimed.size > 0) while (this.#claimed.has(n)) n++;
    return n;
  }

  /** Whether `key` is taken by a remembered entry. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get(key: string): T | undefined {
    const named = this.#named.get(key);
    if (named !== undefined) return named;
    const n = generatedNumber(key);
    return n === 0 ? undefined : this.#numbered(n);
  }

  /** Adds an entry with a caller's key (not taken: check with `has`). */
  addNamed(key: string, entry: T): void {
    this.#named.set(key, entry);
    const n = generatedNumber(key);
    if (n >= this.#next) this.#claimed.add(n);
  }

  /** Adds an unnamed entry; `entry.id` must be {@link KeyIndex.nextNumber}'s latest answer. */
  addNumbered(entry: T): void {
    const n = entry.id;
    this.#next = n + 1;
    if (this.#claimed.size > 0) for (const c of this.#claimed) if (c <= n) this.#claimed.delete(c);
    if (this.#inWindow === 0) {
      this.#window.length = 0;
      this.#front = 0;
      this.#base = n;
    }
    const at = n - this.#base;
    while (this.#window.length < at) this.#window.push(undefined); // numbers a caller claimed
    this.#window.push(entry);
    this.#inWindow++;
  }

  /** Forgets `entry` if it is the one remembered under its key. */
  delete(entry: T): void {
    if (entry.id === 0) {
      if (this.#named.get(entry.key) === entry) this.#named.delete(entry.key);
      return;
    }
    const at = entry.id - this.#base;
    if (at >= 0 && at < this.#window.length && this.#window[at] === entry) {
      this.#window[at] = undefined;
      this.#inWindow--;
      this.#trim();
    } else if (this.#overflow.get(entry.id) === entry) {
      this.#overflow.delete(entry.id);
    }
  }

  /** Every remembered entry (named first, then by number). */
  *values(): IterableIterator<T> {
    yield* this.#named.values();
    yield* this.#overflow.values();
    for (const e of this.#window) if (e !== undefined) yield e;
  }

  #numbered(n: number): T | undefined {
    const at = n - this.#base;
    if (at >= 0 && at < this.#window.length) {
      const e = this.#window[at];
      if (e !== undefined) return e;
    }
    return this.#overflow.get(n);
  }

  #trim(): void {
    const w = this.#window;
    if (this.#inWindow === 0) {
      w.length = 0;
      this.#front = 0;
      return;
    }
    let front = this.#front;
    while (w[front] === undefined) front++;
    this.#front = front;
    if (front >= w.length >>> 1) {
      // The front half is empty: drop it (amortised O(1) per entry).
      this.#window = w.slice(front);
      this.#base += front;
      this.#front = 0;
    } else if (w.length > MIN_SPILL && this.#inWindow < w.length >>> 3) {
      for (const e of w) if (e !== undefined) this.#overflow.set(e.id, e);
      this.#window = [];
      this.#inWindow = 0;
      this.#front = 0;
    }
  }
}
