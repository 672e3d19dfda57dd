/**
 * Lifecycle state of a `DependencyGraph` node.
 *
 * `'failed'` is listed for fidelity with the documented API but is never observable: `fail()` moves a running
 * node straight back to `'ready'` (API.md §5.27).
 */
export type NodeState = 'pending' | 'ready' | 'running' | 'completed' | 'failed' | 'aborted';
