import type { CapacityShortfall } from '../capacity/types.js';
import { CostExceedsLimitError, UnknownResourceError } from '../errors/capacity-errors.js';
import { UnknownNodeError } from '../errors/shared-capacity-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { CapacityGate } from '../runner/capacity-gate.js';
import type { ChainView } from './chain-view.js';
import type { AcquireRefusal, Lease } from './lease.js';
import { type RemoteCost, remoteCost } from './remote-cost.js';

/** What a gate needs of the capacity that opened it (a `RedisCapacity`). */
export interface LeaseSource {
  readonly namespace: string;
  readonly limits: Readonly<ResourceCost>;
  /** Takes `cost` as a lease, or says why not: `'short'` (wait) or a refusal for good. */
  acquire(cost: RemoteCost): Promise<Lease | 'short' | AcquireRefusal>;
  release(lease: Lease): void;
  adjust(lease: Lease, amounts: Readonly<ResourceCost>, args: readonly string[]): void;
  /** Resolves once every release so far has reached the store. */
  flushed(): Promise<void>;
  listen(listener: () => void): () => void;
  /** A gate started (1) or stopped (-1) waiting for capacity. */
  waiting(delta: 1 | -1): void;
}

/** Prepared costs kept per shape before the cache is cleared (costs are usually a handful of shapes). */
const MAX_SHAPES = 4096;

/**
 * The {@link CapacityGate} a scheduler or run uses over a {@link RedisCapacity}: `fits` reads the local picture of
 * the tree, `take` asks the store (one script call) and resolves with a lease, or with nothing when the cost does
 * not fit after all; `refusal` then says whether the store refused it for good.
 */
export class RedisGate implements CapacityGate<RemoteCost, Lease> {
  readonly #capacity: LeaseSource;
  readonly #view: ChainView;
  /** Prepared costs by shape: tasks that cost the same share one, and so one cost class in the ready queue. */
  readonly #costs = new Map<string, RemoteCost>();
  /** The store's verdict on the latest take that took nothing, read once by `refusal`. */
  #refused: { cost: RemoteCost; refusal: AcquireRefusal } | undefined;
  #waiting = false;
  readonly #unlisteners = new Set<() => void>();

  constructor(capacity: LeaseSource, view: ChainView) {
    this.#capacity = capacity;
    this.#view = view;
  }

  prepare(key: string, cost: Readonly<ResourceCost> | undefined): RemoteCost | Error {
    // Compiled every time (a round trip to Redis dwarfs it), so a cost changed in place is never mistaken.
    // `undefined` means no cost; anything else (null included) is validated as a cost.
    const prepared = remoteCost(cost === undefined ? {} : cost, key);
    if (prepared instanceof Error) return prepared;
    const known = this.#costs.get(prepared.shape);
    if (known !== undefined) return known;
    if (this.#costs.size >= MAX_SHAPES) this.#costs.clear();
    this.#costs.set(prepared.shape, prepared);
    return prepared;
  }

  refusal(key: string, prepared: RemoteCost): Error | undefined {
    const refused = this.#refused;
    if (refused === undefined || refused.cost !== prepared) return undefined;
    if (key !== '') this.#refused = undefined;
    const r = refused.refusal;
    switch (r.kind) {
      case 'unavailable':
        return r.error;
      case 'unknown_node':
        return new UnknownNodeError(r.node, this.#capacity.namespace);
      case 'unknown_resource':
        return new UnknownResourceError(key, r.resource, Object.keys(this.#capacity.limits));
      case 'exceeds':
        return new CostExceedsLimitError(
          key,
          r.resource,
          r.requested,
          r.ceiling,
          this.#view.depthOf(r.node),
          r.node,
        );
    }
  }

  fits(prepared: RemoteCost): boolean {
    return this.#view.fits(prepared);
  }

  fitsBeside(prepared: RemoteCost, reserved: RemoteCost): boolean {
    return this.#view.fitsBeside(prepared, reserved);
  }

  async take(prepared: RemoteCost): Promise<Lease | undefined> {
    const got = await this.#capacity.acquire(prepared);
    if (got === 'short') return undefined;
    if ('kind' in got) {
      this.#refused = { cost: prepared, refusal: got };
      return undefined;
    }
    return got;
  }

  release(lease: Lease): void {
    this.#capacity.release(lease);
  }

  adjust(key: string, lease: Lease, actual: Readonly<ResourceCost>): void {
    const cost = remoteCost(actual, key);
    if (cost instanceof Error) throw cost;
    this.#capacity.adjust(lease, cost.amounts, cost.args);
  }

  watch(lease: Lease, key: string, lost: (error: Error) => void): void {
    lease.key = key;
    if (lease.ended) lost(new Error('unreachable: a lease is watched after it ended'));
    else lease.onLost = lost;
  }

  onChange(listener: () => void): () => void {
    const unlisten = this.#capacity.listen(listener);
    this.#unlisteners.add(unlisten);
    return () => {
      this.#unlisteners.delete(unlisten);
      unlisten();
    };
  }

  waitFor(): void {
    if (this.#waiting) return;
    this.#waiting = true;
    this.#capacity.waiting(1);
  }

  endWait(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    this.#capacity.waiting(-1);
  }

  shortfalls(prepared: RemoteCost): readonly CapacityShortfall[] {
    return this.#view.shortfalls(prepared);
  }

  resources(prepared: RemoteCost): readonly string[] {
    return prepared.names;
  }

  amounts(prepared: RemoteCost): Readonly<ResourceCost> {
    return prepared.amounts;
  }

  async dispose(): Promise<void> {
    this.endWait();
    for (const unlisten of this.#unlisteners) unlisten();
    this.#unlisteners.clear();
    await this.#capacity.flushed();
  }
}
