/**
 * Lifecycle state of a `DependencyGraph` node.
 *
 * `'failed'` is part of the type for completeness but is never observable: `fail()` moves a running node straight
 * back to `'ready'`, so it can be retried.
 */
export type NodeState = 'pending' | 'ready' | 'running' | 'completed' | 'failed' | 'aborted';
