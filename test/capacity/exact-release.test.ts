import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { collect, deferred, ioTurns } from '../support/async.js';

describe('a direct release gives back exactly what was taken, level by level', () => {
  it('does not give back to an ancestor that started tracking the resource after the take', () => {
    const parent = new ResourceCapacitySource({ gpu: 4 });
    const child = new ResourceCapacitySource({ cpu: 4 }, parent);
    child.acquireImmediate({ cpu: 2 }); // the parent does not track cpu yet: it lends none
    parent.setLimits({ cpu: 2 });
    parent.acquireImmediate({ cpu: 2 }); // the parent's own use
    child.release({ cpu: 2 });
    expect(child.inUse).toEqual({ cpu: 0 });
    expect(parent.inUse).toEqual({ gpu: 0, cpu: 2 });
    expect(parent.available).toEqual({ gpu: 4, cpu: 0 });
  });

  it('so the parent pool never runs more tasks than its limit allows', async () => {
    const parent = new ResourceCapacitySource({ gpu: 4 });
    const child = new ResourceCapacitySource({ cpu: 4 }, parent);
    child.acquireImmediate({ cpu: 2 });
    parent.setLimits({ cpu: 2 });
    let running = 0;
    let peak = 0;
    const gate = deferred();
    const tasks: ScheduledTask<never, string>[] = [1, 2, 3, 4].map((i) => ({
      key: `t${i}`,
      cost: { cpu: 1 },
      runner: async () => {
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
        return 'ok';
      },
    }));
    const done = collect(new ScheduledTaskPoolRunner('p', new SourceBufferObj(tasks), parent).runTasks());
    await Promise.resolve();
    child.release({ cpu: 2 }); // while two parent tasks hold the parent's whole cpu
    await new Promise((r) => setImmediate(r));
    gate.resolve();
    await done;
    expect(peak).toBe(2);
  });

  it('matches a release to the oldest outstanding acquisition of the same cost', () => {
    const parent = new ResourceCapacitySource({ gpu: 4 });
    const child = new ResourceCapacitySource({ cpu: 4 }, parent);
    child.acquireImmediate({ cpu: 2 }); // child only
    parent.setLimits({ cpu: 4 });
    child.acquireImmediate({ cpu: 2 }); // child and parent
    child.release({ cpu: 2 }); // the first one: gives back at the child only
    expect([child.inUse.cpu, parent.inUse.cpu]).toEqual([2, 2]);
    child.release({ cpu: 2 });
    expect([child.inUse.cpu, parent.inUse.cpu]).toEqual([0, 0]);
  });

  it('a release of a different amount gives back at most what is outstanding at each level', () => {
    const parent = new ResourceCapacitySource({ gpu: 8 });
    const child = new ResourceCapacitySource({ gpu: 4 }, parent);
    child.acquireImmediate({ gpu: 3 });
    parent.acquireImmediate({ gpu: 2 });
    child.release({ gpu: 1 });
    expect([child.inUse.gpu, parent.inUse.gpu]).toEqual([2, 4]);
    child.release({ gpu: 5 });
    expect([child.inUse.gpu, parent.inUse.gpu]).toEqual([0, 2]);
  });

  it('after a reset, releases free at most what was taken since: nothing is freed twice, nothing leaks', () => {
    const pool = new ResourceCapacitySource({ slots: 1 });
    pool.acquireImmediate({ slots: 1 });
    pool.reset(); // forgets the holding (code that uses reset() as its refill may never release it)
    pool.acquireImmediate({ slots: 1 }); // a new holder
    // A release names no holder: it goes to the oldest acquisition that still holds something, the new one.
    pool.release({ slots: 1 });
    expect(pool.available).toEqual({ slots: 1 });
    pool.release({ slots: 1 }); // nothing outstanding any more: nothing freed
    expect(pool.inUse).toEqual({ slots: 0 });
    pool.acquireImmediate({ slots: 1 });
    pool.release({ slots: 1 });
    expect(pool.available).toEqual({ slots: 1 });
  });

  it('a release is matched whatever order its keys are written in, and zero amounts do not matter', () => {
    const parent = new ResourceCapacitySource({ b: 4 });
    const child = new ResourceCapacitySource({ a: 4, b: 4 }, parent);
    child.tryAcquire({ a: 1, b: 1 });
    child.release({ b: 1, a: 1, c: 0 });
    parent.setLimits({ a: 4 });
    child.tryAcquire({ a: 1, b: 1 });
    child.release({ a: 1, b: 1 });
    expect([child.inUse, parent.inUse]).toEqual([
      { a: 0, b: 0 },
      { b: 0, a: 0 },
    ]);
  });

  it('acquire, reconcile, release cycles match exactly and keep nothing behind', () => {
    const pool = new ResourceCapacitySource({ gpu: 4 });
    for (let i = 0; i < 3000; i++) {
      pool.tryAcquire({ gpu: 4 });
      pool.reconcile({ gpu: 4 }, { gpu: 2 });
      pool.release({ gpu: 2 });
    }
    expect(pool.available).toEqual({ gpu: 4 });
    pool.tryAcquire({ gpu: 4 });
    pool.reset();
    pool.tryAcquire({ gpu: 4 });
    pool.release({ gpu: 4 });
    expect(pool.available).toEqual({ gpu: 4 });
  });

  it('a direct reconcile gives back at most what the source itself holds (never what a task holds)', () => {
    const pool = new ResourceCapacitySource({ gpu: 4 });
    pool.tryAcquire({ gpu: 1 });
    pool.reconcile({ gpu: 3 }, { gpu: 0 }); // claims a surplus of 3, but only 1 is held through the source
    expect(pool.inUse).toEqual({ gpu: 0 });
    pool.tryAcquire({ gpu: 2 });
    expect(pool.inUse).toEqual({ gpu: 2 });
  });

  it('the same holds for tasks a runner started before a reset', async () => {
    const pool = new ResourceCapacitySource({ slots: 1 });
    let running = 0;
    let runningWhenCStarted = -1;
    const first = deferred();
    const second = deferred();
    const task = (key: string, wait: Promise<void>): ScheduledTask<never, string> => ({
      key,
      cost: { slots: 1 },
      runner: async () => {
        running++;
        if (key === 'c') runningWhenCStarted = running;
        await wait;
        running--;
        return key;
      },
    });
    const source = new SourceBufferObj([
      task('a', first.promise),
      task('b', second.promise),
      task('c', Promise.resolve()),
    ]);
    const done = collect(new ScheduledTaskPoolRunner('p', source, pool).runTasks());
    await ioTurns(1);
    pool.reset(); // 'a' is forgotten: 'b' may start beside it (the documented effect of a reset)
    await ioTurns(1);
    expect(running).toBe(2);
    first.resolve(); // 'a' ends: its release must not free the slot 'b' holds
    await ioTurns(2);
    second.resolve();
    const envelopes = await done;
    expect(envelopes.map((e) => `${e.type} ${e.key}`)).toEqual(['FINAL a', 'FINAL b', 'FINAL c']);
    expect(runningWhenCStarted).toBe(1); // c waited for b, although a's (forgotten) slot came back
    expect(pool.available).toEqual({ slots: 1 });
  });
});
