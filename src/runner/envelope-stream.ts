import type { Pulled } from './task-run.js';
import type { TaskProgressEnvelope, TaskRunGenerator } from './types.js';

/** Hooks a runner class uses to guard against two concurrent runs. */
export interface RunHooks {
  onStart(): void;
  onEnd(): void;
}

/** What the stream drives: a {@link TaskRun}. */
export interface PulledRun<I, O> {
  begin(): void;
  pull(): Pulled<I, O> | Promise<Pulled<I, O>>;
  end(): void;
}

const DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

/**
 * The async generator `runTasks()` returns, written by hand over `TaskRun.pull`: it behaves like an
 * `async function*` (lazy until the first `next()`, calls served in order, `return()`/`throw()` end it and run
 * the cleanup, done for good afterwards), but an envelope that is ready costs one resolved promise instead of
 * an async generator's several hops, and most envelopes are ready when asked for.
 */
export class EnvelopeStream<I, O> implements TaskRunGenerator<I, O> {
  readonly #run: PulledRun<I, O>;
  readonly #hooks: RunHooks;
  #state: 'fresh' | 'open' | 'done' = 'fresh';
  /** Calls made and not yet settled; while there are any, a new call waits for the last of them. */
  #outstanding = 0;
  /** The last call made while others were outstanding (or the pull it waits on): what a new call waits for. */
  #tail: Promise<unknown> | undefined;
  /** A call is being served synchronously right now. */
  #serving = false;
  /** Set when a call was made while another was being served: lets it go once that one returns. */
  #servingDone: ((result: unknown) => void) | undefined;

  constructor(run: PulledRun<I, O>, hooks: RunHooks) {
    this.#run = run;
    this.#hooks = hooks;
  }

  /** The next envelope; `{ done: true }` once the run is complete or ended. */
  next(): Promise<IteratorResult<TaskProgressEnvelope<I, O>, void>> {
    return this.#call(this.#advance);
  }

  /** Ends the run (no new task starts, running ones are told to stop, costs come back as they settle). */
  return(): Promise<IteratorResult<TaskProgressEnvelope<I, O>, void>> {
    return this.#call(this.#end);
  }

  /** Ends the run as {@link EnvelopeStream.return} does, then rejects with `error`. */
  throw(error: unknown): Promise<IteratorResult<TaskProgressEnvelope<I, O>, void>> {
    return this.#call(() => {
      this.#finish();
      throw error;
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  readonly #end = (): IteratorResult<TaskProgressEnvelope<I, O>, void> => {
    this.#finish();
    return DONE;
  };

  readonly #advance = ():
    | IteratorResult<TaskProgressEnvelope<I, O>, void>
    | Promise<IteratorResult<TaskProgressEnvelope<I, O>, void>> => {
    if (this.#state === 'done') return DONE;
    if (this.#state === 'fresh') {
      this.#state = 'done'; // stays done if another run is active: onStart throws RunnerBusyError
      this.#hooks.onStart();
      this.#state = 'open';
      this.#run.begin();
    }
    let pulled: Pulled<I, O> | Promise<Pulled<I, O>>;
    try {
      pulled = this.#run.pull();
    } catch (error) {
      this.#finish();
      throw error;
    }
    if (!(pulled instanceof Promise)) return this.#onPulled(pulled);
    // Counted as outstanding until it settles; the handlers uncount it, so the consumer is one hop closer.
    this.#outstanding++;
    return pulled.then(this.#onPulledLater, this.#onFailedLater);
  };

  readonly #onPulledLater = (pulled: Pulled<I, O>): IteratorResult<TaskProgressEnvelope<I, O>, void> => {
    this.#outstanding--;
    return this.#onPulled(pulled);
  };

  readonly #onFailedLater = (error: unknown): never => {
    this.#outstanding--;
    return this.#onFailed(error);
  };

  readonly #onPulled = (pulled: Pulled<I, O>): IteratorResult<TaskProgressEnvelope<I, O>, void> => {
    if (this.#state !== 'open') return DONE; // ended while the pull was pending
    if (pulled === undefined) {
      this.#finish();
      return DONE;
    }
    return { done: false, value: pulled };
  };

  readonly #onFailed = (error: unknown): never => {
    this.#finish();
    throw error;
  };

  #finish(): void {
    const open = this.#state === 'open';
    this.#state = 'done';
    if (!open) return;
    try {
      this.#run.end();
    } finally {
      this.#hooks.onEnd();
    }
  }

  /**
   * Serves one call: at once when no earlier call is still outstanding (the common case: an envelope that is
   * ready costs one resolved promise), else after the earlier ones, in order, as an async generator does.
   */
  #call<R>(op: () => R | Promise<R>): Promise<R> {
    if (this.#outstanding === 0 && !this.#serving) {
      // A call made from inside `op` (a task calling `return()` while it is being started) waits for `op`.
      this.#serving = true;
      let out: R | Promise<R>;
      try {
        out = op();
      } catch (error) {
        this.#doneServing(undefined);
        return Promise.reject(error);
      }
      const queuedBehind = this.#servingDone !== undefined;
      this.#doneServing(out);
      if (!(out instanceof Promise)) return Promise.resolve(out);
      if (!queuedBehind) this.#tail = out; // `op` counts itself outstanding until it settles
      return out;
    }
    this.#outstanding++;
    const run = (): R | Promise<R> => op();
    const done = (): void => {
      this.#outstanding--;
    };
    const before =
      this.#serving && this.#servingDone === undefined
        ? new Promise<unknown>((resolve) => {
            this.#servingDone = resolve;
          })
        : (this.#tail as Promise<unknown>);
    const queued = before.then(run, run);
    queued.then(done, done);
    this.#tail = queued;
    return queued;
  }

  /** The call being served returned `result` (nothing when it threw): a call queued behind it may go. */
  #doneServing(result: unknown): void {
    this.#serving = false;
    const resolve = this.#servingDone;
    this.#servingDone = undefined;
    resolve?.(result);
  }
}
