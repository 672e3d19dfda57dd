import type { ResourceCost } from '../foundation/resource-cost.js';
import { type CompiledCost, compileCost, type InvalidAmountEntry } from './compiled-cost.js';
import type { Binding, Chain } from './cost-binding.js';
import { keySetEpoch } from './ledger.js';

/** A cost compiled once and resolved against one chain; re-resolved when some source tracks a new resource. */
export interface PreparedCost {
  readonly compiled: CompiledCost;
  /** The amounts as written in the cost object, parallel to `compiled.keys` (to recognise the shape again). */
  readonly values: readonly number[];
  binding: Binding;
  /** The ceiling epoch at which the cost was last found within every ceiling of `binding` (-1: not yet). */
  withinCeilingsAt: number;
  /** The resources with a non-zero amount, computed on first use. */
  resources?: readonly string[];
  /** The amounts as a cost object (frozen), computed on first use. */
  amounts?: Readonly<ResourceCost>;
}

/** Shapes (and resource names) kept before the cache starts over: any real mix of task kinds fits, odd ones stay bounded. */
const MAX_ENTRIES = 4096;

/**
 * Compiles costs once per *shape* — the same resource names with the same amounts, in the same order — for one
 * capacity chain, so tasks written with a fresh cost literal each (`cost: { gpu: 1, cpu: 2 }`) cost no more to
 * admit than tasks sharing one object, and nothing is kept per task.
 *
 * A shape is found by a hash of the object's own keys and numeric values, then confirmed key by key and value by
 * value, so no string is built per task. Objects that are not plain (another prototype) or hold non-numbers are
 * compiled each time, so their validation errors are always reported. The last shape is tried first, by values
 * alone: the common runs of one shared cost object, or of literals alike, cost one comparison per resource.
 * Internal.
 */
export class CostCache {
  readonly #chain: Chain;
  /** A small number per resource name, for hashing. */
  readonly #keyIds = new Map<string, number>();
  readonly #byHash = new Map<number, PreparedCost[]>();
  #entries = 0;
  #lastPrepared: PreparedCost | undefined;

  constructor(chain: Chain) {
    this.#chain = chain;
  }

  /** The prepared form of `cost`, or its first invalid entry. */
  prepare(cost: unknown): PreparedCost | InvalidAmountEntry {
    const last = this.#lastPrepared;
    // Tasks written alike usually come in runs (one shared object, or a fresh literal each): the last shape,
    // re-read value by value (an object changed since is not mistaken for its old self), needs no hashing.
    if (last !== undefined && isPlainObject(cost) && sameShape(last, cost as Record<string, unknown>))
      return last;
    const hash = this.#hashOf(cost);
    let prepared: PreparedCost | undefined;
    const bucket = hash === undefined ? undefined : this.#byHash.get(hash);
    if (bucket !== undefined) {
      for (const candidate of bucket) {
        if (sameShape(candidate, cost as Record<string, unknown>)) {
          prepared = candidate;
          break;
        }
      }
    }
    if (prepared === undefined) {
      const r = compileCost(cost);
      if (!r.ok) return r;
      const values = r.compiled.keys.map((key) => (cost as Record<string, number>)[key] as number);
      prepared = this.wrap(r.compiled, values);
      if (hash !== undefined) this.#remember(hash, prepared);
    }
    this.#lastPrepared = prepared;
    return prepared;
  }

  /** A prepared cost for an already compiled one (not cached); `values` are its amounts as written. */
  wrap(compiled: CompiledCost, values: readonly number[] = []): PreparedCost {
    return { compiled, values, binding: this.#chain.bind(compiled), withinCeilingsAt: -1 };
  }

  /** The binding of `p`, re-resolved first if the chain's tracked resources changed since. */
  bound(p: PreparedCost): Binding {
    if (p.binding.epoch !== keySetEpoch()) {
      p.binding = this.#chain.bind(p.compiled);
      p.withinCeilingsAt = -1;
    }
    return p.binding;
  }

  /** A hash of the cost's keys and numbers in order, or `undefined` when it must be compiled every time. */
  #hashOf(cost: unknown): number | undefined {
    if (!isPlainObject(cost)) return undefined;
    const record = cost as Record<string, unknown>;
    let hash = 0x811c9dc5;
    for (const key in record) {
      const value = record[key];
      if (typeof value !== 'number') return undefined;
      let id = this.#keyIds.get(key);
      if (id === undefined) {
        if (this.#keyIds.size >= MAX_ENTRIES) this.#forget();
        id = this.#keyIds.size + 1;
        this.#keyIds.set(key, id);
      }
      hash = Math.imul(hash ^ id, 0x01000193);
      // Fractions matter to six decimals; the product wraps for huge amounts, which is fine for a hash.
      hash = Math.imul(hash ^ (value * 1_000_000), 0x01000193);
    }
    return hash;
  }

  #remember(hash: number, prepared: PreparedCost): void {
    if (this.#entries >= MAX_ENTRIES) this.#forget();
    const bucket = this.#byHash.get(hash);
    if (bucket === undefined) this.#byHash.set(hash, [prepared]);
    else bucket.push(prepared);
    this.#entries++;
  }

  #forget(): void {
    this.#byHash.clear();
    this.#keyIds.clear();
    this.#entries = 0;
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** True when `cost` has exactly the keys of `p`, in the same order, with the same numbers. */
function sameShape(p: PreparedCost, cost: Record<string, unknown>): boolean {
  const keys = p.compiled.keys;
  const values = p.values;
  let i = 0;
  for (const key in cost) {
    if (i >= keys.length || key !== keys[i] || cost[key] !== values[i]) return false;
    i++;
  }
  return i === keys.length;
}
