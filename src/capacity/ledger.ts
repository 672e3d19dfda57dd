import { type Amount, compareAmounts, MICRO, pairToNumber, subtractAmounts, ZERO_AMOUNT } from './amount.js';
import { defineAmount } from './records.js';
import type { ResourceCost } from './types.js';

/**
 * One resource at one capacity source, in a 7-element cell
 * `[limitWhole, limitMicro, useWhole, useMicro, ceilingWhole, ceilingMicro, resetStamp]`:
 *
 * - limit and in use are exact fixed-point pairs (see amount.ts); `available = max(0, limit - inUse)` is derived,
 *   never stored, so accounting stays explicit.
 * - the ceiling is the most the limit can ever be: the highest limit the resource has had, or a higher one
 *   declared with `setCeilings` (a balancer declares each child's `max`). A cost above the ceiling can never fit;
 *   one within it waits while the limit is lower.
 * - the reset stamp is the value of the global reset counter when this cell was last reset, so that what was
 *   taken before a reset is not given back after it (a reset forgets holdings).
 *
 * A typed array keeps every cell the same shape whatever the values (small integers, 64-GiB byte counts,
 * fractions), so the hot loops stay monomorphic. Internal: cells are mutated in place by the hot paths.
 */
export interface Slot {
  readonly name: string;
  readonly cell: Float64Array;
}

const LW = 0;
const LM = 1;
const UW = 2;
const UM = 3;
const CW = 4;
const CM = 5;
const RS = 6;

// Bumped whenever a ledger in use starts tracking a new resource. Cached cost bindings compare it to know that
// the set of tracked keys up a chain is unchanged (keys are never removed, so slot references stay valid).
let keySetVersion = 0;
// Bumped by every reset of any ledger; a cell remembers the value after its latest reset.
let resetVersion = 0;
// Bumped whenever any ceiling changes, so a cost found within every ceiling need not be checked again until then.
let ceilingVersion = 0;

/** Version of all ceilings; changes whenever some ceiling is raised or lowered. */
export function ceilingEpoch(): number {
  return ceilingVersion;
}

/** Version of the key sets of all ledgers; changes only when some source tracks a new resource. */
export function keySetEpoch(): number {
  return keySetVersion;
}

/** Number of resets so far, anywhere. A hold taken at `resetEpoch() === e` is intact in every cell reset at or before e. */
export function resetEpoch(): number {
  return resetVersion;
}

/** True when the cell was reset after `epoch` (so what was taken from it at `epoch` has been forgotten). */
export function cellResetSince(c: Float64Array, epoch: number): boolean {
  return c[RS]! > epoch;
}

/** True when `amount` more fits: `amount <= available`. A zero amount always fits, even in debt. */
export function cellFits(c: Float64Array, w: number, m: number): boolean {
  let uw = c[UW]! + w;
  let um = c[UM]! + m;
  if (um >= MICRO) {
    um -= MICRO;
    uw += 1;
  }
  const lw = c[LW]!;
  return uw < lw || (uw === lw && um <= c[LM]!) || (w === 0 && m === 0);
}

/** Takes `amount` (in use grows; may exceed the limit, e.g. a reconcile deficit). */
export function cellTake(c: Float64Array, w: number, m: number): void {
  let uw = c[UW]! + w;
  let um = c[UM]! + m;
  if (um >= MICRO) {
    um -= MICRO;
    uw += 1;
  }
  c[UW] = uw;
  c[UM] = um;
}

/** Gives `amount` back; in use never goes below 0. */
export function cellGive(c: Float64Array, w: number, m: number): void {
  let uw = c[UW]! - w;
  let um = c[UM]! - m;
  if (um < 0) {
    um += MICRO;
    uw -= 1;
  }
  if (uw < 0) {
    uw = 0;
    um = 0;
  }
  c[UW] = uw;
  c[UM] = um;
}

/** `max(0, limit - inUse)` as a number. */
export function cellAvailable(c: Float64Array): number {
  let w = c[LW]! - c[UW]!;
  let m = c[LM]! - c[UM]!;
  if (m < 0) {
    m += MICRO;
    w -= 1;
  }
  return w < 0 ? 0 : pairToNumber(w, m);
}

/** The limit as a number. */
function cellLimit(c: Float64Array): number {
  return pairToNumber(c[LW]!, c[LM]!);
}

/** The ceiling as a number. */
export function cellCeiling(c: Float64Array): number {
  return pairToNumber(c[CW]!, c[CM]!);
}

/** True when `amount` exceeds the ceiling, so it could never fit. */
export function cellExceedsCeiling(c: Float64Array, w: number, m: number): boolean {
  const cw = c[CW]!;
  return w > cw || (w === cw && m > c[CM]!);
}

/**
 * Token-bucket refill: available grows by `amount` but not above `cap`. Accounting: inUse -= amount
 * (not below 0), then inUse = max(inUse, limit - cap). So available never exceeds the limit, a cap below the
 * current availability lowers it to the cap (as `min(available + amount, cap)` would), and a source in debt
 * (inUse above a lowered limit) first pays the debt.
 */
