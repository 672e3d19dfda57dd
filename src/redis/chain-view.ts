import type { CapacityShortfall } from '../capacity/types.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { RemoteCost } from './remote-cost.js';
import { SCALE } from './remote-cost.js';
import type { Reply } from './store.js';

/** One node of the chain as the store last reported it, in scaled units. */
class LevelView {
  readonly limit = new Map<string, number>();
  readonly inUse = new Map<string, number>();
  readonly ceiling = new Map<string, number>();
  constructor(readonly node: string) {}
}

/**
 * This process's picture of its node and the node's ancestors, from the latest reply of the store. It answers
 * "does this cost fit?" without a round trip, so the scheduler only asks the store when a start looks possible.
 *
 * The picture goes stale when another process may have changed the tree (a message on the channel, or the
 * fallback timer). A stale picture says every cost fits, so the next decision asks the store, and its reply makes
 * the picture current again: at most one refused take per wake-up.
 */
export class ChainView {
  #levels: LevelView[] = [];
  #fresh = false;

  /** Replaces the picture with a dump from a script: per node its name, resource count, then per resource its name, limit, in use, ceiling. */
  update(dump: Reply): void {
    if (!Array.isArray(dump) || dump.length === 0) return;
    const levels: LevelView[] = [];
    let i = 0;
    while (i < dump.length) {
      const level = new LevelView(String(dump[i++]));
      const count = Number(dump[i++]);
      for (let r = 0; r < count; r++) {
        const name = String(dump[i++]);
        level.limit.set(name, Number(dump[i++]));
        level.inUse.set(name, Number(dump[i++]));
        level.ceiling.set(name, Number(dump[i++]));
      }
      levels.push(level);
    }
    this.#levels = levels;
    this.#fresh = true;
  }

  /** Someone else may have changed the tree: trust the store's next answer, not this picture. */
  stale(): void {
    this.#fresh = false;
  }

  get fresh(): boolean {
    return this.#fresh;
  }

  /** Whether `cost` fits everywhere it is tracked (always true while stale). */
  fits(cost: RemoteCost): boolean {
    if (!this.#fresh) return true;
    for (const level of this.#levels) {
      for (let i = 0; i < cost.names.length; i++) {
        const name = cost.names[i] as string;
        const limit = level.limit.get(name);
        if (limit !== undefined && (level.inUse.get(name) ?? 0) + (cost.scaled[i] as number) > limit)
          return false;
      }
    }
    return true;
  }

  /** Whether `cost` fits with `reserved` set aside where both take the same resource at the same node. */
  fitsBeside(cost: RemoteCost, reserved: RemoteCost): boolean {
    if (!this.#fresh) return this.fits(cost);
    for (const level of this.#levels) {
      for (let i = 0; i < cost.names.length; i++) {
        const name = cost.names[i] as string;
        const limit = level.limit.get(name);
        if (limit === undefined) continue;
        const j = reserved.names.indexOf(name);
        const aside = j < 0 ? 0 : (reserved.scaled[j] as number);
        if ((level.inUse.get(name) ?? 0) + aside + (cost.scaled[i] as number) > limit) return false;
      }
    }
    return true;
  }

  /** Each (resource, node) where `cost` does not fit in this picture. */
  shortfalls(cost: RemoteCost): CapacityShortfall[] {
    const out: CapacityShortfall[] = [];
    this.#levels.forEach((level, depth) => {
      for (let i = 0; i < cost.names.length; i++) {
        const name = cost.names[i] as string;
        const limit = level.limit.get(name);
        if (limit === undefined) continue;
        const free = Math.max(0, limit - (level.inUse.get(name) ?? 0));
        const need = cost.scaled[i] as number;
        if (need > free)
          out.push({
            resource: name,
            level: depth,
            requested: need / SCALE,
            available: free / SCALE,
            node: level.node,
          });
      }
    });
    return out;
  }

  /** Adds `sign × cost` to the amounts in use wherever the cost is tracked (a local take or release, before the store's reply). */
  apply(cost: Readonly<ResourceCost>, sign: 1 | -1): void {
    for (const level of this.#levels) {
      for (const [name, amount] of Object.entries(cost)) {
        const used = level.inUse.get(name);
        if (used !== undefined) level.inUse.set(name, used + sign * Math.round(amount * SCALE));
      }
    }
  }

  /** The own node's figures in user units (copies); empty before the first reply. */
  own(kind: 'limits' | 'inUse' | 'available'): ResourceCost {
    const out: ResourceCost = {};
    const level = this.#levels[0];
    if (level === undefined) return out;
    for (const [name, limit] of level.limit) {
      const used = level.inUse.get(name) ?? 0;
      const value = kind === 'limits' ? limit : kind === 'inUse' ? used : Math.max(0, limit - used);
      out[name] = value / SCALE;
    }
    return out;
  }

  /** How far up the chain `node` is (0 = the own node), or 0 when not in the picture. */
  depthOf(node: string): number {
    return Math.max(
      0,
      this.#levels.findIndex((l) => l.node === node),
    );
  }

  /** The own node's limit of `resource` in user units, if known. */
  limitOf(resource: string): number | undefined {
    const limit = this.#levels[0]?.limit.get(resource);
    return limit === undefined ? undefined : limit / SCALE;
  }
}
