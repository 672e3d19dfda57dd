import { grown } from './growable.js';
import type { MemberList } from './member-log.js';

/**
 * The members of a state nodes never leave (completed, aborted), in the order they entered: an append-only
 * array of node indices. Walks visit entries appended while they run, as a `Set` iterator would.
 */
export class AppendLog implements MemberList {
  #nodes = new Int32Array(8);
  #length = 0;

  /** Number of members. */
  get size(): number {
    return this.#length;
  }

  /** Appends `node`. */
  add(node: number): void {
    if (this.#length === this.#nodes.length) this.#nodes = grown(this.#nodes, this.#length + 1, Int32Array);
    this.#nodes[this.#length++] = node;
  }

  /** The node at position `at` (0 ≤ at < size). */
  at(at: number): number {
    return this.#nodes[at] as number;
  }

  *walk(): Generator<number, undefined, undefined> {
    for (let at = 0; at < this.#length; at++) yield this.#nodes[at] as number;
    return undefined;
  }
}
