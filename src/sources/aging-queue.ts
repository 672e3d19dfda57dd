import { show } from '../errors/allot-error.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import { EntryHandle, hasHandle, isStale, itemOf, Place } from './entry-handle.js';
import { EntryHeap } from './entry-heap.js';

/** Options of {@link AgingQueue}; the priority sources pass theirs through. */
export interface AgingQueueOptions {
  /** Priority gained per millisecond of waiting; `0` (the default) disables aging. Finite, ≥ 0. */
  agingRate?: number;
  /** Upper bound on the aging bonus; default `Infinity` (no cap). ≥ 0. */
  maxAgeBoost?: number;
  /**
   * Clock in milliseconds; default `Date.now`. A reading below an earlier one counts as the earlier one. Only
   * read when entries age (`agingRate` and `maxAgeBoost` both above 0).
   */
  now?: () => number;
}

/** What {@link AgingQueue.peekEntry} reports about the entry that would be popped next. */
export interface AgingQueueEntry<T> {
  readonly item: T;
  /** The base priority given to `push` or `add`. */
  readonly priority: number;
  /** `priority + min(agingRate × waitedMs, maxAgeBoost)` at the time of the call. */
  readonly effectivePriority: number;
}

/** Stale copies a heap may hold, beyond one per live entry, before it is rebuilt without them. */
const MIN_STALE = 16;
/** Identities of queues (a new one at each `clear()`); global, so a handle never matches another queue. */
let nextOwner = 1;

/**
 * A max-priority queue whose entries gain priority while they wait: effective priority =
 * `priority + min(agingRate × (now − enqueuedAt), maxAgeBoost)`, where `enqueuedAt` is the entry's own (latest)
 * enqueue; highest first, equal effective priorities in enqueue order (FIFO). `push`, `add`, `pop`, `peek` and
 * `remove` are O(log n) amortised.
 *
 * Peek, then pop: `pop()` removes the entry that the latest `peek()` or `peekEntry()` chose, as long as nothing
 * was pushed or removed since, however the clock moved in between; after a change, or without a peek, it chooses
 * at the current time. A caller that inspects the head before taking it (the runner checks its cost) takes
 * exactly what it inspected. Every peek chooses afresh, so a later peek sees aging reorder the entries.
 *
 * How aging stays cheap: while uncapped, every entry's bonus grows at the same rate, so their order does not
 * change with time (one heap, comparing `(p1 − p2) − agingRate × (t1 − t2)`). Once the first entry of that heap
 * has reached the cap, it moves to a second heap ordered by `priority` (bonus = the cap), and so on until the
 * first entry is still below the cap; the next entry is the better of the two heap tops. Entries that reached the
 * cap but are not first yet can wait: their key overstates them, yet stays below the first entry's, which is
 * exact, so they cannot be the best. Each entry moves at most once.
 *
 * Handles: `add` stores the item itself; `push` stores an {@link EntryHandle} that carries the item, which is how
 * `remove` and `effectivePriorityOf` find the entry. A removed entry stays in its heap as a stale copy until it
 * reaches the top or stale copies outnumber live entries (then the heap is rebuilt), which spares the heaps any
 * bookkeeping of positions.
 * Memory: 32 bytes per queued entry (24 in typed arrays, one array slot; up to twice that just after the storage
 * doubled), plus the handle of an entry queued with `push`; stale copies can at most double the first part.
 *
 * Ties: equal effective priority goes to the earlier enqueue, whatever made them equal (rate 0.01, cap 5:
 * a background(1) enqueued 400 ms before a fresh 5 is served first, at 1 + 4 = 5).
 * Rounding: uncapped entries are compared by the difference above, which can differ from the formula only by
 * the rounding of these few operations, so two effective priorities within rounding error of each other may come
 * out in either order; that error does not grow with the queue's lifetime, and exact ties such as the one above
 * stay ties.
 * Clock: read only where aging needs it, so never when `agingRate` or `maxAgeBoost` is 0. With aging, `push` and
 * `add` read it (the enqueue time), as do `peekEntry` and `effectivePriorityOf` (the bonus); with a finite cap,
 * also `peek`, and `pop` when it follows no peek (entries may have reached the cap). A reading below the latest
 * one counts as the latest (time never runs backwards), and a non-finite reading throws.
 */
