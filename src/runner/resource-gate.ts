import { chainOf } from '../capacity/chain-access.js';
import { compileCost, compileCostOrThrow, invalidCost } from '../capacity/compiled-cost.js';
import {
  type CapacityHold,
  type Chain,
  costAdjust,
  costExcess,
  costFits,
  costFitsBeside,
  costGive,
  costShortfalls,
  costTake,
  givenLevelCosts,
} from '../capacity/cost-binding.js';
import { CostCache, type PreparedCost } from '../capacity/cost-cache.js';
import { ceilingEpoch, resetEpoch } from '../capacity/ledger.js';
import type { ResourceCapacitySource } from '../capacity/resource-capacity-source.js';
import type { CapacityShortfall } from '../capacity/types.js';
import { CostExceedsLimitError, UnknownResourceError } from '../errors/capacity-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { CapacityGate } from './capacity-gate.js';
import { DEFAULT_TASK_COST } from './types.js';

/** What a running task holds: the cells and amounts taken, and the reset epoch they were taken at. */
export class Held {
  constructor(
    public hold: CapacityHold,
    public epoch: number,
  ) {}
}

const DEFAULT_COMPILED = (() => {
  const r = compileCost({ ...DEFAULT_TASK_COST });
  if (!r.ok) throw new Error('unreachable: the default cost is valid');
  return r.compiled;
})();

/**
 * {@link CapacityGate} over a local {@link ResourceCapacitySource}: every step is synchronous and exact.
 * A collector on any level sees one accepted acquisition and one release per task (plus a reconcile event
 * when a task corrects its cost), so in-flight figures return to 0 when the run ends.
 */
export class ResourceGate implements CapacityGate<PreparedCost, Held> {
  readonly #chain: Chain;
  readonly #costs: CostCache;
  /** The documented default `{ capacity: 1 }`, exempt from the unknown-resource rule. */
  readonly #default: PreparedCost;
  /** Per chain level: this run is counted as waiting there. A gate serves one run. */
  readonly #waitingAt: Uint8Array;

  constructor(capacity: ResourceCapacitySource) {
    this.#chain = chainOf(capacity);
    this.#costs = new CostCache(this.#chain);
    this.#default = this.#costs.wrap(DEFAULT_COMPILED);
    this.#waitingAt = new Uint8Array(this.#chain.levels.length);
  }

  prepare(key: string, cost: Readonly<ResourceCost> | undefined): PreparedCost | Error {
    // A task without a cost runs unconstrained on a chain that does not track `capacity` (documented).
    if (cost === undefined) return this.#default;
    const prepared = this.#costs.prepare(cost);
    if (!('compiled' in prepared)) return invalidCost(prepared, key);
    const untracked = this.#costs.bound(prepared).untracked;
    if (untracked !== undefined) return new UnknownResourceError(key, untracked, this.#chain.trackedKeys());
    return prepared;
  }

  refusal(key: string, prepared: PreparedCost): Error | undefined {
    const binding = this.#costs.bound(prepared);
    // Asked each time the head does not fit; ceilings rarely change, so one check per ceiling change suffices.
    const epoch = ceilingEpoch();
    if (prepared.withinCeilingsAt === epoch) return undefined;
    const excess = costExcess(binding);
    if (excess === undefined) {
      prepared.withinCeilingsAt = epoch;
      return undefined;
    }
    return new CostExceedsLimitError(key, excess.resource, excess.requested, excess.ceiling, excess.level);
  }

  fits(prepared: PreparedCost): boolean {
    return costFits(this.#costs.bound(prepared).hold);
  }

  fitsBeside(prepared: PreparedCost, reserved: PreparedCost): boolean {
    return costFitsBeside(this.#costs.bound(prepared).hold, this.#costs.bound(reserved).hold);
  }

  take(prepared: PreparedCost): Held | undefined {
    const hold = this.#costs.bound(prepared).hold;
    if (!costFits(hold)) return undefined;
    costTake(hold);
    if (this.#chain.anyMetrics) this.#chain.emitAccepted(hold);
    return new Held(hold, resetEpoch());
  }

  release(held: Held): void {
    const now = resetEpoch();
    costGive(held.hold, held.epoch, now);
    // Collectors hear what was really given back (a cell reset since the take gets nothing).
    this.#chain.afterRelease(
      this.#chain.anyMetrics ? givenLevelCosts(held.hold, held.epoch, now) : held.hold.levelCosts,
    );
  }

  adjust(key: string, held: Held, actual: Readonly<ResourceCost>): void {
    const binding = this.#chain.bind(compileCostOrThrow(actual, key));
    if (binding.untracked !== undefined)
      throw new UnknownResourceError(key, binding.untracked, this.#chain.trackedKeys());
    const before = held.hold;
    costAdjust(before, held.epoch, binding.hold);
    held.hold = binding.hold;
    held.epoch = resetEpoch();
    this.#chain.afterReconcile(before.levelCosts, binding.hold.levelCosts);
  }

  onChange(listener: () => void): () => void {
    return this.#chain.listen(listener);
  }

  waitFor(prepared: PreparedCost): void {
    this.#chain.waitFor(this.#costs.bound(prepared).hold, this.#waitingAt);
  }

  endWait(): void {
    this.#chain.endWait(this.#waitingAt);
  }

  shortfalls(prepared: PreparedCost): readonly CapacityShortfall[] {
    return costShortfalls(this.#costs.bound(prepared));
  }

  /** The cost as amounts per resource (cached on the prepared cost, which every task of its shape shares). */
  amounts(prepared: PreparedCost): Readonly<ResourceCost> {
    if (prepared.amounts === undefined) {
      const out: ResourceCost = {};
      const keys = prepared.compiled.keys;
      for (let i = 0; i < keys.length; i++) out[keys[i] as string] = prepared.values[i] as number;
      prepared.amounts = Object.freeze(out);
    }
    return prepared.amounts;
  }

  resources(prepared: PreparedCost): readonly string[] {
    let names = prepared.resources;
    if (names === undefined) {
      const c = prepared.compiled;
      names = c.keys.filter((_, i) => c.whole[i] !== 0 || c.micro[i] !== 0);
      prepared.resources = names;
    }
    return names;
  }
}
