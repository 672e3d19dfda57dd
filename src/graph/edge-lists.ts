import { grown } from './growable.js';

/** Walks per-node edge lists by cursor, so no array is allocated per node. Edge and node ids are indices. */
export interface Adjacency {
  /** The first edge out of `node`, or -1 when it has none. */
  first(node: number): number;
  /** The edge after `edge` in the same list, or -1 at the end. */
  next(edge: number): number;
  /** The node `edge` leads to. */
  target(edge: number): number;
}

/**
 * One ordered list of edges per node, kept as singly linked lists in typed arrays: appending is O(1) and keeps
 * insertion order, and the whole structure is five arrays (8 bytes per node and 8 per edge), with no object or
 * array per node for the garbage collector to trace.
 */
export class EdgeLists implements Adjacency {
  // Per node: first and last edge (-1 when none). Per edge: the next edge in its list and its target.
  #head: Int32Array;
  #tail: Int32Array;
  #next: Int32Array;
  #target: Int32Array;
  #edges = 0;

  constructor(nodes = 0, edges = 0) {
    this.#head = new Int32Array(nodes).fill(-1);
    this.#tail = new Int32Array(nodes).fill(-1);
    this.#next = new Int32Array(edges);
    this.#target = new Int32Array(edges);
  }

  /** Makes room for nodes `0..nodes-1`; nodes not seen before start with empty lists. */
  reserveNodes(nodes: number): void {
    this.#head = grown(this.#head, nodes, Int32Array, -1);
    this.#tail = grown(this.#tail, nodes, Int32Array, -1);
  }

  /** Appends an edge `from → to` to the end of `from`'s list. `from` must be a reserved node. */
  add(from: number, to: number): void {
    const edge = this.#edges++;
    if (edge === this.#next.length) {
      this.#next = grown(this.#next, edge + 1, Int32Array);
      this.#target = grown(this.#target, edge + 1, Int32Array);
    }
    this.#next[edge] = -1;
    this.#target[edge] = to;
    const last = this.#tail[from] as number;
    if (last === -1) this.#head[from] = edge;
    else this.#next[last] = edge;
    this.#tail[from] = edge;
  }

  /** The target of the last edge out of `from`, or -1 when it has none. */
  lastTarget(from: number): number {
    const last = this.#tail[from] as number;
    return last === -1 ? -1 : (this.#target[last] as number);
  }

  first(node: number): number {
    return this.#head[node] as number;
  }

  next(edge: number): number {
    return this.#next[edge] as number;
  }

  target(edge: number): number {
    return this.#target[edge] as number;
  }
}
