import {
  CostExceedsLimitError,
  InsufficientCapacityError,
  UnknownResourceError,
} from '../errors/capacity-errors.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import type { ICapacityMetricsCollector } from '../metrics/types.js';
import { Broadcast } from '../pull/broadcast.js';
import { WaitObject } from '../pull/wait-object.js';
import { emitIncrement, emitReconcile, emitRejected, emitReset, emitSetLimits } from './capacity-events.js';
import {
  type CompiledCost,
  compileCost,
  compileCostOrThrow,
  parseCostOrThrow,
  parseLimitsOrThrow,
} from './compiled-cost.js';
import {
  type CapacityHold,
  type CapacityShortfall,
  Chain,
  type ChainLevel,
  type Column,
  costExcess,
  costFits,
  costGive,
  costShortfall,
  costTake,
  firstUntracked,
  isReleaseNoop,
} from './cost-binding.js';
import { Ledger } from './ledger.js';
import type { ResourceCost, TryAcquireResult } from './types.js';

type Level = ChainLevel<ResourceCapacitySource>;

/**
 * Multi-resource capacity with atomic all-or-nothing acquisition and an optional parent chain.
 *
 * Accounting is explicit (D7): each source tracks what is in use per resource, and
 * `available = max(0, limit - inUse)`. Amounts are exact to 6 decimals (D8). Acquisition takes from this source
 * and every ancestor at once, or from none. Capacity-increasing events (release, setLimits, reset, increment,
 * reconcile) resolve this level's `waitObj` and wake every caller of {@link changed} here and in every
 * descendant (D4). Errors: `InvalidLimitError` for bad limits, `InvalidCostError` for bad amounts passed to
 * methods that change state, `InsufficientCapacityError` from `acquireImmediate`.
 *
 * @example
 * const global = new ResourceCapacitySource({ gpu: 16 });
 * const team = new ResourceCapacitySource({ gpu: 8 }, global);
 * team.tryAcquire({ gpu: 6 }); // team.available → { gpu: 2 }, global.available → { gpu: 10 }
 */
export class ResourceCapacitySource {
  readonly #parent: ResourceCapacitySource | undefined;
  readonly #metrics: ICapacityMetricsCollector | undefined;
  readonly #ledger = new Ledger();
  // Created on first access: until someone can observe it, a signal only needs remembering (hot path).
  #waitObj: WaitObject<boolean> | undefined;
  #signalledEarly = false;
  readonly #changed = new Broadcast();
  #watchedParent: Promise<void> | undefined;
  #chain: Chain<ResourceCapacitySource> | undefined;

