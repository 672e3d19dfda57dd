// Small async helpers shared by every test folder. Two ways to "let things happen" without sleeping:
// `flushMicrotasks` lets promise reactions run and nothing else; `ioTurns` also gives the event loop turns.

/** A promise with its resolve/reject exposed, for tests that decide when something settles. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** Makes a {@link Deferred}: a promise that settles only when the test calls `resolve` or `reject`. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Waits `n` turns of the event loop, each one `setImmediate`: every queued microtask runs, and so do the
 * timers and I/O callbacks that come due in between. A deterministic "let the run move on", not a timed sleep.
 * Hangs while fake timers fake `setImmediate`.
 */
export async function ioTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Waits for `hops` promise reactions (20 by default: enough for a capacity change to be forwarded from an
 * ancestor down to a descendant's waiter) without giving the event loop a turn: no timer, I/O or
 * `setImmediate` callback runs meanwhile.
 */
export async function flushMicrotasks(hops = 20): Promise<void> {
  for (let i = 0; i < hops; i++) await Promise.resolve();
}

/** What {@link track} reports about a promise. */
export interface Tracked<T> {
  /** True once the promise has fulfilled or rejected (seen one promise reaction after it did). */
  readonly settled: boolean;
  /** The promise itself, to await its value. */
  readonly promise: Promise<T>;
}

/** Tracks whether a promise has settled, without awaiting it. A rejection counts as settled and as handled. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  let settled = false;
  const mark = () => {
    settled = true;
  };
  promise.then(mark, mark);
  return {
    get settled() {
      return settled;
    },
    promise,
  };
}

/** Drains an async iterable (a run, a source) into an array, waiting for its end. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Awaits one iterator result and gives its value, or `undefined` once the iterator is done. */
export async function nextValue<T>(result: Promise<IteratorResult<T, unknown>>): Promise<T | undefined> {
  const r = await result;
  return r.done === true ? undefined : r.value;
}
