import { type CompiledCost, compileCost, type InvalidAmountEntry } from './compiled-cost.js';
import type { Binding, Chain } from './cost-binding.js';
import { keySetEpoch } from './ledger.js';

/** A cost compiled once and resolved against one chain; re-resolved when some source tracks a new resource. */
export interface PreparedCost {
  readonly compiled: CompiledCost;
  binding: Binding;
  /** The ceiling epoch at which the cost was last found within every ceiling of `binding` (-1: not yet). */
  withinCeilingsAt: number;
}

/** Shapes kept before the cache starts over: enough for any real mix of task kinds, bounded for odd ones. */
const MAX_SHAPES = 4096;

/**
 * Compiles costs once per *shape* — the same resource names with the same amounts — for one capacity chain,
 * so tasks written with a fresh cost literal each (`cost: { gpu: 1, cpu: 2 }`) cost no more to admit than tasks
 * sharing one object, and nothing is kept per task. A shape is recognised from the object's own keys and
 * numeric values; objects that are not plain (another prototype) or hold non-numbers are compiled each time, so
 * their validation errors are always reported. The last object seen is also remembered by identity, the
 * common case of one shared cost object. Internal.
 */
export class CostCache {
  readonly #chain: Chain;
  readonly #byShape = new Map<string, PreparedCost>();
  #lastObject: object | undefined;
  #lastPrepared: PreparedCost | undefined;

  constructor(chain: Chain) {
    this.#chain = chain;
  }

  /** The prepared form of `cost`, or its first invalid entry. */
  prepare(cost: unknown): PreparedCost | InvalidAmountEntry {
    if (cost === this.#lastObject && this.#lastPrepared !== undefined) return this.#lastPrepared;
    const shape = shapeOf(cost);
    let prepared = shape === undefined ? undefined : this.#byShape.get(shape);
    if (prepared === undefined) {
      const r = compileCost(cost);
      if (!r.ok) return r;
      prepared = this.wrap(r.compiled);
      if (shape !== undefined) {
        if (this.#byShape.size >= MAX_SHAPES) this.#byShape.clear();
        this.#byShape.set(shape, prepared);
      }
    }
    this.#lastObject = cost as object;
    this.#lastPrepared = prepared;
    return prepared;
  }

  /** A prepared cost for an already compiled one (not cached). */
  wrap(compiled: CompiledCost): PreparedCost {
    return { compiled, binding: this.#chain.bind(compiled), withinCeilingsAt: -1 };
  }

  /** The binding of `p`, re-resolved first if the chain's tracked resources changed since. */
  bound(p: PreparedCost): Binding {
    if (p.binding.epoch !== keySetEpoch()) {
      p.binding = this.#chain.bind(p.compiled);
      p.withinCeilingsAt = -1;
    }
    return p.binding;
  }
}

/** A string naming the cost's own keys and numeric values in order, or `undefined` when it cannot be cached. */
function shapeOf(cost: unknown): string | undefined {
  if (typeof cost !== 'object' || cost === null || Object.getPrototypeOf(cost) !== Object.prototype)
    return undefined;
  const record = cost as Record<string, unknown>;
  let shape = '';
  for (const key in record) {
    const value = record[key];
    if (typeof value !== 'number') return undefined;
    // The key's length first, so no key text can be mistaken for a separator.
    shape += `${key.length}:${key}=${value};`;
  }
  return shape;
}
