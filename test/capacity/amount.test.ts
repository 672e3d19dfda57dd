import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addAmounts,
  amountToNumber,
  compareAmounts,
  isValidAmount,
  MICRO,
  pairToNumber,
  parseAmount,
  subtractAmounts,
} from '../../src/capacity/amount.js';

const toBig = (a: { whole: number; micro: number }): bigint => BigInt(a.whole) * 1_000_000n + BigInt(a.micro);

describe('parseAmount', () => {
  it('accepts integers, fractions with up to 6 decimals, and 0', () => {
    expect(parseAmount(0)).toEqual({ whole: 0, micro: 0 });
    expect(parseAmount(-0)).toEqual({ whole: 0, micro: 0 });
    expect(parseAmount(8)).toEqual({ whole: 8, micro: 0 });
    expect(parseAmount(0.1)).toEqual({ whole: 0, micro: 100_000 });
    expect(parseAmount(2.5)).toEqual({ whole: 2, micro: 500_000 });
    expect(parseAmount(1.000001)).toEqual({ whole: 1, micro: 1 });
    expect(parseAmount(0.000001)).toEqual({ whole: 0, micro: 1 });
    expect(parseAmount(68_719_476_736)).toEqual({ whole: 68_719_476_736, micro: 0 });
    expect(parseAmount(Number.MAX_SAFE_INTEGER)).toEqual({ whole: Number.MAX_SAFE_INTEGER, micro: 0 });
    expect(parseAmount(2 ** 53)).toBeUndefined(); // beyond exact accounting: an invalid amount
    expect(parseAmount(1e21)).toBeUndefined();
  });

  it('rejects negatives, NaN, infinities, non-numbers and more than 6 decimals', () => {
    for (const bad of [
      -1,
      -0.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1e-7,
      0.1234567,
    ]) {
      expect(parseAmount(bad)).toBeUndefined();
    }
    for (const bad of ['3', null, undefined, {}, [], true, 3n]) expect(isValidAmount(bad)).toBe(false);
  });

  it('round-trips through pairToNumber for every 6-decimal value below 1e8', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: MICRO - 1 }), (w, m) => {
        expect(parseAmount(pairToNumber(w, m))).toEqual({ whole: w, micro: m });
      }),
      { numRuns: 500 },
    );
  });
});

describe('fixed-point arithmetic', () => {
  const amountArb = fc.record({
    whole: fc.integer({ min: -(2 ** 51), max: 2 ** 51 }),
    micro: fc.integer({ min: 0, max: MICRO - 1 }),
  });

  it('add and subtract agree with exact rational arithmetic (BigInt micro-units)', () => {
    fc.assert(
      fc.property(amountArb, amountArb, (a, b) => {
        const sum = addAmounts(a, b);
        const diff = subtractAmounts(a, b);
        expect(toBig(sum)).toBe(toBig(a) + toBig(b));
        expect(toBig(diff)).toBe(toBig(a) - toBig(b));
        for (const r of [sum, diff]) {
          expect(Number.isInteger(r.whole) && Number.isInteger(r.micro)).toBe(true);
          expect(r.micro >= 0 && r.micro < MICRO).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('compare agrees with exact comparison', () => {
    fc.assert(
      fc.property(amountArb, amountArb, (a, b) => {
        const exact = toBig(a) - toBig(b);
        expect(Math.sign(compareAmounts(a, b))).toBe(exact === 0n ? 0 : exact > 0n ? 1 : -1);
      }),
      { numRuns: 1000 },
    );
  });

  it('0.1 + 0.2 is exactly 0.3 and 0.3 - 0.1 is exactly 0.2', () => {
    const p = (x: number) => parseAmount(x)!;
    expect(amountToNumber(addAmounts(p(0.1), p(0.2)))).toBe(0.3);
    expect(compareAmounts(addAmounts(p(0.1), p(0.2)), p(0.3))).toBe(0);
    expect(amountToNumber(subtractAmounts(p(0.3), p(0.1)))).toBe(0.2);
    expect(amountToNumber(subtractAmounts(p(0.1), p(0.3)))).toBe(-0.2);
  });
});
