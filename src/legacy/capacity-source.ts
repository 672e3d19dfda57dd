import { CostExceedsLimitError } from '../errors/capacity-errors.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import { Deque } from '../foundation/deque.js';
import { Broadcast } from '../pull/broadcast.js';
import type { Peekable } from '../pull/peekable.js';

/**
 * The legacy single-counter capacity: `maxCapacity` units, of which `currentCapacity` are free, optionally
 * under a parent whose units are shared with its other children. Taking a unit takes one from this source and
 * from every ancestor at once; giving it back returns one to each of them.
 *
 * - `acquire()` waits until a unit is free at every level. Waiters on one source are served first come, first
 *   served, and a release anywhere up the chain wakes the waiters of every descendant that may now proceed.
 * - `release()` takes effect before it returns (the promise is already settled); a level already at its
 *   maximum stays there.
 * - A chain where some level has `maxCapacity` 0 can never grant a unit: `acquire()` rejects at once with
 *   {@link CostExceedsLimitError} instead of hanging.
 *
 * For multi-resource budgets use `ResourceCapacitySource`.
 *
 * @example
 * ```ts
 * const global = new CapacitySource(4);
 * const team = new CapacitySource(2, global);
 * await team.acquire(); // team 1 free, global 3 free
 * await team.release(); // team 2, global 4
 * ```
 */
export class CapacitySource implements Peekable<number> {
  /** The number of units this source holds when nothing is taken. */
  readonly maxCapacity: number;
  readonly #parent: CapacitySource | undefined;
  #current: number;
  /** Pending `acquire()` calls, oldest first; each is granted the unit before it is resolved. */
  readonly #waiters = new Deque<(capacity: number) => void>();
  readonly #changed = new Broadcast();
  /** Descendants currently interested in this source's releases (they have waiters or watchers). */
  readonly #listeners = new Set<() => void>();
  #subscribed = false;
  readonly #onParentChange = (): void => this.#onChange();

  /**
   * @param initialCapacity - the number of units, a non-negative integer; the source starts with all free
   * @param parent - a source every acquisition and release also applies to
   * @throws {@link InvalidOptionError} when `initialCapacity` is not a non-negative integer or `parent` is not a
   *   `CapacitySource`
   */
  constructor(initialCapacity: number, parent?: CapacitySource) {
    if (
      typeof initialCapacity !== 'number' ||
      !Number.isSafeInteger(initialCapacity) ||
      initialCapacity < 0
    ) {
      throw new InvalidOptionError('initialCapacity', initialCapacity, 'a non-negative integer');
    }
    if (parent !== undefined && !(parent instanceof CapacitySource)) {
      throw new InvalidOptionError('parent', parent, 'a CapacitySource or undefined');
    }
    this.maxCapacity = initialCapacity;
    this.#current = initialCapacity;
    this.#parent = parent;
  }

  /** The number of units free at this level (ancestors may have fewer). */
  get currentCapacity(): number {
    return this.#current;
  }

  /** The parent passed to the constructor, if any. */
  get parent(): CapacitySource | undefined {
    return this.#parent;
  }

  /** `currentCapacity` when a unit is free here and at every ancestor; otherwise `undefined`. */
  peek(): number | undefined {
    return this.#chainHasUnit() ? this.#current : undefined;
  }

  /**
   * Waits for a unit to be free here and at every ancestor, takes it from every level at once, and resolves
   * with the new `currentCapacity` of this source. Concurrent calls are granted in call order.
   * @throws {@link CostExceedsLimitError} (rejection) when some level's `maxCapacity` is 0.
   */
  async acquire(): Promise<number> {
    const level = zeroCapacityLevel(this);
    if (level !== undefined) throw new CostExceedsLimitError('acquire()', 'capacity', 1, 0, level);
    if (this.tryAcquire()) return this.#current;
    return new Promise<number>((resolve) => {
      this.#waiters.push(resolve);
      this.#subscribe();
    });
  }

  /**
   * Addition to the documented API: takes a unit now if one is free at every level and nobody is already
   * waiting here (waiters keep their turn); returns whether it took one. Never waits.
   */
  tryAcquire(): boolean {
    if (this.#waiters.length > 0 || !this.#chainHasUnit()) return false;
    for (let s: CapacitySource | undefined = this; s !== undefined; s = s.#parent) s.#current -= 1;
    return true;
  }

  /**
   * Gives one unit back here and at every ancestor (each level stays at most at its maximum), then grants
   * waiting `acquire()` calls that can now proceed, here and in descendants. Takes effect before it returns.
   */
  release(): Promise<void> {
    for (let s: CapacitySource | undefined = this; s !== undefined; s = s.#parent) {
      s.#current = Math.min(s.maxCapacity, s.#current + 1);
    }
    // The releasing level's waiters get the first chance, then each ancestor (and its other descendants).
    for (let s: CapacitySource | undefined = this; s !== undefined; s = s.#parent) s.#onChange();
    return Promise.resolve();
  }

  /**
   * Addition to the documented API: resolves at the next release here or at any ancestor (a unit may then be
   * free). All callers of one generation share one promise; nothing is lost to a competing waiter.
   */
  changed(): Promise<void> {
    const promise = this.#changed.wait();
    this.#subscribe();
    return promise;
  }

  #chainHasUnit(): boolean {
    for (let s: CapacitySource | undefined = this; s !== undefined; s = s.#parent) {
      if (s.#current <= 0) return false;
    }
    return true;
  }

  /** Grants waiters in order while units are free, then tells watchers and interested descendants. */
  #onChange(): void {
    while (this.#waiters.length > 0 && this.#chainHasUnit()) {
      const grant = this.#waiters.shift() as (capacity: number) => void;
      for (let s: CapacitySource | undefined = this; s !== undefined; s = s.#parent) s.#current -= 1;
      grant(this.#current);
    }
    this.#changed.notify();
    for (const listener of [...this.#listeners]) listener();
    this.#unsubscribeIfIdle();
  }

  /** Subscribes to the parent's releases (and it to its parent's) while anyone here needs to hear of them. */
  #subscribe(): void {
    const parent = this.#parent;
    if (parent === undefined || this.#subscribed) return;
    this.#subscribed = true;
    parent.#listeners.add(this.#onParentChange);
    parent.#subscribe();
  }

  /** Drops the subscription once nobody waits here, so short-lived children are not kept alive by a parent. */
  #unsubscribeIfIdle(): void {
    const parent = this.#parent;
    if (parent === undefined || !this.#subscribed) return;
    if (this.#waiters.length > 0 || this.#changed.waiting || this.#listeners.size > 0) return;
    this.#subscribed = false;
    parent.#listeners.delete(this.#onParentChange);
    parent.#unsubscribeIfIdle();
  }
}

/** The level (0 = `source`, 1 = its parent, …) of the first source in the chain whose maximum is 0, if any. */
export function zeroCapacityLevel(source: CapacitySource): number | undefined {
  let level = 0;
  for (let s: CapacitySource | undefined = source; s !== undefined; s = s.parent, level++) {
    if (s.maxCapacity === 0) return level;
  }
  return undefined;
}
