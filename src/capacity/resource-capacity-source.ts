import { InsufficientCapacityError } from '../errors/capacity-errors.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import type { ICapacityMetricsCollector } from '../metrics/types.js';
import { Broadcast } from '../pull/broadcast.js';
import { WaitObject } from '../pull/wait-object.js';
import { type Amount, amountToNumber } from './amount.js';
import { emitIncrement, emitRejected, emitReset, emitSetLimits } from './capacity-events.js';
import { registerChainReader } from './chain-access.js';
import { compileCost, compileCostOrThrow, parseCostOrThrow, parseLimitsOrThrow } from './compiled-cost.js';
import { Chain, type ChainLevel, costExcess, costFits, costShortfall, costTake } from './cost-binding.js';
import { DirectHolds } from './direct-holds.js';
import { cellGive, cellTake, Ledger } from './ledger.js';
import { levelTraits } from './level-traits.js';
import { defineAmount } from './records.js';
import type { ResourceCost, TryAcquireResult } from './types.js';

/**
 * Multi-resource capacity with atomic all-or-nothing acquisition and an optional parent chain.
 *
 * Accounting is explicit: each source tracks what is in use per resource, and
 * `available = max(0, limit - inUse)`. Amounts are exact to 6 decimals. Acquisition takes from this source and
 * every ancestor at once, or from none. Capacity-increasing events (release, setLimits, reset, increment,
 * reconcile) resolve this level's `waitObj` and wake every caller of {@link changed} here and in every
 * descendant, and every runner drawing on this source or a descendant.
 *
 * Each resource also has a **ceiling**: the most its limit can ever be — the highest limit it has had, or a
 * higher one declared with {@link setCeilings}. A runner refuses a task at once only when its cost is above a
 * ceiling somewhere up the chain; a task within every ceiling waits while a limit is temporarily lower.
 *
 * What `release` gives back is exactly what this source's own `tryAcquire`/`acquireImmediate` took, level by
 * level: never more, never to a level that did not lend it. Capacity a runner holds for its tasks is separate;
 * the runner gives it back itself, so calling `release` for a runner's task frees nothing.
 *
 * Errors: `InvalidLimitError` for bad limits, `InvalidCostError` for bad amounts passed to methods that change
 * state, `InsufficientCapacityError` from `acquireImmediate`.
 *
 * @example
 * const global = new ResourceCapacitySource({ gpu: 16 });
 * const team = new ResourceCapacitySource({ gpu: 8 }, global);
 * team.tryAcquire({ gpu: 6 }); // team.available → { gpu: 2 }, global.available → { gpu: 10 }
 */
