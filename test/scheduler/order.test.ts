import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource, Scheduler } from '../../src/index.js';
import { deferred, settle } from './helpers.js';

/** A scheduler whose tasks end only when the test says so; `starts` records the start order. */
function harness(options: ConstructorParameters<typeof Scheduler>[0]) {
  const s = new Scheduler(options);
  const starts: string[] = [];
  const ends = new Map<string, () => void>();
  const add = (key: string, cost: Record<string, number>, extra: { priority?: number } = {}) =>
    s.add(
      () => {
        starts.push(key);
        const d = deferred();
        ends.set(key, d.resolve);
        return d.promise;
      },
      { key, cost, ...extra },
    );
  const end = async (key: string) => {
    ends.get(key)?.();
    await settle();
  };
  return { s, starts, add, end };
}

describe('order', () => {
  it('fifo: a head that does not fit blocks everything behind it', async () => {
    const { s, starts, add, end } = harness({ limits: { gpu: 2, cpu: 3 }, order: 'fifo' });
    add('e1', { gpu: 2, cpu: 1 });
    add('e2', { gpu: 2, cpu: 1 });
    add('thumb', { cpu: 1 });
    await settle();
    expect(starts).toEqual(['e1']);
    expect(s.explain('thumb').reasons).toContainEqual({ kind: 'behind', key: 'e2' });
    await end('e1');
    expect(starts).toEqual(['e1', 'e2', 'thumb']);
  });

  it('backfill (the default): later tasks that fit start while the head waits', async () => {
    const { starts, add, end } = harness({ limits: { gpu: 2, cpu: 3 } });
    add('e1', { gpu: 2, cpu: 1 });
    add('e2', { gpu: 2, cpu: 1 });
    add('thumb', { cpu: 1 });
    await settle();
    expect(starts).toEqual(['e1', 'thumb']);
    await end('e1');
    expect(starts).toEqual(['e1', 'thumb', 'e2']);
  });

  it('after maxBypass passes the head reserves what it lacks; tasks that take none of it still pass', async () => {
    const { s, starts, add, end } = harness({ limits: { gpu: 2, cpu: 4 }, maxBypass: 2 });
    add('small-gpu', { gpu: 1 });
    add('big', { gpu: 2 });
    for (const k of ['g1', 'g2', 'g3']) add(k, { gpu: 1 });
    add('cpu-only', { cpu: 1 });
    await settle();
    // g1 passes the head (1 bypass); then nothing with gpu fits anyway; cpu-only passes (2 bypasses).
    expect(starts).toEqual(['small-gpu', 'g1', 'cpu-only']);
    await end('g1');
    // The head now holds a reservation: g2 would take the gpu it lacks, so it must wait.
    expect(starts).toEqual(['small-gpu', 'g1', 'cpu-only']);
    expect(s.explain('g2').reasons).toContainEqual({ kind: 'reservation', key: 'big' });
    await end('small-gpu');
    expect(starts).toEqual(['small-gpu', 'g1', 'cpu-only', 'big']);
    await end('big');
    expect(starts.slice(4)).toEqual(['g2', 'g3']);
  });

  it('maxBypassMs makes a head that waited long enough reserve, on the injected clock', async () => {
    let now = 0;
    const { starts, add, end } = harness({ limits: { gpu: 2 }, maxBypassMs: 100, now: () => now });
    add('a', { gpu: 1 });
    add('big', { gpu: 2 });
    add('b', { gpu: 1 });
    await settle();
    expect(starts).toEqual(['a', 'b']); // one pass, far below maxBypass
    now = 150;
    add('c', { gpu: 1 });
    await end('b');
    expect(starts).toEqual(['a', 'b']); // the head has waited 150 ms: c may not take its gpu
    await end('a');
    expect(starts).toEqual(['a', 'b', 'big']);
  });

  it('higher priority first among ready tasks, ties in order of becoming ready', async () => {
    const { starts, add, end } = harness({ limits: { slot: 1 } });
    add('first', { slot: 1 });
    await settle();
    add('low', { slot: 1 }, { priority: 0 });
    add('high', { slot: 1 }, { priority: 5 });
    add('low2', { slot: 1 }, { priority: 0 });
    add('mid', { slot: 1 }, { priority: 2 });
    for (const k of ['first', 'high', 'mid', 'low', 'low2']) await end(k);
    expect(starts).toEqual(['first', 'high', 'mid', 'low', 'low2']);
  });

  it('a burst of adds is decided together: the high-priority task of the burst goes first', async () => {
    const { starts, add } = harness({ limits: { slot: 1 } });
    add('low', { slot: 1 });
    add('high', { slot: 1 }, { priority: 1 });
    await settle();
    expect(starts).toEqual(['high']);
  });

  it('aging lifts a long-waiting task above newer higher-priority ones (injected clock)', async () => {
    let now = 0;
    const { starts, add, end } = harness({
      limits: { slot: 1 },
      aging: { rate: 0.01, maxBoost: 10 },
      now: () => now,
    });
    add('blocker', { slot: 1 });
    await settle();
    add('old-low', { slot: 1 }, { priority: 0 });
    now = 1000; // old-low has gained 10 (the cap)
    add('new-high', { slot: 1 }, { priority: 5 });
    await end('blocker');
    expect(starts).toEqual(['blocker', 'old-low']);
  });

  it('shares one capacity with another scheduler: neither over-commits the shared pool', async () => {
    const pool = new ResourceCapacitySource({ gpu: 2 });
    const a = harness({ capacity: pool });
    const b = harness({ capacity: new ResourceCapacitySource({ gpu: 2 }, pool) });
    a.add('a1', { gpu: 1 });
    a.add('a2', { gpu: 1 });
    b.add('b1', { gpu: 1 });
    await settle();
    expect([...a.starts, ...b.starts]).toEqual(['a1', 'a2']);
    expect(b.s.explain('b1').reasons).toContainEqual({
      kind: 'resource',
      resource: 'gpu',
      level: 1,
      need: 1,
      free: 0,
    });
    expect(b.s.explain('b1').message).toContain('parent pool');
    await a.end('a1');
    expect(b.starts).toEqual(['b1']); // woken by the other scheduler's release
  });
});
