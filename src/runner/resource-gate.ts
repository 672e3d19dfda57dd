import { type CompiledCost, compileCost } from '../capacity/compiled-cost.js';
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
 * {@link CapacityGate} over a local {@link ResourceCapacitySource}: every step is synchronous and exact.
 * Acquisitions go through `tryAcquireCompiled`, so a metrics collector sees one accepted event and one
 * release per task (D6).
 */
export class ResourceGate implements CapacityGate<CompiledCost> {
  readonly #capacity: ResourceCapacitySource;

  constructor(capacity: ResourceCapacitySource) {
    this.#capacity = capacity;
  }

  prepare(key: string, cost: Readonly<Record<string, number>> | undefined): CompiledCost | Error {
    return this.prepareCost(key, cost);
  }

  /** Same as `prepare`, named so the runner can refer to the prepared type. */
  prepareCost(key: string, cost: Readonly<Record<string, number>> | undefined): CompiledCost | Error {
    if (cost === undefined) return DEFAULT_COMPILED;
    const result = compileCost(cost as Record<string, number>);
    return result.ok ? result.compiled : new InvalidCostError(result.resource, result.value, key);
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

  take(prepared: CompiledCost): boolean {
    return this.#capacity.tryAcquireCompiled(prepared);
  }

  release(prepared: CompiledCost): void {
    this.#capacity.releaseCompiled(prepared);
  }

  changed(): Promise<void> {
    return this.#capacity.changed();
  }
}
