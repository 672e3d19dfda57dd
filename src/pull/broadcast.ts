/**
 * A wake-up signal for any number of waiters: `notify()` resolves every pending `wait()` at once.
 * Unlike {@link WaitObject} it never loses a wake-up to another consumer and stores no value.
 */
export class Broadcast {
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  /** A promise that resolves at the next `notify()`. Callers in the same generation share one promise. */
  wait(): Promise<void> {
    if (this.#promise === undefined) {
      this.#promise = new Promise<void>((resolve) => {
        this.#resolve = resolve;
      });
    }
    return this.#promise;
  }

  /** Wakes every current waiter. Cheap when nobody waits. */
  notify(): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#promise = undefined;
    this.#resolve = undefined;
    resolve();
  }

  /** True when some caller is waiting for the next `notify()`. */
  get waiting(): boolean {
    return this.#resolve !== undefined;
  }
}