function cellIncrement(c: Float64Array, amount: Amount, cap: Amount): void {
  cellGive(c, amount.whole, amount.micro);
  let fw = c[LW]! - cap.whole;
  let fm = c[LM]! - cap.micro;
  if (fm < 0) {
    fm += MICRO;
    fw -= 1;
  }
  if (fw > c[UW]! || (fw === c[UW]! && fm > c[UM]!)) {
    c[UW] = fw;
    c[UM] = fm;
  }
}

function raiseCeiling(c: Float64Array, w: number, m: number): void {
  if (w > c[CW]! || (w === c[CW]! && m > c[CM]!)) {
    c[CW] = w;
    c[CM] = m;
    ceilingVersion++;
  }
}

/** The resources one capacity source tracks, by name and in insertion order. Internal. */
export class Ledger {
  readonly #byName = new Map<string, Slot>();
  /** Slots in the order their resources were first tracked. */
  readonly list: Slot[] = [];

  /** The slot of `name`, if tracked. */
  get(name: string): Slot | undefined {
    return this.#byName.get(name);
  }

  /** True when `name` is tracked. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /**
   * Sets the limit of `name`, tracking it (with nothing in use) if new; a limit above the ceiling raises the
   * ceiling. In use is never changed. `initial` marks a ledger still under construction: no binding can refer
   * to it yet, so cached bindings elsewhere stay valid.
   */
  setLimit(name: string, limit: Amount, initial = false): void {
    const slot = this.#byName.get(name);
    if (slot !== undefined) {
      slot.cell[LW] = limit.whole;
      slot.cell[LM] = limit.micro;
      raiseCeiling(slot.cell, limit.whole, limit.micro);
      return;
    }
    const cell = Float64Array.of(limit.whole, limit.micro, 0, 0, limit.whole, limit.micro, 0);
    const added: Slot = { name, cell };
    this.#byName.set(name, added);
    this.list.push(added);
    if (!initial) keySetVersion++;
  }

  /** Sets the ceiling of a tracked resource; a ceiling below the current limit becomes the limit. */
  setCeiling(slot: Slot, ceiling: Amount): void {
    const c = slot.cell;
    c[CW] = ceiling.whole;
    c[CM] = ceiling.micro;
    ceilingVersion++;
    raiseCeiling(c, c[LW]!, c[LM]!);
  }

  /** Applies a token-bucket refill to each tracked key of `amounts`; `caps` default to the limits. */
  increment(amounts: ReadonlyMap<string, Amount>, caps: ReadonlyMap<string, Amount> | undefined): void {
    for (const [key, amount] of amounts) {
      const slot = this.#byName.get(key);
      if (slot === undefined) continue;
      cellIncrement(slot.cell, amount, caps?.get(key) ?? { whole: slot.cell[LW]!, micro: slot.cell[LM]! });
    }
  }

  /**
   * Per tracked key, the correction from `estimated` to `actual`: calls `apply(cell, give, amount)` with the
   * surplus to give back (`give` true) or the deficit to take. The caller moves the cell, so it can cap a give.
   */
  reconcile(
    estimated: ReadonlyMap<string, Amount>,
    actual: ReadonlyMap<string, Amount>,
    apply: (cell: Float64Array, give: boolean, amount: Amount) => void,
  ): void {
    for (const key of new Set([...estimated.keys(), ...actual.keys()])) {
      const slot = this.#byName.get(key);
      if (slot === undefined) continue;
      const e = estimated.get(key) ?? ZERO_AMOUNT;
      const a = actual.get(key) ?? ZERO_AMOUNT;
      const order = compareAmounts(e, a);
      if (order === 0) continue;
      apply(slot.cell, order > 0, order > 0 ? subtractAmounts(e, a) : subtractAmounts(a, e));
    }
  }

  /** Forgets everything in use; what was taken before is not given back by later releases. */
  clearInUse(): void {
    const stamp = ++resetVersion;
    for (const s of this.list) {
      s.cell[UW] = 0;
      s.cell[UM] = 0;
      s.cell[RS] = stamp;
    }
  }

  /** The limit of one resource (undefined when not tracked), without making an object. */
  limitOf(name: string): number | undefined {
    const slot = this.#byName.get(name);
    return slot === undefined ? undefined : cellLimit(slot.cell);
  }

  /** A fresh object of limits. */
  limits(): ResourceCost {
    return this.#map(cellLimit);
  }

  /** A fresh object of ceilings. */
  ceilings(): ResourceCost {
    return this.#map(cellCeiling);
  }

  /** A fresh object of available amounts. */
  available(): ResourceCost {
    return this.#map(cellAvailable);
  }

  /** A fresh object of amounts in use. */
  inUse(): ResourceCost {
    return this.#map((c) => pairToNumber(c[UW]!, c[UM]!));
  }

  /** `(limit - available) / limit` per resource, in 0..1; a limit of 0 reports 0. */
  utilization(): ResourceCost {
    return this.#map((c) => {
      const limit = cellLimit(c);
      // limit - available = min(inUse, limit), computed exactly before the one division.
      const full = c[UW]! > c[LW]! || (c[UW] === c[LW] && c[UM]! >= c[LM]!);
      return limit > 0 ? (full ? 1 : pairToNumber(c[UW]!, c[UM]!) / limit) : 0;
    });
  }

  #map(value: (c: Float64Array) => number): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) defineAmount(out, s.name, value(s.cell));
    return out;
  }
}
