import type { ResourceCost } from '../foundation/resource-cost.js';
import type { ICapacityMetricsCollector } from '../metrics/types.js';
import { type Amount, MICRO, pairToNumber, subtractAmounts } from './amount.js';
import { emitAccepted, emitReconcile, emitRelease } from './capacity-events.js';
import type { CompiledCost } from './compiled-cost.js';
import {
  cellAvailable,
  cellCeiling,
  cellExceedsCeiling,
  cellFits,
  cellGive,
  cellResetSince,
  cellTake,
  keySetEpoch,
  type Ledger,
  type Slot,
} from './ledger.js';
import { defineAmount } from './records.js';
import type { CapacityShortfall } from './types.js';

/** One level of a capacity chain. Internal. */
export interface ChainLevel {
  readonly ledger: Ledger;
  readonly metrics: ICapacityMetricsCollector | undefined;
  /** The level's `release` restores nothing and does not propagate (a quota). */
  readonly releaseNoop: boolean;
  /** Wakes the level's waiters (waitObj, changed() and run listeners). */
  readonly signal: () => void;
  /** Adds a run listener called at every signal of this level; returns its removal. */
  readonly listen: (listener: () => void) => () => void;
  /** Adds `delta` (+1 or -1) to the number of runners waiting because this level lacks capacity. */
  readonly noteWaiting: (delta: number) => void;
}

/** The slots one resource hits up a chain, in level order. Shared by every cost naming it. Internal. */
export interface Column {
  readonly slots: readonly Slot[];
  /** Chain level of each slot (0 = the source itself). */
  readonly levels: readonly number[];
}

/**
 * Exactly which cells a compiled cost hits on one chain, and by how much: what a take takes, so that the
 * matching release gives back exactly that, even if a level started tracking more resources meanwhile.
 * Immutable and shared by every task with the same cost. Opaque outside the capacity layer and the runner.
 */
export interface CapacityHold {
  /** The cell of every (key, level) pair with a non-zero amount; the ones a release reaches come first. */
  readonly cells: readonly Float64Array[];
  /** Whole part of the amount of each entry of `cells`. */
  readonly whole: readonly number[];
  /** Micro part of the amount of each entry of `cells`. */
  readonly micro: readonly number[];
  /** Chain level of each entry of `cells`. */
  readonly levels: readonly number[];
  /** Resource name of each entry of `cells`. */
  readonly names: readonly string[];
  /** Per chain level, the amounts taken there (what that level's metrics collector is told). */
  readonly levelCosts: readonly Readonly<ResourceCost>[];
  /** Entries [0, releaseEnd) of `cells` are reached by a release (the levels below the first quota). */
  readonly releaseEnd: number;
  /** The cost, for metrics events. */
  readonly cost: Readonly<ResourceCost>;
}

/** A compiled cost resolved against one chain at one key-set epoch. */
export interface Binding {
  readonly compiled: CompiledCost;
  readonly columns: readonly Column[];
  readonly hold: CapacityHold;
  /** The key-set epoch it was resolved at; stale once some source tracks a new resource. */
  readonly epoch: number;
  /** The first resource of the cost that no level tracks, if any. */
  readonly untracked: string | undefined;
}

/**
 * A source's view of its (fixed) parent chain. Resolving a cost against it is cheap: one cached column per
 * resource name, shared by all costs, rebuilt only when the key-set epoch changes. Internal.
 */
export class Chain {
  readonly levels: readonly ChainLevel[];
  /** Number of leading levels a release reaches. */
  readonly releaseLevels: number;
  readonly anyMetrics: boolean;
  readonly #columns = new Map<string, Column>();
  #epoch = -1;

  constructor(levels: readonly ChainLevel[]) {
    this.levels = levels;
    const stop = levels.findIndex((l) => l.releaseNoop);
    this.releaseLevels = stop < 0 ? levels.length : stop;
    this.anyMetrics = levels.some((l) => l.metrics !== undefined);
  }

