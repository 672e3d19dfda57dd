import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { CostExceedsLimitError } from '../../src/errors/index.js';
import { DependencyGraph } from '../../src/graph/dependency-graph.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { PriorityDependencySourceObj } from '../../src/sources/priority-dependency-source-obj.js';
import { PrioritySourceObj } from '../../src/sources/priority-source-obj.js';
import { collect, deferred, ioTurns } from '../support/async.js';

type Task = ScheduledTask<unknown, unknown>;

describe('review regressions', () => {
  it('any async iterable streams, not only objects that are their own iterator', async () => {
    async function* gen() {
      yield 1;
      yield 2;
      return 3;
    }
    const tasks: Task[] = [
      { key: 'iterable', cost: {}, runner: () => ({ [Symbol.asyncIterator]: () => gen() }) as never },
      { key: 'node-stream', cost: {}, runner: async () => Readable.from(['x', 'y']) as never },
    ];
    const out = await collect(
      new ScheduledTaskPoolRunner('r', new SourceBufferObj(tasks), new ResourceCapacitySource({})).runTasks(),
    );
    expect(out.filter((e) => e.key === 'iterable').map((e) => `${e.type}:${String(e.value)}`)).toEqual([
      'INTERMEDIATE:1',
      'INTERMEDIATE:2',
      'FINAL:3',
    ]);
    expect(out.filter((e) => e.key === 'node-stream').map((e) => e.type)).toEqual([
      'INTERMEDIATE',
      'INTERMEDIATE',
      'FINAL',
    ]);
  });

  it('an iterator whose next() resolves to a non-object is reported once, not looped on', async () => {
    const iterator = { next: async () => 5, [Symbol.asyncIterator]: () => iterator };
    const tasks: Task[] = [{ key: 'odd', cost: {}, runner: () => iterator as never }];
    const out = await collect(
      new ScheduledTaskPoolRunner('r', new SourceBufferObj(tasks), new ResourceCapacitySource({})).runTasks(
        false,
      ),
    );
    expect(out.map((e) => e.type)).toEqual(['ERROR']);
    expect(out[0]?.error).toBeInstanceOf(TypeError);
  });

  it('a retried task with a new cost object is judged on the new cost', async () => {
    const capacity = new ResourceCapacitySource({ mem: 4 });
    const graph = new DependencyGraph<string>();
    graph.addNode('t');
    let attempts = 0;
    let failures = 0;
    const task: Task = {
      key: 't',
      cost: { mem: 1 },
      runner: async () => {
        attempts++;
        if (attempts === 1) throw new Error('first attempt fails');
        return 'ok';
      },
      onError: (key) => {
        failures++;
        if (failures === 1) {
          task.cost = { mem: 8 }; // the retry needs more than the pool has
          source.fail(key);
        } else source.abort(key);
      },
      onComplete: (key) => source.complete(key),
    };
    const source = new PriorityDependencySourceObj(graph, new Map([['t', task]]));
    const out = await collect(new ScheduledTaskPoolRunner('r', source, capacity).runTasks(false));
    expect(out.map((e) => e.type)).toEqual(['ERROR', 'ERROR']);
    expect(out[1]?.error).toBeInstanceOf(CostExceedsLimitError);
    expect(attempts).toBe(1);
    expect(capacity.available).toEqual({ mem: 4 });
  });

  it('a release gives back exactly what was taken, even after a level starts tracking the resource', async () => {
    const parent = new ResourceCapacitySource({ cpu: 8 });
    const pool = new ResourceCapacitySource({ gpu: 8 }, parent);
    const first = deferred<string>();
    let running = 0; // b and c only
    let peak = 0;
    const bDone = deferred<void>();
    const track = async (wait: Promise<void>) => {
      running++;
      peak = Math.max(peak, running);
      await wait;
      running--;
      return 'done';
    };
    const source = new PrioritySourceObj<Task>();
    source.enqueue({ key: 'a', cost: { cpu: 1 }, runner: () => first.promise }, 1);
    const gen = new ScheduledTaskPoolRunner('r', source, pool).runTasks();
    const pending = gen.next();
    await ioTurns(3);
    pool.setLimits({ cpu: 1 }); // the pool now caps cpu at 1, but a's take did not touch the pool
    source.enqueue({ key: 'b', cost: { cpu: 1 }, runner: () => track(bDone.promise) }, 1);
    source.enqueue({ key: 'c', cost: { cpu: 1 }, runner: () => track(ioTurns(1)) }, 1);
    source.closeSource();
    await ioTurns(3); // b has started and holds the pool's only cpu; c waits
    first.resolve('a');
    const afterA = await pending; // a's cost is back: at the parent only, where a took it
    expect(pool.inUse).toEqual({ gpu: 0, cpu: 1 }); // still b's
    expect(parent.inUse).toEqual({ cpu: 1 });
    await ioTurns(3);
    bDone.resolve();
    const out = [afterA.value, ...(await collect(gen))];
    expect(out.map((e) => e?.key).sort()).toEqual(['a', 'b', 'c']);
    expect(peak).toBe(1); // b and c never overlap under the pool's new limit
    expect(pool.inUse).toEqual({ gpu: 0, cpu: 0 });
    expect(parent.available).toEqual({ cpu: 8 });
  });

  it('a runner blocked on capacity ends when its graph finishes by abort (no refill ever comes)', async () => {
    const quota = new QuotaCapacitySource({ requests: 1 });
    const graph = new DependencyGraph<string>();
    graph.addNode('a');
    graph.addNode('b');
    const hold = deferred<string>();
    let source: PriorityDependencySourceObj<string, Task>;
    const tasks = new Map<string, Task>([
      [
        'a',
        {
          key: 'a',
          cost: { requests: 1 },
          runner: () => hold.promise,
          onComplete: (k) => source.complete(k),
        },
      ],
      [
        'b',
        { key: 'b', cost: { requests: 1 }, runner: async () => 'b', onComplete: (k) => source.complete(k) },
      ],
    ]);
    source = new PriorityDependencySourceObj(graph, tasks);
    const gen = new ScheduledTaskPoolRunner('r', source, quota).runTasks();
    const first = gen.next();
    await ioTurns(3);
    hold.resolve('a');
    expect((await first).value).toMatchObject({ key: 'a', type: 'FINAL' });
    const second = gen.next(); // b is the head and does not fit: the quota is spent
    await ioTurns(3);
    for (const key of [...graph.ready]) source.abort(key); // graceful shutdown: abort every ready key
    expect((await second).done).toBe(true);
  });

  it('a runner blocked on an expensive head starts a cheaper, more urgent task enqueued meanwhile', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 2 });
    capacity.acquireImmediate({ gpu: 1 }); // held outside the runner, never released during the test
    const source = new PrioritySourceObj<Task>();
    source.enqueue({ key: 'big', cost: { gpu: 2 }, runner: async () => 'big' }, 1);
    const gen = new ScheduledTaskPoolRunner('r', source, capacity).runTasks();
    const first = gen.next();
    await ioTurns(3);
    source.enqueue({ key: 'urgent', cost: { gpu: 1 }, runner: async () => 'urgent' }, 10);
    expect((await first).value).toMatchObject({ key: 'urgent', type: 'FINAL' });
    capacity.release({ gpu: 1 });
    source.closeSource();
    expect((await collect(gen)).map((e) => e.key)).toEqual(['big']);
  });

  it.each(['return', 'close', 'closeInterrupt'] as const)(
    '%s() on a waiting source ends the run',
    async (stop) => {
      const source = new PrioritySourceObj<Task>();
      const gen = new ScheduledTaskPoolRunner('r', source, new ResourceCapacitySource({})).runTasks();
      const first = gen.next();
      await ioTurns(3);
      await source[stop]();
      expect((await first).done).toBe(true);
    },
  );
});
