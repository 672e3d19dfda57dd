import type { MemberList } from './member-log.js';
import type { NodeTable } from './node-table.js';

/**
 * A live, read-only `ReadonlySet` of the keys in one state. It stores nothing itself: size and order come from
 * the state's member list, `has` from the node's state code. Iterating while the graph changes behaves like
 * iterating a `Set` that is changed: keys that leave before being reached are skipped, keys that enter are
 * visited. It is not a `Set` instance; `new Set(view)` takes a snapshot.
 */
export class StateView<K> implements ReadonlySet<K> {
  readonly #table: NodeTable<K>;
  readonly #code: number;
  readonly #members: MemberList;

  /** The keys of `table` whose state code is `code`, listed by `members`. */
  constructor(table: NodeTable<K>, code: number, members: MemberList) {
    this.#table = table;
    this.#code = code;
    this.#members = members;
  }

  /** Number of keys in this state. */
  get size(): number {
    return this.#members.size;
  }

  /** True when `key` is in the graph and in this state. */
  has(key: K): boolean {
    return this.#table.stateOf(key) === this.#code;
  }

  /** The keys in this state, in this state's order. */
  *values(): SetIterator<K> {
    const keys = this.#table.keys;
    for (const node of this.#members.walk()) yield keys[node] as K;
    return undefined;
  }

  /** Same as {@link StateView.values}, as for a `Set`. */
  keys(): SetIterator<K> {
    return this.values();
  }

  /** `[key, key]` for every key, as for a `Set`. */
  *entries(): SetIterator<[K, K]> {
    for (const key of this.values()) yield [key, key];
    return undefined;
  }

  [Symbol.iterator](): SetIterator<K> {
    return this.values();
  }

  /** Node's `util.inspect` (so `console.log`) shows a snapshot `Set` of the keys, as it did when views were Sets. */
  [Symbol.for('nodejs.util.inspect.custom')](): Set<K> {
    return new Set(this);
  }

  /** Calls `callback(key, key, view)` for every key, in order, as `Set.prototype.forEach` does. */
  forEach(callback: (value: K, value2: K, set: ReadonlySet<K>) => void, thisArg?: unknown): void {
    for (const key of this.values()) callback.call(thisArg, key, key, this);
  }
}
