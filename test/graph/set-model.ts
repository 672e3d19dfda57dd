import type { DependencyGraph } from '../../src/graph/dependency-graph.js';
import type { NodeState } from '../../src/graph/node-state.js';

export type ViewName = 'pending' | 'ready' | 'running' | 'completed' | 'aborted';
export const VIEW_NAMES: readonly ViewName[] = ['pending', 'ready', 'running', 'completed', 'aborted'];

/**
 * A graph driven together with one real `Set` per state, updated the way a Set-per-state graph would be: a key
 * leaving a state is deleted from that Set, a key entering one is added to it, in the order the graph reports.
 * Comparing a view with its Set (contents, order, and iterators advanced side by side) checks that the view
 * behaves exactly like a `Set` being changed.
 */
export class SetModel<K> {
  readonly sets: Record<ViewName, Set<K>> = {
    pending: new Set(),
    ready: new Set(),
    running: new Set(),
    completed: new Set(),
    aborted: new Set(),
  };

  constructor(readonly graph: DependencyGraph<K>) {}

  addNode(key: K, deps: readonly K[]): void {
    this.graph.addNode(key, deps);
    this.sets[this.#state(key)].add(key);
  }

  start(key: K): void {
    this.graph.start(key);
    this.#move(key, 'ready', 'running');
  }

  complete(key: K): K[] {
    const freed = this.graph.complete(key);
    this.#move(key, 'running', 'completed');
    for (const k of freed) this.#move(k, 'pending', 'ready');
    return freed;
  }

  fail(key: K): void {
    this.graph.fail(key);
    this.#move(key, 'running', 'ready');
  }

  abort(key: K): K[] {
    const before = new Map<K, ViewName>();
    for (const name of VIEW_NAMES) for (const k of this.sets[name]) before.set(k, name);
    const aborted = this.graph.abort(key);
    for (const k of aborted) this.#move(k, before.get(k) as ViewName, 'aborted');
    return aborted;
  }

  #move(key: K, from: ViewName, to: ViewName): void {
    if (!this.sets[from].delete(key)) throw new Error(`model: ${String(key)} was not ${from}`);
    this.sets[to].add(key);
  }

  #state(key: K): ViewName {
    const state: NodeState = this.graph.getState(key);
    if (state === 'failed') throw new Error('failed is never stored');
    return state;
  }
}
