import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { InvalidCostError, InvalidOptionError } from '../../src/errors/index.js';
import { flushMicrotasks, track } from '../support/async.js';
import { RecordingCollector } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('QuotaCapacitySource', () => {
  it('release is a no-op: availability unchanged, nothing signalled, parent untouched', async () => {
    const parent = new ResourceCapacitySource({ requests: 10 });
    const quota = new QuotaCapacitySource({ requests: 5 }, parent);
    quota.acquireImmediate({ requests: 2 });
    const changed = track(quota.changed());
    quota.release({ requests: 2 });
    quota.release({ requests: 2 });
    const signalled = track(quota.waitObj.wait());
    await flushMicrotasks();
    expect(quota.available).toEqual({ requests: 3 });
    expect(parent.available).toEqual({ requests: 8 });
    expect(signalled.settled).toBe(false);
    expect(changed.settled).toBe(false);
  });

  it('startPeriodicReset calls reset every ms; a new timer replaces the old; stopTimer is idempotent', () => {
    vi.useFakeTimers();
    const quota = new QuotaCapacitySource({ requests: 3 });
    const reset = vi.spyOn(quota, 'reset');
    quota.acquireImmediate({ requests: 3 });
    quota.startPeriodicReset(1_000);
    vi.advanceTimersByTime(999);
    expect(quota.available).toEqual({ requests: 0 });
    vi.advanceTimersByTime(1);
    expect(quota.available).toEqual({ requests: 3 });
    vi.advanceTimersByTime(2_000);
    expect(reset).toHaveBeenCalledTimes(3);

    quota.acquireImmediate({ requests: 3 });
    quota.startPeriodicIncrement(5_000, { requests: 1 }); // stops the reset timer
    vi.advanceTimersByTime(4_999);
    expect(reset).toHaveBeenCalledTimes(3);
    expect(quota.available).toEqual({ requests: 0 });
    vi.advanceTimersByTime(1);
    expect(quota.available).toEqual({ requests: 1 });

    quota.stopTimer();
    quota.stopTimer();
    vi.advanceTimersByTime(60_000);
    expect(quota.available).toEqual({ requests: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('startPeriodicIncrement adds the amount every ms, capped at the limits (token bucket)', () => {
    vi.useFakeTimers();
    const bucket = new QuotaCapacitySource({ tokens: 8 });
    const amount = { tokens: 2 };
    bucket.acquireImmediate({ tokens: 8 });
    bucket.startPeriodicIncrement(500, amount);
    amount.tokens = 100; // copied at start
    vi.advanceTimersByTime(500);
    expect(bucket.available).toEqual({ tokens: 2 });
    vi.advanceTimersByTime(500);
    expect(bucket.available).toEqual({ tokens: 4 });
    vi.advanceTimersByTime(5_000);
    expect(bucket.available).toEqual({ tokens: 8 });
    bucket.stopTimer();
  });

  it('a child pool under a quota gets its slots back on release while the quota stays consumed', () => {
    const quota = new QuotaCapacitySource({ requests: 7 });
    const pool = new ResourceCapacitySource({ requests: 5 }, quota);
    for (let i = 0; i < 5; i++) expect(pool.tryAcquire({ requests: 1 }).ok).toBe(true);
    expect(pool.canAcquire({ requests: 1 })).toBe(false); // the pool's limit applies
    for (let i = 0; i < 5; i++) pool.release({ requests: 1 });
    expect(pool.available).toEqual({ requests: 5 });
    expect(quota.available).toEqual({ requests: 2 });
    expect(pool.tryAcquire({ requests: 2 }).ok).toBe(true);
    expect(pool.canAcquire({ requests: 1 })).toBe(false); // the quota's limit applies
    pool.release({ requests: 2 });
    expect(pool.available).toEqual({ requests: 5 });
    expect(quota.available).toEqual({ requests: 0 });
  });
});

describe('QuotaCapacitySource details', () => {
  it('reconcile still returns the unused part of an estimate', () => {
    const quota = new QuotaCapacitySource({ tokens: 1_000 });
    expect(quota.tryAcquire({ tokens: 300 }).ok).toBe(true);
    quota.reconcile({ tokens: 300 }, { tokens: 220 });
    expect(quota.available.tokens).toBe(780);
    quota.release({ tokens: 220 });
    expect(quota.available.tokens).toBe(780);
  });

  it('a release from a child stops at the quota and never reaches the quota’s parent', () => {
    const top = new ResourceCapacitySource({ r: 10 });
    const quota = new QuotaCapacitySource({ r: 10 }, top);
    const pool = new ResourceCapacitySource({ r: 2 }, quota);
    pool.acquireImmediate({ r: 2 });
    pool.release({ r: 2 });
    expect([pool.available.r, quota.available.r, top.available.r]).toEqual([2, 8, 8]);
  });

  it('timers are unref()ed so they never keep the process alive', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const quota = new QuotaCapacitySource({ r: 1 });
    quota.startPeriodicReset(60_000);
    quota.startPeriodicIncrement(60_000, { r: 1 });
    expect(spy).toHaveBeenCalledTimes(2);
    for (const result of spy.mock.results) {
      const handle = result.value as NodeJS.Timeout;
      expect(handle.hasRef()).toBe(false);
    }
    quota.stopTimer();
  });

  it('release validates its argument like every other method, although it gives nothing back', () => {
    const quota = new QuotaCapacitySource({ r: 2 });
    for (const bad of [{ r: -1 }, { r: Number.NaN }, { r: '1' }, null, Object.create({ r: 1 })]) {
      expect(() => quota.release(bad as unknown as Record<string, number>)).toThrow(InvalidCostError);
    }
  });

  it('intervalMs must be a finite number > 0; an invalid increment amount throws', () => {
    const quota = new QuotaCapacitySource({ r: 1 });
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '100' as unknown as number]) {
      expect(() => quota.startPeriodicReset(bad)).toThrow(InvalidOptionError);
      expect(() => quota.startPeriodicIncrement(bad, { r: 1 })).toThrow(InvalidOptionError);
    }
    expect(() => quota.startPeriodicIncrement(100, { r: -1 })).toThrow(InvalidCostError);
    quota.stopTimer();
  });

  it('metrics: a no-op release still emits onRelease so in-flight returns to 0, with availability unchanged', () => {
    const metrics = new RecordingCollector();
    const quota = new QuotaCapacitySource({ r: 2 }, undefined, metrics);
    expect(quota.tryAcquire({ r: 1 }).ok).toBe(true);
    quota.release({ r: 1 });
    expect(metrics.kinds()).toEqual(['setLimits', 'accepted', 'release']);
    expect(metrics.events[2]?.[1]).toMatchObject({ released: { r: 1 }, availableAfter: { r: 1 } });
    expect(metrics.inFlight()).toEqual({ r: 0 });
  });
});
