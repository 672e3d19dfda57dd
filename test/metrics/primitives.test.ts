import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../../src/errors/option-errors.js';
import { Counter } from '../../src/metrics/counter.js';
import { Duration } from '../../src/metrics/duration.js';
import { UpDown } from '../../src/metrics/up-down.js';

describe('Counter', () => {
  it('adds 1 by default and any non-negative delta', () => {
    const c = new Counter();
    expect(c.value()).toBe(0);
    c.add();
    c.add(2.5);
    c.add(0);
    expect(c.value()).toBe(3.5);
  });

  it('rejects negative and non-finite deltas with InvalidOptionError and keeps its value', () => {
    const c = new Counter();
    c.add(4);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => c.add(bad)).toThrow(InvalidOptionError);
    }
    try {
      c.add(-1);
    } catch (err) {
      expect(err).toMatchObject({ code: 'ALLOT_INVALID_OPTION', option: 'delta', value: -1 });
    }
    expect(c.value()).toBe(4);
  });

  it('reset sets it back to 0', () => {
    const c = new Counter();
    c.add(7);
    c.reset();
    expect(c.value()).toBe(0);
  });
});

describe('UpDown', () => {
  it('goes up and down, including below 0', () => {
    const u = new UpDown();
    u.add(3);
    u.add(-5);
    expect(u.value()).toBe(-2);
    u.reset();
    expect(u.value()).toBe(0);
  });

  it('rejects a non-finite delta', () => {
    const u = new UpDown();
    expect(() => u.add(Number.NaN)).toThrow(InvalidOptionError);
    expect(u.value()).toBe(0);
  });
});

describe('Duration', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('validates windowMs', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Duration(bad)).toThrow(InvalidOptionError);
    }
  });

  it('records durations into a rolling window', () => {
    vi.useFakeTimers();
    vi.setSystemTime(10_000);
    const d = new Duration(1_000);
    d.record(100);
    d.record(200);
    d.record(150);
    expect(d.stats()).toEqual({ windowMs: 1_000, count: 3, sum: 450, avg: 150, min: 100, max: 200 });
    vi.setSystemTime(11_000);
    expect(d.stats().count).toBe(0);
  });

  it('rejects a negative or non-finite duration', () => {
    const d = new Duration(1_000);
    expect(() => d.record(-1)).toThrow(InvalidOptionError);
    expect(() => d.record(Number.NaN)).toThrow(InvalidOptionError);
    expect(d.stats().count).toBe(0);
  });

  it('start() returns a stop function that records and returns the elapsed performance.now() time once', () => {
    const now = vi.spyOn(performance, 'now');
    now.mockReturnValue(1_000);
    const d = new Duration(60_000);
    const stop = d.start();
    now.mockReturnValue(1_042.5);
    expect(stop()).toBe(42.5);
    now.mockReturnValue(2_000);
    expect(stop()).toBe(42.5); // a second call does not record again
    expect(d.stats()).toMatchObject({ count: 1, sum: 42.5, min: 42.5, max: 42.5 });
  });

  it('reset forgets recorded durations', () => {
    const d = new Duration(60_000);
    d.record(5);
    d.reset();
    expect(d.stats()).toEqual({ windowMs: 60_000, count: 0, sum: 0, avg: 0, min: null, max: null });
  });
});
