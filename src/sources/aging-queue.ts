import { show } from '../errors/allot-error.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import { EntryFifo } from './entry-fifo.js';
import { IndexedHeap } from './indexed-heap.js';

/** Options of {@link AgingQueue}; the priority sources pass theirs through. */
export interface AgingQueueOptions {
  /** Priority gained per millisecond of waiting; `0` (the default) disables aging. Finite, ≥ 0. */
  agingRate?: number;
  /** Upper bound on the aging bonus; default `Infinity` (no cap). ≥ 0. */
  maxAgeBoost?: number;
  /** Clock in milliseconds; default `Date.now`. A reading below an earlier one counts as the earlier one. */
  now?: () => number;
}

/** What {@link AgingQueue.peekEntry} reports about the entry that would be popped next. */
export interface AgingQueueEntry<T> {
  readonly item: T;
  /** The base priority given to `push`. */
  readonly priority: number;
  /** `priority + min(agingRate × waitedMs, maxAgeBoost)` at the time of the call. */
  readonly effectivePriority: number;
}

/** Identifies one queued entry, for {@link AgingQueue.remove}. Stale once the entry leaves the queue. */
export class EntryHandle {
  /** @internal */
  constructor(
    /** @internal storage slot, reused after the entry leaves */
    readonly slot: number,
    /** @internal unique across all queues, so a stale or foreign handle never matches */
    readonly seq: number,
  ) {}
}

const MIN_CAPACITY = 16;
/** Storage is released when the queue empties only above this capacity, to avoid churn on small queues. */
const SHRINK_ABOVE = 1024;
/** Global so that handles from one queue never match an entry of another. */
let nextSeq = 1;

/**
 * A max-priority queue whose entries gain priority while they wait (D19):
 * effective priority = `priority + min(agingRate × (now − enqueuedAt), maxAgeBoost)`, highest first, equal
 * effective priorities in enqueue order (FIFO). `push`, `pop`, `peek` and `remove` are O(log n) amortised.
 *
 * How aging stays cheap: while uncapped, every entry's bonus grows at the same rate, so their order does not
 * change with time (one heap, comparing `(p1 − p2) − agingRate × (t1 − t2)`). An entry reaches the cap
 * `maxAgeBoost / agingRate` ms after its enqueue, so entries reach it in enqueue order; a FIFO of enqueues
 * tells which ones did, and each moves once into a second heap ordered by `priority` (bonus = the cap).
 * The next entry is the better of the two heap tops. Entries live in typed arrays (struct of arrays):
 * about 65 bytes per queued entry, plus about 50 for each {@link EntryHandle} the caller keeps.
 *
 * Ties: equal effective priority goes to the earlier enqueue, whatever made them equal (rate 0.01, cap 5:
 * a background(1) enqueued 400 ms before a fresh 5 is served first, at 1 + 4 = 5).
 * Rounding: uncapped entries are compared by the difference above, which can differ from the formula only by
 * the rounding of these few operations (allowed by D19), independent of how long the queue has lived; exact
 * ties such as the one above stay ties.
 * Clock: read on `push`, `peek`, `peekEntry`, `pop` and `effectivePriorityOf`; a reading below the latest
 * one counts as the latest (time never runs backwards), and a non-finite reading throws.
 */
export class AgingQueue<T> {
  readonly #rate: number;
  readonly #cap: number;
  readonly #now: () => number;
  /** True when entries can go from uncapped to capped while queued (rate > 0, 0 < cap < ∞). */
  readonly #capping: boolean;

  // Per-slot storage. Sequence numbers live in the heaps; a slot is queued iff one heap holds it.
  #items: Array<T | undefined> = [];
  #prio = new Float64Array(MIN_CAPACITY);
  /** Enqueue time relative to `#epoch`, to keep the keys small. */
  #time = new Float64Array(MIN_CAPACITY);
  #free = new Int32Array(MIN_CAPACITY);
  #freeCount = 0;
  /** Slots below this have been handed out since the queue was last empty. */
  #used = 0;
  #size = 0;

  /** Entries whose bonus is below the cap, by `priority − rate × time`. */
  readonly #uncapped: IndexedHeap;
  /** Entries whose bonus reached the cap, by `priority`. */
  readonly #capped = new IndexedHeap(MIN_CAPACITY);
  /** Uncapped entries (and slots of deleted ones, reserved until dropped) in enqueue order. */
  readonly #fifo = new EntryFifo(MIN_CAPACITY);
  /** Clock reading `#bestSlot` was computed at; NaN after any change to the queue. */
  #bestAt = Number.NaN;
  #bestSlot = -1;
  /** Latest clock reading seen; time never moves backwards. */
  #last = Number.NEGATIVE_INFINITY;
  #epoch = 0;

