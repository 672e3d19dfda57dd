import { type Amount, compareAmounts, MICRO, pairToNumber, subtractAmounts, ZERO_AMOUNT } from './amount.js';
import type { ResourceCost } from './types.js';

/**
 * One resource at one capacity source: its limit and what is in use, both as exact fixed-point pairs
 * (see amount.ts), in a 4-element cell `[limitWhole, limitMicro, useWhole, useMicro]`.
 * `available = max(0, limit - inUse)` is derived, never stored (D7). A typed array keeps every cell the same
 * shape whatever the values (small integers, 64-GiB byte counts, fractions), so the hot loops stay monomorphic.
 * Internal: cells are mutated in place by the hot paths.
 */
export interface Slot {
  readonly name: string;
  readonly cell: Float64Array;
}

const LW = 0;
const LM = 1;
const UW = 2;
const UM = 3;

// Bumped whenever a ledger in use starts tracking a new resource. Cached cost bindings compare it to know that
// the set of tracked keys up a chain is unchanged (keys are never removed, so slot references stay valid).
let keySetVersion = 0;

/** Version of the key sets of all ledgers; changes only when some source tracks a new resource. */
export function keySetEpoch(): number {
  return keySetVersion;
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
export function cellLimit(c: Float64Array): number {
  return pairToNumber(c[LW]!, c[LM]!);
}

/** True when `amount` exceeds the limit, so it could never fit. */
export function cellExceedsLimit(c: Float64Array, w: number, m: number): boolean {
  const lw = c[LW]!;
  return w > lw || (w === lw && m > c[LM]!);
}

/**
 * Token-bucket refill: available grows by `amount` but not above `cap`. Accounting: inUse -= amount
 * (not below 0), then inUse = max(inUse, limit - cap). So available never exceeds the limit, a cap below the
 * current availability lowers it to the cap (as `min(available + amount, cap)` would), and a source in debt
 * (inUse above a lowered limit) first pays the debt.
 */
export function cellIncrement(c: Float64Array, amount: Amount, cap: Amount): void {
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
   * Sets the limit of `name`, tracking it (with nothing in use) if new. In use is never changed (D7).
   * `initial` marks a ledger still under construction: no binding can refer to it yet, so cached bindings
   * elsewhere stay valid.
   */
  setLimit(name: string, limit: Amount, initial = false): void {
    const slot = this.#byName.get(name);
    if (slot !== undefined) {
      slot.cell[LW] = limit.whole;
      slot.cell[LM] = limit.micro;
      return;
    }
    const added: Slot = { name, cell: Float64Array.of(limit.whole, limit.micro, 0, 0) };
    this.#byName.set(name, added);
    this.list.push(added);
    if (!initial) keySetVersion++;
  }

  /** Applies {@link cellIncrement} to each tracked key of `amounts`; `caps` default to the limits. */
  increment(amounts: ReadonlyMap<string, Amount>, caps: ReadonlyMap<string, Amount> | undefined): void {
    for (const [key, amount] of amounts) {
      const slot = this.#byName.get(key);
      if (slot === undefined) continue;
      cellIncrement(slot.cell, amount, caps?.get(key) ?? { whole: slot.cell[LW]!, micro: slot.cell[LM]! });
    }
  }

  /** Per tracked key: gives back `estimated - actual` when positive, takes the deficit when negative. */
  reconcile(estimated: ReadonlyMap<string, Amount>, actual: ReadonlyMap<string, Amount>): void {
    for (const key of new Set([...estimated.keys(), ...actual.keys()])) {
      const slot = this.#byName.get(key);
      if (slot === undefined) continue;
      const e = estimated.get(key) ?? ZERO_AMOUNT;
      const a = actual.get(key) ?? ZERO_AMOUNT;
      const order = compareAmounts(e, a);
      const d = order > 0 ? subtractAmounts(e, a) : subtractAmounts(a, e);
      if (order > 0) cellGive(slot.cell, d.whole, d.micro);
      else if (order < 0) cellTake(slot.cell, d.whole, d.micro);
    }
  }

  /** Forgets everything in use. */
  clearInUse(): void {
    for (const s of this.list) {
      s.cell[UW] = 0;
      s.cell[UM] = 0;
    }
  }

  /** A fresh object of limits. */
  limits(): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) out[s.name] = cellLimit(s.cell);
    return out;
  }

  /** A fresh object of available amounts. */
  available(): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) out[s.name] = cellAvailable(s.cell);
    return out;
  }

  /** A fresh object of amounts in use. */
  inUse(): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) out[s.name] = pairToNumber(s.cell[UW]!, s.cell[UM]!);
    return out;
  }

  /** `(limit - available) / limit` per resource, in 0..1; a limit of 0 reports 0. */
  utilization(): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) {
      const c = s.cell;
      const limit = cellLimit(c);
      // limit - available = min(inUse, limit), computed exactly before the one division.
      const full = c[UW]! > c[LW]! || (c[UW] === c[LW] && c[UM]! >= c[LM]!);
      out[s.name] = limit > 0 ? (full ? 1 : pairToNumber(c[UW]!, c[UM]!) / limit) : 0;
    }
    return out;
  }
}
