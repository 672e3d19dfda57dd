import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { InvalidOptionError } from '../../src/errors/option-errors.js';
import { SourceClosedError } from '../../src/errors/source-errors.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { PrioritySourceObj, type PrioritySourceOpts } from '../../src/sources/priority-source-obj.js';
import { collect, ioTurns, nextValue, track } from '../support/async.js';
import { manualClock } from '../support/clock.js';

/**
 * Does an item of base priority `base`, queued `ageMs` ago, come out before a fresh item of priority `probe`?
 * That is: is its effective priority ≥ `probe` (a tie goes to the older item, FIFO)?
 */
function agedBeats(opts: PrioritySourceOpts, base: number, ageMs: number, probe: number): boolean {
  const clock = manualClock(1_000);
  const source = new PrioritySourceObj<string>({ ...opts, now: clock.now });
  source.enqueue('aged', base);
  clock.advance(ageMs);
  source.enqueue('fresh', probe);
  return source.peek() === 'aged';
}

describe('PrioritySourceObj', () => {
  it('serves by priority: low(1), high(10), medium(5) → high, medium; after closeSource, low, then it ends', async () => {
    const source = new PrioritySourceObj<string>();
    source.enqueue('low', 1);
    source.enqueue('high', 10);
    source.enqueue('medium', 5);
    expect(await source.next()).toEqual({ done: false, value: 'high' });
    expect(await source.next()).toEqual({ done: false, value: 'medium' });
    source.closeSource();
    expect(await source.next()).toEqual({ done: false, value: 'low' });
    // `done` becomes true only once a pull has reported the end.
    expect(await source.next()).toEqual({ done: true, value: undefined });
    expect(source.done).toBe(true);
  });

  it('serves equal priorities in enqueue order', async () => {
    const source = new PrioritySourceObj<string>();
    for (const item of ['a', 'b', 'c', 'd']) source.enqueue(item, 3);
    source.enqueue('top', 4);
    source.closeSource();
    expect(await collect(source)).toEqual(['top', 'a', 'b', 'c', 'd']);
  });

  it('rate 0.01, cap 5: background(1) reaches 6 after 500 ms and beats a fresh 5', () => {
    const opts = { agingRate: 0.01, maxAgeBoost: 5 };
    expect(agedBeats(opts, 1, 500, 5)).toBe(true);
    expect(agedBeats(opts, 1, 500, 6)).toBe(true); // 6 vs 6: tie, the older wins
    expect(agedBeats(opts, 1, 500, 6.01)).toBe(false);
    expect(agedBeats(opts, 1, 300, 5)).toBe(false); // only 4 after 300 ms
    expect(agedBeats(opts, 1, 60_000, 6.01)).toBe(false); // capped at 6
  });

  it('rate 0.001, cap 5: 1 becomes 3 after 2 s and 6 after 5 s', () => {
    const opts = { agingRate: 0.001, maxAgeBoost: 5 };
    expect(agedBeats(opts, 1, 2_000, 2.99)).toBe(true);
    expect(agedBeats(opts, 1, 2_000, 3.01)).toBe(false);
    expect(agedBeats(opts, 1, 5_000, 5.99)).toBe(true);
    expect(agedBeats(opts, 1, 5_000, 6.01)).toBe(false);
    expect(agedBeats(opts, 1, 50_000, 6.01)).toBe(false);
  });

  it('rate 0.005, cap 45: free(10) is 50 at 8 s, 55 from 9 s, never 100', () => {
    const opts = { agingRate: 0.005, maxAgeBoost: 45 };
    expect(agedBeats(opts, 10, 8_000, 49.99)).toBe(true);
    expect(agedBeats(opts, 10, 8_000, 50.01)).toBe(false);
    for (const age of [9_000, 10_000, 1_000_000]) {
      expect(agedBeats(opts, 10, age, 54.99)).toBe(true);
      expect(agedBeats(opts, 10, age, 55.01)).toBe(false);
      expect(agedBeats(opts, 10, age, 100)).toBe(false);
    }
  });

  it('every peek() re-evaluates effective priorities, and so does a pull that follows no peek', async () => {
    const clock = manualClock();
    const source = new PrioritySourceObj<string>({ agingRate: 0.01, maxAgeBoost: 1, now: clock.now });
    source.enqueue('old', 5.5);
    clock.advance(50);
    source.enqueue('new', 5.6);
    expect(source.peek()).toBe('old'); // 6.0 > 5.6
    clock.advance(50);
    expect(source.peek()).toBe('old'); // 6.5 (capped) > 6.1
    clock.advance(50);
    expect(source.peek()).toBe('new'); // 6.5 < 6.6 (capped)
    expect(await nextValue(source.next())).toBe('new');
    expect(await nextValue(source.next())).toBe('old');
  });

  it('a pull after a peek delivers the peeked item even when aging reorders the queue in between', async () => {
    // 'old' (5.5) and 'new' (5.6, 50 ms later), rate 0.01, cap 1: at 100 ms 'old' leads (6.5 > 6.1), from
    // 150 ms 'new' does (6.6 > 6.5).
    const clock = manualClock();
    const source = new PrioritySourceObj<string>({ agingRate: 0.01, maxAgeBoost: 1, now: clock.now });
    source.enqueue('old', 5.5);
    clock.advance(50);
    source.enqueue('new', 5.6);
    clock.advance(50);
    expect(source.peek()).toBe('old');
    clock.advance(50); // the runner checked the cost of 'old'; time passes before it pulls
    expect(await nextValue(source.next())).toBe('old');
    expect(await nextValue(source.next())).toBe('new');
  });

  it('a pull waiting on an empty queue delivers what a peek showed after items arrived', async () => {
    const clock = manualClock();
    const source = new PrioritySourceObj<string>({ agingRate: 0.01, maxAgeBoost: 1, now: clock.now });
    const pending = source.next();
    source.enqueue('old', 5.5);
    clock.advance(50);
    source.enqueue('new', 5.6);
    clock.advance(50);
    expect(source.peek()).toBe('old');
    clock.advance(50);
    expect(await nextValue(pending)).toBe('old');
  });

  it('an enqueue between the peek and the pull makes the pull choose afresh', async () => {
    const clock = manualClock();
    const source = new PrioritySourceObj<string>({ agingRate: 0.01, maxAgeBoost: 1, now: clock.now });
    source.enqueue('old', 5.5);
    clock.advance(50);
    source.enqueue('new', 5.6);
    clock.advance(50);
    expect(source.peek()).toBe('old');
    clock.advance(50);
    source.enqueue('low', 0);
    expect(await nextValue(source.next())).toBe('new');
  });

  it('enqueue after closeSource throws SourceClosedError; size and closed track the state', async () => {
    const source = new PrioritySourceObj<number>();
    expect(source.size).toBe(0);
    expect(source.closed).toBe(false);
    source.enqueue(1, 1);
    source.enqueue(2, 2);
    expect(source.size).toBe(2);
    await source.next();
    expect(source.size).toBe(1);
    source.closeSource();
    expect(source.closed).toBe(true);
    expect(() => source.enqueue(3, 3)).toThrow(SourceClosedError);
    expect(source.size).toBe(1);
    source.closeSource(); // idempotent
    expect(await collect(source)).toEqual([1]);
  });

  it('a pull waits while the queue is empty; enqueue wakes it', async () => {
    const source = new PrioritySourceObj<string>();
    const pending = track(source.next());
    await ioTurns(3);
    expect(pending.settled).toBe(false);
    source.enqueue('x', 1);
    expect(await nextValue(pending.promise)).toBe('x');
  });

  it('closeSource ends a waiting pull once drained', async () => {
    const source = new PrioritySourceObj<string>();
    const pending = source.next();
    source.closeSource();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('validates its options and priorities', () => {
    expect(() => new PrioritySourceObj({ agingRate: -1 })).toThrow(InvalidOptionError);
    expect(() => new PrioritySourceObj({ agingRate: Number.NaN })).toThrow(InvalidOptionError);
    expect(() => new PrioritySourceObj({ maxAgeBoost: -1 })).toThrow(InvalidOptionError);
    expect(() => new PrioritySourceObj({ now: 5 as unknown as () => number })).toThrow(InvalidOptionError);
    const source = new PrioritySourceObj<string>();
    expect(() => source.enqueue('bad', Number.NaN)).toThrow(InvalidOptionError);
    expect(source.size).toBe(0);
  });

  it('with the runner, a higher-priority task starts first and both run at once', async () => {
    const source = new PrioritySourceObj<ScheduledTask<string, string>>();
    const started: string[] = [];
    const completed: string[] = [];
    source.enqueue(
      {
        key: 'task-1',
        cost: { capacity: 1, memory_gb: 4 },
        runner: async () => {
          started.push('task-1');
          await ioTurns(2);
          return 'one';
        },
        onComplete: (k, r) => completed.push(`${k}:${r}`),
      },
      5,
    );
    source.enqueue(
      {
        key: 'task-2',
        cost: { capacity: 2, memory_gb: 8 },
        runner: async function* () {
          started.push('task-2');
          yield 'step 1';
          yield 'step 2';
          return 'final result';
        },
      },
      10,
    );
    source.closeSource();
    const runner = new ScheduledTaskPoolRunner(
      'prio',
      source,
      new ResourceCapacitySource({ capacity: 3, memory_gb: 16 }),
    );
    const envelopes = await collect(runner.runTasks());
    expect(started).toEqual(['task-2', 'task-1']);
    const task2 = envelopes.filter((e) => e.key === 'task-2').map((e) => e.type);
    expect(task2).toEqual(['INTERMEDIATE', 'INTERMEDIATE', 'FINAL']);
    expect(envelopes.find((e) => e.key === 'task-2' && e.type === 'FINAL')?.value).toBe('final result');
    expect(completed).toEqual(['task-1:one']);
  });
});
