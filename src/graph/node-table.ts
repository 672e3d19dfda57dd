import { CycleError, DuplicateKeyError, MissingDependencyError } from '../errors/graph-errors.js';
import { EdgeLists } from './edge-lists.js';
import { grown } from './growable.js';
import { sameKey } from './same-key.js';
import { ABORTED, COMPLETED, PENDING, READY } from './state-code.js';

/**
 * The nodes of a dependency graph, stored as columns: node `i` (numbered in insertion order) has its key at
 * `keys[i]` and its numbers at index `i` of typed arrays. A key is looked up once, in a `Map` to its index; after
 * that everything is array indexing. Compared with an object and two arrays per node this takes a quarter of the
 * memory or less, and the garbage collector has almost nothing to trace.
 *
 * Dependencies never change after insertion, so they sit back to back in one pool (`#depStart` marks where each
 * node's run begins). Dependents grow as nodes are added, so they are per-node linked lists ({@link EdgeLists}).
 */
export class NodeTable<K> {
  /** Key of each node, by index. Append-only. */
  readonly keys: K[] = [];
  readonly #index = new Map<K, number>();
  // Per node, by index (arrays are replaced as they grow; read them through the getters).
  #state = new Uint8Array(0);
  #unfinished = new Int32Array(0);
  #slot = new Int32Array(0);
  /** Node i's dependencies are `#deps[#depStart[i] .. #depStart[i + 1]]`; one entry longer than the nodes. */
  #depStart = new Int32Array(1);
  #deps = new Int32Array(0);
  /** Node → the nodes that depend on it, in the order they were added. */
  readonly dependents = new EdgeLists();

  /** Number of nodes. */
  get count(): number {
    return this.keys.length;
  }

  /** State code of each node (see state-code.ts). */
  get state(): Uint8Array {
    return this.#state;
  }

  /** Per node: how many dependencies are not completed yet; a pending node becomes ready at 0. */
  get unfinished(): Int32Array {
    return this.#unfinished;
  }

  /** Per node: its position in the member log of its state, or -1 (see member-log.ts). */
  get slot(): Int32Array {
    return this.#slot;
  }

  /** The index of `key`, or -1 when the table does not hold it. */
  find(key: K): number {
    const node = this.#index.get(key);
    return node === undefined ? -1 : node;
  }

  /** The state code of `key`, or -1 when the table does not hold it. */
  stateOf(key: K): number {
    const node = this.#index.get(key);
    return node === undefined ? -1 : (this.#state[node] as number);
  }

  /** Number of distinct dependencies of `node`. */
  dependencyCount(node: number): number {
    return (this.#depStart[node + 1] as number) - (this.#depStart[node] as number);
  }

  /** The keys of `node`'s distinct dependencies, in the order given. */
  dependencyKeys(node: number): K[] {
    const out: K[] = [];
    const end = this.#depStart[node + 1] as number;
    for (let at = this.#depStart[node] as number; at < end; at++)
      out.push(this.keys[this.#deps[at] as number] as K);
    return out;
  }

  /**
   * Adds `key` after `deps` (a key listed twice counts once) and returns its index. Its state is aborted when a
   * dependency is aborted (it could never run, and counting it as finished keeps `isDone` reachable), ready when
   * every dependency is completed, pending otherwise.
   *
   * @throws DuplicateKeyError, CycleError (a self-dependency) or MissingDependencyError, checked in that order
   *   and per dependency in the order given; the table is unchanged when it throws.
   */
  insert(key: K, deps: readonly K[]): number {
    if (this.#index.has(key)) throw new DuplicateKeyError(key);
    const node = this.keys.length;
    const base = this.#depStart[node] as number;
    // Pass 1 resolves every dependency into the unused tail of the pool, so an error leaves nothing behind.
    if (base + deps.length > this.#deps.length)
      this.#deps = grown(this.#deps, base + deps.length, Int32Array);
    for (let i = 0; i < deps.length; i++) {
      const dep = deps[i] as K;
      if (sameKey(dep, key)) throw new CycleError([key, key]);
      const at = this.#index.get(dep);
      if (at === undefined) throw new MissingDependencyError(key, dep);
      this.#deps[base + i] = at;
    }
    if (node === this.#state.length) this.#reserve(node + 1);
    // Pass 2 links each distinct dependency. A repeat is spotted without a Set: this node is already the last
    // entry in that dependency's list of dependents.
    let end = base;
    let unfinished = 0;
    let aborted = false;
    for (let i = base; i < base + deps.length; i++) {
      const dep = this.#deps[i] as number;
      if (this.dependents.lastTarget(dep) === node) continue;
      this.dependents.add(dep, node);
      this.#deps[end++] = dep;
      const state = this.#state[dep];
      if (state === ABORTED) aborted = true;
      else if (state !== COMPLETED) unfinished++;
    }
    this.#depStart[node + 1] = end;
    this.#state[node] = aborted ? ABORTED : unfinished === 0 ? READY : PENDING;
    this.#unfinished[node] = unfinished;
    this.#slot[node] = -1;
    this.keys.push(key);
    this.#index.set(key, node);
    return node;
  }

  /** Grows every per-node column to one common capacity (`#depStart` one longer), doubling. */
  #reserve(nodes: number): void {
    const capacity = Math.max(nodes, this.#state.length * 2, 8);
    this.#state = grown(this.#state, capacity, Uint8Array);
    this.#unfinished = grown(this.#unfinished, capacity, Int32Array);
    this.#slot = grown(this.#slot, capacity, Int32Array);
    this.#depStart = grown(this.#depStart, capacity + 1, Int32Array);
    this.dependents.reserveNodes(capacity);
  }
}
