import type { DependencyGraph } from '../graph/dependency-graph.js';

/**
 * Installs `handler` as the graph's `onReady`, keeping any handler already there and calling it first, so
 * code that set `onReady` before the source was built keeps working. The source's handler runs even if the
 * earlier one throws, so a ready key is never lost; the earlier handler's error still propagates.
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
