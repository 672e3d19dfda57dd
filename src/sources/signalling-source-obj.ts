import { Broadcast } from '../pull/broadcast.js';
import { SourceObj } from '../pull/source-obj.js';

/**
 * Base of the sources whose pull waits for something to happen (an item enqueued, a graph node becoming
 * ready). One broadcast serves three needs:
 *
 * - the pull parked on an empty source wakes when content changes;
 * - {@link SignallingSourceObj.changed} lets a runner that is blocked on capacity notice a new head (a smaller
 *   or more urgent task) or the source finishing, instead of waiting for the next capacity change;
 * - `return()`, `close()` and `closeInterrupt()` wake a parked pull so it ends instead of hanging.
 *
 * @typeParam T - item type
 */
export abstract class SignallingSourceObj<T> extends SourceObj<T> {
  readonly #changes = new Broadcast();
  #stopping = false;

  /**
   * Resolves at the next change of what `peek()` may return: an item or ready key added or removed, the
   * source closed, finished or stopped. Every caller is woken; re-check after waking.
   */
  changed(): Promise<void> {
    return this.#changes.wait();
  }

  /** Ends the source now; a pull waiting on an empty source resolves `{ done: true }`. */
  override return(value?: T): Promise<IteratorResult<T, T | undefined>> {
    this.#stop();
    return super.return(value);
  }

  /** Graceful stop: queued items still come out of pulls already requested; a waiting pull ends. */
  override close(): Promise<void> {
    this.#stop();
    return super.close();
  }

  /** Immediate stop; a waiting pull ends. */
  override closeInterrupt(): Promise<void> {
    this.#stop();
    return super.closeInterrupt();
  }

  /** Subclasses call it whenever what `peek()` returns may have changed. */
  protected signalChange(): void {
    this.#changes.notify();
  }

  /** For `pull_impl`: waits for the next change; `false` means the source is being stopped (end the pull). */
  protected async nextChange(): Promise<boolean> {
    if (this.#stopping) return false;
    await this.#changes.wait();
    return !this.#stopping;
  }

  #stop(): void {
    this.#stopping = true;
    this.#changes.notify();
  }
}
