import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource, Scheduler } from '../../src/index.js';
import { deferred, settle } from '../scheduler/helpers.js';

// costFitsBeside, through the Scheduler's reservation: once a blocked head holds a reservation (at once with
// maxBypass 0), a later task may start only if it fits with the head's whole cost set aside, at every level
// of the capacity chain — not merely if it fits.

type Cost = Record<string, number>;

/** A scheduler whose tasks end when the test says so; `starts` records the start order (from 'start' events). */
function harness(options: ConstructorParameters<typeof Scheduler>[0]) {
  const s = new Scheduler(options);
  const starts: string[] = [];
  s.on('start', ({ key }) => starts.push(key));
  const ends = new Map<string, () => void>();
  const add = (key: string, cost: Cost) =>
    s.add(
      () => {
        const d = deferred();
        ends.set(key, d.resolve);
        return d.promise;
      },
      { key, cost },
    );
  const end = async (key: string) => {
    const resolve = ends.get(key);
    if (resolve === undefined) throw new Error(`${key} is not running`);
    resolve();
    await settle();
  };
  return { s, starts, add, end };
}

describe('a reserved head lets through only what fits beside it (one level)', () => {
  it('limits gpu 2, cpu 8; running gpu 1; head { gpu 2, cpu 1 }: cpu 2 and cpu 5 pass, gpu 1 and cpu 6 wait', async () => {
    const { s, starts, add, end } = harness({ limits: { gpu: 2, cpu: 8 }, maxBypass: 0 });
    add('running', { gpu: 1 });
    add('head', { gpu: 2, cpu: 1 });
    add('cpu2', { cpu: 2 }); // 2 + 1 ≤ 8: fits beside the head
    add('gpu1', { gpu: 1 }); // fits now (1 + 1 ≤ 2), but takes the gpu the head needs
    add('cpu6', { cpu: 6 }); // fits now (2 + 6 ≤ 8), but 2 + 6 + 1 > 8
    add('cpu5', { cpu: 5 }); // 2 + 5 + 1 = 8: fits beside, exactly
    add('cpu1', { cpu: 1 }); // fits now (7 + 1 ≤ 8), but 7 + 1 + 1 > 8
    await settle();
    expect(starts).toEqual(['running', 'cpu2', 'cpu5']);
    expect(s.stats.running).toBe(3);
    expect(s.capacity.inUse).toEqual({ gpu: 1, cpu: 7 });
    // Releases that do not let the head start let nothing else through either.
    await end('cpu5');
    expect(starts).toEqual(['running', 'cpu2', 'cpu5', 'cpu1']); // 2 + 1 + 1 ≤ 8
    await end('running');
    // The head starts first; the gpu task behind it never went ahead of it.
    expect(starts).toEqual(['running', 'cpu2', 'cpu5', 'cpu1', 'head']);
    await end('head');
    expect(starts.slice(5)).toEqual(['gpu1']); // cpu6 still does not fit: 3 + 6 > 8
    await end('cpu2');
    expect(starts.slice(5)).toEqual(['gpu1', 'cpu6']);
    await end('cpu1');
    await end('gpu1');
    await end('cpu6');
    await s.onIdle();
    expect(s.capacity.inUse).toEqual({ gpu: 0, cpu: 0 });
  });

  it('the boundary: a task that fills the rest exactly beside the head passes, one unit more waits', async () => {
    const { starts, add, end } = harness({ limits: { gpu: 2, cpu: 8 }, maxBypass: 0 });
    add('running', { gpu: 1 });
    add('head', { gpu: 2, cpu: 1 });
    add('cpu8', { cpu: 8 }); // fits now (8 ≤ 8), but 8 + 1 > 8
    add('cpu7', { cpu: 7 }); // 7 + 1 = 8
    await settle();
    expect(starts).toEqual(['running', 'cpu7']);
    await end('running');
    expect(starts).toEqual(['running', 'cpu7', 'head']);
    await end('cpu7');
    await end('head');
    expect(starts).toEqual(['running', 'cpu7', 'head', 'cpu8']);
    await end('cpu8');
  });

  it('without a reservation yet (maxBypass not reached), the same tasks pass if they merely fit', async () => {
    // The control case: what the reservation changes. With maxBypass 10 the head holds no reservation, so
    // gpu1 and cpu6 start although they delay the head.
    const { starts, add } = harness({ limits: { gpu: 2, cpu: 8 }, maxBypass: 10 });
    add('running', { gpu: 1 });
    add('head', { gpu: 2, cpu: 1 });
    add('cpu2', { cpu: 2 });
    add('gpu1', { gpu: 1 });
    add('cpu6', { cpu: 6 });
    await settle();
    expect(starts).toEqual(['running', 'cpu2', 'gpu1', 'cpu6']);
  });

  it('a task sharing no resource with the reserved head passes whatever the head lacks', async () => {
    const { starts, add, end } = harness({ limits: { gpu: 2, cpu: 8, mem: 4 }, maxBypass: 0 });
    add('running', { gpu: 2 });
    add('head', { gpu: 2, cpu: 8 });
    add('mem', { mem: 4 }); // the head takes no mem
    add('cpu', { cpu: 1 }); // 1 + 8 > 8
    await settle();
    expect(starts).toEqual(['running', 'mem']);
    await end('running');
    expect(starts).toEqual(['running', 'mem', 'head']);
    await end('head');
    expect(starts).toEqual(['running', 'mem', 'head', 'cpu']);
  });

  it('fractional amounts are set aside exactly', async () => {
    const { starts, add, end } = harness({ limits: { gpu: 1, cpu: 1 }, maxBypass: 0 });
    add('running', { gpu: 0.5 });
    add('head', { gpu: 1, cpu: 0.3 });
    add('cpu0.8', { cpu: 0.8 }); // 0.8 + 0.3 > 1
    add('cpu0.7', { cpu: 0.7 }); // 0.7 + 0.3 = 1, exactly
    await settle();
    expect(starts).toEqual(['running', 'cpu0.7']);
    await end('running');
    expect(starts).toEqual(['running', 'cpu0.7', 'head']);
    await end('cpu0.7');
    await end('head');
    expect(starts).toEqual(['running', 'cpu0.7', 'head', 'cpu0.8']);
  });

  it('fractions that add up past a whole unit (0.5 in use + 0.7 + 0.9) are carried exactly', async () => {
    const { starts, add, end } = harness({ limits: { gpu: 1, cpu: 3 }, maxBypass: 0 });
    add('running', { gpu: 1, cpu: 0.5 });
    add('head', { gpu: 1, cpu: 0.9 });
    add('cpu1.7', { cpu: 1.7 }); // 0.5 + 1.7 + 0.9 = 3.1 > 3
    add('cpu1.6', { cpu: 1.6 }); // 0.5 + 1.6 + 0.9 = 3, exactly
    await settle();
    expect(starts).toEqual(['running', 'cpu1.6']);
    await end('running');
    expect(starts).toEqual(['running', 'cpu1.6', 'head']);
    await end('cpu1.6');
    expect(starts).toEqual(['running', 'cpu1.6', 'head', 'cpu1.7']);
    await end('head');
    await end('cpu1.7');
  });
});