export class ResourceCapacitySource {
  static {
    registerChainReader((source) => (source as ResourceCapacitySource).#view());
  }

  readonly #parent: ResourceCapacitySource | undefined;
  readonly #metrics: ICapacityMetricsCollector | undefined;
  readonly #ledger = new Ledger();
  readonly #direct = new DirectHolds();
  // Created on first access: until someone can observe it, a signal only needs remembering (hot path).
  #waitObj: WaitObject<boolean> | undefined;
  #signalledEarly = false;
  readonly #changed = new Broadcast();
  #watchedParent: Promise<void> | undefined;
  /** Runs drawing on this source or a descendant: called at every signal of this level. */
  readonly #listeners = new Set<() => void>();
  #waiting = 0;
  #chain: Chain | undefined;

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

  /** The limit of one resource, or `undefined` when this source does not track it. Makes no object. */
  limitOf(resource: string): number | undefined {
    return this.#ledger.limitOf(resource);
  }

  /**
   * The most each resource's limit can ever be at this level (a copy): the highest limit it has had, or a higher
   * ceiling declared with {@link setCeilings}.
   */
  get ceilings(): Readonly<ResourceCost> {
    return this.#ledger.ceilings();
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
   * Resolved with `true` by release, setLimits, setCeilings, reset, increment and reconcile at this level; never
   * by acquiring. Single-consumer, last value wins (as documented): use {@link changed} to wait reliably.
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

  /**
   * Advanced: how many runners are waiting right now because this level lacks capacity for their next task
   * (not counting waits caused by an ancestor). A `HierarchicalBalancer` counts such a child as busy.
   */
  get waiting(): number {
    return this.#waiting;
  }

  /** Advanced: true when `resource` is tracked at this level (ancestors are not consulted). */
  tracks(resource: string): boolean {
    return this.#ledger.has(resource);
  }

  /**
   * Advanced: resolves at the next capacity-increasing event (release, setLimits, setCeilings, reset, increment,
   * reconcile) at this source or any ancestor. Every caller is woken. Spurious wake-ups are possible; re-check
   * after waking.
   */
  changed(): Promise<void> {
    return this.#changedHereOrAbove();
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
    return r.ok && costFits(this.#view().bind(r.compiled).hold);
  }

  /**
   * Takes `cost` here and up the chain, atomically. Throws `InsufficientCapacityError` (naming the resource and
   * level) when anything does not fit, changing nothing; `InvalidCostError` for an invalid amount.
   * Emits no metrics and signals nothing.
   */
  acquireImmediate(cost: ResourceCost): void {
    const chain = this.#view();
    const b = chain.bind(compileCostOrThrow(cost));
    if (!costFits(b.hold)) {
      const short = costShortfall(b)!;
      throw new InsufficientCapacityError(short.resource, short.requested, short.available, short.level);
    }
    costTake(b.hold);
    if (chain.releaseLevels > 0) this.#direct.took(b.compiled.shape, b.hold);
  }

  /**
   * Atomic check-and-take. On failure nothing changes; an invalid amount is refused with reason `invalid_cost`.
   * Emits `onTryAcquireAccepted` to the collector of every level that took the cost, or `onTryAcquireRejected`
   * to this level's collector.
   */
  tryAcquire(cost: ResourceCost): TryAcquireResult {
    const r = compileCost(cost);
    if (!r.ok) {
      const requested: ResourceCost = typeof cost === 'object' && cost !== null ? { ...cost } : {};
      const available = this.#ledger.available();
      if (this.#metrics !== undefined) emitRejected(this.#metrics, requested, available, 'invalid_cost');
      return { ok: false, requested, available, reason: 'invalid_cost' };
    }
    const chain = this.#view();
    const b = chain.bind(r.compiled);
    const requested = r.compiled.cost;
    if (costFits(b.hold)) {
      costTake(b.hold);
      if (chain.releaseLevels > 0) this.#direct.took(b.compiled.shape, b.hold);
      if (chain.anyMetrics) chain.emitAccepted(b.hold);
      return { ok: true, requested, availableAfter: this.available };
    }
    const available = this.available;
    if (this.#metrics !== undefined)
      emitRejected(this.#metrics, requested, available, 'insufficient_capacity');
    const rejected: TryAcquireResult = { ok: false, requested, available, reason: 'insufficient_capacity' };
    const shortfall = costShortfall(b);
    if (shortfall !== undefined) rejected.shortfall = shortfall;
    return rejected;
  }

  /**
   * Gives back `cost`, taken earlier by this source's own `tryAcquire`/`acquireImmediate`, here and up the chain
   * — exactly what that acquisition took at each level: the release is matched to the oldest outstanding
   * acquisition of the same cost. Nothing returns to a level that did not lend it (an ancestor that started
   * tracking a resource later), nothing is freed twice (a release beyond what is outstanding gives back only
   * what is outstanding), and a level reset since the take gets nothing back. A quota ancestor stops the
   * propagation (its release is a no-op). Signals and emits `onRelease` at each level reached.
   * `InvalidCostError` for an invalid amount.
   */
  release(cost: ResourceCost): void {
    const chain = this.#view();
    const c = compileCostOrThrow(cost);
    chain.afterRelease(this.#direct.giveBack(c.shape, chain.bind(c).hold));
  }

  /**
   * Refills: forgets everything in use here (ancestors are untouched). With `limits`, first calls
   * `setLimits(limits)`. On a pool with work in flight this forgets those holdings: usage can exceed the limits
   * until that work ends, and its later release gives nothing back here (it was already forgotten).
   * Signals; emits `onReset`.
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
   * Sets the given limits; other resources keep theirs and new resources are added. What is in use is kept:
   * lowering a limit below it admits nothing until enough is released, raising it back never admits more than
   * the limit. A limit above a resource's ceiling raises the ceiling. `InvalidLimitError` for an invalid value
   * (nothing changes). Signals; emits `onSetLimits`.
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
   * Declares the most each listed resource's limit can ever be at this level, so a runner knows which costs can
   * never fit (refused at once) and which only have to wait. Without a declaration the ceiling is the highest
   * limit the resource has had. A ceiling below the current limit is raised to the limit; lowering a ceiling
   * makes waiting tasks above it fail. Each resource must already be tracked here (give it a limit first).
   * `InvalidLimitError` for an invalid value, `InvalidOptionError` for an untracked resource (nothing changes).
   * Signals.
   */
  setCeilings(ceilings: ResourceCost): void {
    const entries = parseLimitsOrThrow(ceilings);
    const slots = [...entries].map(([key, amount]) => {
      const slot = this.#ledger.get(key);
      if (slot === undefined)
        throw new InvalidOptionError(
          `ceilings.${key}`,
          amount,
          'a resource this source tracks (set a limit first)',
        );
      return [slot, amount] as const;
    });
    for (const [slot, amount] of slots) this.#ledger.setCeiling(slot, amount);
    this.#signal();
  }

  /**
   * Corrects an acquisition of `estimated` to `actual` at this source and every ancestor: a surplus is given back
   * (in use not below 0), a deficit is taken (availability clamps at 0). Signals every level; emits
   * `onReconcile` to collectors that have it. Afterwards release `actual`.
   *
   * This is for amounts taken with `tryAcquire`/`acquireImmediate`. For a task started by a runner, call
   * `reconcile(actual)` on the task's context instead: the runner then gives back what the task holds when it
   * ends. A direct reconcile on a source does not change what a runner holds for its tasks.
   */
  reconcile(estimated: ResourceCost, actual: ResourceCost): void {
    const from = compileCostOrThrow(estimated);
    const to = compileCostOrThrow(actual);
    const e = from.amounts();
    const a = to.amounts();
    const chain = this.#view();
    chain.levels.forEach((level, l) => {
      // Levels a release reaches give back at most what this source's own acquisitions hold there; a quota
      // (and above) gives back the unused part of the estimate, as a release never reaches it.
      const reached = l < chain.releaseLevels;
      level.ledger.reconcile(e, a, (cell, give, amount) => {
        if (!give) {
          cellTake(cell, amount.whole, amount.micro);
          if (reached) this.#direct.tookMore(cell, amount);
          return;
        }
        const back = reached ? this.#direct.giveAtMost(cell, amount) : amount;
        if (back !== undefined) cellGive(cell, back.whole, back.micro);
      });
    });
    this.#direct.corrected(from.shape, to.shape, chain.bind(to).hold);
    // Each level's collector hears of the resources that level tracks.
    const only = (amounts: Map<string, Amount>, ledger: Ledger): ResourceCost => {
      const out: ResourceCost = {};
      for (const [key, amount] of amounts)
        if (ledger.has(key)) defineAmount(out, key, amountToNumber(amount));
      return out;
    };
    chain.afterReconcile(
      chain.levels.map((l) => only(e, l.ledger)),
      chain.levels.map((l) => only(a, l.ledger)),
    );
  }

  /** True iff `cost` could ever fit: valid, and no amount above its ceiling here or up the chain. */
  validateCost(cost: ResourceCost): boolean {
    const r = compileCost(cost);
    return r.ok && costExcess(this.#view().bind(r.compiled)) === undefined;
  }

  /** Wakes everyone waiting on this level: waitObj, changed() callers, and runners. */
  #signal(): void {
    const w = this.#waitObj;
    if (w !== undefined) w.resolve(true);
    else this.#signalledEarly = true;
    this.#changed.notify();
    for (const listener of this.#listeners) listener();
  }

  #changedHereOrAbove(): Promise<void> {
    const parent = this.#parent;
    if (parent !== undefined) {
      // Forward each ancestor generation into this level's broadcast once, however often we are called. The
      // ancestor's private wait is used, not its public `changed()`, which a subclass may give side effects.
      const upstream = parent.#changedHereOrAbove();
      if (upstream !== this.#watchedParent) {
        this.#watchedParent = upstream;
        void upstream.then(() => this.#changed.notify());
      }
    }
    return this.#changed.wait();
  }

  // The chain is fixed at construction, so it is resolved once (lazily: a subclass registers its traits in its
  // own constructor, after ours has run).
  #view(): Chain {
    if (this.#chain === undefined) {
      const levels: ChainLevel[] = [];
      for (let s: ResourceCapacitySource | undefined = this; s !== undefined; s = s.#parent) {
        const source = s;
        const traits = levelTraits(source);
        levels.push({
          ledger: source.#ledger,
          metrics: source.#metrics,
          releaseNoop: traits?.releaseNoop ?? false,
          noteWaiting: (delta) => {
            source.#waiting += delta;
            traits?.waitingChanged?.(source.#waiting);
          },
          signal: () => source.#signal(),
          listen: (listener) => {
            source.#listeners.add(listener);
            return () => source.#listeners.delete(listener);
          },
        });
      }
      this.#chain = new Chain(levels);
    }
    return this.#chain;
  }
}
