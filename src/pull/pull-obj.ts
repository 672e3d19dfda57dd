import { takeNow } from './take-now.js';

/** The result every `next()` gives once a pull object is done. Shared and frozen: nothing is allocated per call. */
const DONE_RESULT: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const DONE_PROMISE: Promise<IteratorReturnResult<undefined>> = Promise.resolve(DONE_RESULT);
const toDone = (): IteratorReturnResult<undefined> => DONE_RESULT;
const ignore = (): void => {};

/**
 * Base of every pull (consumer-driven) object: an async iterable backed by the generator that
 * {@link PullObj.pull_impl} returns.
 *
 * Lifecycle: when `pull_impl` returns or throws, the object is done for good: `done` is true and
 * every later `next()` resolves `{ done: true, value: undefined }`. There is no automatic re-initialisation.
 *
 * - `return(value?)` ends the object at once (as `return()` on a generator); pulls already in flight settle first.
 * - `close()` is graceful: pulls already in flight deliver their items, then the object is done and the generator
 *   is returned (its `finally` blocks run). With nothing in flight it is done at once.
 * - `closeInterrupt()` makes the object done at once and returns the generator. JavaScript cannot pre-empt a
 *   generator step that is running, so a pull already in flight still settles, then the `finally` blocks run.
 *
 * Concurrent `next()` calls are queued in call order, exactly like an async generator's; after the end, a
 * `next()` made while earlier calls are in flight resolves after them.
 *
 * @typeParam T - the item type
 */
export class PullObj<T> implements AsyncIterable<T> {
  /** True once the object has ended; see {@link PullObj.done}. */
  protected _done = false;
  /** Set by {@link PullObj.close}: no new pulls are started and the object ends when in-flight pulls settle. */
  protected closing = false;
  /** The running `pull_impl` generator; `undefined` once the object has ended. */
  protected generator?: AsyncGenerator<T, T | undefined, void> | undefined;

  /** Pulls handed to the generator that have not settled yet. */
  #inflight = 0;
  /** The last promise handed to a caller, so that post-end results keep call order. */
  #tail: Promise<unknown> = DONE_PROMISE;
  /** Settles once the generator has been returned by close()/closeInterrupt(). */
  #cleanup: Promise<void> | undefined;

  // Bound once so the hot path allocates nothing but the promise `then` returns.
  readonly #onResult = (result: IteratorResult<T, T | undefined>): IteratorResult<T, T | undefined> => {
    this.#inflight--;
    const out = this.handle_result(result);
    if (this.closing && this.#inflight === 0) this.#stop();
    return out;
  };

