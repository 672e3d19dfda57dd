import { InvalidCostError, InvalidLimitError } from '../errors/capacity-errors.js';
import { type Amount, pairToNumber, parseAmount } from './amount.js';
import { defineAmount } from './records.js';
import type { ResourceCost } from './types.js';

/**
 * A cost validated and converted once into exact fixed-point amounts, so that checking, taking and releasing
 * it never parses again. Immutable. Internal to the capacity layer and the runner; not exported from the package.
 */
export class CompiledCost {
  /** Resource names, in the cost object's key order. */
  readonly keys: readonly string[];
  /** Whole part of each amount, parallel to `keys`. */
  readonly whole: readonly number[];
  /** Micro part (0..999 999) of each amount, parallel to `keys`. */
  readonly micro: readonly number[];
  #cost: Readonly<ResourceCost> | undefined;
  #shape: string | undefined;

  constructor(keys: readonly string[], whole: readonly number[], micro: readonly number[]) {
    this.keys = keys;
    this.whole = whole;
    this.micro = micro;
  }

  /**
   * A string equal for two costs exactly when they name the same resources with the same non-zero amounts, in
   * any order (a zero amount takes nothing, and `{ a, b }` takes what `{ b, a }` takes).
   */
  get shape(): string {
    if (this.#shape === undefined) {
      const parts: string[] = [];
      for (let i = 0; i < this.keys.length; i++) {
        if (this.whole[i] === 0 && this.micro[i] === 0) continue;
        const key = this.keys[i]!;
        parts.push(`${key.length}:${key}=${this.whole[i]}.${this.micro[i]};`);
      }
      this.#shape = parts.sort().join('');
    }
    return this.#shape;
  }

  /** The amounts by resource name. */
  amounts(): Map<string, Amount> {
    return new Map(this.keys.map((key, i) => [key, { whole: this.whole[i]!, micro: this.micro[i]! }]));
  }

  /** The validated cost as a frozen plain object (built on first use; metrics events carry it). */
  get cost(): Readonly<ResourceCost> {
    if (this.#cost === undefined) {
      const out: ResourceCost = {};
      for (let i = 0; i < this.keys.length; i++)
        defineAmount(out, this.keys[i]!, pairToNumber(this.whole[i]!, this.micro[i]!));
      this.#cost = Object.freeze(out);
    }
    return this.#cost;
  }
}

/** The first malformed entry of a cost or limits object. */
export interface InvalidAmountEntry {
  /** Resource name (`''` when the whole object is unusable). */
  readonly resource: string;
  /** The offending value. */
  readonly value: unknown;
  /** Why, when it is not simply a bad number. */
  readonly problem?: 'not-an-object' | 'inherited';
}

/** Outcome of {@link compileCost}. */
export type CompileCostResult =
  | { readonly ok: true; readonly compiled: CompiledCost }
  | ({ readonly ok: false } & InvalidAmountEntry);

/**
 * The own enumerable keys of `obj` when it can be a cost or a set of limits, else the reason it cannot.
 * Inherited enumerable properties are refused rather than ignored: a cost built on a prototype
 * (`Object.create({ gpu: 1 })`) would otherwise be read as free and run unconstrained.
 */
function ownKeys(obj: unknown): string[] | InvalidAmountEntry {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || obj instanceof Map)
    return { resource: '', value: obj, problem: 'not-an-object' };
  const keys = Object.keys(obj);
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    for (const key in obj) {
      if (!Object.hasOwn(obj, key))
        return { resource: key, value: (obj as Record<string, unknown>)[key], problem: 'inherited' };
    }
  }
  return keys;
}

/**
 * Validates `cost` and compiles it. An amount that is negative, NaN, infinite, not a number or has more than
 * 6 decimals makes it fail with the first such entry, as does an inherited enumerable property or a value
 * that is not an object.
 */
export function compileCost(cost: unknown): CompileCostResult {
  const keys = ownKeys(cost);
  if (!Array.isArray(keys)) return { ok: false, ...keys };
  const record = cost as Record<string, unknown>;
  const whole: number[] = [];
  const micro: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const value = record[keys[i]!];
    // Fast path: a non-negative integer (`+ 0` turns -0 into 0).
    if (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= 0 &&
      value <= Number.MAX_SAFE_INTEGER
    ) {
      whole.push(value + 0);
      micro.push(0);
      continue;
    }
    const amount = parseAmount(value);
    if (amount === undefined) return { ok: false, resource: keys[i]!, value };
    whole.push(amount.whole);
    micro.push(amount.micro);
  }
  return { ok: true, compiled: new CompiledCost(keys, whole, micro) };
}

/** {@link compileCost}, throwing `InvalidCostError` (naming `taskKey` when given) for an invalid entry. */
export function compileCostOrThrow(cost: unknown, taskKey?: string): CompiledCost {
  const r = compileCost(cost);
  if (!r.ok) throw invalidCost(r, taskKey);
  return r.compiled;
}

/** The `InvalidCostError` for a failed {@link compileCost}. */
export function invalidCost(entry: InvalidAmountEntry, taskKey?: string): InvalidCostError {
  return new InvalidCostError(entry.resource, entry.value, taskKey, entry.problem);
}

/** Parses every own entry of `obj` into a map of exact amounts, or returns the first invalid entry. */
function parseAmounts(obj: unknown): Map<string, Amount> | InvalidAmountEntry {
  const keys = ownKeys(obj);
  if (!Array.isArray(keys)) return keys;
  const record = obj as Record<string, unknown>;
  const out = new Map<string, Amount>();
  for (const key of keys) {
    const value = record[key];
    const amount = parseAmount(value);
    if (amount === undefined) return { resource: key, value };
    out.set(key, amount);
  }
  return out;
}

/** Amounts to add or give back, throwing `InvalidCostError` for an invalid entry. */
export function parseCostOrThrow(cost: unknown): Map<string, Amount> {
  const r = parseAmounts(cost);
  if (!(r instanceof Map)) throw invalidCost(r);
  return r;
}

/** Limits (or ceilings), throwing `InvalidLimitError` (a RangeError naming the resource) for an invalid entry. */
export function parseLimitsOrThrow(limits: unknown): Map<string, Amount> {
  const r = parseAmounts(limits);
  if (!(r instanceof Map)) throw new InvalidLimitError(r.resource, r.value, r.problem);
  return r;
}