  /** Resolves `c` against this chain as it is now. */
  bind(c: CompiledCost): Binding {
    const epoch = keySetEpoch();
    if (this.#epoch !== epoch) {
      this.#columns.clear();
      this.#epoch = epoch;
    }
    const columns: Column[] = [];
    const cells: Float64Array[] = [];
    const ws: number[] = [];
    const ms: number[] = [];
    const ls: number[] = [];
    const ns: string[] = [];
    let tail: number[] | undefined; // (key index, slot index) pairs a release does not reach
    let untracked: string | undefined;
    for (let i = 0; i < c.keys.length; i++) {
      const column = this.#column(c.keys[i]!);
      columns.push(column);
      if (column.slots.length === 0) untracked ??= c.keys[i];
      const w = c.whole[i]!;
      const m = c.micro[i]!;
      // Zero amounts always fit and change nothing, even at a level in debt: leave them out.
      if (w === 0 && m === 0) continue;
      for (let j = 0; j < column.slots.length; j++) {
        if (column.levels[j]! >= this.releaseLevels) {
          if (tail === undefined) tail = [];
          tail.push(i, j);
          continue;
        }
        cells.push(column.slots[j]!.cell);
        ws.push(w);
        ms.push(m);
        ls.push(column.levels[j]!);
        ns.push(c.keys[i]!);
      }
    }
    const releaseEnd = cells.length;
    if (tail !== undefined) {
      for (let t = 0; t < tail.length; t += 2) {
        const i = tail[t]!;
        const j = tail[t + 1]!;
        cells.push(columns[i]!.slots[j]!.cell);
        ws.push(c.whole[i]!);
        ms.push(c.micro[i]!);
        ls.push(columns[i]!.levels[j]!);
        ns.push(c.keys[i]!);
      }
    }
    const perLevel: ResourceCost[] = this.levels.map(() => ({}));
    for (let k = 0; k < cells.length; k++)
      defineAmount(perLevel[ls[k]!]!, ns[k]!, pairToNumber(ws[k]!, ms[k]!));
    const hold: CapacityHold = {
      cells,
      whole: ws,
      micro: ms,
      levels: ls,
      names: ns,
      releaseEnd,
      cost: c.cost,
      levelCosts: perLevel.map((x) => Object.freeze(x)),
    };
    return { compiled: c, columns, hold, epoch, untracked };
  }

  /** Every resource tracked somewhere in the chain, in level order, without duplicates. */
  trackedKeys(): string[] {
    return [...new Set(this.levels.flatMap((l) => l.ledger.list.map((s) => s.name)))];
  }

  /** Per-resource minimum of availability over the levels that track it; `undefined` if any is exhausted. */
  peek(): ResourceCost | undefined {
    const out: ResourceCost = {};
    for (const level of this.levels) {
      for (const slot of level.ledger.list) {
        const value = cellAvailable(slot.cell);
        if (value <= 0) return undefined;
        const prev = out[slot.name];
        if (prev === undefined || value < prev) defineAmount(out, slot.name, value);
      }
    }
    return out;
  }

  /** Adds `listener` at every level (a change anywhere up the chain may let a waiting cost fit). */
  listen(listener: () => void): () => void {
    const removals = this.levels.map((level) => level.listen(listener));
    return () => {
      for (const remove of removals) remove();
    };
  }

  /** Emits an accepted acquisition to every level's collector, each with the amounts taken at that level. */
  emitAccepted(hold: CapacityHold): void {
    const levels = this.levels;
    for (let l = 0; l < levels.length; l++) {
      const m = levels[l]!.metrics;
      if (m !== undefined) emitAccepted(m, hold.levelCosts[l]!, levels[l]!.ledger.available());
    }
  }

  /**
   * After amounts were given back (`given[l]` at level `l`): signals and emits `onRelease` at every level a
   * release reaches. A quota where the release stops sees the event too (its collector balances) but restores
   * nothing and signals nothing.
   */
  afterRelease(given: readonly Readonly<ResourceCost>[]): void {
    const levels = this.levels;
    for (let l = 0; l < this.releaseLevels; l++) {
      const level = levels[l]!;
      level.signal();
      if (level.metrics !== undefined) emitRelease(level.metrics, given[l]!, level.ledger.available());
    }
    const stop = levels[this.releaseLevels];
    if (stop?.metrics !== undefined)
      emitRelease(stop.metrics, given[this.releaseLevels]!, stop.ledger.available());
  }

  /** After amounts were corrected (from `estimated[l]` to `actual[l]` at level `l`): emits and signals each level. */
  afterReconcile(
    estimated: readonly Readonly<ResourceCost>[],
    actual: readonly Readonly<ResourceCost>[],
  ): void {
    const levels = this.levels;
    for (let l = 0; l < levels.length; l++) {
      const level = levels[l]!;
      if (level.metrics !== undefined)
        emitReconcile(level.metrics, estimated[l]!, actual[l]!, level.ledger.available());
      level.signal();
    }
  }

