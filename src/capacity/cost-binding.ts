import type { ICapacityMetricsCollector } from '../metrics/types.js';
import { pairToNumber } from './amount.js';
import { emitAccepted, emitRelease } from './capacity-events.js';
import type { CompiledCost } from './compiled-cost.js';
import {
  cellAvailable,
  cellExceedsLimit,
  cellFits,
  cellGive,
  cellLimit,
  cellTake,
  keySetEpoch,
  type Ledger,
  type Slot,
} from './ledger.js';
import type { ResourceCost } from './types.js';

/** One level of a capacity chain. Internal. */
export interface ChainLevel<S> {
  readonly source: S;
  readonly ledger: Ledger;
  readonly metrics: ICapacityMetricsCollector | undefined;
  /** The level's `release` restores nothing and does not propagate (a quota). */
  readonly releaseNoop: boolean;
  /** Wakes the level's waiters (waitObj and changed()). */
  readonly signal: () => void;
}

/** The slots one resource hits up a chain, in level order. Shared by every cost naming it. Internal. */
export interface Column {
  readonly slots: readonly Slot[];
  /** Chain level of each slot (0 = the root). */
  readonly levels: readonly number[];
  /** Slots [0, releaseCount) are at levels a release reaches (below the first quota). */
  readonly releaseCount: number;
}

const releaseNoops = new WeakSet<object>();

/**
 * Exactly which cells a compiled cost hits on one chain, and by how much: what a successful take took, so that
 * the matching release gives back exactly that, even if a level started tracking more resources meanwhile.
 * Immutable; a new one is made whenever the cost is re-resolved. Opaque outside the capacity layer.
 */
export interface CapacityHold {
  /** The cell of every (key, level) pair with a non-zero amount; the ones a release reaches come first. */
  readonly cells: readonly Float64Array[];
  /** Whole part of the amount of each entry of `cells`. */
  readonly whole: readonly number[];
  /** Micro part of the amount of each entry of `cells`. */
  readonly micro: readonly number[];
  /** Entries [0, releaseEnd) of `cells` are reached by a release. */
  readonly releaseEnd: number;
  /** The compiled cost this describes. */
  readonly compiled: CompiledCost | undefined;
}

/** The hold of a cost not yet resolved against any chain. */
export const EMPTY_HOLD: CapacityHold = Object.freeze({
  cells: [],
  whole: [],
  micro: [],
  releaseEnd: 0,
  compiled: undefined,
});

/** Marks `source` as one whose release is a no-op (QuotaCapacitySource). Internal. */
export function markReleaseNoop(source: object): void {
  releaseNoops.add(source);
}

/** True for sources marked by {@link markReleaseNoop}. Internal. */
export function isReleaseNoop(source: object): boolean {
  return releaseNoops.has(source);
}

/**
 * A source's view of its (fixed) parent chain. Resolving a cost against it is cheap: one cached column per
 * resource name, shared by all costs, and one small array per cost, cached on the cost while the key-set epoch
 * (which changes only when some source tracks a new resource) is unchanged. Internal.
 */
export class Chain<S> {
  readonly levels: readonly ChainLevel<S>[];
  /** Number of leading levels a release reaches. */
  readonly releaseLevels: number;
  /** The quota level where a release stops (it still sees the call), if any. */
  readonly stopAt: S | undefined;
  readonly anyMetrics: boolean;
  readonly #columns = new Map<string, Column>();
  #epoch = -1;

  constructor(levels: readonly ChainLevel<S>[]) {
    this.levels = levels;
    const stop = levels.findIndex((l) => l.releaseNoop);
    this.releaseLevels = stop < 0 ? levels.length : stop;
    this.stopAt = stop < 0 ? undefined : levels[stop]!.source;
    this.anyMetrics = levels.some((l) => l.metrics !== undefined);
  }

