import { InvalidStateError, UnknownKeyError } from '../errors/graph-errors.js';
import { AppendLog } from './append-log.js';
import { planBatch } from './batch-plan.js';
import type { GraphObserver } from './graph-observer.js';
import { MemberLog } from './member-log.js';
import type { NodeState } from './node-state.js';
import { NodeTable } from './node-table.js';
import { PendingScan } from './pending-scan.js';
import { ABORTED, COMPLETED, PENDING, READY, RUNNING, stateName } from './state-code.js';
import { StateView } from './state-view.js';
import { hasCycleDfs, kahnOrder } from './topo-sort.js';

/**
 * A DAG of keys and their dependencies, with the lifecycle
 * `pending → ready → running → completed`, plus `running → ready` on `fail()` and `→ aborted` on `abort()`.
 *
 * Every operation is linear in the nodes and edges it touches: each node keeps a count of unfinished dependencies
 * and a list of dependents, so completing a node never rescans the graph. Callbacks fire synchronously, after the
 * graph has been fully updated, so a callback always sees a consistent graph and may call back into it.
 *
 * Keys may be any value, compared as `Map` keys are (SameValueZero: `NaN` equals `NaN`, objects by identity).
 * Storage is one `Map` entry per key plus typed-array columns indexed by insertion order, not an object per node;
 * the state getters are live views over it that behave like read-only `Set`s but are not `Set` instances.
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
  readonly #table = new NodeTable<K>();
  // Where each state's members are listed; a node's state code says which one holds it.
  readonly #pending = new PendingScan(this.#table);
  readonly #ready = new MemberLog(this.#table, READY);
  readonly #running = new MemberLog(this.#table, RUNNING);
  readonly #completed = new AppendLog();
  readonly #aborted = new AppendLog();
  readonly #views = {
    pending: new StateView(this.#table, PENDING, this.#pending),
    ready: new StateView(this.#table, READY, this.#ready),
    running: new StateView(this.#table, RUNNING, this.#running),
    completed: new StateView(this.#table, COMPLETED, this.#completed),
    aborted: new StateView(this.#table, ABORTED, this.#aborted),
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
    const node = this.#insert(key, dependencies);
    if (this.#table.state[node] === READY) this.onReady?.(key);
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
    const plan = planBatch(deps, (key) => this.#table.find(key) !== -1);
    const ready: number[] = [];
    for (const { key, deps: keys } of plan) {
      const node = this.#insert(key, keys);
      if (this.#table.state[node] === READY) ready.push(node);
    }
    this.#emit(ready, -1);
  }

  /**
   * Moves a node from `ready` to `running`.
   * @throws UnknownKeyError if the key is not in the graph; InvalidStateError if the node is not ready.
   */
  start(key: K): void {
    const node = this.#expect(key, READY, 'start');
    this.#ready.remove(node);
    this.#table.state[node] = RUNNING;
    this.#running.add(node);
  }

  /**
   * Moves a node from `running` to `completed` and returns the dependents that became ready, in the order they
   * were added. Fires `onComplete(key)`, then `onReady` for each of them.
   * @throws UnknownKeyError if the key is not in the graph; InvalidStateError if the node is not running
   *   (for example, it was aborted while its task ran).
   */
  complete(key: K): K[] {
    const node = this.#expect(key, RUNNING, 'complete');
    const table = this.#table;
    this.#running.remove(node);
    table.state[node] = COMPLETED;
    this.#completed.add(node);
    const freed: number[] = [];
    const { state, unfinished, dependents } = table;
    for (let edge = dependents.first(node); edge !== -1; edge = dependents.next(edge)) {
      const dependent = dependents.target(edge);
      // Dependents of an unfinished node are pending or aborted; only pending ones count down.
      if (state[dependent] !== PENDING) continue;
      const left = (unfinished[dependent] as number) - 1;
      unfinished[dependent] = left;
      if (left === 0) {
        this.#pending.removed();
        state[dependent] = READY;
        this.#ready.add(dependent);
        freed.push(dependent);
      }
    }
    try {
      this.#emit(freed, node);
    } finally {
      for (const observer of this.#observers) observer.completed?.(key);
    }
    const keys = table.keys;
    return freed.map((n) => keys[n] as K);
  }

  /**
   * Returns a running node to `ready` (through the transient `'failed'`, which is never observable) and fires
   * `onReady`, so it can be retried.
   * @throws UnknownKeyError if the key is not in the graph; InvalidStateError if the node is not running.
   */
  fail(key: K): void {
    const node = this.#expect(key, RUNNING, 'fail');
    this.#running.remove(node);
    this.#table.state[node] = READY;
    this.#ready.add(node);
    this.onReady?.(key);
  }

  /**
   * Aborts a node that is not completed or aborted, and breadth-first every transitive dependent that is not
   * completed or aborted either. Returns the newly aborted keys, `key` first; `[]` if `key` was already
   * completed or aborted. Fires no callback property; observers registered with `observe()` hear of it.
   * @throws UnknownKeyError if the key is not in the graph.
   */
  abort(key: K): K[] {
    const root = this.#find(key);
    const table = this.#table;
    const log = this.#aborted;
    const first = log.size;
    if (!this.#isFinished(root)) {
      this.#abortOne(root);
      // The aborted log doubles as the breadth-first queue: this call's nodes are its tail from `first`.
      const { dependents } = table;
      for (let at = first; at < log.size; at++) {
        for (let edge = dependents.first(log.at(at)); edge !== -1; edge = dependents.next(edge)) {
          const dependent = dependents.target(edge);
          if (!this.#isFinished(dependent)) this.#abortOne(dependent);
        }
      }
    }
    const keys: K[] = [];
    for (let at = first; at < log.size; at++) keys.push(table.keys[log.at(at)] as K);
    for (const observer of this.#observers) observer.aborted?.(keys);
    return keys;
  }

  /**
   * Subscribes to transitions that have no callback property: `completed` after each `complete()`, `aborted`
   * after each `abort()` (task sources use it to learn that a graph finished). Returns the unsubscribe.
   */
  observe(observer: GraphObserver<K>): () => void {
    this.#observers.add(observer);
    return () => {
      this.#observers.delete(observer);
    };
  }

  /** Keys waiting for dependencies to complete, in insertion order. Live, read-only. */
  get pending(): ReadonlySet<K> {
    return this.#views.pending;
  }

  /** Keys that may be started, in the order they became ready. Live, read-only. */
  get ready(): ReadonlySet<K> {
    return this.#views.ready;
  }

  /** Keys started and not yet completed, failed or aborted, in the order they started. Live, read-only. */
  get running(): ReadonlySet<K> {
    return this.#views.running;
  }

  /** Keys completed, in completion order. Live, read-only. */
  get completed(): ReadonlySet<K> {
    return this.#views.completed;
  }

  /** Keys aborted, in abort order (`isDone` counts them as finished). Live, read-only. */
  get aborted(): ReadonlySet<K> {
    return this.#views.aborted;
  }

  /** Number of nodes in the graph. */
  get size(): number {
    return this.#table.count;
  }

  /** True when every node is completed or aborted (`completed.size + aborted.size === size`); an empty graph is done. */
  get isDone(): boolean {
    return this.#completed.size + this.#aborted.size === this.#table.count;
  }

  /** The node's state; never `'failed'`. @throws UnknownKeyError if the key is not in the graph. */
  getState(key: K): NodeState {
    return stateName(this.#table.state[this.#find(key)] as number);
  }

  /** A snapshot of the node's distinct dependencies. @throws UnknownKeyError if the key is not in the graph. */
  getDependencies(key: K): ReadonlySet<K> {
    return new Set(this.#table.dependencyKeys(this.#find(key)));
  }

  /** A snapshot of the nodes that depend directly on `key`. @throws UnknownKeyError if the key is not in the graph. */
  getDependents(key: K): ReadonlySet<K> {
    const { keys, dependents } = this.#table;
    const out = new Set<K>();
    for (let edge = dependents.first(this.#find(key)); edge !== -1; edge = dependents.next(edge)) {
      out.add(keys[dependents.target(edge)] as K);
    }
    return out;
  }

  /** True when the graph holds `key`. */
  has(key: K): boolean {
    return this.#table.find(key) !== -1;
  }

  /** Full iterative DFS for a cycle. Always false for a graph built through this API; kept as a safety check. */
  hasCycle(): boolean {
    return hasCycleDfs(this.#table.count, this.#table.dependents);
  }

  /** All keys with every dependency before its dependents (Kahn's algorithm, breadth-first from the roots). */
  topologicalSort(): K[] {
    const table = this.#table;
    const { order } = kahnOrder(table.count, (node) => table.dependencyCount(node), table.dependents);
    return Array.from(order, (node) => table.keys[node] as K);
  }

  #find(key: K): number {
    const node = this.#table.find(key);
    if (node === -1) throw new UnknownKeyError(key);
    return node;
  }

  /** The node of `key`, which must be in state `code` for `action`. */
  #expect(key: K, code: number, action: string): number {
    const node = this.#find(key);
    const state = this.#table.state[node] as number;
    if (state !== code) throw new InvalidStateError(key, stateName(state), action, stateName(code));
    return node;
  }

  /** Validates and stores a node, and lists it under its state; fires nothing. */
  #insert(key: K, deps: readonly K[]): number {
    const node = this.#table.insert(key, deps);
    const state = this.#table.state[node];
    if (state === READY) this.#ready.add(node);
    else if (state === PENDING) this.#pending.added();
    else this.#aborted.add(node);
    return node;
  }

  #isFinished(node: number): boolean {
    const state = this.#table.state[node];
    return state === COMPLETED || state === ABORTED;
  }

  /** Moves an unfinished node to aborted. */
  #abortOne(node: number): void {
    const state = this.#table.state;
    const from = state[node];
    if (from === PENDING) this.#pending.removed();
    else if (from === READY) this.#ready.remove(node);
    else this.#running.remove(node);
    state[node] = ABORTED;
    this.#aborted.add(node);
  }

  /**
   * Fires `onComplete` for node `completed` (if not -1), then `onReady` for each node still ready. Every callback
   * runs even if an earlier one throws (a listener that misses a ready key would hang its run); the first error
   * is rethrown afterwards. The graph is already consistent, whatever a callback throws.
   */
  #emit(ready: readonly number[], completed: number): void {
    const { keys } = this.#table;
    let failure: { error: unknown } | undefined;
    if (completed !== -1) {
      try {
        this.onComplete?.(keys[completed] as K);
      } catch (error) {
        failure = { error };
      }
    }
    for (const node of ready) {
      // An earlier callback may have started or aborted it; then it is no longer ready and says nothing.
      // (The state array is read afresh: a callback may have added nodes and so replaced it.)
      if (this.#table.state[node] !== READY) continue;
      try {
        this.onReady?.(keys[node] as K);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