  /**
   * Marks in `at` (one flag per level, all clear) every level where `hold` does not fit now, and counts a waiting
   * runner there. Undo with {@link Chain.endWait}. Allocates nothing.
   */
  waitFor(hold: CapacityHold, at: Uint8Array): void {
    for (let i = 0; i < hold.cells.length; i++) {
      const l = hold.levels[i]!;
      if (at[l] === 1 || cellFits(hold.cells[i]!, hold.whole[i]!, hold.micro[i]!)) continue;
      at[l] = 1;
      this.levels[l]!.noteWaiting(1);
    }
  }

  /** Undoes {@link Chain.waitFor}: uncounts the waiting runner at each marked level and clears the marks. */
  endWait(at: Uint8Array): void {
    for (let l = 0; l < at.length; l++) {
      if (at[l] === 0) continue;
      at[l] = 0;
      this.levels[l]!.noteWaiting(-1);
    }
  }

  #column(key: string): Column {
    let column = this.#columns.get(key);
    if (column === undefined) {
      const slots: Slot[] = [];
      const levels: number[] = [];
      for (let level = 0; level < this.levels.length; level++) {
        const slot = this.levels[level]!.ledger.get(key);
        if (slot === undefined) continue;
        slots.push(slot);
        levels.push(level);
      }
      column = { slots, levels };
      this.#columns.set(key, column);
    }
    return column;
  }
}

// Hot loops over the flattened cells of a hold.

/** True when every amount of the hold fits at every level. */
export function costFits(h: CapacityHold): boolean {
  const { cells, whole, micro } = h;
  for (let i = 0; i < cells.length; i++) {
    if (!cellFits(cells[i]!, whole[i]!, micro[i]!)) return false;
  }
  return true;
}

/**
 * Whether `h` fits while the amounts of `reserved` are set aside wherever the two share a cell (same resource,
 * same level): what a task may take without delaying a task that holds a reservation. Where `reserved` does not
 * fit at all, nothing more may be taken there.
 */
export function costFitsBeside(h: CapacityHold, reserved: CapacityHold): boolean {
  const { cells, whole, micro } = h;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    let w = whole[i]!;
    let m = micro[i]!;
    const j = reserved.cells.indexOf(cell);
    if (j >= 0) {
      w += reserved.whole[j]!;
      m += reserved.micro[j]!;
      if (m >= MICRO) {
        m -= MICRO;
        w += 1;
      }
    }
    if (!cellFits(cell, w, m)) return false;
  }
  return true;
}

/** Takes every amount of the hold at every level (call after {@link costFits}). */
export function costTake(h: CapacityHold): void {
  const { cells, whole, micro } = h;
  for (let i = 0; i < cells.length; i++) cellTake(cells[i]!, whole[i]!, micro[i]!);
}

/**
 * Gives every amount of the hold back at the levels a release reaches, except at cells reset after `epoch`
 * (the reset forgot what was taken there, so giving it back would free capacity twice).
 */
export function costGive(h: CapacityHold, epoch: number, resetsNow: number): void {
  const { cells, whole, micro } = h;
  if (epoch === resetsNow) {
    for (let i = 0; i < h.releaseEnd; i++) cellGive(cells[i]!, whole[i]!, micro[i]!);
    return;
  }
  for (let i = 0; i < h.releaseEnd; i++) {
    if (!cellResetSince(cells[i]!, epoch)) cellGive(cells[i]!, whole[i]!, micro[i]!);
  }
}

/**
 * Per chain level, what a release of `h` gives back: for each cell a release reaches, `give(i)` says what was
 * given back at cell `i` (`undefined` for nothing); the levels a release does not reach (a quota and above)
 * keep the hold's own amounts, which their collectors balance against.
 */
export function levelAmounts(
  h: CapacityHold,
  give: (i: number) => Amount | undefined,
): Readonly<ResourceCost>[] {
  const given: Readonly<ResourceCost>[] = h.levelCosts.slice();
  const rebuilt = new Set<number>();
  for (let i = 0; i < h.releaseEnd; i++) {
    const level = h.levels[i]!;
    if (!rebuilt.has(level)) {
      rebuilt.add(level);
      given[level] = {};
    }
    const amount = give(i);
    if (amount !== undefined)
      defineAmount(given[level] as ResourceCost, h.names[i]!, pairToNumber(amount.whole, amount.micro));
  }
  return given;
}

/**
 * What {@link costGive} gives back per level, for metrics: the hold's amounts, without cells reset since `epoch`
 * (nothing is given back there).
 */
export function givenLevelCosts(
  h: CapacityHold,
  epoch: number,
  resetsNow: number,
): readonly Readonly<ResourceCost>[] {
  if (epoch === resetsNow) return h.levelCosts;
  return levelAmounts(h, (i) =>
    cellResetSince(h.cells[i]!, epoch) ? undefined : { whole: h.whole[i]!, micro: h.micro[i]! },
  );
}

