/** Where an entry with a handle is: gone from the queue, in the heap of aging entries, or in the capped one. */
export const Place = { Gone: 0, Uncapped: 1, Capped: 2 } as const;
/** One of the {@link Place} values. */
export type Place = (typeof Place)[keyof typeof Place];

/**
 * Identifies one entry of an {@link AgingQueue}, for `remove` and `effectivePriorityOf`. Stale once the entry
 * leaves the queue (or the queue is cleared). The queue's heaps hold the handle in place of the item, which is
 * how it learns that an entry was removed, so a handle costs about 70 bytes (more when its priority or enqueue
 * time is fractional: those are then boxed).
 */
export class EntryHandle {
  /** @internal the entry's item while it is queued */
  item: unknown;
  /** @internal where the entry is */
  place: Place = Place.Uncapped;

  /** @internal */
  constructor(
    item: unknown,
    /** @internal identity of the queue (and of its contents since the last `clear()`), so other handles never match */
    readonly owner: number,
    /** @internal the entry's sequence number */
    readonly seq: number,
    /** @internal base priority */
    readonly priority: number,
    /** @internal enqueue time, relative to the queue's epoch */
    readonly time: number,
  ) {
    this.item = item;
  }
}

/**
 * Sequence numbers tell a heap entry's reference apart: entries queued without a handle (`add`) get even
 * numbers and hold the item itself; entries with a handle get odd numbers and hold the handle.
 */
export function hasHandle(seq: number): boolean {
  return seq % 2 === 1;
}

/** The item behind a heap entry's reference. */
export function itemOf(ref: unknown, seq: number): unknown {
  return hasHandle(seq) ? (ref as EntryHandle).item : ref;
}

/** A copy left in a heap by `remove` (only entries with a handle can be removed from the middle of a heap). */
export function isStale(ref: unknown, seq: number): boolean {
  return hasHandle(seq) && (ref as EntryHandle).place === Place.Gone;
}
