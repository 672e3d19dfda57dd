import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/index.js';
import { deferred, outcome, settle } from './helpers.js';

describe('edge cases a careful user can reach', () => {
  it('a listener that cancels a later task of the same addAll batch: that task never starts', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const started: string[] = [];
    s.on('start', ({ key }) => started.push(key));
    s.on('queued', ({ key }) => {
      if (key === 'A') s.cancel('B');
    });
    const [a, b] = s.addAll([
      { key: 'A', run: () => 'a' },
      { key: 'B', run: () => 'b' },
    ]);
    expect(b?.state).toBe('cancelled');
    expect(await a).toBe('a');
    expect((await outcome(b as PromiseLike<unknown>)).ok).toBe(false);
    await s.onIdle();
    expect(started).toEqual(['A']);
    expect(s.stats).toMatchObject({ completed: 1, cancelled: 1, failed: 0, running: 0, queued: 0 });
  });

  it('a stream whose return() throws when cancelled: no unhandled rejection, its capacity comes back', async () => {
    const s = new Scheduler({ limits: { cpu: 1 } });
    const stop = deferred<IteratorResult<number>>();
    const h = s.add(
      () => ({
        [Symbol.asyncIterator]() {
          return this;
        },
        next: () => stop.promise,
        return: () => {
          throw new Error('cannot stop');
        },
      }),
      { key: 'stream', cost: { cpu: 1 } },
    );
    await settle();
    expect(h.state).toBe('running');
    h.cancel();
    expect(s.stats.releasing).toBe(1);
    stop.resolve({ done: false, value: 1 }); // the pending next() answers; the stream is then asked to stop
    await s.onIdle();
    expect(s.stats.releasing).toBe(0);
    expect(s.capacity.inUse).toEqual({ cpu: 0 });
  });

  it('addAll: an unnamed item never takes a task-N key that a later item names', () => {
    const run = () => 1;
    const s = new Scheduler({ limits: { cpu: 1 } });
    const [a, b] = s.addAll([{ run }, { run, key: 'task-1' }]);
    expect(b?.key).toBe('task-1');
    expect(a?.key).not.toBe('task-1');
    expect(() =>
      s.addAll([
        { run, key: 'x' },
        { run, key: 'x' },
      ]),
    ).toThrow(/"x"/);
  });

  it('with aging and a moving clock, a cancelled task never comes back out of the queue', async () => {
    // The clock moves on every reading once armed, so two readings in one decision would disagree.
    let t = 0;
    let armed = false;
    const now = () => {
      if (armed) t += 0.25;
      return t;
    };
    const s = new Scheduler({ limits: { gpu: 1, cpu: 1 }, aging: { rate: 1, maxBoost: 10 }, now });
    const cpu = deferred();
    const gpu = deferred();
    const started: string[] = [];
    s.on('start', ({ key }) => started.push(key));
    s.add(() => cpu.promise, { key: 'B', cost: { cpu: 1 } });
    s.add(() => gpu.promise, { key: 'G', cost: { gpu: 1 } });
    await settle();
    const h = s.add(() => 'h', { key: 'H', cost: { gpu: 1, cpu: 1 }, priority: 100 });
    const x = s.add(() => 'x', { key: 'X', cost: { gpu: 1 }, priority: 5 });
    t = 2;
    const w = s.add(() => 'w', { key: 'W', cost: { gpu: 1 }, priority: 6 });
    await settle();
    w.cancel();
    t = 9.4;
    armed = true;
    gpu.resolve();
    await settle();
    armed = false;
    cpu.resolve();
    expect(await x).toBe('x');
    expect(await h).toBe('h');
    await s.onIdle();
    expect(started).not.toContain('W');
    expect(w.state).toBe('cancelled');
    expect(s.stats).toMatchObject({ completed: 4, cancelled: 1, failed: 0, queued: 0, running: 0 });
  });
});
