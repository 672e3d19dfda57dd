import { afterEach, describe, expect, it, vi } from 'vitest';
import { HierarchicalBalancer } from '../../src/balancer/hierarchical-balancer.js';
import { team } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('HierarchicalBalancer start/stop', () => {
  it('start() and stop() are idempotent and running reflects the state', () => {
    vi.useFakeTimers();
    const balancer = new HierarchicalBalancer([{ capacity: team(6), min: { gpu: 3 }, max: { gpu: 6 } }]);
    const check = vi.spyOn(balancer, 'check');
    expect(balancer.running).toBe(false);
    balancer.stop(); // stopping a stopped balancer is harmless
    expect(balancer.running).toBe(false);

    balancer.start();
    balancer.start();
    expect(balancer.running).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(check).toHaveBeenCalledTimes(1); // one timer, not two

    balancer.stop();
    balancer.stop();
    expect(balancer.running).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('check runs every checkIntervalMs, first after one interval, and stops after stop()', () => {
    vi.useFakeTimers();
    const balancer = new HierarchicalBalancer([], { checkIntervalMs: 250 });
    const check = vi.spyOn(balancer, 'check');
    balancer.start();
    expect(check).not.toHaveBeenCalled();
    vi.advanceTimersByTime(249);
    expect(check).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(check).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(check).toHaveBeenCalledTimes(5);
    balancer.stop();
    vi.advanceTimersByTime(1000);
    expect(check).toHaveBeenCalledTimes(5);
    balancer.start(); // restartable
    vi.advanceTimersByTime(250);
    expect(check).toHaveBeenCalledTimes(6);
    balancer.stop();
  });

  it('the timer drives steps through the default clock', () => {
    vi.useFakeTimers({ now: 0 });
    const capacity = team(6);
    const balancer = new HierarchicalBalancer([{ capacity, min: { gpu: 3 }, max: { gpu: 6 } }]);
    balancer.start();
    vi.advanceTimersByTime(5000); // idle since the first check at 1000
    expect(capacity.limits).toEqual({ gpu: 6 });
    vi.advanceTimersByTime(1000); // t=6000
    expect(capacity.limits).toEqual({ gpu: 5 });
    vi.advanceTimersByTime(5000); // t=11000
    expect(capacity.limits).toEqual({ gpu: 4 });
    balancer.stop();
  });

  it('time spent stopped does not count as continuous idleness', () => {
    let t = 0;
    vi.useFakeTimers();
    const capacity = team(6);
    const balancer = new HierarchicalBalancer([{ capacity, min: { gpu: 3 }, max: { gpu: 6 } }], {
      now: () => t,
    });
    balancer.check(); // idle since 0
    t = 60_000;
    balancer.start();
    t += 1000;
    vi.advanceTimersByTime(1000); // first check after restart starts a fresh period
    expect(capacity.limits).toEqual({ gpu: 6 });
    balancer.stop();
  });

  it('the interval is unref()ed so it never keeps the process alive', () => {
    const spy = vi.spyOn(globalThis, 'setInterval');
    const balancer = new HierarchicalBalancer([]);
    balancer.start();
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    balancer.stop();
  });
});