describe('a reserved head lets through only what fits beside it at every level (child of a parent)', () => {
  it('the head is short at the parent: a task that fits in the child but takes the parent units it needs waits', async () => {
    // The child is roomier than the parent: the parent decides.
    const parent = new ResourceCapacitySource({ gpu: 2, cpu: 8 });
    const child = new ResourceCapacitySource({ gpu: 4, cpu: 16 }, parent);
    const { s, starts, add, end } = harness({ capacity: child, maxBypass: 0 });
    add('running', { gpu: 1 });
    add('head', { gpu: 2, cpu: 1 }); // child: 1 + 2 ≤ 4; parent: 1 + 2 > 2
    add('gpu1', { gpu: 1 }); // child beside: 1 + 1 + 2 ≤ 4; parent beside: 1 + 1 + 2 > 2 (fits now: 2 ≤ 2)
    add('cpu8', { cpu: 8 }); // child beside: 8 + 1 ≤ 16; parent beside: 8 + 1 > 8 (fits now: 8 ≤ 8)
    add('cpu7', { cpu: 7 }); // parent beside: 7 + 1 = 8
    await settle();
    expect(starts).toEqual(['running', 'cpu7']);
    expect(parent.inUse).toEqual({ gpu: 1, cpu: 7 });
    await end('running');
    expect(starts).toEqual(['running', 'cpu7', 'head']);
    await end('cpu7');
    await end('head');
    expect(starts).toEqual(['running', 'cpu7', 'head', 'gpu1', 'cpu8']);
    await end('gpu1');
    await end('cpu8');
    await s.onIdle();
    expect(parent.inUse).toEqual({ gpu: 0, cpu: 0 });
    expect(s.capacity.inUse).toEqual({ gpu: 0, cpu: 0 });
  });

  it('the parent is shared with a sibling: its holdings count, and their release lets the head start first', async () => {
    const parent = new ResourceCapacitySource({ gpu: 4 });
    const child = new ResourceCapacitySource({ gpu: 4, cpu: 8 }, parent);
    const sibling = new ResourceCapacitySource({ gpu: 4 }, parent);
    sibling.acquireImmediate({ gpu: 2 }); // parent: 2 of 4 in use
    const { starts, add, end } = harness({ capacity: child, maxBypass: 0 });
    add('running', { gpu: 1 }); // parent 3 of 4
    add('head', { gpu: 2, cpu: 1 }); // child 1 + 2 ≤ 4, parent 3 + 2 > 4
    add('gpu1', { gpu: 1 }); // fits now (child 2 ≤ 4, parent 4 ≤ 4) but parent beside: 3 + 1 + 2 > 4
    add('cpu4', { cpu: 4 }); // the parent tracks no cpu: child beside 4 + 1 ≤ 8
    await settle();
    expect(starts).toEqual(['running', 'cpu4']);
    // The sibling gives back: the parent now has room for the head (1 + 2 ≤ 4), and the head goes first;
    // then gpu1 fits at both levels (child 3 + 1 ≤ 4, parent 3 + 1 ≤ 4).
    sibling.release({ gpu: 2 });
    await settle();
    expect(starts).toEqual(['running', 'cpu4', 'head', 'gpu1']);
    expect(parent.inUse).toEqual({ gpu: 4 });
    await end('cpu4');
    await end('running');
    await end('head');
    await end('gpu1');
    expect(parent.inUse).toEqual({ gpu: 0 });
  });
});
