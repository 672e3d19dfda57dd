/**
 * Timer helpers that behave the same on every runtime.
 *
 * Node returns a `Timeout` object with `ref()`/`unref()`; browsers and some other runtimes return a number,
 * where calling `.unref()` would throw. Node also turns any delay above 2^31 − 1 ms (about 24.8 days) into 1 ms,
 * with only a warning, so a "monthly" timer would fire a thousand times a second. {@link PeriodicTimer} chains
 * shorter timeouts up to the real deadline instead.
 */

/** The longest delay `setTimeout` honours (2^31 − 1 ms); longer ones are turned into 1 ms by Node. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

type TimerHandle = ReturnType<typeof setTimeout>;

/** Lets the process exit while `handle` is pending, where the runtime supports it. */
export function unrefTimer(handle: TimerHandle | undefined): void {
  (handle as { unref?: () => unknown } | undefined)?.unref?.();
}

/** Keeps the process alive while `handle` is pending, where the runtime supports it. */
function refTimer(handle: TimerHandle | undefined): void {
  (handle as { ref?: () => unknown } | undefined)?.ref?.();
}

/** Resolves from the macrotask queue, so that timers and I/O get a turn before the caller goes on. */
export const yieldToEventLoop: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise<void>((resolve) => setImmediate(resolve))
    : () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Calls `tick` every `intervalMs`, measured against `now` (milliseconds), for any interval, also far longer
 * than `setTimeout` allows: each timeout waits at most {@link MAX_TIMER_DELAY_MS}, and on waking the timer checks
 * the clock and waits again until the deadline really passed. Deadlines are fixed (start + k × interval), so
 * ticks do not drift; if the process was suspended past several deadlines, `tick` runs once and the timer
 * resumes at the next deadline still ahead.
 *
 * The timer does not keep the process alive unless {@link PeriodicTimer.keepAlive} says so.
 */
export class PeriodicTimer {
  readonly #intervalMs: number;
  readonly #tick: () => void;
  readonly #now: () => number;
  #deadline = 0;
  #handle: TimerHandle | undefined;
  #keepAlive = false;

  /**
   * @param intervalMs - a finite number > 0 (the caller validates it)
   * @param tick - called at each deadline; the next timeout is armed before it runs
   * @param now - the clock deadlines are measured against
   */
  constructor(intervalMs: number, tick: () => void, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#tick = tick;
    this.#now = now;
  }

  /** Starts (or restarts) the timer; the first tick comes one interval from now. */
  start(): void {
    this.stop();
    this.#deadline = this.#now() + this.#intervalMs;
    this.#arm();
  }

  /** Stops the timer. Idempotent. */
  stop(): void {
    if (this.#handle === undefined) return;
    clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  /** Whether the pending timeout keeps the process alive (by default it does not). */
  keepAlive(on: boolean): void {
    this.#keepAlive = on;
    if (on) refTimer(this.#handle);
    else unrefTimer(this.#handle);
  }

  #arm(): void {
    const delay = Math.min(Math.max(0, this.#deadline - this.#now()), MAX_TIMER_DELAY_MS);
    const handle = setTimeout(this.#onTimeout, delay);
    if (!this.#keepAlive) unrefTimer(handle);
    this.#handle = handle;
  }

  readonly #onTimeout = (): void => {
    const t = this.#now();
    if (t < this.#deadline) {
      // A long interval is waited for in several timeouts; this was one of them.
      this.#arm();
      return;
    }
    const missed = Math.floor((t - this.#deadline) / this.#intervalMs);
    this.#deadline += (missed + 1) * this.#intervalMs;
    this.#arm();
    this.#tick();
  };
}
