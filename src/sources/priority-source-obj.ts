import { SourceClosedError } from '../errors/source-errors.js';
import type { Peekable } from '../pull/peekable.js';
import { AgingQueue, type AgingQueueOptions } from './aging-queue.js';
import { SignallingSourceObj } from './signalling-source-obj.js';

/**
 * Options of {@link PrioritySourceObj}: `agingRate` (priority per ms waited, default 0 = no aging),
 * `maxAgeBoost` (cap on the aging bonus, default `Infinity`) and `now` (clock in ms, default `Date.now`).
 */
export type PrioritySourceOpts = AgingQueueOptions;

/**
 * An open, dynamic task source served by priority: `enqueue` items at any time, `closeSource()` when no more
 * will come. Items come out highest effective priority first, where effective priority =
 * `priority + min(agingRate × ms waited, maxAgeBoost)` and the wait counts from the item's enqueue; equal
 * effective priorities come out in enqueue order. Every operation is O(log n) (amortised).
 *
 * Peek, then pull: every `peek()` re-evaluates aging, and the next pull delivers the item that peek showed,
 * however the clock moved in between, unless an item was enqueued or pulled meanwhile (then the pull chooses
 * afresh). A pull that follows no peek chooses at the time it runs.
 *
 * With `ScheduledTaskPoolRunner`: the runner peeks and consumes only when the head's cost fits, and by the rule
 * above it gets the task whose cost it checked. A task that reaches the runner through its pending `next()` (the
 * queue was empty) and does not fit yet is held by the runner; items enqueued meanwhile, even of higher
 * priority, wait behind it.
 *
 * @typeParam T - item type
 * @example
 * ```ts
 * const source = new PrioritySourceObj<ScheduledTask>({ agingRate: 0.01, maxAgeBoost: 5 });
 * source.enqueue(backgroundTask, 1);
 * source.enqueue(urgentTask, 10);
 * source.closeSource(); // drain what is queued, then end
 * ```
 */
export class PrioritySourceObj<T> extends SignallingSourceObj<T> implements Peekable<T> {
  readonly #queue: AgingQueue<T>;
  #closed = false;

  /**
   * @param opts - aging options and clock; see {@link PrioritySourceOpts}
   * @throws InvalidOptionError for a negative or non-finite `agingRate`, a negative or NaN `maxAgeBoost`, or a
   *   `now` that is not a function.
   */
  constructor(opts: PrioritySourceOpts = {}) {
    super();
    this.#queue = new AgingQueue<T>(opts);
  }

  /** Number of queued items (not yet pulled). */
  get size(): number {
    return this.#queue.size;
  }

  /** True after {@link PrioritySourceObj.closeSource}. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues `item` at base `priority` (finite; higher is served first) and wakes a waiting pull. Its aging
   * starts now.
   * @throws {@link SourceClosedError} after `closeSource()`; InvalidOptionError for a non-finite priority.
   */
  enqueue(item: T, priority: number): void {
    if (this.#closed) throw new SourceClosedError('PrioritySourceObj');
    this.#queue.add(item, priority);
    this.signalChange();
  }

  /** Stops accepting items. What is queued is still delivered; then the source ends. Idempotent. */
  closeSource(): void {
    this.#closed = true;
    this.signalChange();
  }

  /**
   * The item with the highest effective priority now, without removing it. The next pull delivers this item
   * unless the queue changes first.
   */
  peek(): T | undefined {
    return this.#queue.peek();
  }

  /**
   * Hands out the next item (the one the latest peek showed, if the queue did not change since) without the
   * generator round trip when one is queued. The result object is new each time: a caller may keep it.
   */
  protected override pull_now(): IteratorResult<T, undefined> | undefined {
    return this.#queue.size > 0 ? { done: false, value: this.#queue.pop() as T } : undefined;
  }

  protected override async *pull_impl(): AsyncGenerator<T, undefined, void> {
    for (;;) {
      const ready = this.pull_now();
      if (ready !== undefined) {
        yield ready.value as T;
        continue;
      }
      if (this.#closed) return undefined;
      if (!(await this.nextChange())) return undefined;
    }
  }
}
