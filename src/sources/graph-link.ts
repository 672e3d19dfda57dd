import type { DependencyGraph } from '../graph/dependency-graph.js';

/** What a dependency source needs to hear from its graph besides `onReady`. */
export interface GraphWatcher<K> {
  /** After `complete()` ran (returned or threw): the graph may now be done. */
  completed(): void;
  /** After `abort()` moved `keys` (possibly none) to aborted: they leave any queue; the graph may be done. */
  aborted(keys: readonly K[]): void;
}

/**
 * Subscribes `watcher` to every `complete()` and `abort()` on `graph`, including calls user code makes directly
 * on the graph, so a source drops aborted keys at once and ends when the graph is done by any path (D17).
 * Returns the unsubscribe function.
 */
export function watchGraph<K>(graph: DependencyGraph<K>, watcher: GraphWatcher<K>): () => void {
  return graph.observe({ completed: () => watcher.completed(), aborted: (keys) => watcher.aborted(keys) });
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
