import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { DefaultCapacityMetricsCollector } from '../../src/metrics/default-capacity-metrics-collector.js';

describe('capacity metrics with a real ResourceCapacitySource', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the collector receives onSetLimits once at construction', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const spy = vi.spyOn(metrics, 'onSetLimits');
    new ResourceCapacitySource({ gpu: 4, cpu: 8 }, undefined, metrics);
    expect(spy).toHaveBeenCalledTimes(1);
    const s = metrics.snapshot();
    expect(s.totals).toEqual({
      acquireAccepted: 0,
      acquireRejected: 0,
      release: 0,
      reset: 0,
      increment: 0,
      setLimits: 1,
    });
    expect(s.utilizationByResource).toEqual({ gpu: 0, cpu: 0 });
  });

  it('only tryAcquire emits accepted/rejected; canAcquire and acquireImmediate emit nothing', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, metrics);
    const accepted = vi.spyOn(metrics, 'onTryAcquireAccepted');
    const rejected = vi.spyOn(metrics, 'onTryAcquireRejected');

    expect(pool.canAcquire({ gpu: 1 })).toBe(true);
    expect(pool.canAcquire({ gpu: 3 })).toBe(false);
    pool.acquireImmediate({ gpu: 1 });
    expect(accepted).not.toHaveBeenCalled();
    expect(rejected).not.toHaveBeenCalled();
    expect(metrics.snapshot().totals).toMatchObject({ acquireAccepted: 0, acquireRejected: 0 });

    expect(pool.tryAcquire({ gpu: 1 }).ok).toBe(true);
    expect(pool.tryAcquire({ gpu: 1 }).ok).toBe(false);
    expect(accepted).toHaveBeenCalledTimes(1);
    expect(rejected).toHaveBeenCalledTimes(1);
  });

  it('{gpu:4,cpu:8}: tryAcquire({gpu:2,cpu:4}) then release gives accepted 1, release 1, inFlight gpu 0, utilization gpu 0', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ gpu: 4, cpu: 8 }, undefined, metrics);
    const cost = { gpu: 2, cpu: 4 };
    expect(pool.tryAcquire(cost).ok).toBe(true);
    expect(metrics.snapshot().utilizationByResource).toEqual({ gpu: 0.5, cpu: 0.5 });
    pool.release(cost);
    const s = metrics.snapshot();
    expect(s.totals.acquireAccepted).toBe(1);
    expect(s.totals.release).toBe(1);
    expect(s.inFlightByResource.gpu).toBe(0);
    expect(s.utilizationByResource.gpu).toBe(0);
  });

  it('{gpu:2}: tryAcquire({gpu:2}) succeeds, tryAcquire({gpu:1}) fails with insufficient_capacity', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, metrics);
    expect(pool.tryAcquire({ gpu: 2 }).ok).toBe(true);
    const r = pool.tryAcquire({ gpu: 1 });
    expect(r).toMatchObject({ ok: false, reason: 'insufficient_capacity' });
    const s = metrics.snapshot();
    expect(s.totals.acquireAccepted).toBe(1);
    expect(s.totals.acquireRejected).toBe(1);
    expect(s.requestedRejectedByResource).toEqual({ gpu: 1 });
    expect(s.inFlightByResource.gpu).toBe(2);
    expect(s.utilizationByResource.gpu).toBe(1);
  });

  it('an invalid_cost rejection from the source is counted but not in requestedRejectedByResource', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, metrics);
    expect(pool.tryAcquire({ gpu: -1 })).toMatchObject({ ok: false, reason: 'invalid_cost' });
    expect(pool.tryAcquire({ gpu: 3 })).toMatchObject({ ok: false, reason: 'insufficient_capacity' });
    const s = metrics.snapshot();
    expect(s.totals.acquireRejected).toBe(2);
    expect(s.requestedRejectedByResource).toEqual({ gpu: 3 });
  });

  it('with a 1 s window, 10 tryAcquire calls give rates.acquireAcceptedPerSec.count === 10', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const metrics = new DefaultCapacityMetricsCollector(1_000);
    const pool = new ResourceCapacitySource({ capacity: 10 }, undefined, metrics);
    for (let i = 0; i < 10; i++) {
      expect(pool.tryAcquire({ capacity: 1 }).ok).toBe(true);
      vi.setSystemTime(1_000_000 + 50 * (i + 1)); // spread over 500 ms, all inside the window
    }
    expect(metrics.snapshot().rates.acquireAcceptedPerSec).toMatchObject({
      windowMs: 1_000,
      count: 10,
      avg: 1,
    });
    // The window slides: a second after the last call, none are left.
    vi.setSystemTime(1_000_000 + 450 + 1_000);
    expect(metrics.snapshot().rates.acquireAcceptedPerSec.count).toBe(0);
    expect(metrics.snapshot().totals.acquireAccepted).toBe(10);
  });

  it('acquiring and releasing five times with tryAcquire gives accepted 5, release 5, inFlight 0', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ capacity: 1 }, undefined, metrics);
    for (let i = 0; i < 5; i++) {
      expect(pool.tryAcquire({ capacity: 1 }).ok).toBe(true);
      pool.release({ capacity: 1 });
    }
    const s = metrics.snapshot();
    expect(s.totals.acquireAccepted).toBe(5);
    expect(s.totals.release).toBe(5);
    expect(s.inFlightByResource.capacity).toBe(0);
    expect(s.utilizationByResource.capacity).toBe(0);
  });

  it('reset, increment and setLimits are counted and utilization follows the source', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ gpu: 4 }, undefined, metrics);
    pool.tryAcquire({ gpu: 3 });
    expect(metrics.snapshot().utilizationByResource.gpu).toBe(pool.utilization.gpu);
    pool.setLimits({ gpu: 6 });
    expect(metrics.snapshot().utilizationByResource.gpu).toBeCloseTo(pool.utilization.gpu ?? Number.NaN, 12);
    pool.reset();
    pool.increment({ gpu: 1 });
    const s = metrics.snapshot();
    expect(s.totals).toMatchObject({ setLimits: 2, reset: 1, increment: 1 });
    expect(s.utilizationByResource.gpu).toBe(0);
    expect(s.inFlightByResource.gpu).toBe(0);
  });

  it('metrics example, Demo 2: 4-slot pool, 4 accepted and 3 rejected, release 2, accept 2, then drain', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ slots: 4 }, undefined, metrics);
    const outcomes = Array.from({ length: 7 }, () => pool.tryAcquire({ slots: 1 }).ok);
    expect(outcomes).toEqual([true, true, true, true, false, false, false]);
    pool.release({ slots: 1 });
    pool.release({ slots: 1 });
    expect([pool.tryAcquire({ slots: 1 }).ok, pool.tryAcquire({ slots: 1 }).ok]).toEqual([true, true]);
    for (let i = 0; i < 4; i++) pool.release({ slots: 1 });
    const s = metrics.snapshot();
    expect(s.totals).toMatchObject({ acquireAccepted: 6, acquireRejected: 3, release: 6 });
    expect(s.inFlightByResource.slots).toBe(0);
    expect(s.utilizationByResource.slots).toBe(0);
    expect(s.requestedRejectedByResource.slots).toBe(3);
    expect(s.rates.acquireAcceptedPerSec).toMatchObject({ count: 6, avg: 1 });
    expect(s.rates.acquireRejectedPerSec).toMatchObject({ count: 3, avg: 1 });
    expect(s.rates.releasePerSec).toMatchObject({ count: 6, avg: 1 });
  });

  it('metrics example, Demo 3: 3-slot pool, 6 sequential acquire/release batches are never rejected', () => {
    const metrics = new DefaultCapacityMetricsCollector();
    const pool = new ResourceCapacitySource({ slots: 3 }, undefined, metrics);
    for (let batch = 0; batch < 6; batch++) {
      expect(pool.tryAcquire({ slots: 1 }).ok).toBe(true);
      pool.release({ slots: 1 });
      expect(metrics.snapshot().utilizationByResource.slots).toBe(0);
    }
    const s = metrics.snapshot();
    expect(s.totals).toMatchObject({ acquireAccepted: 6, acquireRejected: 0, release: 6 });
    expect(s.inFlightByResource.slots).toBe(0);
  });
});
