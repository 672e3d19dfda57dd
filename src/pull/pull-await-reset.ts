import type { Peekable } from './peekable.js';
import { PullObj } from './pull-obj.js';
import type { WaitObject } from './wait-object.js';

/**
 * Pulls from a source whose items arrive over time, blocking on a signal when it has nothing to offer.
 *
 * Loop: deliver items while `source.peek()` shows one; when it shows none, wait on `wait_obj`.
 * A `true` signal goes round again. A `false` signal, or a stopped wait object, means no more will come: the
 * source is drained to its end and this object ends. A rejected wait object makes this object throw, after
 * the items already available were delivered.
 *
 * Because a source ends for good once its `pull_impl` returns, the source is only pulled while `peek()` shows
 * an item, so a buffer-backed source never sees its buffer empty before the final drain. Items must therefore
 * not be `undefined`: `peek()` could not show them.
 *
 * Ending this object early (`return()` or `closeInterrupt()`) stops `wait_obj`, so a pull blocked on it
 * wakes up instead of hanging; the source is returned when this object ends.
 *
 * @typeParam T - the item type
 */
export class PullAwaitReset<T> extends PullObj<T> implements Peekable<T> {
  readonly #source: PullObj<T> & Peekable<T>;
  readonly #wait: WaitObject<boolean>;

  /**
   * @param source - where items come from; pulled only while `peek()` shows an item, until the final drain
   * @param wait_obj - signalled `true` when items may have arrived, `false` (or stopped) at the end
   */
  constructor(source: PullObj<T> & Peekable<T>, wait_obj: WaitObject<boolean>) {
    super();
    this.#source = source;
    this.#wait = wait_obj;
  }

  /** The source's next item, without consuming it. */
  peek(): T | undefined {
    return this.#source.peek();
  }

  override return(value?: T): Promise<IteratorResult<T, T | undefined>> {
    const result = super.return(value);
    this.#wait.stop();
    return result;
  }

  override closeInterrupt(): Promise<void> {
    const cleanup = super.closeInterrupt();
    this.#wait.stop();
    return cleanup;
  }

  protected override async *pull_impl(): AsyncGenerator<T, T | undefined, void> {
    const source = this.#source;
    try {
      while (true) {
        while (source.peek() !== undefined) {
          const result = await source.next();
          if (result.done === true) return undefined;
          yield result.value;
        }
        if (source.done) return undefined;
        const signal = await this.#wait.wait();
        if (signal.done === true || !signal.value) break;
      }
      // The producer has finished: drain to the source's end.
      while (true) {
        const result = await source.next();
        if (result.done === true) return undefined;
        yield result.value;
      }
    } finally {
      await source.return();
    }
  }
}
