import { grown } from './growable.js';

/** Per-node columns a member log reads and writes (a `NodeTable`'s). */
export interface SlotColumns {
  /** State code per node. */
  readonly state: Uint8Array;
  /** Per node: its position in the log of its current state, or -1. Shared by every log. */
  readonly slot: Int32Array;
}

/** A Set-like, live walk over node indices (see state-view.ts). */
export interface MemberList {
  readonly size: number;
  walk(): Generator<number, undefined, undefined>;
}

/**
 * The members of a state that nodes enter and leave (ready, running), in the order they entered: an array of
 * node indices to which entering appends. Leaving only marks the node (its `slot` no longer points here), so
 * both are O(1) with no hashing; dead entries are dropped by compaction once they outnumber the live ones.
 *
 * Iteration behaves like a JS `Set`'s: an entry that leaves before the walk reaches it is skipped, and one that
 * enters during the walk is visited (at the end). Every entry carries a sequence number that only grows, so a
 * walk that finds the log compacted under it resumes by binary search at the first entry it has not yet passed.
 */
export class MemberLog implements MemberList {
  readonly #columns: SlotColumns;
  readonly #code: number;
  #nodes = new Int32Array(8);
  #seqs = new Float64Array(8);
  #length = 0;
  #live = 0;
  #nextSeq = 0;
  /** Bumped whenever entries move, so walks know to find their place again. */
  #epoch = 0;

  /** A log of the nodes whose state code is `code`. */
  constructor(columns: SlotColumns, code: number) {
    this.#columns = columns;
    this.#code = code;
  }

  /** Number of members. */
  get size(): number {
    return this.#live;
  }

  /** Appends `node`, whose state code must already be this log's. */
  add(node: number): void {
    if (this.#length === this.#nodes.length) this.#makeRoom();
    const at = this.#length++;
    this.#nodes[at] = node;
    this.#seqs[at] = this.#nextSeq++;
    this.#columns.slot[node] = at;
    this.#live++;
  }

  /** Drops `node`, which must be a member. */
  remove(node: number): void {
    this.#columns.slot[node] = -1;
    this.#live--;
    // Like a Set shrinking its table, so a walk never crosses many dead entries. An empty log just restarts.
    if (this.#live === 0) this.#clear();
    else if (this.#live * 4 < this.#length && this.#length > 64) this.#compact();
  }

  *walk(): Generator<number, undefined, undefined> {
    let epoch = this.#epoch;
    let at = 0;
    let passed = 0; // every entry with a smaller sequence number has been visited or was dead when reached
    for (;;) {
      if (epoch !== this.#epoch) {
        epoch = this.#epoch;
        at = this.#firstAtLeast(passed);
      }
      if (at >= this.#length) return undefined;
      const node = this.#nodes[at] as number;
      passed = (this.#seqs[at] as number) + 1;
      if (this.#isLive(node, at++)) yield node;
    }
  }

  #isLive(node: number, at: number): boolean {
    return this.#columns.slot[node] === at && this.#columns.state[node] === this.#code;
  }

  #makeRoom(): void {
    if (this.#live * 2 <= this.#length) {
      this.#compact();
      return;
    }
    this.#nodes = grown(this.#nodes, this.#length + 1, Int32Array);
    this.#seqs = grown(this.#seqs, this.#length + 1, Float64Array);
  }

  /** Moves the live entries to the front, in order. */
  #compact(): void {
    let kept = 0;
    for (let at = 0; at < this.#length; at++) {
      const node = this.#nodes[at] as number;
      if (!this.#isLive(node, at)) continue;
      this.#nodes[kept] = node;
      this.#seqs[kept] = this.#seqs[at] as number;
      this.#columns.slot[node] = kept++;
    }
    this.#length = kept;
    this.#epoch++;
  }

  #clear(): void {
    this.#length = 0;
    this.#epoch++;
  }

  /** Position of the first entry whose sequence number is at least `seq` (entries are in sequence order). */
  #firstAtLeast(seq: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#seqs[mid] as number) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
