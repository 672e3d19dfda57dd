import { Deque } from '../foundation/deque.js';
import { requireFinite, requireWindowMs } from './checks.js';
import type { IRollingWindow, RollingWindowStats } from './types.js';

/** Observations that share one timestamp, merged so memory is bounded by distinct timestamps in the window. */
interface Bucket {
  seq: number;
  atMs: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** A candidate for the window's min or max: a bucket's sequence number and its extreme value. */
interface Extreme {
  seq: number;
  value: number;
}

/**
 * Observations kept for a sliding time window of `windowMs`. An observation made at `atMs` counts while
 * `nowMs - atMs < windowMs`. Old observations are evicted lazily when {@link RollingWindow.stats} is read.
 *
 * Observations live in a ring-buffer deque, and min/max are tracked with monotonic deques, so `observe`,
 * eviction and `stats` are all amortised O(1). Observations with the same timestamp share one slot.
 *
 * Timestamps are expected to be non-decreasing. One earlier than the latest seen (a wall clock stepping
 * back) is treated as made at the latest timestamp, so the window never holds items out of order.
 */
export class RollingWindow implements IRollingWindow {
  /** Length of the window in milliseconds. */
  readonly windowMs: number;

  #buckets = new Deque<Bucket>();
  #mins = new Deque<Extreme>(); // values increasing front to back
  #maxs = new Deque<Extreme>(); // values decreasing front to back
  #nextSeq = 0;
  #lastAtMs = Number.NEGATIVE_INFINITY;
  #count = 0;
  #sum = 0;
  #evictedSinceSum = 0;

  /** @param windowMs length of the window; a finite number greater than 0, else `InvalidOptionError`. */
  constructor(windowMs: number) {
    this.windowMs = requireWindowMs(windowMs);
  }

  /** Records `value` (finite) as observed at `atMs` (default `Date.now()`). */
  observe(value: number, atMs: number = Date.now()): void {
    requireFinite('value', value);
    requireFinite('atMs', atMs);
    const t = Math.max(atMs, this.#lastAtMs);
    this.#lastAtMs = t;
    this.#count++;
    this.#sum += value;

    const last = this.#buckets.back();
    if (last !== undefined && last.atMs === t) {
      last.count++;
      last.sum += value;
      if (value < last.min) {
        last.min = value;
        this.#mins.pop(); // the newest bucket is always the back of both monotonic deques
        pushMin(this.#mins, last.seq, value);
      }
      if (value > last.max) {
        last.max = value;
        this.#maxs.pop();
        pushMax(this.#maxs, last.seq, value);
      }
      return;
    }
    const seq = this.#nextSeq++;
    this.#buckets.push({ seq, atMs: t, count: 1, sum: value, min: value, max: value });
    pushMin(this.#mins, seq, value);
    pushMax(this.#maxs, seq, value);
  }

  /** Evicts observations that fell out of the window at `nowMs` (default `Date.now()`) and summarises the rest. */
  stats(nowMs: number = Date.now()): RollingWindowStats {
    requireFinite('nowMs', nowMs);
    this.#evict(nowMs - this.windowMs);
    const count = this.#count;
    if (count === 0) return { windowMs: this.windowMs, count: 0, sum: 0, avg: 0, min: null, max: null };
    return {
      windowMs: this.windowMs,
      count,
      sum: this.#sum,
      avg: this.#sum / count,
      min: this.#mins.front()?.value ?? null,
      max: this.#maxs.front()?.value ?? null,
    };
  }

  /** Forgets every observation. */
  reset(): void {
    this.#buckets.clear();
    this.#mins.clear();
    this.#maxs.clear();
    this.#lastAtMs = Number.NEGATIVE_INFINITY;
    this.#count = 0;
    this.#sum = 0;
    this.#evictedSinceSum = 0;
  }

  #evict(cutoffMs: number): void {
    for (let b = this.#buckets.front(); b !== undefined && b.atMs <= cutoffMs; b = this.#buckets.front()) {
      this.#buckets.shift();
      this.#count -= b.count;
      this.#sum -= b.sum;
      this.#evictedSinceSum++;
      if (this.#mins.front()?.seq === b.seq) this.#mins.shift();
      if (this.#maxs.front()?.seq === b.seq) this.#maxs.shift();
    }
    if (this.#count === 0) {
      this.#sum = 0;
      this.#evictedSinceSum = 0;
    } else if (this.#evictedSinceSum > this.#buckets.length) {
      // Subtracting leaves floating-point residue; re-adding what is retained, no more often than the number
      // of evictions, bounds it while staying amortised O(1).
      let sum = 0;
      for (const b of this.#buckets) sum += b.sum;
      this.#sum = sum;
      this.#evictedSinceSum = 0;
    }
  }
}

// Equal older candidates are dropped too: the newer one outlives them, so it is the better witness.
function pushMin(mins: Deque<Extreme>, seq: number, value: number): void {
  for (let b = mins.back(); b !== undefined && b.value >= value; b = mins.back()) mins.pop();
  mins.push({ seq, value });
}

function pushMax(maxs: Deque<Extreme>, seq: number, value: number): void {
  for (let b = maxs.back(); b !== undefined && b.value <= value; b = maxs.back()) maxs.pop();
  maxs.push({ seq, value });
}