/**
 * Turns a hold `from` (taken at reset epoch `epoch`) into the hold `to`, cell by cell, at every level including
 * quotas: the difference is taken or given back. A deficit is taken even beyond the limit (the resource is
 * already in use). A cell reset since `epoch` forgot what `from` held there: a pool cell then takes the whole new
 * amount (its release will give that back), while a quota cell (a release never reaches it) is charged only
 * what the new amount adds to the old, since the old amount was spent in the earlier window.
 */
export function costAdjust(from: CapacityHold, epoch: number, to: CapacityHold): void {
  const before = new Map<Float64Array, { amount: Amount; forgotten: boolean }>();
  for (let i = 0; i < from.cells.length; i++) {
    const cell = from.cells[i]!;
    before.set(cell, {
      amount: { whole: from.whole[i]!, micro: from.micro[i]! },
      forgotten: cellResetSince(cell, epoch),
    });
  }
  for (let i = 0; i < to.cells.length; i++) {
    const cell = to.cells[i]!;
    const old = before.get(cell);
    before.delete(cell);
    const w = to.whole[i]!;
    const m = to.micro[i]!;
    if (old === undefined || (old.forgotten && i < to.releaseEnd)) {
      cellTake(cell, w, m);
    } else if (!old.forgotten) {
      cellTake(cell, w, m);
      cellGive(cell, old.amount.whole, old.amount.micro);
    } else {
      const grows = subtractAmounts({ whole: w, micro: m }, old.amount);
      if (grows.whole >= 0 && (grows.whole > 0 || grows.micro > 0)) cellTake(cell, grows.whole, grows.micro);
    }
  }
  for (const [cell, old] of before) if (!old.forgotten) cellGive(cell, old.amount.whole, old.amount.micro);
}

/** A cost amount above a ceiling, so it could never fit. */
export interface CeilingExcess {
  readonly resource: string;
  readonly level: number;
  readonly requested: number;
  readonly ceiling: number;
}

/** The first amount that does not fit now (lowest level first), or `undefined` when the whole cost fits. */
export function costShortfall(b: Binding): CapacityShortfall | undefined {
  const hit = firstAcrossLevels(b, (s, w, m) => cellFits(s.cell, w, m));
  if (hit === undefined) return undefined;
  const [slot, level, i] = hit;
  return {
    resource: slot.name,
    level,
    requested: amountAt(b.compiled, i),
    available: cellAvailable(slot.cell),
  };
}

/** Every (resource, level) whose amount does not fit right now, resources in cost order, levels bottom up. */
export function costShortfalls(b: Binding): CapacityShortfall[] {
  const c = b.compiled;
  const out: CapacityShortfall[] = [];
  for (let i = 0; i < b.columns.length; i++) {
    const { slots, levels } = b.columns[i]!;
    for (let j = 0; j < slots.length; j++) {
      const slot = slots[j]!;
      if (cellFits(slot.cell, c.whole[i]!, c.micro[i]!)) continue;
      out.push({
        resource: slot.name,
        level: levels[j]!,
        requested: amountAt(c, i),
        available: cellAvailable(slot.cell),
      });
    }
  }
  return out;
}

/** The first amount above its level's ceiling (lowest level first), or `undefined`. */
export function costExcess(b: Binding): CeilingExcess | undefined {
  const hit = firstAcrossLevels(b, (s, w, m) => !cellExceedsCeiling(s.cell, w, m));
  if (hit === undefined) return undefined;
  const [slot, level, i] = hit;
  return { resource: slot.name, level, requested: amountAt(b.compiled, i), ceiling: cellCeiling(slot.cell) };
}

function amountAt(c: CompiledCost, i: number): number {
  return pairToNumber(c.whole[i]!, c.micro[i]!);
}

// Diagnostics only: finds the failing (slot, level, key index) with the lowest level, then key order.
function firstAcrossLevels(
  b: Binding,
  ok: (s: Slot, w: number, m: number) => boolean,
): [Slot, number, number] | undefined {
  const c = b.compiled;
  let best: [Slot, number, number] | undefined;
  for (let i = 0; i < b.columns.length; i++) {
    const { slots, levels } = b.columns[i]!;
    for (let j = 0; j < slots.length; j++) {
      if (ok(slots[j]!, c.whole[i]!, c.micro[i]!)) continue;
      if (best === undefined || levels[j]! < best[1]) best = [slots[j]!, levels[j]!, i];
      break;
    }
  }
  return best;
}