export class AgingQueue<T> {
  readonly #rate: number;
  readonly #cap: number;
  readonly #now: () => number;
  /** Entries gain priority while they wait (rate > 0 and cap > 0). */
  readonly #aging: boolean;
  /** Entries can reach the cap while queued (aging and a finite cap): the order depends on the time. */
  readonly #capping: boolean;

  /** Entries not moved to `#capped`, by `priority − rate × time` (all entries without capping). */
  readonly #uncapped: EntryHeap;
  /** Entries whose bonus reached the cap, by `priority`. */
  readonly #capped = new EntryHeap();
  #size = 0;
  /** Live entries in `#uncapped`; the others are in `#capped`. Anything more a heap holds is stale. */
  #uncappedCount = 0;
  /** With capping: the heap whose first entry the latest peek chose, for the next pop; unset on any change. */
  #chosen: EntryHeap | undefined;
  /** The clock reading `#chosen` was made at: a peek at the same reading needs no new choice. */
  #chosenAt = Number.NaN;
  /** Latest clock reading seen; time never moves backwards. */
  #last = Number.NEGATIVE_INFINITY;
  #epoch = 0;
  #owner = nextOwner++;
  /** Sequence number of the latest entry: entries from `add` get even numbers, entries with a handle odd ones. */
  #seq = 0;
  /** Sequence number of the latest {@link AgingQueue.addFirst} entry: even and below every other. */
  #firstSeq = 0;

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
    this.#cap = maxAgeBoost;
    this.#now = now;
    this.#aging = agingRate > 0 && maxAgeBoost > 0;
    this.#capping = this.#aging && maxAgeBoost < Number.POSITIVE_INFINITY;
    this.#uncapped = new EntryHeap(this.#aging ? agingRate : 0);
  }

  /** Number of queued entries. */
  get size(): number {
    return this.#size;
  }

  /** Queues `item` at base `priority` (a finite number; higher first). Its aging starts now. */
  push(item: T, priority: number): EntryHandle {
    const time = this.#enqueueTime(item, priority);
    const seq = this.#nextSeq(true);
    const handle = new EntryHandle(item, this.#owner, seq, priority, time);
    this.#insert(handle, priority, time, seq);
    return handle;
  }

  /** {@link AgingQueue.push} for callers that never remove by handle: allocates nothing per item. */
  add(item: T, priority: number): void {
    const time = this.#enqueueTime(item, priority);
    this.#insert(item, priority, time, this.#nextSeq(false));
  }

  /**
   * {@link AgingQueue.add} ahead of every entry queued at the same effective priority: for an item taken out and
   * given back untouched. Its aging starts again now.
   */
  addFirst(item: T, priority: number): void {
    const time = this.#enqueueTime(item, priority);
    this.#firstSeq -= 2;
    this.#insert(item, priority, time, this.#firstSeq);
  }

  /** The item with the highest effective priority now, without removing it; the next `pop()` removes it. */
  peek(): T | undefined {
    const heap = this.#peekHeap();
    return heap === undefined ? undefined : this.#topItem(heap);
  }

  /**
   * The item `pop()` would remove now, without removing it: the latest peek's choice while nothing was pushed or
   * removed since, otherwise a fresh choice as {@link AgingQueue.peek} makes (and remembers).
   */
  upcoming(): T | undefined {
    if (this.#chosen !== undefined) return this.#topItem(this.#chosen);
    return this.peek();
  }

  /** Like {@link AgingQueue.peek}, with the base and effective priorities. */
  peekEntry(): AgingQueueEntry<T> | undefined {
    const heap = this.#peekHeap();
    if (heap === undefined) return undefined;
    const priority = heap.topPriority();
    let effectivePriority = priority;
    if (heap === this.#capped) {
      effectivePriority = priority + this.#cap;
    } else if (this.#aging) {
      // With capping the peek just read the clock; otherwise read it here for the bonus.
      const now = this.#capping ? this.#chosenAt : this.#clock();
      effectivePriority = this.#effective(priority, heap.topTime(), now);
    }
    return { item: this.#topItem(heap), priority, effectivePriority };
  }

  /**
   * Removes and returns the item the latest peek chose, if nothing was pushed or removed since; else the item
   * with the highest effective priority now.
   */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    let heap = this.#chosen;
    if (heap === undefined) heap = this.#capping ? this.#best(this.#clock()) : this.#uncapped;
    this.#top(heap); // drops stale copies (none when the peek just did)
    const seq = heap.topSeq();
    let item = heap.topRef();
    if (hasHandle(seq)) item = this.#retire(item as EntryHandle);
    heap.pop();
    this.#departed(heap);
    return item as T;
  }

  /** Removes the entry behind `handle`; false when it already left the queue (or is another queue's). */
  remove(handle: EntryHandle): boolean {
    if (handle.owner !== this.#owner || handle.place === Place.Gone) return false;
    const heap = handle.place === Place.Uncapped ? this.#uncapped : this.#capped;
    this.#retire(handle);
    if (heap.topSeq() === handle.seq) {
      heap.pop();
      this.#departed(heap);
      return true;
    }
    this.#departed(heap);
    // Left in place as a stale copy; once those outnumber the live entries, rebuild the heap without them.
    const live = heap === this.#uncapped ? this.#uncappedCount : this.#size - this.#uncappedCount;
    if (heap.size > 2 * live + MIN_STALE) heap.filter((ref, seq) => !isStale(ref, seq));
    return true;
  }

  /** Effective priority of a queued entry now, or `undefined` when it left the queue. */
  effectivePriorityOf(handle: EntryHandle): number | undefined {
    if (handle.owner !== this.#owner || handle.place === Place.Gone) return undefined;
    if (!this.#aging) return handle.priority;
    return this.#effective(handle.priority, handle.time, this.#clock());
  }

  /**
   * Removes every entry whose item `drop` accepts, in O(n); their handles become stale. For callers that mark
   * items withdrawn instead of keeping a handle per entry, and sweep them out now and then. `drop` must not
   * throw: the queue is rebuilt as it goes.
   */
  purge(drop: (item: T) => boolean): number {
    let removed = 0;
    let fromUncapped = 0;
    const sweep = (heap: EntryHeap): void =>
      heap.filter((ref, seq) => {
        if (isStale(ref, seq)) return false;
        if (!drop(itemOf(ref, seq) as T)) return true;
        if (hasHandle(seq)) this.#retire(ref as EntryHandle);
        removed++;
        if (heap === this.#uncapped) fromUncapped++;
        return false;
      });
    sweep(this.#uncapped);
    sweep(this.#capped);
    this.#chosen = undefined;
    this.#size -= removed;
    this.#uncappedCount -= fromUncapped;
    if (this.#size === 0) this.#emptied();
    return removed;
  }

  /** Removes every entry and releases the storage. Existing handles become stale. */
  clear(): void {
    this.#owner = nextOwner++;
    this.#emptied();
  }

  /** Validates a new entry's priority and reads its enqueue time (relative to the epoch). */
  #enqueueTime(item: T, priority: number): number {
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      const option = typeof item === 'string' ? `priority of ${show(item)}` : 'priority';
      throw new InvalidOptionError(option, priority, 'a finite number (higher is served first)');
    }
    if (!this.#aging) return 0;
    const now = this.#clock();
    // Nothing queued: rebase time so that keys stay small however long the queue lives.
    if (this.#size === 0) this.#epoch = now;
    return now - this.#epoch;
  }

  /** A new sequence number: even for an entry from `add`, odd for one with a handle. */
  #nextSeq(withHandle: boolean): number {
    this.#seq += 2;
    return withHandle ? this.#seq + 1 : this.#seq;
  }

  #insert(ref: unknown, priority: number, time: number, seq: number): void {
    this.#chosen = undefined;
    // Uncapped bonuses grow alike, so (priority, time) orders uncapped entries the same at any time.
    this.#uncapped.push(ref, priority, time, seq);
    this.#size++;
    this.#uncappedCount++;
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

  /** Effective priority at `now` of an entry with this base priority and (epoch-relative) enqueue time. */
  #effective(priority: number, time: number, now: number): number {
    return priority + Math.min(this.#rate * (now - this.#epoch - time), this.#cap);
  }

  /** The heap whose first entry to serve now (remembered for the next pop), or undefined when empty. */
  #peekHeap(): EntryHeap | undefined {
    if (this.#size === 0) return undefined;
    // Without capping the order does not depend on time: the first live uncapped entry is the one.
    if (!this.#capping) {
      this.#top(this.#uncapped); // drops stale copies left at the top by removals by handle
      return this.#uncapped;
    }
    const now = this.#clock();
    if (this.#chosen === undefined || now !== this.#chosenAt) {
      this.#chosen = this.#best(now);
      this.#chosenAt = now;
    }
    return this.#chosen;
  }

  /** The heap whose first entry to serve at `now` (capping only; the queue is not empty). */
  #best(now: number): EntryHeap {
    const uncapped = this.#uncapped;
    const elapsed = now - this.#epoch;
    // Same test as `min(rate × age, cap) === cap` in #effective, so both agree on capped-ness.
    while (this.#top(uncapped) && this.#rate * (elapsed - uncapped.topTime()) >= this.#cap) this.#moveTop();
    const capped = this.#capped;
    if (!this.#top(capped)) return uncapped;
    if (this.#uncappedCount === 0) return capped;
    // On a tie the capped entry wins: it reached the cap first, so it is the older one.
    const u = this.#effective(uncapped.topPriority(), uncapped.topTime(), now);
    return u > capped.topPriority() + this.#cap ? uncapped : capped;
  }

  /** Moves the first uncapped entry to the capped heap. */
  #moveTop(): void {
    const uncapped = this.#uncapped;
    const ref = uncapped.topRef();
    const seq = uncapped.topSeq();
    if (hasHandle(seq)) (ref as EntryHandle).place = Place.Capped;
    this.#capped.push(ref, uncapped.topPriority(), 0, seq);
    uncapped.pop();
    this.#uncappedCount--;
  }

  /** Drops stale copies from the top of `heap`; false when it holds no live entry. */
  #top(heap: EntryHeap): boolean {
    const live = heap === this.#uncapped ? this.#uncappedCount : this.#size - this.#uncappedCount;
    if (live === 0) return false;
    // Stale copies exist only after removals by handle; without them the first entry is live.
    if (heap.size > live) while (isStale(heap.topRef(), heap.topSeq())) heap.pop();
    return true;
  }

  #topItem(heap: EntryHeap): T {
    return itemOf(heap.topRef(), heap.topSeq()) as T;
  }

  /** Marks a handle's entry gone (its handle stale) and returns its item. */
  #retire(handle: EntryHandle): unknown {
    const item = handle.item;
    handle.item = undefined;
    handle.place = Place.Gone;
    return item;
  }

  /** Counts an entry gone from `heap`; any choice of a peek is forgotten. */
  #departed(heap: EntryHeap): void {
    this.#chosen = undefined;
    this.#size--;
    if (heap === this.#uncapped) this.#uncappedCount--;
    if (this.#size === 0) this.#emptied();
  }

  /** Drops every entry and stale copy, and releases big storage. */
  #emptied(): void {
    this.#chosen = undefined;
    this.#size = 0;
    this.#uncappedCount = 0;
    this.#uncapped.clear();
    this.#capped.clear();
  }
}