  readonly #onError = (error: unknown): never => {
    this.#inflight--;
    // A generator that threw is finished; nothing is left to return.
    this._done = true;
    this.generator = undefined;
    throw error;
  };

  constructor() {
    // Generator bodies are lazy: subclass fields set after super() are ready by the first next().
    this.generator = this.pull_impl();
  }

  /**
   * Produces the items. Subclasses override it; returning (with any value) ends the object for good.
   * The default yields nothing.
   */
  // biome-ignore lint/correctness/useYield: the default source is empty
  protected async *pull_impl(): AsyncGenerator<T, T | undefined, void> {
    return undefined;
  }

  /** True once `pull_impl` has returned or thrown, or the object was returned, closed or interrupted. */
  get done(): boolean {
    return this._done;
  }

  /**
   * Pulls the next item. Resolves `{ done: true, value: undefined }` once the object has ended.
   *
   * The value is typed `T` in both cases, as the documented `IteratorResult<T>` allowed: code that learns the
   * object is not done some other way (its own `done` getter, a `peek()` that showed an item) can read
   * `result.value` without a cast. Check `result.done` before trusting `value` otherwise.
   */
  next(): Promise<IteratorResult<T, T>> {
    return this.#next() as Promise<IteratorResult<T, T>>;
  }

  #next(): Promise<IteratorResult<T, T | undefined>> {
    const generator = this.generator;
    if (generator === undefined || this._done || this.closing) return this.#afterEnd();
    const ready = this[takeNow]();
    if (ready !== undefined) return Promise.resolve(ready);
    this.#inflight++;
    const promise = generator.next().then(this.#onResult, this.#onError);
    this.#tail = promise;
    return promise;
  }

  /**
   * Internal (the runner's fast path): the next item at once when {@link PullObj.pull_now} has one and no other
   * pull is in flight, else `undefined` (then call `next()`). Consumes the item exactly as `next()` would.
   */
  [takeNow](): IteratorResult<T, T | undefined> | undefined {
    if (this.#inflight !== 0 || this.generator === undefined || this._done || this.closing) return undefined;
    const ready = this.pull_now();
    return ready === undefined ? undefined : this.handle_result(ready);
  }

  /** Ends the object now and returns the generator (its `finally` blocks run); resolves `{ done: true, value }`. */
  return(value?: T): Promise<IteratorResult<T, T | undefined>> {
    const generator = this.generator;
    this._done = true;
    this.generator = undefined;
    if (generator === undefined) return this.#after({ done: true, value });
    this.#inflight++;
    const promise = generator.return(value).then(this.#onResult, this.#onError);
    this.#tail = promise;
    return promise;
  }

  /**
   * Throws `error` into the generator at its current `yield`, as `throw()` on a generator does: if `pull_impl`
   * catches it, it may go on; otherwise the object ends and the promise rejects. Rejects with `error` once ended.
   */
  throw(error?: unknown): Promise<IteratorResult<T, T | undefined>> {
    const generator = this.generator;
    if (generator === undefined || this._done) {
      const fail = (): never => {
        throw error;
      };
      return this.#inflight === 0 ? Promise.reject(error) : this.#tail.then(fail, fail);
    }
    this.#inflight++;
    const promise = generator.throw(error).then(this.#onResult, this.#onError);
    this.#tail = promise;
    return promise;
  }

  /**
   * Graceful stop: pulls already in flight deliver their items, then the object is done and the generator is
   * returned. Later `next()` calls resolve `{ done: true }`. The promise settles when the generator's `finally`
   * blocks have run (and rejects if one throws); it never causes an unhandled rejection if ignored.
   */
  close(): Promise<void> {
    if (this._done || this.generator === undefined) return this.#cleanup ?? Promise.resolve();
    this.closing = true;
    if (this.#inflight === 0) return this.#stop();
    const cleanup = (): Promise<void> => this.#cleanup ?? Promise.resolve();
    return this.#tail.then(cleanup, cleanup);
  }

  /**
   * Immediate stop: the object is done at once and the generator is returned so its `finally` blocks run.
   * A pull already in flight still settles first (a running generator step cannot be pre-empted).
   * The promise settles when the `finally` blocks have run, as for {@link PullObj.close}.
   */
  closeInterrupt(): Promise<void> {
    this.closing = true;
    return this.#stop();
  }

  /**
   * Optional fast path: a subclass that can hand out its next item right away returns it here, and `next()`
   * skips the generator round trip (a large share of the cost per item). Return `undefined` to go through
   * `pull_impl` as usual. Called only when no other pull is in flight, so items keep their order; `pull_impl`
   * must read the same state, so the two paths can take turns.
   */
  protected pull_now(): IteratorResult<T, T | undefined> | undefined {
    return undefined;
  }

  /**
   * Called with every result the generator produces, before it reaches the caller. The base marks the object
   * done when the generator finishes. Subclasses may override it to inspect or adjust results; call `super`.
   */
  protected handle_result(result: IteratorResult<T, T | undefined>): IteratorResult<T, T | undefined> {
    if (result.done === true) {
      this._done = true;
      this.generator = undefined;
    }
    return result;
  }

  /** Returns this object: a pull object is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the object and returns the generator once; the returned promise is marked handled. */
  #stop(): Promise<void> {
    const generator = this.generator;
    this._done = true;
    this.generator = undefined;
    if (generator !== undefined) {
      const cleanup = generator.return(undefined).then(ignore);
      cleanup.catch(ignore);
      this.#cleanup = cleanup;
    }
    return this.#cleanup ?? Promise.resolve();
  }

  /** What a call made after the end gets: `DONE_RESULT`, after any pulls still in flight. */
  #afterEnd(): Promise<IteratorReturnResult<undefined>> {
    return this.#inflight === 0 ? DONE_PROMISE : this.#tail.then(toDone, toDone);
  }

  /** Resolves `result` after any pulls still in flight. */
  #after<R>(result: R): Promise<R> {
    const give = (): R => result;
    return this.#inflight === 0 ? Promise.resolve(result) : this.#tail.then(give, give);
  }
}
