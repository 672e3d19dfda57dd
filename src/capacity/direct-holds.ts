import { Deque } from '../foundation/deque.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { type Amount, MICRO } from './amount.js';
import { type CapacityHold, levelAmounts } from './cost-binding.js';
import { cellGive, cellResetSince, resetEpoch } from './ledger.js';

/** Outstanding acquisitions are scanned for ones nothing is left of once there are more than this many. */
const PRUNE_ABOVE = 1024;

interface Taken {
  readonly hold: CapacityHold;
  readonly epoch: number;
}

/**
 * What a source's own `tryAcquire`/`acquireImmediate` calls took and have not given back, so that a direct
 * `release(cost)` gives back exactly what was taken, level by level.
 *
 * Two records are kept: per cell, the total outstanding there (`#lent`), which caps every give-back, so nothing
 * is freed twice and nothing returns to a level that did not lend it; and the outstanding acquisitions by cost
 * shape, oldest first. A release names amounts, not an acquisition, so it is matched to the oldest acquisition
 * of the same cost that still holds something, and gives back at the levels that one took from: a resource an
 * ancestor started tracking after an acquisition was never lent by that ancestor, and an older acquisition of a
 * cost never hits more levels than a younger one. A release that matches none (a partial release, an amount
 * corrected by `reconcile`) gives back at each level at most what is outstanding there. A level reset since a
 * take gets nothing back for it (the reset already forgot it). Internal.
 */
export class DirectHolds {
  /** Per cell: [whole, micro, reset epoch of the last update]: the total outstanding there. */
  readonly #lent = new Map<Float64Array, Float64Array>();
  /** Outstanding acquisitions by cost shape, oldest first. */
  readonly #byShape = new Map<string, Deque<Taken>>();
  #count = 0;
  #pruneAt = PRUNE_ABOVE;

  /** Records a successful take of `hold`, of the cost with shape `shape`. */
  took(shape: string, hold: CapacityHold): void {
    for (let i = 0; i < hold.releaseEnd; i++) this.#add(hold.cells[i]!, hold.whole[i]!, hold.micro[i]!);
    this.#remember(shape, hold);
  }

  /**
   * Gives back a release of the cost with shape `shape`, resolved now as `asked`. Returns, per chain level, what
   * was given back there; at the levels a release does not reach (a quota and above), what the release names.
   */
  giveBack(shape: string, asked: CapacityHold): Readonly<ResourceCost>[] {
    const match = this.#takeOldestLive(shape);
    const hold = match?.hold ?? asked;
    return levelAmounts(hold, (i) => {
      const cell = hold.cells[i]!;
      // The matched acquisition was forgotten here by a reset: nothing of it is left to give back.
      if (match !== undefined && cellResetSince(cell, match.epoch)) return undefined;
      const amount = this.#takeBack(cell, hold.whole[i]!, hold.micro[i]!);
      if (amount !== undefined) cellGive(cell, amount.whole, amount.micro);
      return amount;
    });
  }

  /**
   * A direct `reconcile` corrected an acquisition of shape `from` to `hold` (shape `to`): the oldest one of
   * shape `from` is now remembered as `to`, so that releasing `actual` afterwards matches it.
   */
  corrected(from: string, to: string, hold: CapacityHold): void {
    if (this.#takeOldestLive(from) !== undefined && hold.releaseEnd > 0) this.#remember(to, hold);
  }

  /** How much of a surplus of `amount` a reconcile may give back at `cell`: at most what is outstanding there. */
  giveAtMost(cell: Float64Array, amount: Amount): Amount | undefined {
    return this.#takeBack(cell, amount.whole, amount.micro);
  }

  /** A reconcile took a deficit of `amount` at `cell` (a cell a release reaches). */
  tookMore(cell: Float64Array, amount: Amount): void {
    this.#add(cell, amount.whole, amount.micro);
  }

  /** Takes up to `w.m` off what is outstanding at `cell`; returns what was taken off, or `undefined` for none. */
  #takeBack(cell: Float64Array, w: number, m: number): Amount | undefined {
    const rec = this.#current(cell);
    if (rec === undefined) return undefined;
    if (w > rec[0]! || (w === rec[0]! && m > rec[1]!)) {
      w = rec[0]!;
      m = rec[1]!;
    }
    this.#subtract(cell, rec, w, m);
    return { whole: w, micro: m };
  }

