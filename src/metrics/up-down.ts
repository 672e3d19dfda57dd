import { requireFinite } from './checks.js';
import type { IUpDown } from './types.js';

/** Counter that can go up and down, such as work in flight. */
export class UpDown implements IUpDown {
  #value = 0;

  /** Adds `delta`, which may be negative. Throws `InvalidOptionError` for a non-finite delta. */
  add(delta: number): void {
    this.#value += requireFinite('delta', delta);
  }

  /** Current value. */
  value(): number {
    return this.#value;
  }

  /** Sets the value back to 0. */
  reset(): void {
    this.#value = 0;
  }
}
