import {
  CycleError,
  DuplicateKeyError,
  InvalidStateError,
  MissingDependencyError,
  UnknownKeyError,
} from '../errors/graph-errors.js';
import { planBatch } from './batch-plan.js';
import { distinct, type GraphNode, type StoredState, sameKey } from './graph-node.js';
import type { GraphObserver } from './graph-observer.js';
import type { NodeState } from './node-state.js';
import { hasCycleDfs, kahnOrder } from './topo-sort.js';

/**
 * A DAG of keys and their dependencies, with the lifecycle
 * `pending → ready → running → completed`, plus `running → ready` on `fail()` and `→ aborted` on `abort()`.
 *
 * Every operation is linear in the nodes and edges it touches: each node keeps a count of unfinished dependencies
 * and a list of dependents, so completing a node never rescans the graph. Callbacks fire synchronously, after the
 * graph has been fully updated, so a callback always sees a consistent graph and may call back into it.
 *
 * @example
 * ```ts
 * const graph = new DependencyGraph<string>();
 * graph.onReady = (key) => console.log('ready', key);
 * graph.addNode('A');            // ready A
 * graph.addNode('B', ['A']);     // pending
 * graph.start('A');
 * graph.complete('A');           // ready B; returns ['B']
 * ```
 */
export class DependencyGraph<K> {
  /**
   * Called when a node becomes ready: added with no unfinished dependencies, freed by `complete()`, or returned by
   * `fail()`. A plain property, so code can wrap it: `const prev = g.onReady; g.onReady = (k) => { prev?.(k); … }`.
   */
  onReady?: (key: K) => void;

  /** Called when `complete(key)` succeeds, before `onReady` fires for the dependents it freed. */
  onComplete?: (key: K) => void;