  /**
   * @param limits - maximum per resource; each a finite number >= 0 with at most 6 decimals, else
   *   `InvalidLimitError` (a RangeError) naming the resource
   * @param parent - optional parent: every acquisition also takes from it, every release gives back to it
   * @param metrics - optional collector; receives one `onSetLimits` event now
   */
  constructor(limits: ResourceCost, parent?: ResourceCapacitySource, metrics?: ICapacityMetricsCollector) {
    if (parent !== undefined && !(parent instanceof ResourceCapacitySource)) {
      throw new InvalidOptionError('parent', parent, 'a ResourceCapacitySource or undefined');
    }
    for (const [key, amount] of parseLimitsOrThrow(limits)) this.#ledger.setLimit(key, amount, true);
    this.#parent = parent;
    this.#metrics = metrics ?? undefined;
    if (this.#metrics !== undefined) {
      emitSetLimits(this.#metrics, {}, this.#ledger.limits(), this.#ledger.available());
    }
  }

  /** The parent source, if any. */
  get parent(): ResourceCapacitySource | undefined {
    return this.#parent;
  }

  /** Maximum per resource (a copy). */
  get limits(): Readonly<ResourceCost> {
    return this.#ledger.limits();
  }

  /** Currently available per resource, `max(0, limit - inUse)` (a copy). */
  get available(): Readonly<ResourceCost> {
    return this.#ledger.available();
  }

  /** Advanced: amount in use per resource at this level (a copy). May exceed a lowered limit. */
  get inUse(): Readonly<ResourceCost> {
    return this.#ledger.inUse();
  }

  /** `(limit - available) / limit` per resource, in 0..1; a resource whose limit is 0 reports 0. */
  get utilization(): Readonly<ResourceCost> {
    return this.#ledger.utilization();
  }

  /**
   * Resolved with `true` by release, setLimits, reset, increment and reconcile at this level; never by
   * acquiring. Single-consumer, last value wins (as documented): use {@link changed} to wait reliably.
   */
  get waitObj(): WaitObject<boolean> {
    if (this.#waitObj === undefined) {
      // A signal before first access is delivered as the stored value, as if the object had existed.
      this.#waitObj = this.#signalledEarly
        ? new WaitObject('capacity', true)
        : new WaitObject<boolean>('capacity');
    }
    return this.#waitObj;
  }

  /** Advanced: true when `resource` is tracked at this level (ancestors are not consulted). */
  tracks(resource: string): boolean {
    return this.#ledger.has(resource);
  }

  /**
   * Advanced API used by the runner and integrations: resolves at the next capacity-increasing event
   * (release, setLimits, reset, increment, reconcile) at this source or any ancestor. Every caller is woken.
   * Spurious wake-ups are possible; re-check after waking.
   */
  changed(): Promise<void> {
    const parent = this.#parent;
    if (parent !== undefined) {
      // Forward each ancestor generation into this level's broadcast once, however often we are called.
      const upstream = parent.changed();
      if (upstream !== this.#watchedParent) {
        this.#watchedParent = upstream;
        void upstream.then(() => this.#changed.notify());
      }
    }
    return this.#changed.wait();
  }

  /**
   * The available budget if every resource here and up the chain has some left, else `undefined`. With a parent,
   * each resource is the minimum over the levels that track it. A new object.
   */
  peek(): ResourceCost | undefined {
    return this.#view().peek();
  }

  /**
   * True when every resource of `cost` fits here and up the chain. Keys not tracked here are ignored here but
   * checked by ancestors. Any invalid amount (negative, NaN, infinite, not a number, > 6 decimals) gives false.
   */
  canAcquire(cost: ResourceCost): boolean {
    const r = compileCost(cost);
    return r.ok && this.canAcquireCompiled(r.compiled);
  }

  /**
   * Takes `cost` here and up the chain, atomically. Throws `InsufficientCapacityError` (naming the resource and
   * level) when anything does not fit, changing nothing; `InvalidCostError` for an invalid amount.
   * Emits no metrics and signals nothing.
   */
  acquireImmediate(cost: ResourceCost): void {
    const c = compileCostOrThrow(cost);
    const columns = this.#bind(c);
    if (!costFits(c.flat)) {
      const short = costShortfall(c, columns)!;
      throw new InsufficientCapacityError(short.resource, short.requested, short.available, short.level);
    }
    costTake(c.flat);
  }

  /**
   * Atomic check-and-take (D5). On failure nothing changes; an invalid amount is refused with reason
   * `invalid_cost`. Emits `onTryAcquireAccepted` to the collector of every level that took the cost, or
   * `onTryAcquireRejected` to this level's collector.
   */
  tryAcquire(cost: ResourceCost): TryAcquireResult {
    const r = compileCost(cost);
    if (!r.ok) {
      const requested: ResourceCost = { ...cost };
      const available = this.#ledger.available();
      if (this.#metrics !== undefined) emitRejected(this.#metrics, requested, available, 'invalid_cost');
      return { ok: false, requested, available, reason: 'invalid_cost' };
    }
    const c = r.compiled;
    if (this.tryAcquireCompiled(c)) return { ok: true, requested: c.cost, availableAfter: this.available };
    const rejected: TryAcquireResult = {
      ok: false,
      requested: c.cost,
      available: this.available,
      reason: 'insufficient_capacity',
    };
    const shortfall = this.findShortfall(c);
    if (shortfall !== undefined) rejected.shortfall = shortfall;
    return rejected;
  }

  /**
   * Returns `cost` here (in use never drops below 0, so availability never exceeds the limit), then releases the
   * same cost from the parent. Signals and emits `onRelease` at each level reached. `InvalidCostError` for an
   * invalid amount. A quota ancestor stops the propagation (its release is a no-op).
   */
  release(cost: ResourceCost): void {
    this.releaseCompiled(compileCostOrThrow(cost));
  }

  /**
   * Refills: forgets everything in use here (ancestors are untouched). With `limits`, first calls
   * `setLimits(limits)`. On a pool with work in flight this forgets those holdings, so usage can exceed the
   * limits until they are released. Signals; emits `onReset`.
   */
  reset(limits?: ResourceCost): void {
    if (limits !== undefined) this.setLimits(limits);
    this.#ledger.clearInUse();
    this.#signal();
    const m = this.#metrics;
    if (m !== undefined) emitReset(m, this.#ledger.limits(), this.#ledger.available());
  }

  /**
   * Adds `amount` to what is available here without changing limits (token-bucket refill), capped per resource
   * at `cap` (default: the limit; never above the limit). Keys not tracked here are ignored. Accounting: in use
   * drops by `amount` (not below 0), then rises to at least `limit - cap`; while in use exceeds a lowered limit,
   * the refill first pays that debt. Signals; emits `onIncrement`. `InvalidCostError` / `InvalidLimitError` for
   * an invalid amount / cap.
   */
  increment(amount: ResourceCost, cap?: ResourceCost): void {
    this.#ledger.increment(parseCostOrThrow(amount), cap === undefined ? undefined : parseLimitsOrThrow(cap));
    this.#signal();
    const m = this.#metrics;
    if (m !== undefined) emitIncrement(m, { ...amount }, this.#ledger.available());
  }

  /**
   * Sets the given limits; other resources keep theirs and new resources are added. What is in use is kept
   * (D7): lowering a limit below it admits nothing until enough is released, raising it back never admits more
   * than the limit. `InvalidLimitError` for an invalid value (nothing changes). Signals; emits `onSetLimits`.
   */
  setLimits(newLimits: ResourceCost): void {
    const entries = parseLimitsOrThrow(newLimits);
    const m = this.#metrics;
    const before = m === undefined ? undefined : this.#ledger.limits();
    for (const [key, limit] of entries) this.#ledger.setLimit(key, limit);
    this.#signal();
    if (m !== undefined && before !== undefined) {
      emitSetLimits(m, before, this.#ledger.limits(), this.#ledger.available());
    }
  }

  /**
   * Corrects an acquisition of `estimated` to `actual`: a surplus is given back (in use not below 0), a deficit
   * is taken (availability clamps at 0). Propagates to the parent and signals. Release `actual` afterwards.
   * No metrics event (MET defines none).
   */
  reconcile(estimated: ResourceCost, actual: ResourceCost): void {
    this.#ledger.reconcile(parseCostOrThrow(estimated), parseCostOrThrow(actual));
    const m = this.#metrics;
    if (m?.onReconcile !== undefined)
      emitReconcile(m, { ...estimated }, { ...actual }, this.#ledger.available());
    this.#signal();
    this.#parent?.reconcile(estimated, actual);
  }

  /** True iff `cost` could ever fit: valid, and no amount above its limit here or up the chain. */
  validateCost(cost: ResourceCost): boolean {
    const r = compileCost(cost);
    return r.ok && costExcess(r.compiled, this.#bind(r.compiled)) === undefined;
  }

  /** Advanced, runner fast path: {@link canAcquire} for a compiled cost. No allocation. */
  canAcquireCompiled(c: CompiledCost): boolean {
    this.#bind(c);
    return costFits(c.flat);
  }

  /**
   * Advanced, runner fast path: atomic check-and-take of a compiled cost across the chain; true when taken.
   * Emits like {@link tryAcquire}: accepted to every level's collector (so a parent's in-flight figures balance
   * when the release propagates to it), rejected to this level's. No allocation without collectors.
   */
  tryAcquireCompiled(c: CompiledCost): boolean {
    return this.takeCompiled(c) !== undefined;
  }

  /**
   * Advanced, runner fast path: {@link tryAcquireCompiled} that returns what it took (or `undefined`, taking
   * nothing). Give it back with {@link releaseHold}: exactly the amounts taken are returned, even if some level
   * started tracking one of the cost's resources in between.
   */
  takeCompiled(c: CompiledCost): CapacityHold | undefined {
    this.#bind(c);
    const hold = c.flat;
    if (!costFits(hold)) {
      const m = this.#metrics;
      if (m !== undefined) emitRejected(m, c.cost, this.#ledger.available(), 'insufficient_capacity');
      return undefined;
    }
    costTake(hold);
    const chain = this.#chain!;
    if (chain.anyMetrics) chain.emitAccepted(c.cost);
    return hold;
  }

  /** Advanced: gives back what {@link takeCompiled} took on this source. Signals and emits like `release`. */
  releaseHold(hold: CapacityHold): void {
    const c = hold.compiled;
    if (c === undefined) return;
    costGive(hold);
    const chain = this.#view();
    chain.afterRelease(c.cost);
    // A quota ancestor sees the call (its collector balances) but restores nothing and stops the chain.
    chain.stopAt?.releaseCompiled(c);
  }

  /** Advanced, runner fast path: {@link release} for a compiled cost, resolved against the chain as it is now. */
  releaseCompiled(c: CompiledCost): void {
    this.#bind(c);
    this.releaseHold(c.flat);
  }

  /**
   * Advanced, for "why pending" diagnostics: the first resource (in level order; 0 = this source, 1 = parent…)
   * that does not fit now, or `undefined` when the whole cost fits.
   */
  findShortfall(c: CompiledCost): CapacityShortfall | undefined {
    return costShortfall(c, this.#bind(c));
  }

  /**
   * Advanced, used by the runner at intake (D9, D12): returns (does not throw) an `UnknownResourceError` when a
   * cost key is tracked at no level of the chain, or a `CostExceedsLimitError` (with its level) when an amount
   * exceeds a limit somewhere up the chain; `undefined` when the cost could fit. Invalid amounts are caught
   * earlier by `compileCost`.
   */
  checkCompiled(c: CompiledCost, taskKey: string): UnknownResourceError | CostExceedsLimitError | undefined {
    const columns = this.#bind(c);
    const unknown = firstUntracked(c, columns);
    if (unknown !== undefined) return new UnknownResourceError(taskKey, unknown, this.#view().trackedKeys());
    const excess = costExcess(c, columns);
    if (excess === undefined) return undefined;
    return new CostExceedsLimitError(taskKey, excess.resource, excess.requested, excess.limit, excess.level);
  }

  #signal(): void {
    const w = this.#waitObj;
    if (w !== undefined) w.resolve(true);
    else this.#signalledEarly = true;
    this.#changed.notify();
  }

  // The chain is fixed at construction, so it is resolved once (lazily: a subclass marks itself in its own
  // constructor, after ours has run).
  #view(): Chain<ResourceCapacitySource> {
    if (this.#chain === undefined) {
      const levels: Level[] = [];
      for (let s: ResourceCapacitySource | undefined = this; s !== undefined; s = s.#parent) {
        const source = s;
        levels.push({
          source,
          ledger: s.#ledger,
          metrics: s.#metrics,
          releaseNoop: isReleaseNoop(s),
          signal: () => source.#signal(),
        });
      }
      this.#chain = new Chain(levels);
    }
    return this.#chain;
  }

  #bind(c: CompiledCost): readonly Column[] {
    return (this.#chain ?? this.#view()).bind(c);
  }
}
