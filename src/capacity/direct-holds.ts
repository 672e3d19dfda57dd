import { Deque } from '../foundation/deque.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { type Amount, MICRO, pairToNumber } from './amount.js';
import type { CapacityHold } from './cost-binding.js';
import { cellGive, cellResetSince, resetEpoch } from './ledger.js';
import { defineAmount } from './records.js';

/** Outstanding acquisitions are scanned for ones a reset made void once there are more than this many. */
const PRUNE_ABOVE = 1024;

interface Taken {
  readonly hold: CapacityHold;
  readonly epoch: number;
}

/**
 * What a source's own `tryAcquire`/`acquireImmediate` calls took and have not given back, so that a direct
 * `release(cost)` gives back exactly what was taken, level by level.
 *
 * A release names amounts, not an acquisition, so it is matched to the oldest outstanding acquisition of the
 * same cost, and gives back at the levels that one took from. (A resource an ancestor started tracking after an
 * acquisition was never lent by that ancestor; the oldest acquisition of a cost hits the fewest levels, so the
 * match never frees more than is held.) A release that matches no acquisition gives back at each level at most
 * what is outstanding there. Either way nothing returns to a level that did not lend it, nothing is freed twice,
 * and a level reset since the take gets nothing back (the reset already forgot it). Internal.
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
    if (hold.releaseEnd === 0) return; // nothing a release could give back (a quota)
    for (let i = 0; i < hold.releaseEnd; i++) this.#add(hold.cells[i]!, hold.whole[i]!, hold.micro[i]!);
    let list = this.#byShape.get(shape);
    if (list === undefined) {
      list = new Deque();
      this.#byShape.set(shape, list);
    }
    list.push({ hold, epoch: resetEpoch() });
    if (++this.#count > this.#pruneAt) this.#prune();
  }

  /**
   * Gives back a release of the cost with shape `shape`, resolved now as `asked`. Returns, per chain level, what
   * was given back there; at the levels a release does not reach (a quota and above), what the release names.
   */
  giveBack(shape: string, asked: CapacityHold): Readonly<ResourceCost>[] {
    const list = this.#byShape.get(shape);
    const match = list?.shift();
    if (match !== undefined) {
      this.#count--;
      if (list!.length === 0) this.#byShape.delete(shape);
    }
    const hold = match?.hold ?? asked;
    const given: Readonly<ResourceCost>[] = hold.levelCosts.slice();
    const reached = new Set<number>();
    for (let i = 0; i < hold.releaseEnd; i++) {
      const level = hold.levels[i]!;
      if (!reached.has(level)) {
        reached.add(level);
        given[level] = {};
      }
      const cell = hold.cells[i]!;
      // The matched acquisition was forgotten here by a reset: nothing of it is left to give back.
      if (match !== undefined && cellResetSince(cell, match.epoch)) continue;
      const rec = this.#current(cell);
      if (rec === undefined) continue;
      let w = hold.whole[i]!;
      let m = hold.micro[i]!;
      if (w > rec[0]! || (w === rec[0]! && m > rec[1]!)) {
        w = rec[0]!;
        m = rec[1]!;
      }
      cellGive(cell, w, m);
      this.#subtract(cell, rec, w, m);
      defineAmount(given[level] as ResourceCost, hold.names[i]!, pairToNumber(w, m));
    }
    return given;
  }

  /** Follows a reconcile that moved `amount` at `cell` (given back when `give`, else taken). */
  adjusted(cell: Float64Array, give: boolean, amount: Amount): void {
    if (!give) {
      this.#add(cell, amount.whole, amount.micro);
      return;
    }
    const rec = this.#current(cell);
    if (rec === undefined) return;
    const above = amount.whole > rec[0]! || (amount.whole === rec[0]! && amount.micro > rec[1]!);
    if (above) this.#lent.delete(cell);
    else this.#subtract(cell, rec, amount.whole, amount.micro);
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

  /** Forgets acquisitions whose every cell was reset since (code that relies on `reset()` never releases). */
  #prune(): void {
    this.#count = 0;
    for (const [shape, list] of this.#byShape) {
      const live = list.drain().filter(({ hold, epoch }) => {
        for (let i = 0; i < hold.releaseEnd; i++) if (!cellResetSince(hold.cells[i]!, epoch)) return true;
        return false;
      });
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