  #remember(shape: string, hold: CapacityHold): void {
    let list = this.#byShape.get(shape);
    if (list === undefined) {
      list = new Deque();
      this.#byShape.set(shape, list);
    }
    list.push({ hold, epoch: resetEpoch() });
    if (++this.#count > this.#pruneAt) this.#prune();
  }

  /** Removes and returns the oldest acquisition of `shape` that still holds something, dropping void ones. */
  #takeOldestLive(shape: string): Taken | undefined {
    const list = this.#byShape.get(shape);
    if (list === undefined) return undefined;
    let found: Taken | undefined;
    while (found === undefined && list.length > 0) {
      const t = list.shift() as Taken;
      this.#count--;
      if (this.#holdsSomething(t)) found = t;
    }
    if (list.length === 0) this.#byShape.delete(shape);
    return found;
  }

  /**
   * True while some cell of the acquisition was not reset since and still has something outstanding, or when it
   * took nothing a release reaches (its release is still due, and must give nothing back).
   */
  #holdsSomething({ hold, epoch }: Taken): boolean {
    if (hold.releaseEnd === 0) return true;
    for (let i = 0; i < hold.releaseEnd; i++) {
      const cell = hold.cells[i]!;
      if (!cellResetSince(cell, epoch) && this.#current(cell) !== undefined) return true;
    }
    return false;
  }

  /** The record of `cell`, or `undefined` when there is none or a reset made it stale. */
  #current(cell: Float64Array): Float64Array | undefined {
    const rec = this.#lent.get(cell);
    if (rec === undefined) return undefined;
    if (cellResetSince(cell, rec[2]!)) {
      this.#lent.delete(cell);
      return undefined;
    }
    return rec;
  }

  #add(cell: Float64Array, w: number, m: number): void {
    const rec = this.#current(cell);
    if (rec === undefined) {
      this.#lent.set(cell, Float64Array.of(w, m, resetEpoch()));
      return;
    }
    let rw = rec[0]! + w;
    let rm = rec[1]! + m;
    if (rm >= MICRO) {
      rm -= MICRO;
      rw += 1;
    }
    rec[0] = rw;
    rec[1] = rm;
    rec[2] = resetEpoch();
  }

  #subtract(cell: Float64Array, rec: Float64Array, w: number, m: number): void {
    let rw = rec[0]! - w;
    let rm = rec[1]! - m;
    if (rm < 0) {
      rm += MICRO;
      rw -= 1;
    }
    if (rw < 0 || (rw === 0 && rm === 0)) this.#lent.delete(cell);
    else {
      rec[0] = rw;
      rec[1] = rm;
    }
  }

  /**
   * Forgets acquisitions nothing is left of: every cell reset since, or nothing outstanding there any more (code
   * that relies on `reset()`, or releases in parts, never releases them by their own cost).
   */
  #prune(): void {
    this.#count = 0;
    for (const [shape, list] of this.#byShape) {
      // An acquisition that took nothing a release reaches is dropped here too: keeping it only makes its own
      // release give nothing, which a bounded memory is worth.
      const live = list.drain().filter((t) => t.hold.releaseEnd > 0 && this.#holdsSomething(t));
      if (live.length === 0) {
        this.#byShape.delete(shape);
        continue;
      }
      for (const t of live) list.push(t);
      this.#count += live.length;
    }
    // Many live acquisitions: scan again only once their number doubles, so pruning stays amortised O(1).
    this.#pruneAt = Math.max(PRUNE_ABOVE, 2 * this.#count);
  }
}