  readonly #observers = new Set<GraphObserver<K>>();
  readonly #nodes = new Map<K, GraphNode<K>>();
  // One insertion-ordered set per state; every node is in exactly one.
  readonly #sets: Record<StoredState, Set<K>> = {
    pending: new Set(),
    ready: new Set(),
    running: new Set(),
    completed: new Set(),
    aborted: new Set(),
  };

  /**
   * Adds `key` after its `dependencies`, which must already be in the graph (a key listed twice counts once).
   * The node starts `ready` (firing `onReady`) when every dependency is completed, `aborted` (no callback) when
   * any dependency is aborted, and `pending` otherwise. Works at any time, also after `isDone`.
   *
   * @throws DuplicateKeyError if `key` is already in the graph.
   * @throws CycleError if `key` depends on itself.
   * @throws MissingDependencyError if a dependency is not in the graph. Nothing is added on any error.
   */
  addNode(key: K, dependencies: readonly K[] = []): void {
    if (this.#nodes.has(key)) throw new DuplicateKeyError(key);
    const deps: GraphNode<K>[] = [];
    for (const dep of distinct(dependencies)) {
      if (sameKey(dep, key)) throw new CycleError([key, key]);
      const node = this.#nodes.get(dep);
      if (node === undefined) throw new MissingDependencyError(key, dep);
      deps.push(node);
    }
    const node = this.#insert(key, deps);
    if (node.state === 'ready') this.#emit([node]);
  }

  /**
   * Adds a batch in any map order: dependencies may be in the graph or in the batch. The whole batch is validated
   * first and then added in topological order, so on any error nothing is added and no callback fires. Nodes that
   * start ready fire `onReady` in topological order once the whole batch is in.
   *
   * @throws DuplicateKeyError if a key is already in the graph.
   * @throws MissingDependencyError if a dependency is neither in the graph nor in the batch.
   * @throws CycleError if the batch contains a cycle (the error lists it) or a self-dependency.
   */
  addAll(deps: ReadonlyMap<K, readonly K[]>): void {
    const plan = planBatch(deps, (key) => this.#nodes.has(key));
    const ready: GraphNode<K>[] = [];
    for (const { key, deps: keys } of plan) {
      const node = this.#insert(
        key,
        keys.map((dep) => this.#nodes.get(dep) as GraphNode<K>),
      );
      if (node.state === 'ready') ready.push(node);
    }
    this.#emit(ready);
  }

  /**
   * Moves a node from `ready` to `running`.
   * @throws UnknownKeyError if the key is not in the graph; InvalidStateError if the node is not ready.
   */
  start(key: K): void {
    const node = this.#node(key);
    if (node.state !== 'ready') throw new InvalidStateError(key, node.state, 'start', 'ready');
    this.#move(node, 'running');
  }

  /**
   * Moves a node from `running` to `completed` and returns the dependents that became ready, in the order they
   * were added. Fires `onComplete(key)`, then `onReady` for each of them.
   * @throws UnknownKeyError if the key is not in the graph; InvalidStateError if the node is not running
   *   (for example, it was aborted while its task ran).
   */
  complete(key: K): K[] {
    const node = this.#node(key);
    if (node.state !== 'running') throw new InvalidStateError(key, node.state, 'complete', 'running');
    this.#move(node, 'completed');
    const freed: GraphNode<K>[] = [];
    for (const dependent of node.dependents) {
      // Dependents of an unfinished node are pending or aborted; only pending ones count down.
      if (dependent.state !== 'pending') continue;
      dependent.unfinished--;
      if (dependent.unfinished === 0) {
        this.#move(dependent, 'ready');
        freed.push(dependent);
      }
    }
    try {
      this.#emit(freed, node);
    } finally {
      for (const observer of this.#observers) observer.completed?.(key);
    }
    return freed.map((n) => n.key);
  }

  /**
   * Returns a running node to `ready` (through the transient `'failed'`, which is never observable) and fires
   * `onReady`, so it can be retried.
   * @throws UnknownKeyError if the key is not in the graph; InvalidStateError if the node is not running.
   */
  fail(key: K): void {
    const node = this.#node(key);
    if (node.state !== 'running') throw new InvalidStateError(key, node.state, 'fail', 'running');
    this.#move(node, 'ready');
    this.#emit([node]);
  }

  /**
   * Aborts a node that is not completed or aborted, and breadth-first every transitive dependent that is not
   * completed or aborted either. Returns the newly aborted keys, `key` first; `[]` if `key` was already
   * completed or aborted. Fires no callback property; observers registered with `observe()` hear of it.
   * @throws UnknownKeyError if the key is not in the graph.
   */
  abort(key: K): K[] {
    const root = this.#node(key);
    if (root.state === 'completed' || root.state === 'aborted') {
      for (const observer of this.#observers) observer.aborted?.([]);
      return [];
    }
    this.#move(root, 'aborted');
    const queue = [root];
    for (let i = 0; i < queue.length; i++) {
      for (const dependent of (queue[i] as GraphNode<K>).dependents) {
        if (dependent.state === 'completed' || dependent.state === 'aborted') continue;
        this.#move(dependent, 'aborted');
        queue.push(dependent);
      }
    }
    const keys = queue.map((n) => n.key);
    for (const observer of this.#observers) observer.aborted?.(keys);
    return keys;
  }

  /**
   * Subscribes to transitions that have no callback property: `completed` after each `complete()`, `aborted`
   * after each `abort()` (an addition to the documented API; task sources use it). Returns the unsubscribe.
   */
  observe(observer: GraphObserver<K>): () => void {
    this.#observers.add(observer);
    return () => {
      this.#observers.delete(observer);
    };
  }

  /** Keys whose dependencies are not all completed yet (an addition to the documented API). Live, read-only. */
  get pending(): ReadonlySet<K> {
    return this.#sets.pending;
  }

  /** Keys that may be started, in the order they became ready. Live, read-only. */
  get ready(): ReadonlySet<K> {
    return this.#sets.ready;
  }

  /** Keys started and not yet completed, failed or aborted. Live, read-only. */
  get running(): ReadonlySet<K> {
    return this.#sets.running;
  }

  /** Keys completed, in completion order. Live, read-only. */
  get completed(): ReadonlySet<K> {
    return this.#sets.completed;
  }

  /** Keys aborted, in abort order (an addition to the documented API; `isDone` counts it). Live, read-only. */
  get aborted(): ReadonlySet<K> {
    return this.#sets.aborted;
  }

  /** Number of nodes in the graph. */
  get size(): number {
    return this.#nodes.size;
  }

  /** True when every node is completed or aborted (`completed.size + aborted.size === size`); an empty graph is done. */
  get isDone(): boolean {
    return this.#sets.completed.size + this.#sets.aborted.size === this.#nodes.size;
  }

  /** The node's state; never `'failed'`. @throws UnknownKeyError if the key is not in the graph. */
  getState(key: K): NodeState {
    return this.#node(key).state;
  }

  /** A snapshot of the node's distinct dependencies. @throws UnknownKeyError if the key is not in the graph. */
  getDependencies(key: K): ReadonlySet<K> {
    return new Set(this.#node(key).deps.map((n) => n.key));
  }

  /** A snapshot of the nodes that depend directly on `key`. @throws UnknownKeyError if the key is not in the graph. */
  getDependents(key: K): ReadonlySet<K> {
    return new Set(this.#node(key).dependents.map((n) => n.key));
  }

  /** True when the graph holds `key`. */
  has(key: K): boolean {
    return this.#nodes.has(key);
  }

  /** Full iterative DFS for a cycle. Always false for a graph built through this API; kept as a safety check. */
  hasCycle(): boolean {
    return hasCycleDfs(
      this.#nodes.values(),
      this.#nodes.size,
      (n) => n.index,
      (n) => n.deps,
    );
  }

  /** All keys with every dependency before its dependents (Kahn's algorithm, breadth-first from the roots). */
  topologicalSort(): K[] {
    const { order } = kahnOrder(
      [...this.#nodes.values()],
      (n) => n.index,
      (n) => n.deps.length,
      (n) => n.dependents,
    );
    return order.map((n) => n.key);
  }

  #node(key: K): GraphNode<K> {
    const node = this.#nodes.get(key);
    if (node === undefined) throw new UnknownKeyError(key);
    return node;
  }

  /** Stores a node whose dependencies are already validated; fires nothing. */
  #insert(key: K, deps: readonly GraphNode<K>[]): GraphNode<K> {
    let unfinished = 0;
    let aborted = false;
    for (const dep of deps) {
      if (dep.state === 'aborted') aborted = true;
      else if (dep.state !== 'completed') unfinished++;
    }
    // D17: a node behind an aborted dependency could never run; adding it aborted keeps isDone reachable.
    const state: StoredState = aborted ? 'aborted' : unfinished === 0 ? 'ready' : 'pending';
    const node: GraphNode<K> = { key, index: this.#nodes.size, state, deps, dependents: [], unfinished };
    this.#nodes.set(key, node);
    for (const dep of deps) dep.dependents.push(node);
    this.#sets[state].add(key);
    return node;
  }

  #move(node: GraphNode<K>, to: StoredState): void {
    this.#sets[node.state].delete(node.key);
    node.state = to;
    this.#sets[to].add(node.key);
  }

  /**
   * Fires `onComplete` for `completed` (if given), then `onReady` for each node still ready. Every callback runs
   * even if an earlier one throws (a listener that misses a ready key would hang its run); the first error is
   * rethrown afterwards. The graph is already consistent, whatever a callback throws.
   */
  #emit(ready: readonly GraphNode<K>[], completed?: GraphNode<K>): void {
    let failure: { error: unknown } | undefined;
    if (completed !== undefined) {
      try {
        this.onComplete?.(completed.key);
      } catch (error) {
        failure = { error };
      }
    }
    for (const node of ready) {
      // An earlier callback may have started or aborted it; then it is no longer ready and says nothing.
      if (node.state !== 'ready') continue;
      try {
        this.onReady?.(node.key);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
