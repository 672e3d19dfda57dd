import { InvalidOptionError } from '../errors/option-errors.js';

/** Throws {@link InvalidOptionError} unless `value` is a finite number. */
export function requireFinite(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidOptionError(option, value, 'a finite number');
  }
  return value;
}

/** Throws {@link InvalidOptionError} unless `windowMs` is a finite number greater than 0. */
export function requireWindowMs(windowMs: number): number {
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
    throw new InvalidOptionError('windowMs', windowMs, 'a finite number of milliseconds greater than 0');
  }
  return windowMs;
}

// Above this magnitude a double cannot hold 6 decimal places anyway, so rounding would only add error.
const MICRO_SAFE = Number.MAX_SAFE_INTEGER / 1e6;

/**
 * Rounds to 6 decimal places, the precision resource amounts are accounted with (an amount with more decimals
 * is an invalid cost), so that sums such as 0.1 + 0.2 − 0.3 come back to exactly 0 instead of drifting.
 */
export function roundMicro(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= MICRO_SAFE) return x;
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r; // no -0 in snapshots
}
