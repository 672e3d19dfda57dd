import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';

describe('tryAcquire rejections say where the cost did not fit', () => {
  it('names the resource and the ancestor level that refused', () => {
    const cluster = new ResourceCapacitySource({ gpu: 8 });
    const teamA = new ResourceCapacitySource({ gpu: 6 }, cluster);
    const teamB = new ResourceCapacitySource({ gpu: 6, cpu: 4 }, cluster);
    teamA.acquireImmediate({ gpu: 6 });
    const result = teamB.tryAcquire({ gpu: 3, cpu: 1 });
    expect(result).toMatchObject({
      ok: false,
      reason: 'insufficient_capacity',
      available: { gpu: 6, cpu: 4 },
      shortfall: { resource: 'gpu', level: 1, requested: 3, available: 2 },
    });
    expect(teamB.available).toEqual({ gpu: 6, cpu: 4 }); // nothing was taken
  });

  it('points at the source itself when its own limit refuses', () => {
    const pool = new ResourceCapacitySource({ gpu: 2, cpu: 1 });
    const result = pool.tryAcquire({ gpu: 1, cpu: 2 });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.shortfall).toEqual({ resource: 'cpu', level: 0, requested: 2, available: 1 });
  });
});