  constructor(opts: AgingQueueOptions = {}) {
    const { agingRate = 0, maxAgeBoost = Number.POSITIVE_INFINITY, now = Date.now } = opts;
    if (typeof agingRate !== 'number' || !Number.isFinite(agingRate) || agingRate < 0) {
      const expected = 'a finite number ≥ 0 (priority per ms; 0 disables aging)';
      throw new InvalidOptionError('agingRate', agingRate, expected);
    }
    if (typeof maxAgeBoost !== 'number' || Number.isNaN(maxAgeBoost) || maxAgeBoost < 0) {
      throw new InvalidOptionError('maxAgeBoost', maxAgeBoost, 'a number ≥ 0 (Infinity for no cap)');
    }
    if (typeof now !== 'function') {
      throw new InvalidOptionError('now', now, 'a function returning the time in milliseconds');
    }
    this.#rate = agingRate;
    this.#uncapped = new IndexedHeap(MIN_CAPACITY, agingRate);
    this.#cap = maxAgeBoost;
    this.#now = now;
    this.#capping = agingRate > 0 && maxAgeBoost > 0 && maxAgeBoost < Number.POSITIVE_INFINITY;
  }

  /** Number of queued entries. */
  get size(): number {
    return this.#size;
  }

  /** Queues `item` at base `priority` (a finite number; higher first). Its aging starts now. */
  push(item: T, priority: number): EntryHandle {
    const slot = this.#insert(item, priority);
    return new EntryHandle(slot, this.#seqOf(slot));
  }

  /** {@link AgingQueue.push} for callers that never remove by handle: allocates nothing per item. */
  add(item: T, priority: number): void {
    this.#insert(item, priority);
  }

  /** The item with the highest effective priority now, without removing it. */
  peek(): T | undefined {
    const slot = this.#best(this.#clock());
    return slot < 0 ? undefined : this.#items[slot];
  }

  /** Like {@link AgingQueue.peek}, with the base and effective priorities. */
  peekEntry(): AgingQueueEntry<T> | undefined {
    const now = this.#clock();
    const slot = this.#best(now);
    if (slot < 0) return undefined;
    return {
      item: this.#items[slot] as T,
      priority: this.#prio[slot]!,
      effectivePriority: this.#effective(slot, now),
    };
  }

  /** Removes and returns the item with the highest effective priority now. */
  pop(): T | undefined {
    const slot = this.#best(this.#clock());
    if (slot < 0) return undefined;
    const item = this.#items[slot] as T;
    this.#delete(slot);
    return item;
  }

  /** Removes the entry behind `handle`; false when it already left the queue (or is another queue's). */
  remove(handle: EntryHandle): boolean {
    if (!this.#live(handle)) return false;
    this.#delete(handle.slot);
    return true;
  }

  /** Effective priority of a queued entry now, or `undefined` when it left the queue. */
  effectivePriorityOf(handle: EntryHandle): number | undefined {
    if (!this.#live(handle)) return undefined;
    return this.#effective(handle.slot, this.#clock());
  }

  /** Removes every entry and releases the storage. Existing handles become stale. */
  clear(): void {
    this.#bestAt = Number.NaN;
    this.#items = [];
    this.#prio = new Float64Array(MIN_CAPACITY);
    this.#time = new Float64Array(MIN_CAPACITY);
    this.#free = new Int32Array(MIN_CAPACITY);
    this.#freeCount = 0;
    this.#used = 0;
    this.#size = 0;
    this.#uncapped.reset(MIN_CAPACITY);
    this.#capped.reset(MIN_CAPACITY);
    this.#fifo.reset(MIN_CAPACITY);
  }

  /** Reads the clock, holding time still if it went backwards. */
  #clock(): number {
    const t = this.#now();
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new InvalidOptionError('now()', t, 'a finite number of milliseconds');
    }
    if (t > this.#last) this.#last = t;
    return this.#last;
  }

  #effective(slot: number, now: number): number {
    const age = now - this.#epoch - this.#time[slot]!;
    return this.#prio[slot]! + Math.min(this.#rate * age, this.#cap);
  }

  /** Stores the entry and returns its slot. */
  #insert(item: T, priority: number): number {
    this.#bestAt = Number.NaN;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      const option = typeof item === 'string' ? `priority of ${show(item)}` : 'priority';
      throw new InvalidOptionError(option, priority, 'a finite number (higher is served first)');
    }
    const now = this.#clock();
    // Nothing queued: rebase time so that keys stay small however long the queue lives.
    if (this.#size === 0) this.#epoch = now;
    const slot = this.#allocate();
    const seq = nextSeq++;
    const time = now - this.#epoch;
    this.#items[slot] = item;
    this.#prio[slot] = priority;
    this.#time[slot] = time;
    this.#size++;
    if (this.#cap === 0) {
      this.#capped.push(slot, priority, 0, seq);
    } else {
      // Uncapped bonuses grow alike, so (priority, time) orders uncapped entries the same at any time.
      this.#uncapped.push(slot, priority, time, seq);
      if (this.#capping) this.#fifo.push(slot);
    }
    return slot;
  }

  #seqOf(slot: number): number {
    const seq = this.#uncapped.seqOf(slot);
    return seq >= 0 ? seq : this.#capped.seqOf(slot);
  }

