import { describe, expect, it, vi } from 'vitest';
import { HierarchicalBalancer } from '../../src/balancer/hierarchical-balancer.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { manualClock } from '../support/clock.js';
import { team } from './helpers.js';

const bounds = { min: { gpu: 3 }, max: { gpu: 6 } };

describe('HierarchicalBalancer options', () => {
  it('the default options are as documented and options exposes the resolved values', () => {
    const b = new HierarchicalBalancer([{ capacity: team(4), min: { gpu: 1 }, max: { gpu: 6, cpu: 4 } }]);
    expect(b.options).toMatchObject({
      checkIntervalMs: 1000,
      idleTimeThresholdMs: 5000,
      busyTimeThresholdMs: 5000,
      idleThreshold: 0.3,
      busyThreshold: 0.85,
    });
    expect(b.options.now).toBe(Date.now);
    // "1 for each key in min/max", spelled out.
    expect(b.options.increment).toEqual({ gpu: 1, cpu: 1 });
    expect(Object.isFrozen(b.options)).toBe(true);
    expect(Object.isFrozen(b.options.increment)).toBe(true);
    expect(b.running).toBe(false);
  });

  it('given options override the defaults; keys missing from increment step by 1', () => {
    const clock = manualClock();
    const b = new HierarchicalBalancer(
      [
        { capacity: team(4), min: { gpu: 1 }, max: { gpu: 6 } },
        { capacity: team(4), min: { cpu: 1 }, max: { cpu: 6 } },
      ],
      { checkIntervalMs: 50, idleThreshold: 0.1, busyThreshold: 0.9, increment: { gpu: 2 }, now: clock.now },
    );
    expect(b.options).toMatchObject({ checkIntervalMs: 50, idleTimeThresholdMs: 5000, idleThreshold: 0.1 });
    expect(b.options.increment).toEqual({ gpu: 2, cpu: 1 });
    expect(b.options.now).toBe(clock.now);
  });

  it('an explicit undefined means the default', () => {
    const b = new HierarchicalBalancer([], { checkIntervalMs: undefined, now: undefined });
    expect(b.options.checkIntervalMs).toBe(1000);
    expect(b.options.now).toBe(Date.now);
  });
});

describe('HierarchicalBalancer classification', () => {
  /** Checks twice, threshold apart, with threshold 0 so any idle/busy sample acts at once. */
  function stepOnce(
    capacity: ResourceCapacitySource,
    min: Record<string, number>,
    max: Record<string, number>,
  ) {
    const b = new HierarchicalBalancer([{ capacity, min, max }], {
      idleTimeThresholdMs: 0,
      busyTimeThresholdMs: 0,
      now: manualClock().now,
    });
    b.check();
  }

  it('a child is idle only when ALL counted resources are below idleThreshold', () => {
    const allLow = new ResourceCapacitySource({ gpu: 10, cpu: 10 });
    allLow.acquireImmediate({ gpu: 2, cpu: 2 }); // 0.2, 0.2
    stepOnce(allLow, { gpu: 1, cpu: 1 }, { gpu: 20, cpu: 20 });
    expect(allLow.limits).toEqual({ gpu: 9, cpu: 9 });

    const oneMid = new ResourceCapacitySource({ gpu: 10, cpu: 10 });
    oneMid.acquireImmediate({ gpu: 2, cpu: 5 }); // 0.2, 0.5: neutral
    stepOnce(oneMid, { gpu: 1, cpu: 1 }, { gpu: 20, cpu: 20 });
    expect(oneMid.limits).toEqual({ gpu: 10, cpu: 10 });
  });

  it('a child is busy when ANY counted resource is above busyThreshold, and all its keys grow', () => {
    const oneHigh = new ResourceCapacitySource({ gpu: 10, cpu: 10 });
    oneHigh.acquireImmediate({ gpu: 9, cpu: 1 }); // 0.9 > 0.85 although cpu is idle
    stepOnce(oneHigh, { gpu: 1, cpu: 1 }, { gpu: 20, cpu: 20 });
    expect(oneHigh.limits).toEqual({ gpu: 11, cpu: 11 });
  });

  it('comparisons are strict; a utilization exactly at a threshold is neutral', () => {
    const atIdle = new ResourceCapacitySource({ gpu: 10 });
    atIdle.acquireImmediate({ gpu: 3 }); // exactly 0.3
    stepOnce(atIdle, { gpu: 1 }, { gpu: 20 });
    expect(atIdle.limits).toEqual({ gpu: 10 });

    const atBusy = new ResourceCapacitySource({ gpu: 20 });
    atBusy.acquireImmediate({ gpu: 17 }); // exactly 0.85
    stepOnce(atBusy, { gpu: 1 }, { gpu: 30 });
    expect(atBusy.limits).toEqual({ gpu: 20 });
  });

  it('only keys named in min/max and tracked by the source count', () => {
    // cpu is busy but not managed; gpu is idle, so the child is idle. mem is named but not tracked.
    const source = new ResourceCapacitySource({ gpu: 10, cpu: 10 });
    source.acquireImmediate({ cpu: 10 });
    const setLimits = vi.spyOn(source, 'setLimits');
    stepOnce(source, { gpu: 1, mem: 1 }, { gpu: 20, mem: 8 });
    expect(setLimits).toHaveBeenCalledWith({ gpu: 9 });
    expect(source.limits).toEqual({ gpu: 9, cpu: 10 });
  });

  it('a child with no counted keys is left alone', () => {
    const source = new ResourceCapacitySource({ gpu: 10 });
    const setLimits = vi.spyOn(source, 'setLimits');
    stepOnce(source, { cpu: 1 }, { cpu: 4 });
    expect(setLimits).not.toHaveBeenCalled();
  });
});

