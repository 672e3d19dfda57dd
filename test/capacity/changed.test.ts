import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { flushMicrotasks, track } from '../support/async.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('changed(): no lost wake-ups, every waiter that could proceed wakes', () => {
  it('wakes every waiter on one source', async () => {
    const src = new ResourceCapacitySource({ gpu: 1 });
    src.acquireImmediate({ gpu: 1 });
    const a = track(src.changed());
    const b = track(src.changed());
    await flushMicrotasks();
    expect([a.settled, b.settled]).toEqual([false, false]);
    src.release({ gpu: 1 });
    await flushMicrotasks();
    expect([a.settled, b.settled]).toEqual([true, true]);
  });

  it('is not woken by acquiring, and each capacity-increasing event wakes it', async () => {
    const src = new ResourceCapacitySource({ gpu: 4 });
    const ops: Array<() => void> = [
      () => src.release({ gpu: 1 }),
      () => src.setLimits({ gpu: 5 }),
      () => src.reset(),
      () => src.increment({ gpu: 1 }),
      () => src.reconcile({ gpu: 1 }, { gpu: 0 }),
    ];
    for (const op of ops) {
      const waiter = track(src.changed());
      src.acquireImmediate({ gpu: 1 });
      src.tryAcquire({ gpu: 1 });
      await flushMicrotasks();
      expect(waiter.settled).toBe(false);
      op();
      await flushMicrotasks();
      expect(waiter.settled).toBe(true);
    }
  });

  it('wakes a child waiter when a sibling releases into the shared parent', async () => {
    const parent = new ResourceCapacitySource({ gpu: 2 });
    const teamA = new ResourceCapacitySource({ gpu: 2 }, parent);
    const teamB = new ResourceCapacitySource({ gpu: 2 }, parent);
    teamB.acquireImmediate({ gpu: 2 });
    expect(teamA.canAcquire({ gpu: 1 })).toBe(false);
    const waiter = track(teamA.changed());
    const again = track(teamA.changed()); // repeated calls while blocked are fine
    await flushMicrotasks();
    expect(waiter.settled).toBe(false);
    teamB.release({ gpu: 2 });
    await flushMicrotasks();
    expect([waiter.settled, again.settled]).toEqual([true, true]);
    expect(teamA.canAcquire({ gpu: 1 })).toBe(true);
  });

  it('wakes a grandchild waiter when the root’s limits are raised', async () => {
    const root = new ResourceCapacitySource({ gpu: 0 });
    const mid = new ResourceCapacitySource({ gpu: 4 }, root);
    const leaf = new ResourceCapacitySource({ gpu: 4 }, mid);
    const waiter = track(leaf.changed());
    await flushMicrotasks();
    root.setLimits({ gpu: 2 });
    await flushMicrotasks();
    expect(waiter.settled).toBe(true);
    // A later generation works too.
    const next = track(leaf.changed());
    await flushMicrotasks();
    expect(next.settled).toBe(false);
    root.increment({ gpu: 1 });
    await flushMicrotasks();
    expect(next.settled).toBe(true);
  });

  it('wakes a child waiter when the parent’s setLimits raises capacity', async () => {
    const parent = new ResourceCapacitySource({ gpu: 1 });
    const child = new ResourceCapacitySource({ gpu: 4 }, parent);
    child.acquireImmediate({ gpu: 1 });
    const waiter = track(child.changed());
    await flushMicrotasks();
    expect(waiter.settled).toBe(false);
    parent.setLimits({ gpu: 3 });
    await flushMicrotasks();
    expect(waiter.settled).toBe(true);
    expect(child.canAcquire({ gpu: 2 })).toBe(true);
  });

  it('wakes a child of a quota when the quota’s timer resets it', async () => {
    vi.useFakeTimers();
    const quota = new QuotaCapacitySource({ requests: 2 });
    const pool = new ResourceCapacitySource({ requests: 5 }, quota);
    pool.acquireImmediate({ requests: 2 });
    pool.release({ requests: 2 }); // the quota stays consumed
    quota.startPeriodicReset(1_000);
    const waiter = track(pool.changed());
    await flushMicrotasks();
    expect(waiter.settled).toBe(false);
    vi.advanceTimersByTime(1_000);
    await flushMicrotasks();
    expect(waiter.settled).toBe(true);
    expect(pool.canAcquire({ requests: 2 })).toBe(true);
    quota.stopTimer();
  });

  it('a parent waiter is not woken by a change in a child only', async () => {
    const parent = new ResourceCapacitySource({ gpu: 4 });
    const child = new ResourceCapacitySource({ gpu: 4 }, parent);
    const waiter = track(parent.changed());
    child.setLimits({ gpu: 5 });
    await flushMicrotasks();
    expect(waiter.settled).toBe(false);
  });
});
