import { describe, expect, it } from 'vitest';
import { CostExceedsLimitError, InvalidOptionError } from '../../src/errors/index.js';
import { SinkCapacityObj, SourceCapacityObj } from '../../src/legacy/capacity-objs.js';
import { CapacitySource } from '../../src/legacy/capacity-source.js';
import { ioTurns } from '../support/async.js';

/** Starts an acquire and records when it is granted. */
function acquireLogged(source: CapacitySource, label: string, log: string[]): Promise<number> {
  return source.acquire().then((capacity) => {
    log.push(label);
    return capacity;
  });
}

describe('CapacitySource', () => {
  it('starts full: maxCapacity and currentCapacity equal the initial capacity', () => {
    const source = new CapacitySource(3);
    expect(source.maxCapacity).toBe(3);
    expect(source.currentCapacity).toBe(3);
    expect(source.peek()).toBe(3);
    expect(source.parent).toBeUndefined();
  });

  it('rejects an initial capacity that is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number]) {
      expect(() => new CapacitySource(bad)).toThrow(InvalidOptionError);
    }
    expect(() => new CapacitySource(2, {} as CapacitySource)).toThrow(InvalidOptionError);
    expect(new CapacitySource(0).peek()).toBeUndefined();
  });

  it('acquire takes one unit here and from the parent and returns the new current capacity', async () => {
    const parent = new CapacitySource(5);
    const child = new CapacitySource(2, parent);
    expect(await child.acquire()).toBe(1);
    expect(child.currentCapacity).toBe(1);
    expect(parent.currentCapacity).toBe(4);
    await child.release();
    expect(child.currentCapacity).toBe(2);
    expect(parent.currentCapacity).toBe(5);
  });

  it('peek returns currentCapacity only when this source and every ancestor have a unit free', async () => {
    const root = new CapacitySource(1);
    const mid = new CapacitySource(3, root);
    const leaf = new CapacitySource(2, mid);
    expect(leaf.peek()).toBe(2);
    await root.acquire();
    expect(leaf.peek()).toBeUndefined();
    expect(mid.peek()).toBeUndefined();
    expect(leaf.currentCapacity).toBe(2);
    await root.release();
    expect(leaf.peek()).toBe(2);
  });

  it('acquire blocks while no unit is free and waiters are served first come, first served', async () => {
    const source = new CapacitySource(1);
    await source.acquire();
    const log: string[] = [];
    const a = acquireLogged(source, 'a', log);
    const b = acquireLogged(source, 'b', log);
    const c = acquireLogged(source, 'c', log);
    await ioTurns(3);
    expect(log).toEqual([]);
    await source.release();
    expect(await a).toBe(0);
    await ioTurns(3);
    expect(log).toEqual(['a']);
    await source.release();
    await source.release();
    await Promise.all([b, c]);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(source.currentCapacity).toBe(0);
  });

  it('a waiter keeps its turn: tryAcquire does not barge past a queued acquire', async () => {
    const parent = new CapacitySource(1);
    const child = new CapacitySource(2, parent);
    await parent.acquire();
    const waiting = child.acquire();
    expect(child.tryAcquire()).toBe(false);
    await parent.release();
    expect(await waiting).toBe(1);
    expect(parent.currentCapacity).toBe(0);
    expect(child.tryAcquire()).toBe(false);
  });

  it('a release at the parent wakes a waiter of its child (and of a grandchild)', async () => {
    const root = new CapacitySource(1);
    const child = new CapacitySource(2, root);
    const grandchild = new CapacitySource(2, child);
    await root.acquire();
    const log: string[] = [];
    const c = acquireLogged(child, 'child', log);
    const g = acquireLogged(grandchild, 'grandchild', log);
    await ioTurns(3);
    expect(log).toEqual([]);
    await root.release();
    await c;
    await ioTurns(3);
    expect(log).toEqual(['child']);
    await child.release(); // gives the root its unit back too
    await g;
    expect(log).toEqual(['child', 'grandchild']);
    expect(root.currentCapacity).toBe(0);
    expect(grandchild.currentCapacity).toBe(1);
  });

  it("a sibling's release wakes the other child's waiter; no waiter is lost", async () => {
    const parent = new CapacitySource(2);
    const left = new CapacitySource(2, parent);
    const right = new CapacitySource(2, parent);
    await left.acquire();
    await left.acquire();
    const log: string[] = [];
    const waiters = [
      acquireLogged(right, 'r1', log),
      acquireLogged(right, 'r2', log),
      acquireLogged(left, 'l3', log),
    ];
    await ioTurns(3);
    expect(log).toEqual([]);
    await left.release();
    await left.release();
    await ioTurns(3);
    // The two freed units went to waiters; the third is still queued, nothing was granted twice.
    expect(log.length).toBe(2);
    expect(parent.currentCapacity).toBe(0);
    await (log.includes('l3') ? right : left).release();
    await Promise.all(waiters);
    expect(log.sort()).toEqual(['l3', 'r1', 'r2']);
  });

  it('release never goes above the maximum, at any level', async () => {
    const parent = new CapacitySource(3);
    const child = new CapacitySource(1, parent);
    await child.release();
    await child.release();
    expect(child.currentCapacity).toBe(1);
    expect(parent.currentCapacity).toBe(3);
    await parent.acquire();
    await child.release();
    expect(parent.currentCapacity).toBe(3);
    expect(child.currentCapacity).toBe(1);
  });

  it('acquire on a chain with a zero-capacity level rejects instead of hanging', async () => {
    const parent = new CapacitySource(0);
    const child = new CapacitySource(2, parent);
    await expect(child.acquire()).rejects.toBeInstanceOf(CostExceedsLimitError);
    await expect(child.acquire()).rejects.toMatchObject({ level: 1 });
    expect(child.currentCapacity).toBe(2);
  });

  it('changed() resolves at the next release here or at an ancestor', async () => {
    const parent = new CapacitySource(1);
    const child = new CapacitySource(1, parent);
    let fired = 0;
    void child.changed().then(() => fired++);
    await parent.acquire();
    await ioTurns(3);
    expect(fired).toBe(0);
    await parent.release();
    await ioTurns(3);
    expect(fired).toBe(1);
  });
});

describe('SourceCapacityObj / SinkCapacityObj', () => {
  it('pulling takes a unit and yields the capacity left; pushing gives one back', async () => {
    const slots = new CapacitySource(2);
    const take = new SourceCapacityObj(slots);
    const give = new SinkCapacityObj(slots);
    expect(take.peek()).toEqual({ capacity: 1 });
    const first = await take.next();
    expect(first).toEqual({ done: false, value: { capacity: 1 } });
    expect((await take.next()).value).toEqual({ capacity: 0 });
    expect(take.peek()).toBeUndefined();
    let third: unknown;
    const pending = take.next().then((r) => {
      third = r.value;
    });
    await ioTurns(3);
    expect(third).toBeUndefined();
    await give.next({ capacity: 0 });
    await pending;
    expect(third).toEqual({ capacity: 0 });
    await give.next({ capacity: 0 });
    await give.next({ capacity: 0 });
    expect(slots.currentCapacity).toBe(2);
    await take.return();
    expect(take.done).toBe(true);
    expect(slots.currentCapacity).toBe(2);
  });
});
