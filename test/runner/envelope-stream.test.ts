import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask, TaskRunGenerator } from '../../src/runner/types.js';
import { DependencySourceObj } from '../../src/sources/dependency-source-obj.js';
import { deferred } from '../support/async.js';

type Task = ScheduledTask<string, string>;

function runner(tasks: Task[], limits: Record<string, number> = { gpu: 1 }) {
  return new ScheduledTaskPoolRunner<string, string>(
    'r',
    new SourceBufferObj(tasks),
    new ResourceCapacitySource(limits),
  );
}

describe('what runTasks() returns behaves like an async generator', () => {
  it('is lazy: nothing starts until the first next()', async () => {
    let started = 0;
    const gen = runner([{ key: 'a', cost: { gpu: 1 }, runner: async () => `${++started}` }]).runTasks();
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(0);
    expect(await gen.next()).toMatchObject({ done: false, value: { type: 'FINAL', key: 'a' } });
    expect(started).toBe(1);
  });

  it('serves calls in order, even when several are made without waiting', async () => {
    const a = deferred<string>();
    const gen = runner(
      [
        { key: 'a', cost: { gpu: 1 }, runner: () => a.promise },
        { key: 'b', cost: { gpu: 1 }, runner: async () => 'b' },
      ],
      { gpu: 1 },
    ).runTasks();
    const first = gen.next();
    const second = gen.next();
    const third = gen.next();
    a.resolve('a');
    expect((await first).value).toMatchObject({ key: 'a', type: 'FINAL' });
    expect((await second).value).toMatchObject({ key: 'b', type: 'FINAL' });
    expect(await third).toEqual({ done: true, value: undefined });
    expect(await gen.next()).toEqual({ done: true, value: undefined });
  });

  it('return() while a next() is pending is served after it, as an async generator does', async () => {
    const a = deferred<string>();
    let bStarted = false;
    const gen = runner([
      { key: 'a', cost: { gpu: 1 }, runner: () => a.promise },
      {
        key: 'b',
        cost: { gpu: 1 },
        runner: async () => {
          bStarted = true;
          return 'b';
        },
      },
    ]).runTasks();
    const pending = gen.next();
    await new Promise((r) => setImmediate(r));
    const ended = gen.return();
    a.resolve('a');
    expect(await pending).toMatchObject({ done: false, value: { key: 'a', type: 'FINAL' } });
    expect(await ended).toEqual({ done: true, value: undefined });
    expect(bStarted).toBe(false); // the consumer left before asking for more: nothing new started
    expect(await gen.next()).toEqual({ done: true, value: undefined });
  });

  it('throw() ends the run and rejects with the error; later calls are done', async () => {
    const gen = runner([
      { key: 'a', cost: { gpu: 1 }, runner: async () => 'a' },
      { key: 'b', cost: { gpu: 1 }, runner: async () => 'b' },
    ]).runTasks();
    await gen.next();
    const error = new Error('consumer gave up');
    await expect(gen.throw(error)).rejects.toBe(error);
    expect(await gen.next()).toEqual({ done: true, value: undefined });
  });

  it('is its own async iterator, so it can be passed to for await directly', async () => {
    const gen = runner([{ key: 'a', cost: { gpu: 1 }, runner: async () => 'a' }]).runTasks();
    expect(gen[Symbol.asyncIterator]()).toBe(gen);
    const keys: string[] = [];
    for await (const e of gen) keys.push(e.key);
    expect(keys).toEqual(['a']);
  });

  it.each(['return', 'throw'] as const)(
    'a task that calls %s() on the run while it is being started: the pending next() still settles, then the run ends',
    async (how) => {
      // A graph source hands its head over synchronously, so the task starts inside the first next() call.
      const graph = new DependencyGraph<string>();
      for (const k of ['a', 'b']) graph.addNode(k);
      const pool = new ResourceCapacitySource({ gpu: 1 });
      let gen: TaskRunGenerator<string, string> | undefined;
      let ended: Promise<unknown> | undefined;
      const tasks = new Map<string, Task>([
        [
          'a',
          {
            key: 'a',
            cost: { gpu: 1 },
            runner: () => {
              ended =
                how === 'return' ? gen?.return() : gen?.throw(new Error('stop')).catch((e: unknown) => e);
              return Promise.resolve('a');
            },
          },
        ],
        ['b', { key: 'b', cost: { gpu: 1 }, runner: async () => 'b' }],
      ]);
      gen = new ScheduledTaskPoolRunner<string, string>(
        'r',
        new DependencySourceObj(graph, tasks),
        pool,
      ).runTasks();
      const first = await gen.next();
      expect(first).toMatchObject({ done: false, value: { key: 'a', type: 'FINAL' } });
      await ended;
      expect(await gen.next()).toEqual({ done: true, value: undefined });
      expect(pool.available).toEqual({ gpu: 1 });
    },
  );
});
