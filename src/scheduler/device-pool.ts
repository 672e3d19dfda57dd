import { show } from '../errors/allot-error.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';

/** Device ids a running task holds, per indexed resource. */
export type DeviceIds = Readonly<Record<string, readonly string[]>>;

/**
 * The free ids of each indexed resource (`devices: { gpu: ['0', '1'] }`). The capacity counts units; this hands
 * out which ones. A task's units were taken from the capacity before it asks for ids, and ids come back when units
 * do, so there are always enough free ids: a resource's limit is its number of ids. Lowest ids (in the order
 * given) go first.
 */
export class DevicePool {
  /** Per resource: free ids, kept in the order given. */
  readonly #free = new Map<string, string[]>();
  /** Per resource: each id's position in the order given. */
  readonly #rank = new Map<string, Map<string, number>>();

  constructor(devices: Readonly<Record<string, readonly string[]>>) {
    if (typeof devices !== 'object' || devices === null)
      throw new InvalidOptionError('devices', devices, "{ [resource]: ids }, e.g. { gpu: ['0', '1'] }");
    for (const [resource, ids] of Object.entries(devices)) {
      const where = `devices.${resource}`;
      if (!Array.isArray(ids) || ids.length === 0)
        throw new InvalidOptionError(where, ids, 'a non-empty array of distinct id strings');
      const rank = new Map<string, number>();
      for (const id of ids) {
        if (typeof id !== 'string' || id === '' || rank.has(id))
          throw new InvalidOptionError(where, ids, `distinct non-empty strings (${show(id)} is not)`);
        rank.set(id, rank.size);
      }
      this.#free.set(resource, [...ids]);
      this.#rank.set(resource, rank);
    }
  }

  /** The indexed resources and their number of ids. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [r, rank] of this.#rank) out[r] = rank.size;
    return out;
  }

  has(resource: string): boolean {
    return this.#rank.has(resource);
  }

  /** Whether `id` is one of `resource`'s ids. */
  knows(resource: string, id: string): boolean {
    return this.#rank.get(resource)?.has(id) === true;
  }

  /** Hands out ids for the indexed resources of `cost` (lowest first). */
  assign(cost: Readonly<ResourceCost>): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [resource, free] of this.#free) {
      const n = cost[resource] ?? 0;
      if (n > 0) out[resource] = free.splice(0, n);
    }
    return out;
  }

  /** Takes ids back. */
  giveBack(resource: string, ids: readonly string[]): void {
    const free = this.#free.get(resource);
    const rank = this.#rank.get(resource);
    if (free === undefined || rank === undefined || ids.length === 0) return;
    free.push(...ids);
    free.sort((a, b) => (rank.get(a) as number) - (rank.get(b) as number));
  }
}
