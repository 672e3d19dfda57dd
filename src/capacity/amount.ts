/**
 * Exact fixed-point amounts with 6 decimal digits.
 *
 * A resource amount is kept as a pair `(whole, micro)`: `whole` is an integer (a double, exact up to 2^53) and
 * `micro` an integer in 0..999 999, so the value is `whole + micro / 1e6`. Doubles alone drift under repeated
 * fractional acquire/release (0.1 + 0.2 !== 0.3), and a single scaled integer would overflow 2^53 for byte-sized
 * budgets (64 GiB × 1e6), so the pair gives both exact fractions and the full integer range.
 */

/** Micro-units per whole unit: amounts carry 6 decimal digits. */
export const MICRO = 1_000_000;

/** Most digits an amount may have after the decimal point. */
export const MAX_DECIMALS = 6;

/** An exact amount: `whole + micro / 1e6`, with `micro` an integer in 0..999 999 (also for negative values). */
export interface Amount {
  readonly whole: number;
  readonly micro: number;
}

/** The amount 0. */
export const ZERO_AMOUNT: Amount = Object.freeze({ whole: 0, micro: 0 });

// Scale of the fractional digits read from the decimal representation: "0.5" → 5 × 10^5.
const SCALE = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1] as const;

/**
 * Parses a resource amount. Returns `undefined` for anything that is not a finite number >= 0 with at most
 * 6 digits after the decimal point, or that exceeds `Number.MAX_SAFE_INTEGER` (beyond it sums stop being
 * exact, so an amount there could not be accounted). "Digits" are those of the number's shortest decimal form (`String(x)`),
 * so `0.1` is valid although its double is not exactly one tenth, while `1e-7` and `0.1234567` are not.
 */
export function parseAmount(value: unknown): Amount | undefined {
  if (typeof value !== 'number') return undefined;
  // Fast path: integers (including those written in exponent form, >= 1e21). `+ 0` turns -0 into 0.
  if (Number.isInteger(value)) {
    return value >= 0 && value <= Number.MAX_SAFE_INTEGER ? { whole: value + 0, micro: 0 } : undefined;
  }
  if (value > Number.MAX_SAFE_INTEGER) return undefined;
  if (!(value > 0) || value === Number.POSITIVE_INFINITY) return undefined;
  const text = String(value);
  // A non-integer in exponent form is below 1e-6, so it has more than 6 decimals.
  if (text.includes('e')) return undefined;
  const dot = text.indexOf('.');
  const decimals = text.length - dot - 1;
  if (dot < 0 || decimals > MAX_DECIMALS) return undefined;
  const scale = SCALE[decimals] ?? 1;
  return { whole: Number(text.slice(0, dot)), micro: Number(text.slice(dot + 1)) * scale };
}

/** True when `value` is a valid amount (see {@link parseAmount}). */
export function isValidAmount(value: unknown): boolean {
  return parseAmount(value) !== undefined;
}

/** Exact sum. */
export function addAmounts(a: Amount, b: Amount): Amount {
  let whole = a.whole + b.whole;
  let micro = a.micro + b.micro;
  if (micro >= MICRO) {
    micro -= MICRO;
    whole += 1;
  }
  return { whole, micro };
}

/** Exact difference `a - b` (may be negative; `micro` stays in 0..999 999). */
export function subtractAmounts(a: Amount, b: Amount): Amount {
  let whole = a.whole - b.whole;
  let micro = a.micro - b.micro;
  if (micro < 0) {
    micro += MICRO;
    whole -= 1;
  }
  return { whole, micro };
}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareAmounts(a: Amount, b: Amount): number {
  if (a.whole !== b.whole) return a.whole < b.whole ? -1 : 1;
  if (a.micro !== b.micro) return a.micro < b.micro ? -1 : 1;
  return 0;
}

/** The amount as a number. See {@link pairToNumber}. */
export function amountToNumber(a: Amount): number {
  return pairToNumber(a.whole, a.micro);
}

/**
 * `whole + micro / 1e6` as the nearest double. Below 2^53 micro-units the scaled integer is divided once, so
 * the result equals what parsing the decimal text would give (0.1 + 0.2 reads back as 0.3, not 0.30000000000000004).
 */
export function pairToNumber(whole: number, micro: number): number {
  if (micro === 0) return whole;
  const scaled = whole * MICRO + micro;
  if (scaled <= Number.MAX_SAFE_INTEGER && scaled >= -Number.MAX_SAFE_INTEGER) return scaled / MICRO;
  return whole + micro / MICRO;
}