  #live(handle: EntryHandle): boolean {
    const { slot, seq } = handle;
    return this.#uncapped.seqOf(slot) === seq || this.#capped.seqOf(slot) === seq;
  }

  /** Slot of the entry to serve at `now`, or -1 when empty. */
  #best(now: number): number {
    // A pull usually follows a peek at the same clock reading: answer it from the peek.
    if (now === this.#bestAt) return this.#bestSlot;
    if (this.#capping) this.#moveCapped(now);
    const u = this.#uncapped.top();
    const c = this.#capped.top();
    let best: number;
    if (u < 0) best = c;
    else if (c < 0) best = u;
    // On a tie the capped entry wins: entries reach the cap in enqueue order, so it is the older one.
    else best = this.#effective(u, now) > this.#effective(c, now) ? u : c;
    this.#bestAt = now;
    this.#bestSlot = best;
    return best;
  }

  /** Moves the entries whose bonus reached the cap by `now` to the capped heap, oldest first. */
  #moveCapped(now: number): void {
    const fifo = this.#fifo;
    const elapsed = now - this.#epoch;
    while (fifo.length > 0) {
      const slot = fifo.front();
      const seq = this.#uncapped.seqOf(slot);
      if (seq < 0) {
        this.#release(slot); // deleted while uncapped; its slot was reserved for this moment
      } else {
        // Same test as `min(rate × age, cap) === cap` in #effective, so both agree on capped-ness.
        if (this.#rate * (elapsed - this.#time[slot]!) < this.#cap) return;
        this.#uncapped.remove(slot);
        this.#capped.push(slot, this.#prio[slot]!, 0, seq);
      }
      fifo.shift();
    }
  }

  #delete(slot: number): void {
    this.#bestAt = Number.NaN;
    const wasUncapped = this.#uncapped.remove(slot);
    if (!wasUncapped) this.#capped.remove(slot);
    this.#items[slot] = undefined;
    if (--this.#size === 0) {
      this.#emptied();
    } else if (!(wasUncapped && this.#capping)) {
      this.#release(slot);
    } else if (this.#fifo.length > 2 * this.#uncapped.size + MIN_CAPACITY) {
      // The FIFO still names the slot. Once deleted entries outnumber live ones there, drop them all:
      // each deletion pays for one drop, so this stays amortised O(1).
      this.#fifo.compact((s) => {
        if (this.#uncapped.has(s)) return true;
        this.#release(s);
        return false;
      });
    }
  }

  /** Every slot is free once the queue is empty: restart allocation, and release big storage. */
  #emptied(): void {
    if (this.#prio.length > SHRINK_ABOVE) {
      this.clear();
      return;
    }
    this.#freeCount = 0;
    this.#used = 0;
    this.#fifo.clear();
  }

  #release(slot: number): void {
    this.#free[this.#freeCount++] = slot;
  }

  #allocate(): number {
    if (this.#freeCount > 0) return this.#free[--this.#freeCount]!;
    if (this.#used === this.#prio.length) this.#grow(this.#prio.length * 2);
    return this.#used++;
  }

  #grow(capacity: number): void {
    const prio = new Float64Array(capacity);
    prio.set(this.#prio);
    this.#prio = prio;
    const time = new Float64Array(capacity);
    time.set(this.#time);
    this.#time = time;
    const free = new Int32Array(capacity);
    free.set(this.#free.subarray(0, this.#freeCount));
    this.#free = free;
  }
}
