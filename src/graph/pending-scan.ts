import type { MemberList } from './member-log.js';
import { PENDING } from './state-code.js';

/** Per-node columns the scan reads (a `NodeTable`'s). */
export interface StateColumns {
  /** Number of nodes. */
  readonly count: number;
  /** State code per node. */
  readonly state: Uint8Array;
}

/**
 * The pending nodes, found by scanning states in index order. Nodes are only ever pending from insertion until
 * they leave for good, so index order is insertion order and nothing needs storing but a count. A walk skips
 * nodes that left before it reached them and visits nodes added while it runs, as a `Set` iterator would.
 */
export class PendingScan implements MemberList {
  readonly #columns: StateColumns;
  #count = 0;
  /** No node below this index is pending; walks start here, so finished prefixes are not rescanned. */
  #floor = 0;

  constructor(columns: StateColumns) {
    this.#columns = columns;
  }

  /** Number of pending nodes. */
  get size(): number {
    return this.#count;
  }

  /** A node entered pending (on insertion). */
  added(): void {
    this.#count++;
  }

  /** A node left pending. */
  removed(): void {
    this.#count--;
  }

  *walk(): Generator<number, undefined, undefined> {
    const columns = this.#columns;
    while (this.#floor < columns.count && columns.state[this.#floor] !== PENDING) this.#floor++;
    for (let node = this.#floor; node < columns.count; node++) {
      if (columns.state[node] === PENDING) yield node;
    }
    return undefined;
  }
}