  /** The columns of `c`'s keys on this chain (cached on `c`). */
  bind(c: CompiledCost): readonly Column[] {
    const epoch = keySetEpoch();
    if (c.boundTo === this && c.boundEpoch === epoch) return c.columns;
    if (this.#epoch !== epoch) {
      this.#columns.clear();
      this.#epoch = epoch;
    }
    const columns: Column[] = [];
    const cells: Float64Array[] = [];
    const ws: number[] = [];
    const ms: number[] = [];
    let tail: number[] | undefined; // (key index, slot index) pairs a release does not reach
    for (let i = 0; i < c.keys.length; i++) {
      const column = this.#column(c.keys[i]!);
      columns.push(column);
      const w = c.whole[i]!;
      const m = c.micro[i]!;
      // Zero amounts always fit and change nothing, even at a level in debt: leave them out.
      if (w === 0 && m === 0) continue;
      for (let j = 0; j < column.slots.length; j++) {
        if (j >= column.releaseCount) {
          if (tail === undefined) tail = [];
          tail.push(i, j);
          continue;
        }
        cells.push(column.slots[j]!.cell);
        ws.push(w);
        ms.push(m);
      }
    }
    const releaseEnd = cells.length;
    if (tail !== undefined) {
      for (let t = 0; t < tail.length; t += 2) {
        const i = tail[t]!;
        cells.push(columns[i]!.slots[tail[t + 1]!]!.cell);
        ws.push(c.whole[i]!);
        ms.push(c.micro[i]!);
      }
    }
    c.flat = { cells, whole: ws, micro: ms, releaseEnd, compiled: c };
    c.boundTo = this;
    c.boundEpoch = epoch;
    c.columns = columns;
    return columns;
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
        if (prev === undefined || value < prev) out[slot.name] = value;
      }
    }
    return out;
  }

  /** Emits an accepted acquisition to every level's collector (each took the cost; each sees the release). */
  emitAccepted(cost: Readonly<ResourceCost>): void {
    for (const level of this.levels) {
      if (level.metrics !== undefined) emitAccepted(level.metrics, cost, level.ledger.available());
    }
  }

  /** After amounts were given back: signals and emits `onRelease` at every level a release reaches. */
  afterRelease(cost: Readonly<ResourceCost>): void {
    for (let i = 0; i < this.releaseLevels; i++) {
      const level = this.levels[i]!;
      level.signal();
      if (level.metrics !== undefined) emitRelease(level.metrics, cost, level.ledger.available());
    }
  }

  #column(key: string): Column {
    let column = this.#columns.get(key);
    if (column === undefined) {
      const slots: Slot[] = [];
      const levels: number[] = [];
      let releaseCount = 0;
      for (let level = 0; level < this.levels.length; level++) {
        const slot = this.levels[level]!.ledger.get(key);
        if (slot === undefined) continue;
        slots.push(slot);
        levels.push(level);
        if (level < this.releaseLevels) releaseCount++;
      }
      column = { slots, levels, releaseCount };
      this.#columns.set(key, column);
    }
    return column;
  }
}

// Hot loops over the flattened pairs cached by Chain.bind (call bind first).

/** True when every amount of the hold fits at every level. */
export function costFits(h: CapacityHold): boolean {
  const { cells, whole, micro } = h;
  for (let i = 0; i < cells.length; i++) {
    if (!cellFits(cells[i]!, whole[i]!, micro[i]!)) return false;
  }
  return true;
}

/** Takes every amount of the hold at every level (call after {@link costFits}). */
export function costTake(h: CapacityHold): void {
  const { cells, whole, micro } = h;
  for (let i = 0; i < cells.length; i++) cellTake(cells[i]!, whole[i]!, micro[i]!);
}

/** Gives every amount of the hold back at the levels a release reaches. */
export function costGive(h: CapacityHold): void {
  const { cells, whole, micro } = h;
  for (let i = 0; i < h.releaseEnd; i++) cellGive(cells[i]!, whole[i]!, micro[i]!);
}

/** Which resource at which level (0 = the source itself, 1 = its parent…) does not fit right now. */
export interface CapacityShortfall {
  readonly resource: string;
  readonly level: number;
  readonly requested: number;
  readonly available: number;
}

/** A cost amount above a total limit, so it could never fit. */
export interface LimitExcess {
  readonly resource: string;
  readonly level: number;
  readonly requested: number;
  readonly limit: number;
}

/** The first amount that does not fit (lowest level first), or `undefined` when the whole cost fits. */
export function costShortfall(c: CompiledCost, columns: readonly Column[]): CapacityShortfall | undefined {
  const hit = firstAcrossLevels(c, columns, (s, w, m) => cellFits(s.cell, w, m));
  if (hit === undefined) return undefined;
  const [slot, level, i] = hit;
  return { resource: slot.name, level, requested: amountAt(c, i), available: cellAvailable(slot.cell) };
}

/** The first amount above its limit (lowest level first), or `undefined`. */
export function costExcess(c: CompiledCost, columns: readonly Column[]): LimitExcess | undefined {
  const hit = firstAcrossLevels(c, columns, (s, w, m) => !cellExceedsLimit(s.cell, w, m));
  if (hit === undefined) return undefined;
  const [slot, level, i] = hit;
  return {
    resource: slot.name,
    level,
    requested: amountAt(c, i),
    limit: cellLimit(slot.cell),
  };
}

/** The first key of `c` that no level tracks. */
export function firstUntracked(c: CompiledCost, columns: readonly Column[]): string | undefined {
  for (let i = 0; i < columns.length; i++) if (columns[i]!.slots.length === 0) return c.keys[i];
  return undefined;
}

function amountAt(c: CompiledCost, i: number): number {
  return pairToNumber(c.whole[i]!, c.micro[i]!);
}

// Diagnostics only: finds the failing (slot, level, key index) with the lowest level, then key order.
function firstAcrossLevels(
  c: CompiledCost,
  columns: readonly Column[],
  ok: (s: Slot, w: number, m: number) => boolean,
): [Slot, number, number] | undefined {
  let best: [Slot, number, number] | undefined;
  for (let i = 0; i < columns.length; i++) {
    const { slots, levels } = columns[i]!;
    for (let j = 0; j < slots.length; j++) {
      if (ok(slots[j]!, c.whole[i]!, c.micro[i]!)) continue;
      if (best === undefined || levels[j]! < best[1]) best = [slots[j]!, levels[j]!, i];
      break;
    }
  }
  return best;
}
