import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('refill intervals longer than a JavaScript timer can wait', () => {
  it('a 2-per-month quota admits 2 calls, then nothing until the month is over', () => {
    vi.useFakeTimers();
    const quota = new QuotaCapacitySource({ calls: 2 });
    quota.startPeriodicReset(30 * DAY);
    expect(quota.tryAcquire({ calls: 1 }).ok).toBe(true);
    expect(quota.tryAcquire({ calls: 1 }).ok).toBe(true);
    let admitted = 0;
    for (let ms = 0; ms < 10; ms++) {
      vi.advanceTimersByTime(1);
      if (quota.tryAcquire({ calls: 1 }).ok) admitted++;
    }
    expect(admitted).toBe(0);
    vi.advanceTimersByTime(29 * DAY);
    expect(quota.available).toEqual({ calls: 0 });
    vi.advanceTimersByTime(DAY - 10);
    expect(quota.available).toEqual({ calls: 2 });
    quota.stopTimer();
  });

  it('a long token-bucket interval refills once per interval, on the fixed schedule', () => {
    vi.useFakeTimers();
    const quota = new QuotaCapacitySource({ calls: 10 });
    quota.acquireImmediate({ calls: 10 });
    quota.startPeriodicIncrement(40 * DAY, { calls: 3 });
    vi.advanceTimersByTime(40 * DAY - 1);
    expect(quota.available).toEqual({ calls: 0 });
    vi.advanceTimersByTime(1);
    expect(quota.available).toEqual({ calls: 3 });
    vi.advanceTimersByTime(40 * DAY);
    expect(quota.available).toEqual({ calls: 6 });
    quota.stopTimer();
  });

  it('deadlines are measured against the injected clock, not against how often timers fired', () => {
    vi.useFakeTimers();
    let now = 1_000_000;
    const quota = new QuotaCapacitySource({ calls: 1 }, undefined, undefined, { now: () => now });
    quota.acquireImmediate({ calls: 1 });
    quota.startPeriodicReset(60 * DAY);
    // Timers fire (each waits at most ~24.8 days), but the clock says the month is not over.
    vi.advanceTimersByTime(200 * DAY);
    expect(quota.available).toEqual({ calls: 0 });
    now += 60 * DAY;
    vi.advanceTimersByTime(25 * DAY);
    expect(quota.available).toEqual({ calls: 1 });
    quota.stopTimer();
  });

  it('after a long suspension the refill happens once and the schedule goes on from there', () => {
    vi.useFakeTimers();
    let now = 0;
    const reset = vi.fn();
    const quota = new QuotaCapacitySource({ calls: 1 }, undefined, undefined, { now: () => now });
    quota.reset = reset;
    quota.startPeriodicReset(1_000);
    now = 10_500; // the process slept through ten deadlines
    vi.advanceTimersByTime(1_000);
    expect(reset).toHaveBeenCalledTimes(1);
    now = 11_000;
    vi.advanceTimersByTime(500);
    expect(reset).toHaveBeenCalledTimes(2);
    quota.stopTimer();
  });
});
