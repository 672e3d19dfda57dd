import { type CompiledCost, compileCost } from '../capacity/compiled-cost.js';
import type { CapacityHold } from '../capacity/cost-binding.js';
import type { ResourceCapacitySource } from '../capacity/resource-capacity-source.js';
import { InvalidCostError, UnknownResourceError } from '../errors/capacity-errors.js';
import type { CapacityGate } from './capacity-gate.js';
import { DEFAULT_TASK_COST } from './types.js';

/** Compiled once for every task without a cost. */
const DEFAULT_COMPILED = (() => {
  const result = compileCost({ ...DEFAULT_TASK_COST });
  if (!result.ok) throw new Error('unreachable: the default cost is valid');
  return result.compiled;
})();

/**
 * Compiled costs by cost object: tasks usually share a handful of cost objects, so each is parsed once and its
 * binding to the capacity chain is cached with it. Cost objects must not be mutated after a runner saw them.
 */
const compiledByCost = new WeakMap<object, CompiledCost>();

/**
 * {@link CapacityGate} over a local {@link ResourceCapacitySource}: every step is synchronous and exact.
 * Acquisitions go through `tryAcquireCompiled`, so a metrics collector sees one accepted event and one
 * release per task (D6).
 */
export class ResourceGate implements CapacityGate<CompiledCost, CapacityHold> {
  readonly #capacity: ResourceCapacitySource;

  constructor(capacity: ResourceCapacitySource) {
    this.#capacity = capacity;
  }

  prepare(key: string, cost: Readonly<Record<string, number>> | undefined): CompiledCost | Error {
    if (cost === undefined) return DEFAULT_COMPILED;
    const known = typeof cost === 'object' && cost !== null ? compiledByCost.get(cost) : undefined;
    if (known !== undefined) return known;
    const result = compileCost(cost as Record<string, number>);
    if (!result.ok) return new InvalidCostError(result.resource, result.value, key);
    compiledByCost.set(cost, result.compiled);
    return result.compiled;
  }

  refusal(key: string, prepared: CompiledCost): Error | undefined {
    const error = this.#capacity.checkCompiled(prepared, key);
    // D9: the documented default `{ capacity: 1 }` is exempt from the unknown-resource rule.
    if (error instanceof UnknownResourceError && prepared === DEFAULT_COMPILED) return undefined;
    return error;
  }

  fits(prepared: CompiledCost): boolean {
    return this.#capacity.canAcquireCompiled(prepared);
  }

  take(prepared: CompiledCost): CapacityHold | undefined {
    return this.#capacity.takeCompiled(prepared);
  }

  release(hold: CapacityHold): void {
    this.#capacity.releaseHold(hold);
  }

  changed(): Promise<void> {
    return this.#capacity.changed();
  }
}
