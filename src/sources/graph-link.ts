import type { DependencyGraph } from '../graph/dependency-graph.js';

/** What a dependency source needs to hear from its graph besides `onReady`. */
export interface GraphWatcher<K> {
  /** After `complete()` ran (returned or threw): the graph may now be done. */
  completed(): void;
  /** After `abort()` moved `keys` (possibly none) to aborted: they leave any queue; the graph may be done. */
  aborted(keys: readonly K[]): void;
}

/** One set of watchers per graph, so that several sources over time wrap the graph's methods only once. */
const watchersByGraph = new WeakMap<object, Set<GraphWatcher<never>>>();

/**
 * Subscribes `watcher` to every `complete()` and `abort()` on `graph`, including calls user code makes directly
 * on the graph. Returns the unsubscribe function.
 *
 * Why: `abort()` fires no graph callback, yet a source must end when the graph is done by any path (D17), and
 * should drop aborted keys from its queue at once. The graph's methods are wrapped on the instance (once per
 * graph); behaviour and return values are unchanged.
 */
export function watchGraph<K>(graph: DependencyGraph<K>, watcher: GraphWatcher<K>): () => void {
  let watchers = watchersByGraph.get(graph) as Set<GraphWatcher<K>> | undefined;
  if (watchers === undefined) {
    const set = new Set<GraphWatcher<K>>();
    watchers = set;
    watchersByGraph.set(graph, set as Set<GraphWatcher<never>>);
    const complete = graph.complete;
    const abort = graph.abort;
    graph.complete = (key: K): K[] => {
      try {
        return complete.call(graph, key);
      } finally {
        for (const w of set) w.completed();
      }
    };
    graph.abort = (key: K): K[] => {
      const keys = abort.call(graph, key);
      for (const w of set) w.aborted(keys);
      return keys;
    };
  }
  const set = watchers;
  set.add(watcher);
  return () => {
    set.delete(watcher);
  };
}

/**
 * Installs `handler` as the graph's `onReady`, keeping any handler already there and calling it first
 * (claim 46). The source's handler runs even if the earlier one throws, so a ready key is never lost; the
 * earlier handler's error still propagates.
 */
export function chainOnReady<K>(graph: DependencyGraph<K>, handler: (key: K) => void): void {
  const previous = graph.onReady;
  if (previous === undefined) {
    graph.onReady = handler;
    return;
  }
  graph.onReady = (key: K): void => {
    try {
      previous.call(graph, key);
    } finally {
      handler(key);
    }
  };
}
