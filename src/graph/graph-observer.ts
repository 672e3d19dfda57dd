/**
 * Listener for graph transitions that have no callback property. Sources use it to learn that a graph finished
 * through `abort()` (aborted nodes count as finished) or that user code completed a node directly.
 */
export interface GraphObserver<K> {
  /** After `complete(key)` ran, even when one of its callbacks threw. */
  completed?(key: K): void;
  /** After `abort()` moved `keys` (possibly none) to aborted. */
  aborted?(keys: readonly K[]): void;
}
