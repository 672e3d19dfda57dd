import { type Amount, compareAmounts, MICRO, pairToNumber, subtractAmounts, ZERO_AMOUNT } from './amount.js';
import type { ResourceCost } from './types.js';

/**
 * One resource at one capacity source: its limit and what is in use, both as exact fixed-point pairs
 * (see amount.ts). `available = max(0, limit - inUse)` is derived, never stored (D7).
 * Internal: the fields are mutated in place by the hot paths.
 */
export interface Slot {
  readonly name: string;
  limitW: number;
  limitM: number;
  useW: number;
  useM: number;
}

// Bumped whenever any ledger starts tracking a new resource. Cached cost bindings compare it to know that
// the set of tracked keys up a chain is unchanged (keys are never removed, so slot references stay valid).
let keySetVersion = 0;

/** Version of the key sets of all ledgers; changes only when some source tracks a new resource. */
export function keySetEpoch(): number {
  return keySetVersion;
}

/** True when `amount` more fits: `amount <= available`. A zero amount always fits, even in debt. */
export function slotFits(s: Slot, w: number, m: number): boolean {
  let uw = s.useW + w;
  let um = s.useM + m;
  if (um >= MICRO) {
    um -= MICRO;
    uw += 1;
  }
  return uw < s.limitW || (uw === s.limitW && um <= s.limitM) || (w === 0 && m === 0);
}

/** Takes `amount` (in use grows; may exceed the limit, e.g. a reconcile deficit). */
export function slotTake(s: Slot, w: number, m: number): void {
  let uw = s.useW + w;
  let um = s.useM + m;
  if (um >= MICRO) {
    um -= MICRO;
    uw += 1;
  }
  s.useW = uw;
  s.useM = um;
}

/** Gives `amount` back; in use never goes below 0. */
export function slotGive(s: Slot, w: number, m: number): void {
  let uw = s.useW - w;
  let um = s.useM - m;
  if (um < 0) {
    um += MICRO;
    uw -= 1;
  }
  if (uw < 0) {
    uw = 0;
    um = 0;
  }
  s.useW = uw;
  s.useM = um;
}

/** `max(0, limit - inUse)` as a number. */
export function slotAvailable(s: Slot): number {
  let w = s.limitW - s.useW;
  let m = s.limitM - s.useM;
  if (m < 0) {
    m += MICRO;
    w -= 1;
  }
  return w < 0 ? 0 : pairToNumber(w, m);
}

/** True when `amount` exceeds the slot's limit, so it could never fit. */
export function slotExceedsLimit(s: Slot, w: number, m: number): boolean {
  return w > s.limitW || (w === s.limitW && m > s.limitM);
}

/**
 * Token-bucket refill: available grows by `amount` but not above `cap`. Accounting: inUse -= amount
 * (not below 0), then inUse = max(inUse, limit - cap). So available never exceeds the limit, a cap below the
 * current availability lowers it to the cap (as `min(available + amount, cap)` would), and a source in debt
 * (inUse above a lowered limit) first pays the debt.
 */
export function slotIncrement(s: Slot, amount: Amount, cap: Amount): void {
  slotGive(s, amount.whole, amount.micro);
  let fw = s.limitW - cap.whole;
  let fm = s.limitM - cap.micro;
  if (fm < 0) {
    fm += MICRO;
    fw -= 1;
  }
  if (fw > s.useW || (fw === s.useW && fm > s.useM)) {
    s.useW = fw;
    s.useM = fm;
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
      slot.limitW = limit.whole;
      slot.limitM = limit.micro;
      return;
    }
    const added: Slot = { name, limitW: limit.whole, limitM: limit.micro, useW: 0, useM: 0 };
    this.#byName.set(name, added);
    this.list.push(added);
    if (!initial) keySetVersion++;
  }

  /** Applies {@link slotIncrement} to each tracked key of `amounts`; `caps` default to the limits. */
  increment(amounts: ReadonlyMap<string, Amount>, caps: ReadonlyMap<string, Amount> | undefined): void {
    for (const [key, amount] of amounts) {
      const slot = this.#byName.get(key);
      if (slot === undefined) continue;
      slotIncrement(slot, amount, caps?.get(key) ?? { whole: slot.limitW, micro: slot.limitM });
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
      if (order > 0) slotGive(slot, d.whole, d.micro);
      else if (order < 0) slotTake(slot, d.whole, d.micro);
    }
  }

  /** Forgets everything in use. */
  clearInUse(): void {
    for (const s of this.list) {
      s.useW = 0;
      s.useM = 0;
    }
  }

  /** A fresh object of limits. */
  limits(): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) out[s.name] = pairToNumber(s.limitW, s.limitM);
    return out;
  }

  /** A fresh object of available amounts. */
  available(): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) out[s.name] = slotAvailable(s);
    return out;
  }

  /** A fresh object of amounts in use. */
  inUse(): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) out[s.name] = pairToNumber(s.useW, s.useM);
    return out;
  }

  /** `(limit - available) / limit` per resource, in 0..1; a limit of 0 reports 0. */
  utilization(): ResourceCost {
    const out: ResourceCost = {};
    for (const s of this.list) {
      const limit = pairToNumber(s.limitW, s.limitM);
      // limit - available = min(inUse, limit), computed exactly before the one division.
      const full = s.useW > s.limitW || (s.useW === s.limitW && s.useM >= s.limitM);
      out[s.name] = limit > 0 ? (full ? 1 : pairToNumber(s.useW, s.useM) / limit) : 0;
    }
    return out;
  }
}
