import { InvalidOptionError } from '../errors/option-errors.js';
import type { ICounter } from './types.js';

/** Monotonic counter: it only goes up until {@link Counter.reset}. */
export class Counter implements ICounter {
  #value = 0;

  /** Adds `delta` (default 1). Throws {@link InvalidOptionError} for a negative or non-finite delta. */
  add(delta = 1): void {
    if (typeof delta !== 'number' || !Number.isFinite(delta) || delta < 0) {
      throw new InvalidOptionError(
        'delta',
        delta,
        'a finite number >= 0 (use UpDown for values that can fall)',
      );
    }
    this.#value += delta;
  }

  /** Current total. */
  value(): number {
    return this.#value;
  }

  /** Sets the total back to 0. */
  reset(): void {
    this.#value = 0;
  }
}
