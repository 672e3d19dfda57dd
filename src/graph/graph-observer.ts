/**
 * Listener for graph transitions that have no documented callback. Sources use it to learn that a graph finished
 * through `abort()` (D17) or that user code completed a node directly.
 */
export interface GraphObserver<K> {
  /** After `complete(key)` ran, even when one of its callbacks threw. */
  completed?(key: K): void;
  /** After `abort()` moved `keys` (possibly none) to aborted. */
  aborted?(keys: readonly K[]): void;
}
