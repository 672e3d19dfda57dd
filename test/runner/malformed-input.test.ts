import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { CostExceedsLimitError, InvalidCostError, InvalidTaskError } from '../../src/errors/index.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { PrioritySourceObj } from '../../src/sources/priority-source-obj.js';
import { collect } from '../support/async.js';
import { ManualSource } from '../support/sources.js';

type Task = ScheduledTask<never, string>;
const ok = (key: string, cost: Record<string, number> = { gpu: 1 }): Task => ({
  key,
  cost,
  runner: async () => key,
});

describe('malformed items are reported and the run goes on', () => {
  it('a null item in a buffer source becomes an InvalidTaskError envelope', async () => {
    const items = [null, ok('a'), 7, ok('b')] as unknown as Task[];
    const pool = new ResourceCapacitySource({ gpu: 1 });
    const envelopes = await collect(
      new ScheduledTaskPoolRunner('r', new SourceBufferObj(items), pool).runTasks(false),
    );
    expect(envelopes.map((e) => `${e.type} ${e.key}`)).toEqual([
      'ERROR null',
      'ERROR 7',
      'FINAL a',
      'FINAL b',
    ]);
    expect(envelopes[0]?.error).toBeInstanceOf(InvalidTaskError);
    expect((envelopes[0]?.error as Error | undefined)?.message).toContain('got null');
  });

  it('a null item enqueued in a priority source too', async () => {
    const source = new PrioritySourceObj<Task>();
    source.enqueue(null as unknown as Task, 5);
    source.enqueue(ok('a'), 1);
    source.closeSource();
    const pool = new ResourceCapacitySource({ gpu: 1 });
    const envelopes = await collect(new ScheduledTaskPoolRunner('r', source, pool).runTasks(false));
    expect(envelopes.map((e) => `${e.type} ${e.key}`)).toEqual(['ERROR null', 'FINAL a']);
    expect(envelopes[0]?.error).toBeInstanceOf(InvalidTaskError);
  });

  it('a cost with inherited amounts is refused, not read as free', async () => {
    const pool = new ResourceCapacitySource({ gpu: 1 });
    const sneaky = {
      key: 'sneaky',
      cost: Object.create({ gpu: 5 }) as Record<string, number>,
      runner: async () => 'x',
    };
    const envelopes = await collect(
      new ScheduledTaskPoolRunner('r', new SourceBufferObj<Task>([sneaky, ok('a')]), pool).runTasks(false),
    );
    expect(envelopes.map((e) => `${e.type} ${e.key}`)).toEqual(['ERROR sneaky', 'FINAL a']);
    expect(envelopes[0]?.error).toBeInstanceOf(InvalidCostError);
    expect(envelopes[0]?.error).toMatchObject({ taskKey: 'sneaky', resource: 'gpu', problem: 'inherited' });
    expect(pool.canAcquire(Object.create({ gpu: 5 }))).toBe(false);
    expect(pool.tryAcquire(Object.create({ gpu: 5 }))).toMatchObject({ ok: false, reason: 'invalid_cost' });
  });

  it('a resource named __proto__ is an ordinary resource', async () => {
    const limits = JSON.parse('{"__proto__": 2, "gpu": 1}') as Record<string, number>;
    const pool = new ResourceCapacitySource(limits);
    expect(Object.keys(pool.limits)).toEqual(['__proto__', 'gpu']);
    expect(Object.getOwnPropertyDescriptor(pool.limits, '__proto__')?.value).toBe(2);
    expect(Object.getPrototypeOf(pool.available)).toBe(Object.prototype);
    const cost = JSON.parse('{"__proto__": 2}') as Record<string, number>;
    expect(pool.tryAcquire(cost).ok).toBe(true);
    expect(Object.getOwnPropertyDescriptor(pool.available, '__proto__')?.value).toBe(0);
    expect(pool.tryAcquire(cost).ok).toBe(false);
    const envelopes = await collect(
      new ScheduledTaskPoolRunner(
        'r',
        new SourceBufferObj<Task>([ok('p', JSON.parse('{"__proto__": 3}'))]),
        pool,
      ).runTasks(false),
    );
    expect(envelopes[0]?.type).toBe('ERROR'); // 3 is above the ceiling of 2: it can never fit
  });
});

describe('a cost object reused after its tasks finished', () => {
  it('is read again: a new amount applies, an impossible one is refused', async () => {
    const pool = new ResourceCapacitySource({ gpu: 4 });
    const source = new ManualSource<Task>();
    const gen = new ScheduledTaskPoolRunner('r', source, pool).runTasks(false);
    const cost: Record<string, number> = { gpu: 1 };
    const seen: number[] = [];
    const task = (key: string): Task => ({
      key,
      cost,
      runner: async () => {
        seen.push(pool.inUse.gpu ?? -1);
        return key;
      },
    });
    source.push(task('t1'));
    expect((await gen.next()).value).toMatchObject({ type: 'FINAL', key: 't1' });
    cost.gpu = 3;
    source.push(task('t2'));
    expect((await gen.next()).value).toMatchObject({ type: 'FINAL', key: 't2' });
    cost.gpu = 9; // above the limit (and the ceiling) of 4
    source.push(task('t3'));
    const refused = (await gen.next()).value;
    expect(refused).toMatchObject({ type: 'ERROR', key: 't3' });
    expect(refused?.error).toBeInstanceOf(CostExceedsLimitError);
    source.end();
    expect(await gen.next()).toEqual({ done: true, value: undefined });
    expect(seen).toEqual([1, 3]);
  });
});
