/**
 * A single-consumer signal carrying a value, as in the original documentation.
 *
 * `resolve(v)` hands `v` to the oldest pending `wait()`, or stores it when nobody waits (last value wins).
 * `reject(e)` is sticky: every later wait throws. `stop()` ends iteration once a value already sent is read.
 * Several concurrent waiters are served in FIFO order, one value each, like calls to an async generator's
 * `next()`. For broadcast wake-ups use {@link Broadcast}.
 */
export class WaitObject<T = boolean> implements AsyncIterable<T> {
  /** Name used in diagnostics. */
  readonly label: string;
  #hasValue = false;
  #value: T | undefined;
  #hasError = false;
  #error: unknown;
  #stopped = false;
  #waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];

  /**
   * @param label - name used in diagnostics (optional, though the original docs list it as required)
   * @param init_value - a value stored up front, delivered to the first `wait()`
   */
  constructor(label = 'wait', ...init: [init_value?: T]) {
    this.label = label;
    // An explicit `undefined` init_value is still a stored value.
    if (init.length >= 1) {
      this.#hasValue = true;
      this.#value = init[0];
    }
  }

  /** Waits for the next value: returns a stored one at once, throws a stored error, or waits. */
  wait(): Promise<IteratorResult<T>> {
    if (this.#hasError) return Promise.reject(this.#error);
    if (this.#hasValue) {
      const value = this.#value as T;
      this.#hasValue = false;
      this.#value = undefined;
      return Promise.resolve({ done: false, value });
    }
    if (this.#stopped) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  /** Same as {@link WaitObject.wait}: the iterator protocol's `next()`. */
  next(): Promise<IteratorResult<T>> {
    return this.wait();
  }

  /** Delivers `value` to the oldest waiter, or stores it (replacing any stored value). */
  resolve(value: T): void {
    if (this.#stopped || this.#hasError) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value });
      return;
    }
    this.#hasValue = true;
    this.#value = value;
  }

  /** Fails every current and future wait with `error` (sticky). */
  reject(error: unknown): void {
    if (this.#stopped) return;
    this.#hasError = true;
    this.#error = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /**
   * Ends iteration: current waits resolve `{ done: true }`; a value sent before and not yet read is still
   * delivered to the next wait, and every wait after that resolves `{ done: true }`. Later `resolve` calls are
   * ignored.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
  }

  /** Iterates values until `stop()`; a `reject` makes the loop throw. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, T | undefined, void> {
    while (true) {
      const r = await this.wait();
      if (r.done === true) return undefined;
      yield r.value;
    }
  }
}
