import { InvalidOptionError } from '../errors/option-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';

/** Per-tenant options of fair sharing. */
export interface TenantOptions {
  /** Relative share; a tenant of weight 2 is entitled to twice the dominant share of one of weight 1. Default 1. */
  weight?: number;
}

/**
 * What each tenant holds now, and its weighted dominant share: the largest fraction of any one limit it holds,
 * divided by its weight (Dominant Resource Fairness, Ghodsi et al., NSDI 2011). Only current holdings count, so
 * a tenant that was busy earlier and comes back is not held back for it.
 */
export class FairShares {
  readonly #weights = new Map<string, number>();
  readonly #held = new Map<string, Map<string, number>>();
  readonly #limits: () => Readonly<ResourceCost>;

  constructor(tenants: Readonly<Record<string, TenantOptions>>, limits: () => Readonly<ResourceCost>) {
    if (typeof tenants !== 'object' || tenants === null)
      throw new InvalidOptionError('tenants', tenants, '{ [tenant]: { weight? } }');
    for (const [name, o] of Object.entries(tenants)) {
      const weight = o?.weight ?? 1;
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0)
        throw new InvalidOptionError(`weight of tenant "${name}"`, weight, 'a finite number > 0');
      this.#weights.set(name, weight);
    }
    this.#limits = limits;
  }

  /** The tenant's weight (1 when not listed). */
  weight(tenant: string): number {
    return this.#weights.get(tenant) ?? 1;
  }

  /** Counts `cost` as held by `tenant` (`sign` 1) or given back (`sign` −1). */
  charge(tenant: string, cost: Readonly<ResourceCost>, sign: 1 | -1): void {
    let held = this.#held.get(tenant);
    if (held === undefined) {
      held = new Map();
      this.#held.set(tenant, held);
    }
    for (const [r, amount] of Object.entries(cost)) {
      const next = (held.get(r) ?? 0) + sign * amount;
      if (Math.abs(next) < 1e-9) held.delete(r);
      else held.set(r, next);
    }
    if (held.size === 0) this.#held.delete(tenant);
  }

  /** Weighted dominant share of `tenant` now, against the current limits. */
  share(tenant: string): number {
    const held = this.#held.get(tenant);
    if (held === undefined) return 0;
    const limits = this.#limits();
    let dominant = 0;
    for (const [r, amount] of held) {
      const limit = limits[r];
      if (limit !== undefined && limit > 0) dominant = Math.max(dominant, amount / limit);
    }
    return dominant / this.weight(tenant);
  }
}
