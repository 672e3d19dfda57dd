import { InvalidCostError, InvalidLimitError } from '../errors/capacity-errors.js';
import { type Amount, pairToNumber, parseAmount } from './amount.js';
import { type CapacityHold, type Column, EMPTY_HOLD } from './cost-binding.js';
import type { ResourceCost } from './types.js';

/**
 * A cost validated and converted once into exact fixed-point amounts, for the fast capacity methods
 * (`canAcquireCompiled`, `tryAcquireCompiled`, `releaseCompiled`). Advanced API used by the runner and
 * integrations: compile a task's cost once with {@link compileCost}, then check, take and release it many times
 * without re-parsing or allocating.
 */
export class CompiledCost {
  /** Resource names, in the cost object's key order. */
  readonly keys: readonly string[];
  /** Whole part of each amount, parallel to `keys`. */
  readonly whole: readonly number[];
  /** Micro part (0..999 999) of each amount, parallel to `keys`. */
  readonly micro: readonly number[];
  /** @internal The chain whose columns are cached in `columns`. */
  boundTo: unknown = undefined;
  /** @internal Key-set epoch `columns` were resolved at. */
  boundEpoch = -1;
  /** @internal Per key, the slots it hits up `boundTo`'s chain. */
  columns: readonly Column[] = [];
  /** @internal The cells this cost hits on `boundTo`'s chain, as of `boundEpoch` (see {@link CapacityHold}). */
  flat: CapacityHold = EMPTY_HOLD;
  #cost: Readonly<ResourceCost> | undefined;

  /** @internal Use {@link compileCost}. */
  constructor(keys: readonly string[], whole: readonly number[], micro: readonly number[]) {
    this.keys = keys;
    this.whole = whole;
    this.micro = micro;
  }

  /** The validated cost as a frozen plain object (built on first use; metrics events carry it). */
  get cost(): Readonly<ResourceCost> {
    if (this.#cost === undefined) {
      const out: ResourceCost = {};
      for (let i = 0; i < this.keys.length; i++)
        out[this.keys[i]!] = pairToNumber(this.whole[i]!, this.micro[i]!);
      this.#cost = Object.freeze(out);
    }
    return this.#cost;
  }

  /** Number of resources named. */
  get size(): number {
    return this.keys.length;
  }
}

/** The first malformed entry of a cost or limits object. */
export interface InvalidAmountEntry {
  /** Resource name (`''` when the whole object is not an object). */
  readonly resource: string;
  /** The offending value. */
  readonly value: unknown;
}

/** Outcome of {@link compileCost}. */
export type CompileCostResult =
  | { readonly ok: true; readonly compiled: CompiledCost }
  | ({ readonly ok: false } & InvalidAmountEntry);

/**
 * Validates `cost` and compiles it (see {@link CompiledCost}). An amount that is negative, NaN, infinite, not a
 * number or has more than 6 decimals makes it fail with the first such entry; turn that into an
 * `InvalidCostError` naming the task.
 */
export function compileCost(cost: ResourceCost): CompileCostResult {
  if (typeof cost !== 'object' || cost === null || Array.isArray(cost))
    return { ok: false, resource: '', value: cost };
  const keys = Object.keys(cost);
  const whole: number[] = [];
  const micro: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const value: unknown = cost[keys[i]!];
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

/**
 * Parses every own enumerable entry of `obj` into `[name, amount, number]` triples, or returns the first
 * invalid entry. Shared by cost and limit validation.
 */
export function parseAmounts(obj: unknown): Array<[string, Amount, number]> | InvalidAmountEntry {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { resource: '', value: obj };
  const record = obj as Record<string, unknown>;
  const out: Array<[string, Amount, number]> = [];
  for (const key of Object.keys(record)) {
    const value = record[key];
    const amount = parseAmount(value);
    if (amount === undefined) return { resource: key, value };
    out.push([key, amount, value as number]);
  }
  return out;
}

/** {@link compileCost}, throwing `InvalidCostError` for an invalid entry. */
export function compileCostOrThrow(cost: ResourceCost): CompiledCost {
  const r = compileCost(cost);
  if (!r.ok) throw new InvalidCostError(r.resource, r.value);
  return r.compiled;
}

/** {@link parseAmounts} for amounts to add or give back, throwing `InvalidCostError`. */
export function parseCostOrThrow(cost: unknown): Map<string, Amount> {
  const r = parseAmounts(cost);
  if (!Array.isArray(r)) throw new InvalidCostError(r.resource, r.value);
  return new Map(r.map(([key, amount]) => [key, amount] as const));
}

/** {@link parseAmounts} for limits, throwing `InvalidLimitError` (a RangeError naming the resource). */
export function parseLimitsOrThrow(limits: unknown): Map<string, Amount> {
  const r = parseAmounts(limits);
  if (!Array.isArray(r)) throw new InvalidLimitError(r.resource, r.value);
  return new Map(r.map(([key, amount]) => [key, amount] as const));
}
