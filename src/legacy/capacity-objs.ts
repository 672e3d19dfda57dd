import type { Peekable } from '../pull/peekable.js';
import { PushObj } from '../pull/push-obj.js';
import { SourceObj } from '../pull/source-obj.js';
import type { CapacitySource } from './capacity-source.js';

/** A snapshot of a {@link CapacitySource}: the units free at its level. */
export type CapacityObj = { capacity: number };

/**
 * The pull side of a {@link CapacitySource}: each pull takes one unit (waiting for one, like `acquire()`) and
 * yields `{ capacity }`, the units left free after taking it. Pair it with a {@link SinkCapacityObj} on the same
 * source to give units back, which makes the two a semaphore in pull/push form. It never ends by itself; call
 * `return()` or `close()` to stop (a pull already waiting still takes its unit and delivers it).
 *
 * @example
 * ```ts
 * const slots = new CapacitySource(2);
 * const take = new SourceCapacityObj(slots);
 * const give = new SinkCapacityObj(slots);
 * const { value } = await take.next(); // { capacity: 1 }
 * await give.next(value);               // slots.currentCapacity === 2
 * ```
 */
export class SourceCapacityObj extends SourceObj<CapacityObj> implements Peekable<CapacityObj> {
  /** The counter units are taken from. */
  readonly capacitySource: CapacitySource;

  constructor(capacitySource: CapacitySource) {
    super();
    this.capacitySource = capacitySource;
  }

  /** What the next pull would yield if it ran now, or `undefined` when it would have to wait. */
  peek(): CapacityObj | undefined {
    const free = this.capacitySource.peek();
    return free === undefined ? undefined : { capacity: free - 1 };
  }

  protected override async *pull_impl(): AsyncGenerator<CapacityObj, CapacityObj | undefined, void> {
    for (;;) yield { capacity: await this.capacitySource.acquire() };
  }
}

/**
 * The push side of a {@link CapacitySource}: each pushed item gives one unit back (like `release()`). The item's
 * value is ignored; it is normally the snapshot a {@link SourceCapacityObj} yielded.
 */
export class SinkCapacityObj extends PushObj<CapacityObj> {
  /** The counter units are given back to. */
  readonly capacitySource: CapacitySource;

  constructor(capacitySource: CapacitySource) {
    super();
    this.capacitySource = capacitySource;
  }

  protected override async next_impl(_item: CapacityObj): Promise<void> {
    await this.capacitySource.release();
  }
}
