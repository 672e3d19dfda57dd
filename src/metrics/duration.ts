import { InvalidOptionError } from '../errors/option-errors.js';
import { RollingWindow } from './rolling-window.js';
import type { IDuration, RollingWindowStats } from './types.js';

/**
 * Rolling window of durations in milliseconds. Each duration is stamped with `Date.now()` when recorded
 * (that is what the window slides over); elapsed time for {@link Duration.start} comes from
 * `performance.now()`, which is monotonic and unaffected by wall-clock changes.
 */
export class Duration implements IDuration {
  #window: RollingWindow;

  /** @param windowMs length of the window; a finite number greater than 0, else `InvalidOptionError`. */
  constructor(windowMs: number) {
    this.#window = new RollingWindow(windowMs);
  }

  /** Length of the window in milliseconds. */
  get windowMs(): number {
    return this.#window.windowMs;
  }

  /** Records a duration. Throws {@link InvalidOptionError} unless `ms` is finite and >= 0. */
  record(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new InvalidOptionError('ms', ms, 'a finite duration in milliseconds >= 0');
    }
    this.#window.observe(ms);
  }

  /**
   * Starts a timer. The returned function records the elapsed milliseconds and returns them. Only the first
   * call records; later calls return the same value, so a stop in both `try` and `finally` cannot double-count.
   */
  start(): () => number {
    const startedAt = performance.now();
    let elapsed: number | undefined;
    return () => {
      if (elapsed === undefined) {
        elapsed = Math.max(0, performance.now() - startedAt);
        this.record(elapsed);
      }
      return elapsed;
    };
  }

  /** Summary of the durations recorded in the window ending at `nowMs` (default `Date.now()`). */
  stats(nowMs?: number): RollingWindowStats {
    return this.#window.stats(nowMs);
  }

  /** Forgets every recorded duration. */
  reset(): void {
    this.#window.reset();
  }
}
