import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../../src/errors/option-errors.js';
import { DefaultCapacityMetricsCollector } from '../../src/metrics/default-capacity-metrics-collector.js';

/** A collector that has seen the construction event of a `{ gpu: 4, cpu: 8 }` source at t=0. */
function gpuCpuCollector(windowMs?: number): DefaultCapacityMetricsCollector {
  const m = new DefaultCapacityMetricsCollector(windowMs);
  m.onSetLimits({
    atMs: 0,
    limitsBefore: {},
    limitsAfter: { gpu: 4, cpu: 8 },
    availableAfter: { gpu: 4, cpu: 8 },
  });
  return m;
}

describe('DefaultCapacityMetricsCollector (driven by events)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('validates windowMs and defaults it to 60 s', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new DefaultCapacityMetricsCollector(bad)).toThrow(InvalidOptionError);
    }
    const m = new DefaultCapacityMetricsCollector();
    expect(m.windowMs).toBe(60_000);
    expect(m.snapshot(0).rates.acquireAcceptedPerSec.windowMs).toBe(60_000);
  });

  it('an unused collector has zero totals, empty maps and empty rate windows', () => {
    const s = new DefaultCapacityMetricsCollector(1_000).snapshot(5);
    const empty = { windowMs: 1_000, count: 0, sum: 0, avg: 0, min: null, max: null };
    expect(s).toEqual({
      capturedAtMs: 5,
      totals: { acquireAccepted: 0, acquireRejected: 0, release: 0, reset: 0, increment: 0, setLimits: 0 },
      inFlightByResource: {},
      requestedRejectedByResource: {},
      utilizationByResource: {},
      rates: { acquireAcceptedPerSec: empty, acquireRejectedPerSec: empty, releasePerSec: empty },
    });
  });

  it('counts every event kind in totals', () => {
    const m = gpuCpuCollector();
    m.onTryAcquireAccepted({ atMs: 1, requested: { gpu: 1 }, availableAfter: { gpu: 3, cpu: 8 } });
    m.onTryAcquireRejected({
      atMs: 2,
      requested: { gpu: 9 },
      available: { gpu: 3, cpu: 8 },
      reason: 'insufficient_capacity',
    });
    m.onRelease({ atMs: 3, released: { gpu: 1 }, availableAfter: { gpu: 4, cpu: 8 } });
    m.onIncrement({ atMs: 4, incrementBy: { gpu: 1 }, availableAfter: { gpu: 4, cpu: 8 } });
    m.onReset({ atMs: 5, limitsAfter: { gpu: 4, cpu: 8 }, availableAfter: { gpu: 4, cpu: 8 } });
    m.onSetLimits({
      atMs: 6,
      limitsBefore: { gpu: 4, cpu: 8 },
      limitsAfter: { gpu: 2, cpu: 8 },
      availableAfter: { gpu: 2, cpu: 8 },
    });
    expect(m.snapshot(10).totals).toEqual({
      acquireAccepted: 1,
      acquireRejected: 1,
      release: 1,
      reset: 1,
      increment: 1,
      setLimits: 2,
    });
  });

  it('tracks in flight as requested on accept minus released, per resource', () => {
    const m = gpuCpuCollector();
    m.onTryAcquireAccepted({ atMs: 1, requested: { gpu: 2, cpu: 4 }, availableAfter: { gpu: 2, cpu: 4 } });
    m.onTryAcquireAccepted({ atMs: 2, requested: { gpu: 1 }, availableAfter: { gpu: 1, cpu: 4 } });
    expect(m.snapshot(3).inFlightByResource).toEqual({ gpu: 3, cpu: 4 });
    m.onRelease({ atMs: 4, released: { gpu: 2, cpu: 4 }, availableAfter: { gpu: 3, cpu: 8 } });
    expect(m.snapshot(5).inFlightByResource).toEqual({ gpu: 1, cpu: 0 });
  });

  it('fractional amounts do not drift: a thousand 0.1 acquire/release pairs leave in flight at exactly 0', () => {
    const m = gpuCpuCollector();
    for (let i = 0; i < 1_000; i++) {
      m.onTryAcquireAccepted({ atMs: i, requested: { gpu: 0.1 }, availableAfter: { gpu: 3.9, cpu: 8 } });
    }
    expect(m.snapshot(1_000).inFlightByResource.gpu).toBe(100);
    for (let i = 0; i < 1_000; i++) {
      m.onRelease({ atMs: 1_000 + i, released: { gpu: 0.1 }, availableAfter: { gpu: 4, cpu: 8 } });
    }
    expect(m.snapshot(2_000).inFlightByResource.gpu).toBe(0);
  });

  it('in flight never goes below 0 (over-release clamps, like the source) and reset zeroes it', () => {
    const m = gpuCpuCollector();
    m.onRelease({ atMs: 1, released: { gpu: 2 }, availableAfter: { gpu: 4, cpu: 8 } });
    expect(m.snapshot(2).inFlightByResource).toEqual({ gpu: 0 });
    m.onTryAcquireAccepted({ atMs: 3, requested: { gpu: 3, cpu: 1 }, availableAfter: { gpu: 1, cpu: 7 } });
    m.onReset({ atMs: 4, limitsAfter: { gpu: 4, cpu: 8 }, availableAfter: { gpu: 4, cpu: 8 } });
    expect(m.snapshot(5).inFlightByResource).toEqual({ gpu: 0, cpu: 0 });
  });

  it('requestedRejectedByResource counts only insufficient_capacity rejections, never invalid_cost', () => {
    const m = gpuCpuCollector();
    m.onTryAcquireRejected({
      atMs: 1,
      requested: { gpu: 5 },
      available: { gpu: 4, cpu: 8 },
      reason: 'insufficient_capacity',
    });
    m.onTryAcquireRejected({
      atMs: 2,
      requested: { gpu: -1, cpu: 2 },
      available: { gpu: 4, cpu: 8 },
      reason: 'invalid_cost',
    });
    m.onTryAcquireRejected({
      atMs: 3,
      requested: { gpu: 2, cpu: 9 },
      available: { gpu: 4, cpu: 8 },
      reason: 'insufficient_capacity',
    });
    const s = m.snapshot(4);
    expect(s.requestedRejectedByResource).toEqual({ gpu: 7, cpu: 9 });
    expect(s.totals.acquireRejected).toBe(3); // invalid_cost still counts as a rejection
    expect(s.rates.acquireRejectedPerSec.count).toBe(3);
  });

  it('utilization is (limit − available) / limit from the latest limits and availability', () => {
    const m = gpuCpuCollector();
    expect(m.snapshot(1).utilizationByResource).toEqual({ gpu: 0, cpu: 0 });
    m.onTryAcquireAccepted({ atMs: 1, requested: { gpu: 3, cpu: 2 }, availableAfter: { gpu: 1, cpu: 6 } });
    expect(m.snapshot(2).utilizationByResource).toEqual({ gpu: 0.75, cpu: 0.25 });
    // A rejection carries `available` and also updates it.
    m.onTryAcquireRejected({
      atMs: 2,
      requested: { gpu: 2 },
      available: { gpu: 0, cpu: 6 },
      reason: 'insufficient_capacity',
    });
    expect(m.snapshot(3).utilizationByResource.gpu).toBe(1);
    m.onIncrement({ atMs: 3, incrementBy: { gpu: 2 }, availableAfter: { gpu: 2, cpu: 6 } });
    expect(m.snapshot(4).utilizationByResource.gpu).toBe(0.5);
    // New limits from setLimits: 2 of 8 available.
    m.onSetLimits({
      atMs: 4,
      limitsBefore: { gpu: 4, cpu: 8 },
      limitsAfter: { gpu: 8, cpu: 8 },
      availableAfter: { gpu: 2, cpu: 6 },
    });
    expect(m.snapshot(5).utilizationByResource.gpu).toBe(0.75);
    m.onReset({
      atMs: 5,
      limitsAfter: { gpu: 8, cpu: 8, mem: 16 },
      availableAfter: { gpu: 8, cpu: 8, mem: 16 },
    });
    expect(m.snapshot(6).utilizationByResource).toEqual({ gpu: 0, cpu: 0, mem: 0 });
  });

  it('utilization is 0 for a limit of 0 and clamped to 0..1', () => {
    const m = new DefaultCapacityMetricsCollector();
    m.onSetLimits({
      atMs: 0,
      limitsBefore: {},
      limitsAfter: { a: 0, b: 2, c: 2 },
      availableAfter: { a: 0, b: 5, c: 0 },
    });
    // Shrinking a limit below what is held leaves available at 0, not negative; utilization stays 1, not above.
    m.onSetLimits({
      atMs: 1,
      limitsBefore: { a: 0, b: 2, c: 2 },
      limitsAfter: { c: 1 },
      availableAfter: { c: 0 },
    });
    expect(m.snapshot(2).utilizationByResource).toEqual({ a: 0, b: 0, c: 1 });
  });

  it('rates observe the value 1 per event at the event time and slide over the window', () => {
    const m = gpuCpuCollector(1_000);
    for (let i = 0; i < 4; i++) {
      m.onTryAcquireAccepted({
        atMs: 100 * i,
        requested: { gpu: 1 },
        availableAfter: { gpu: 3 - i, cpu: 8 },
      });
    }
    m.onTryAcquireRejected({
      atMs: 400,
      requested: { gpu: 1 },
      available: { gpu: 0, cpu: 8 },
      reason: 'insufficient_capacity',
    });
    m.onRelease({ atMs: 500, released: { gpu: 1 }, availableAfter: { gpu: 1, cpu: 8 } });
    const s = m.snapshot(500);
    expect(s.rates.acquireAcceptedPerSec).toEqual({
      windowMs: 1_000,
      count: 4,
      sum: 4,
      avg: 1,
      min: 1,
      max: 1,
    });
    expect(s.rates.acquireRejectedPerSec).toMatchObject({ count: 1, avg: 1 });
    expect(s.rates.releasePerSec).toMatchObject({ count: 1, avg: 1 });
    // At t=1200 the accepts at 0, 100 and 200 have aged out; totals do not slide.
    const later = m.snapshot(1_200);
    expect(later.rates.acquireAcceptedPerSec.count).toBe(1);
    expect(later.rates.acquireRejectedPerSec.count).toBe(1);
    expect(later.totals.acquireAccepted).toBe(4);
    expect(m.snapshot(5_000).rates.releasePerSec.count).toBe(0);
  });

  it('snapshot() defaults capturedAtMs and the rate clock to Date.now()', () => {
    vi.useFakeTimers();
    vi.setSystemTime(50_000);
    const m = new DefaultCapacityMetricsCollector(1_000);
    m.onTryAcquireAccepted({ atMs: Date.now(), requested: { x: 1 }, availableAfter: { x: 0 } });
    expect(m.snapshot()).toMatchObject({
      capturedAtMs: 50_000,
      rates: { acquireAcceptedPerSec: { count: 1 } },
    });
    vi.setSystemTime(51_000);
    expect(m.snapshot().rates.acquireAcceptedPerSec.count).toBe(0);
    expect(() => m.snapshot(Number.NaN)).toThrow(InvalidOptionError);
  });

  it('snapshot returns fresh plain objects that later events and caller mutation do not affect', () => {
    const m = gpuCpuCollector();
    const requested = { gpu: 1 };
    m.onTryAcquireAccepted({ atMs: 1, requested, availableAfter: { gpu: 3, cpu: 8 } });
    requested.gpu = 99; // the collector copied the amounts
    const a = m.snapshot(2);
    a.inFlightByResource.gpu = 42;
    a.totals.acquireAccepted = 42;
    a.rates.acquireAcceptedPerSec.count = 42;
    m.onTryAcquireAccepted({ atMs: 3, requested: { gpu: 1 }, availableAfter: { gpu: 2, cpu: 8 } });
    const b = m.snapshot(4);
    expect(b.inFlightByResource.gpu).toBe(2);
    expect(b.totals.acquireAccepted).toBe(2);
    expect(a.totals.acquireAccepted).toBe(42);
    expect(b.inFlightByResource).not.toBe(a.inFlightByResource);
    expect(Object.getPrototypeOf(b.utilizationByResource)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(b))).toEqual(b);
  });

  it('a resource named __proto__ is an ordinary key', () => {
    const m = new DefaultCapacityMetricsCollector();
    const limits = JSON.parse('{"__proto__": 2}') as Record<string, number>;
    m.onSetLimits({ atMs: 0, limitsBefore: {}, limitsAfter: limits, availableAfter: limits });
    m.onTryAcquireAccepted({ atMs: 1, requested: limits, availableAfter: JSON.parse('{"__proto__": 0}') });
    const s = m.snapshot(2);
    expect(Object.keys(s.inFlightByResource)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(s.inFlightByResource)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(s.utilizationByResource, '__proto__')?.value).toBe(1);
  });

  it('handlers do not throw on a malformed event: non-finite atMs reads as now, non-finite amounts are skipped', () => {
    vi.useFakeTimers();
    vi.setSystemTime(7_000);
    const m = new DefaultCapacityMetricsCollector(1_000);
    expect(() =>
      m.onTryAcquireAccepted({
        atMs: Number.NaN,
        requested: { x: Number.NaN, y: 1 },
        availableAfter: { y: 0 },
      }),
    ).not.toThrow();
    const s = m.snapshot(7_000);
    expect(s.inFlightByResource).toEqual({ y: 1 });
    expect(s.rates.acquireAcceptedPerSec.count).toBe(1);
  });
});
