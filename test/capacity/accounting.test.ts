import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import type { ResourceCost } from '../../src/capacity/types.js';
import { InvalidCostError, InvalidLimitError } from '../../src/errors/index.js';

describe('accounting: in use is tracked explicitly and amounts are exact', () => {
  it('limit 4 with 4 held, setLimits(2), setLimits(4) leaves available 0', () => {
    const src = new ResourceCapacitySource({ gpu: 4 });
    src.acquireImmediate({ gpu: 4 });
    src.setLimits({ gpu: 2 });
    src.setLimits({ gpu: 4 });
    expect(src.available).toEqual({ gpu: 0 });
    expect(src.inUse).toEqual({ gpu: 4 });
    src.release({ gpu: 4 });
    expect(src.available).toEqual({ gpu: 4 });
  });

  it('while in debt (in use above a lowered limit) nothing is admitted until enough is released', () => {
    const src = new ResourceCapacitySource({ gpu: 4 });
    src.acquireImmediate({ gpu: 4 });
    src.setLimits({ gpu: 2 });
    src.release({ gpu: 1 });
    expect(src.canAcquire({ gpu: 1 })).toBe(false);
    expect(src.canAcquire({ gpu: 0 })).toBe(true);
    src.release({ gpu: 2 });
    expect(src.available.gpu).toBe(1);
  });

  it('reset() forgets holdings on a pool with work in flight; releases after it never free more than was taken', () => {
    const src = new ResourceCapacitySource({ gpu: 2 });
    src.acquireImmediate({ gpu: 2 });
    src.reset();
    expect(src.available.gpu).toBe(2);
    src.acquireImmediate({ gpu: 2 });
    src.release({ gpu: 2 });
    src.release({ gpu: 2 }); // two releases, but only 2 were taken since the reset
    expect(src.available.gpu).toBe(2);
    expect(src.inUse.gpu).toBe(0);
  });

  it('limit 0.3 with 0.1 held: a cost of 0.2 fits', () => {
    const src = new ResourceCapacitySource({ gpu: 0.3 });
    src.acquireImmediate({ gpu: 0.1 });
    expect(src.canAcquire({ gpu: 0.2 })).toBe(true);
    expect(src.tryAcquire({ gpu: 0.2 }).ok).toBe(true);
    expect(src.available.gpu).toBe(0);
    expect(src.canAcquire({ gpu: 0.000001 })).toBe(false);
  });

  it('1000 acquire/release pairs of 0.1 leave available exactly equal to the limit', () => {
    const src = new ResourceCapacitySource({ gpu: 1 });
    for (let i = 0; i < 1000; i++) {
      expect(src.tryAcquire({ gpu: 0.1 }).ok).toBe(true);
      src.release({ gpu: 0.1 });
    }
    expect(src.available).toEqual({ gpu: 1 });
    const big = new ResourceCapacitySource({ gpu: 100 });
    for (let i = 0; i < 1000; i++) expect(big.tryAcquire({ gpu: 0.1 }).ok).toBe(true);
    expect(big.available.gpu).toBe(0);
    expect(big.canAcquire({ gpu: 0.1 })).toBe(false);
    for (let i = 0; i < 1000; i++) big.release({ gpu: 0.1 });
    expect(big.available).toEqual({ gpu: 100 });
  });

  it('with a limit of 68,719,476,736 exactly eight tasks of 8,589,934,592 fit', () => {
    const src = new ResourceCapacitySource({ bytes: 68_719_476_736 });
    let fitted = 0;
    while (src.tryAcquire({ bytes: 8_589_934_592 }).ok) fitted++;
    expect(fitted).toBe(8);
    expect(src.available.bytes).toBe(0);
  });

  it('invalid amounts (NaN, Infinity, -1, a string, 1e-7) are refused as invalid_cost and as limits', () => {
    const bads: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, -1, '3', 1e-7, 0.1234567];
    for (const bad of bads) {
      const src = new ResourceCapacitySource({ gpu: 4 });
      const cost = { gpu: bad } as unknown as ResourceCost;
      expect(src.canAcquire(cost)).toBe(false);
      expect(src.tryAcquire(cost)).toMatchObject({
        ok: false,
        reason: 'invalid_cost',
        available: { gpu: 4 },
      });
      expect(() => src.acquireImmediate(cost)).toThrow(InvalidCostError);
      expect(src.validateCost(cost)).toBe(false);
      expect(src.available).toEqual({ gpu: 4 });
      expect(() => new ResourceCapacitySource(cost)).toThrow(InvalidLimitError);
      expect(() => src.setLimits(cost)).toThrow(
        expect.objectContaining({ resource: 'gpu', name: 'InvalidLimitError' }),
      );
    }
  });

  it('fractional limits and utilization stay exact', () => {
    const src = new ResourceCapacitySource({ gpu: 0.7 });
    src.acquireImmediate({ gpu: 0.1 });
    src.acquireImmediate({ gpu: 0.2 });
    expect(src.available.gpu).toBe(0.4);
    expect(src.inUse.gpu).toBe(0.3);
    expect(src.peek()).toEqual({ gpu: 0.4 });
  });
});

describe('amounts beyond exact accounting', () => {
  it('limits and costs above Number.MAX_SAFE_INTEGER are invalid; the largest safe limit never over-commits', () => {
    expect(() => new ResourceCapacitySource({ b: 2 ** 53 })).toThrow(InvalidLimitError);
    const s = new ResourceCapacitySource({ b: Number.MAX_SAFE_INTEGER });
    expect(s.tryAcquire({ b: 2 ** 53 })).toMatchObject({ ok: false, reason: 'invalid_cost' });
    expect(s.tryAcquire({ b: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect(s.tryAcquire({ b: 1 }).ok).toBe(false);
    expect(s.inUse).toEqual({ b: Number.MAX_SAFE_INTEGER });
  });
});
