import type { NodeState } from './node-state.js';

/** States a node can actually be stored in (`'failed'` is never stored). */
export type StoredState = Exclude<NodeState, 'failed'>;

/** A node's state as stored: one byte per node in a typed array. */
export const PENDING = 0;
export const READY = 1;
export const RUNNING = 2;
export const COMPLETED = 3;
export const ABORTED = 4;

/** The public name of each state code, indexed by code. */
const NAMES: readonly StoredState[] = ['pending', 'ready', 'running', 'completed', 'aborted'];

/** The public name of a stored state code. */
export function stateName(code: number): StoredState {
  return NAMES[code] as StoredState;
}
