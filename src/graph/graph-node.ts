import type { NodeState } from './node-state.js';

/** States a node can actually be stored in (`'failed'` is never stored). */
export type StoredState = Exclude<NodeState, 'failed'>;

/** Internal per-node record of a dependency graph. Not exported from the package. */
export interface GraphNode<K> {
  readonly key: K;
  /** Insertion position; indexes per-call scratch arrays (cycle check). */
  readonly index: number;
  state: StoredState;
  /** Distinct dependencies, in the order given. */
  readonly deps: readonly GraphNode<K>[];
  /** Nodes that depend on this one, in the order they were added. */
  readonly dependents: GraphNode<K>[];
  /** Dependencies not yet completed; the node becomes ready when this reaches 0 (no rescans). */
  unfinished: number;
}

/** True when `a` and `b` are the same key under Map/Set equality (SameValueZero, so NaN equals NaN). */
export function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** `deps` without repeats, first occurrence kept (a dependency listed twice counts once). */
export function distinct<K>(deps: readonly K[]): readonly K[] {
  return deps.length < 2 ? deps : [...new Set(deps)];
}
