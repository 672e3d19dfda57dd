import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors/option-errors.js';
import { RollingWindow } from '../../src/metrics/rolling-window.js';

const EMPTY = { count: 0, sum: 0, avg: 0, min: null, max: null };

describe('RollingWindow', () => {
  it('observing 100, 200, 150 gives count 3, sum 450, avg 150, min 100, max 200; empty is 0/0/0/null/null', () => {
    const w = new RollingWindow(60_000);
    expect(w.stats(0)).toEqual({ windowMs: 60_000, ...EMPTY });
    w.observe(100, 1_000);
    w.observe(200, 1_001);
    w.observe(150, 1_002);
    expect(w.stats(1_003)).toEqual({ windowMs: 60_000, count: 3, sum: 450, avg: 150, min: 100, max: 200 });
  });

  it('observing 100, 200, 150 with default timestamps (Date.now()) gives the same stats', () => {
    const w = new RollingWindow(60_000);
    w.observe(100);
    w.observe(200);
    w.observe(150);
    expect(w.stats()).toMatchObject({ count: 3, sum: 450, avg: 150, min: 100, max: 200 });
  });

  it('validates windowMs, value, atMs and nowMs', () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RollingWindow(bad)).toThrow(InvalidOptionError);
    }
    const w = new RollingWindow(1_000);
    expect(() => w.observe(Number.NaN, 0)).toThrow(InvalidOptionError);
    expect(() => w.observe(1, Number.NaN)).toThrow(InvalidOptionError);
    expect(() => w.stats(Number.POSITIVE_INFINITY)).toThrow(InvalidOptionError);
    expect(w.stats(0).count).toBe(0);
  });

  it('an observation counts while its age is below windowMs and is evicted at exactly windowMs', () => {
    const w = new RollingWindow(1_000);
    w.observe(5, 100);
    expect(w.stats(1_099).count).toBe(1);
    expect(w.stats(1_100)).toEqual({ windowMs: 1_000, ...EMPTY });
  });

  it('keeps min and max correct after the extremes are evicted', () => {
    const w = new RollingWindow(100);
    w.observe(1, 0); // min, evicted first
    w.observe(9, 10); // max, evicted second
    w.observe(5, 50);
    w.observe(3, 60);
    expect(w.stats(60)).toMatchObject({ count: 4, min: 1, max: 9 });
    expect(w.stats(100)).toMatchObject({ count: 3, min: 3, max: 9 });
    expect(w.stats(110)).toMatchObject({ count: 2, sum: 8, min: 3, max: 5 });
    expect(w.stats(155)).toMatchObject({ count: 1, sum: 3, min: 3, max: 3 });
  });

  it('merges observations with the same timestamp without losing min, max or count', () => {
    const w = new RollingWindow(100);
    w.observe(4, 10);
    w.observe(7, 20);
    w.observe(2, 20);
    w.observe(9, 20);
    expect(w.stats(20)).toEqual({ windowMs: 100, count: 4, sum: 22, avg: 5.5, min: 2, max: 9 });
    expect(w.stats(110)).toEqual({ windowMs: 100, count: 3, sum: 18, avg: 6, min: 2, max: 9 });
  });

  it('treats a timestamp earlier than the latest as the latest (clock stepping back)', () => {
    const w = new RollingWindow(100);
    w.observe(1, 500);
    w.observe(2, 400);
    expect(w.stats(599)).toMatchObject({ count: 2, sum: 3 });
    expect(w.stats(600).count).toBe(0);
  });

  it('reset forgets everything and accepts older timestamps again', () => {
    const w = new RollingWindow(100);
    w.observe(1, 500);
    w.reset();
    expect(w.stats(500)).toEqual({ windowMs: 100, ...EMPTY });
    w.observe(3, 10);
    expect(w.stats(20)).toMatchObject({ count: 1, sum: 3, min: 3, max: 3 });
  });

  it('handles many observations and full eviction (ring buffer growth and shrink)', () => {
    const w = new RollingWindow(1_000);
    for (let t = 0; t < 20_000; t++) w.observe(t % 7, t);
    const s = w.stats(19_999);
    expect(s.count).toBe(1_000);
    expect(s.min).toBe(0);
    expect(s.max).toBe(6);
    expect(w.stats(1_000_000)).toEqual({ windowMs: 1_000, ...EMPTY });
    w.observe(2, 1_000_000);
    expect(w.stats(1_000_000)).toMatchObject({ count: 1, sum: 2, min: 2, max: 2 });
  });

  it('agrees with a naive model under random observe/stats sequences', () => {
    type Op = { kind: 'observe'; value: number; dt: number } | { kind: 'stats'; dt: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('observe' as const),
        value: fc.integer({ min: -50, max: 50 }),
        dt: fc.integer({ min: 0, max: 30 }),
      }),
      fc.record({ kind: fc.constant('stats' as const), dt: fc.integer({ min: 0, max: 60 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(op, { maxLength: 120 }), (windowMs, ops) => {
        const w = new RollingWindow(windowMs);
        const model: { at: number; value: number }[] = [];
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          if (o.kind === 'observe') {
            w.observe(o.value, now);
            model.push({ at: now, value: o.value });
            continue;
          }
          const live = model.filter((m) => now - m.at < windowMs).map((m) => m.value);
          const sum = live.reduce((a, b) => a + b, 0);
          expect(w.stats(now)).toEqual({
            windowMs,
            count: live.length,
            sum,
            avg: live.length === 0 ? 0 : sum / live.length,
            min: live.length === 0 ? null : Math.min(...live),
            max: live.length === 0 ? null : Math.max(...live),
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