describe('HierarchicalBalancer steps', () => {
  function setup(capacity: ResourceCapacitySource, opts: { increment?: Record<string, number> } = {}) {
    const clock = manualClock();
    const balancer = new HierarchicalBalancer([{ capacity, ...bounds }], {
      idleTimeThresholdMs: 5000,
      busyTimeThresholdMs: 3000,
      now: clock.now,
      ...opts,
    });
    return { clock, balancer };
  }

  it('sustained idle for idleTimeThresholdMs shrinks the limit by increment, and not before', () => {
    const capacity = team(6);
    const { clock, balancer } = setup(capacity);
    balancer.check(); // idle since 0
    clock.advance(4999);
    balancer.check();
    expect(capacity.limits).toEqual({ gpu: 6 });
    clock.advance(1);
    balancer.check();
    expect(capacity.limits).toEqual({ gpu: 5 });
  });

  it('shrinking never goes below min', () => {
    const capacity = team(6);
    const { clock, balancer } = setup(capacity, { increment: { gpu: 2 } });
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      balancer.check();
      seen.push(capacity.limits.gpu ?? Number.NaN);
      clock.advance(5000);
    }
    expect(seen).toEqual([6, 4, 3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it('sustained busy for busyTimeThresholdMs grows by increment, never above max', () => {
    const capacity = team(3, 3);
    const setLimits = vi.spyOn(capacity, 'setLimits');
    const { clock, balancer } = setup(capacity);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      // Keep it busy: hold everything the limit allows.
      const free = capacity.available.gpu ?? 0;
      if (free > 0) capacity.acquireImmediate({ gpu: free });
      balancer.check();
      seen.push(capacity.limits.gpu ?? Number.NaN);
      clock.advance(3000);
    }
    expect(seen).toEqual([3, 4, 5, 6, 6, 6]);
    // Clamped steps at max do not call setLimits again.
    expect(setLimits).toHaveBeenCalledTimes(3);
  });

  it('growing does not consult the parent (limits are not reservations)', () => {
    const cluster = new ResourceCapacitySource({ gpu: 4 });
    const capacity = new ResourceCapacitySource({ gpu: 4 }, cluster);
    capacity.acquireImmediate({ gpu: 4 }); // the cluster is now exhausted
    const { clock, balancer } = setup(capacity);
    balancer.check();
    clock.advance(3000);
    balancer.check();
    expect(capacity.limits).toEqual({ gpu: 5 });
    expect(capacity.canAcquire({ gpu: 1 })).toBe(false); // the parent still says no
  });

  it('a limit outside [min, max] is never moved against the signal', () => {
    const above = team(8, 8); // busy, above max 6
    const a = setup(above);
    a.balancer.check();
    a.clock.advance(3000);
    a.balancer.check();
    expect(above.limits).toEqual({ gpu: 8 });

    const below = team(2); // idle, below min 3
    const b = setup(below);
    b.balancer.check();
    b.clock.advance(5000);
    b.balancer.check();
    expect(below.limits).toEqual({ gpu: 2 });
  });

  it('fractional increments keep limits exact', () => {
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const clock = manualClock();
    const balancer = new HierarchicalBalancer([{ capacity, min: { gpu: 0 }, max: { gpu: 1 } }], {
      idleTimeThresholdMs: 0,
      increment: { gpu: 0.1 },
      now: clock.now,
    });
    for (let i = 0; i < 7; i++) balancer.check();
    expect(capacity.limits.gpu).toBe(0.3);
  });

  it('after every shrink another full idle period is needed', () => {
    const capacity = team(6);
    const { clock, balancer } = setup(capacity);
    balancer.check(); // t=0
    clock.advance(5000);
    balancer.check(); // t=5000: step to 5
    clock.advance(4000);
    balancer.check(); // t=9000: only 4000 since the step
    expect(capacity.limits).toEqual({ gpu: 5 });
    clock.advance(1000);
    balancer.check(); // t=10000: a full period since the step
    expect(capacity.limits).toEqual({ gpu: 4 });
  });

  it('after every grow another full busy period is needed', () => {
    const capacity = team(3, 3);
    const { clock, balancer } = setup(capacity);
    balancer.check(); // t=0, busy since 0
    clock.advance(3000);
    balancer.check(); // grow to 4; 3/4 = 0.75 is neutral now
    expect(capacity.limits).toEqual({ gpu: 4 });
    capacity.acquireImmediate({ gpu: 1 }); // busy again; the period counts from the step at 3000
    clock.advance(1000);
    balancer.check(); // t=4000
    clock.advance(1999);
    balancer.check(); // t=5999: 2999 ms since the step
    expect(capacity.limits).toEqual({ gpu: 4 });
    clock.advance(1);
    balancer.check(); // t=6000: a full period since the step
    expect(capacity.limits).toEqual({ gpu: 5 });
  });

  it('a neutral sample resets both trackers', () => {
    const capacity = team(6);
    const { clock, balancer } = setup(capacity);
    balancer.check(); // idle since 0
    clock.advance(4000);
    capacity.acquireImmediate({ gpu: 3 }); // 0.5: neutral
    balancer.check();
    capacity.release({ gpu: 3 });
    clock.advance(1000);
    balancer.check(); // t=5000: idle again, but only since now
    expect(capacity.limits).toEqual({ gpu: 6 });
    clock.advance(4999);
    balancer.check();
    expect(capacity.limits).toEqual({ gpu: 6 });
    clock.advance(1);
    balancer.check(); // t=10000
    expect(capacity.limits).toEqual({ gpu: 5 });
  });

  it('switching from busy to idle restarts the clock', () => {
    const capacity = team(5, 5);
    const { clock, balancer } = setup(capacity, {});
    balancer.check(); // busy since 0
    clock.advance(2000);
    capacity.release({ gpu: 5 });
    balancer.check(); // idle since 2000
    clock.advance(1000);
    balancer.check(); // t=3000: busy period would have elapsed, but it is idle now
    expect(capacity.limits).toEqual({ gpu: 5 });
    clock.advance(4000);
    balancer.check(); // t=7000: idle for 5000
    expect(capacity.limits).toEqual({ gpu: 4 });
  });

  it('children are tracked independently', () => {
    const idle = team(6);
    const busy = team(3, 3);
    const clock = manualClock();
    const balancer = new HierarchicalBalancer(
      [
        { capacity: idle, ...bounds },
        { capacity: busy, ...bounds },
      ],
      { now: clock.now },
    );
    balancer.check();
    clock.advance(5000);
    balancer.check();
    expect(idle.limits).toEqual({ gpu: 5 });
    expect(busy.limits).toEqual({ gpu: 4 });
  });

  it('a child whose setLimits throws does not stop the others; the error is rethrown', () => {
    const broken = team(6);
    const healthy = team(6);
    const boom = new Error('boom');
    vi.spyOn(broken, 'setLimits').mockImplementation(() => {
      throw boom;
    });
    const balancer = new HierarchicalBalancer(
      [
        { capacity: broken, ...bounds },
        { capacity: healthy, ...bounds },
      ],
      { idleTimeThresholdMs: 0, now: manualClock().now },
    );
    expect(() => balancer.check()).toThrow(boom);
    expect(healthy.limits).toEqual({ gpu: 5 });
  });

  it('bounds are copied at construction', () => {
    const capacity = team(6);
    const min = { gpu: 5 };
    const balancer = new HierarchicalBalancer([{ capacity, min, max: { gpu: 6 } }], {
      idleTimeThresholdMs: 0,
      now: manualClock().now,
    });
    min.gpu = 0;
    for (let i = 0; i < 5; i++) balancer.check();
    expect(capacity.limits).toEqual({ gpu: 5 });
  });
});
