import { InvalidOptionError } from '../errors/option-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';

/** Per-tenant options of fair sharing. */
export interface TenantOptions {
  /** Relative share; a tenant of weight 2 is entitled to twice the dominant share of one of weight 1. Default 1. */
  weight?: number;
}

/** What one tenant holds. */
interface Holding {
  readonly weight: number;
  readonly held: Record<string, number>;
}

/**
 * What each tenant holds now, and its weighted dominant share: the largest fraction of any one limit it holds,
 * divided by its weight (Dominant Resource Fairness, Ghodsi et al., NSDI 2011). Only current holdings count, so
 * a tenant that was busy earlier and comes back is not held back for it. Shares are computed when asked, against
 * the limits of that moment: a few divisions per resource the tenant holds, no object made.
 */
export class FairShares {
  readonly #weights = new Map<string, number>();
  readonly #holdings = new Map<string, Holding>();
  readonly #limitOf: (resource: string) => number | undefined;

  constructor(
    tenants: Readonly<Record<string, TenantOptions>>,
    limitOf: (resource: string) => number | undefined,
  ) {
    if (typeof tenants !== 'object' || tenants === null)
      throw new InvalidOptionError('tenants', tenants, '{ [tenant]: { weight? } }');
    for (const [name, o] of Object.entries(tenants)) {
      const weight = o?.weight ?? 1;
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0)
        throw new InvalidOptionError(`weight of tenant "${name}"`, weight, 'a finite number > 0');
      this.#weights.set(name, weight);
    }
    this.#limitOf = limitOf;
  }

  /** The tenant's weight (1 when not listed). */
  weight(tenant: string): number {
    return this.#weights.get(tenant) ?? 1;
  }

  /** Counts `cost` as held by `tenant` (`sign` 1) or given back (`sign` −1). */
  charge(tenant: string, cost: Readonly<ResourceCost>, sign: 1 | -1): void {
    let h = this.#holdings.get(tenant);
    if (h === undefined) {
      h = { weight: this.weight(tenant), held: {} };
      this.#holdings.set(tenant, h);
    }
    const held = h.held;
    for (const r in cost) {
      const next = (held[r] ?? 0) + sign * (cost[r] as number);
      held[r] = Math.abs(next) < 1e-9 ? 0 : next;
    }
  }

  /** Weighted dominant share of `tenant` now, against the current limits. */
  share(tenant: string): number {
    const h = this.#holdings.get(tenant);
    if (h === undefined) return 0;
    let dominant = 0;
    for (const r in h.held) {
      const amount = h.held[r] as number;
      if (amount === 0) continue;
      const limit = this.#limitOf(r);
      if (limit !== undefined && limit > 0 && amount / limit > dominant) dominant = amount / limit;
    }
    return dominant / h.weight;
  }
}
