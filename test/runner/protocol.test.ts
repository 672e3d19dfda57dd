import { describe, expect, it } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask, TaskProgressEnvelope } from '../../src/runner/types.js';
import { collect, deferred, ioTurns } from '../support/async.js';
import { ManualSource, TaskSource } from '../support/sources.js';

type Task = ScheduledTask<string, string>;

function run(tasks: Task[], limits: Record<string, number>, stopOnError = false) {
  const capacity = new ResourceCapacitySource(limits);
  const source = new TaskSource(tasks);
  const runner = new ScheduledTaskPoolRunner<string, string>('test', source, capacity);
  return { capacity, source, runner, gen: runner.runTasks(stopOnError) };
}

describe('ScheduledTaskPoolRunner protocol', () => {
  it('runTasks() defaults to stopOnError = true and throws the first task error', async () => {
    const boom = new Error('boom');
    const capacity = new ResourceCapacitySource({ capacity: 2 });
    const runner = new ScheduledTaskPoolRunner<string, string>(
      'r',
      new TaskSource<string, string>([
        { key: 'bad', runner: async () => Promise.reject(boom) },
        { key: 'ok', runner: async () => 'ok' },
      ]),
      capacity,
    );
    await expect(collect(runner.runTasks())).rejects.toBe(boom);
    await ioTurns(3);
    expect(capacity.available).toEqual({ capacity: 2 });
  });

  it('runTasks(false) yields ERROR envelopes and the other tasks go on', async () => {
    const boom = new Error('boom');
    const { gen } = run(
      [
        { key: 'a', runner: async () => 'a' },
        { key: 'b', runner: async () => Promise.reject(boom) },
        { key: 'c', runner: async () => 'c' },
      ],
      { capacity: 1 },
    );
    const envelopes = await collect(gen);
    expect(envelopes).toEqual([
      { taskId: 1, key: 'a', type: 'FINAL', value: 'a' },
      { taskId: 2, key: 'b', type: 'ERROR', error: boom },
      { taskId: 3, key: 'c', type: 'FINAL', value: 'c' },
    ]);
  });

  it('a missing cost counts as { capacity: 1 }', async () => {
    let running = 0;
    let peak = 0;
    const task = (key: string): Task => ({
      key,
      runner: async () => {
        running++;
        peak = Math.max(peak, running);
        await ioTurns(1);
        running--;
        return key;
      },
    });
    const { gen } = run([task('a'), task('b'), task('c'), task('d')], { capacity: 2 });
    const out = await collect(gen);
    expect(out.map((e) => e.type)).toEqual(['FINAL', 'FINAL', 'FINAL', 'FINAL']);
    expect(peak).toBe(2);
  });

  it('a task starts only when every resource fits; two {gpu:2} jobs never overlap', async () => {
    const limits = { gpu: 2, cpu: 3 };
    const inUse = { gpu: 0, cpu: 0 };
    let overlapGpuHeavy = 0;
    let heavyRunning = 0;
    const task = (key: string, cost: { gpu: number; cpu: number }): Task => ({
      key,
      cost,
      runner: async () => {
        inUse.gpu += cost.gpu;
        inUse.cpu += cost.cpu;
        if (cost.gpu === 2) heavyRunning++;
        if (heavyRunning > 1) overlapGpuHeavy++;
        expect(inUse.gpu).toBeLessThanOrEqual(limits.gpu);
        expect(inUse.cpu).toBeLessThanOrEqual(limits.cpu);
        await ioTurns(2);
        if (cost.gpu === 2) heavyRunning--;
        inUse.gpu -= cost.gpu;
        inUse.cpu -= cost.cpu;
        return key;
      },
    });
    const tasks = [
      task('enc1', { gpu: 2, cpu: 1 }),
      task('enc2', { gpu: 2, cpu: 1 }),
      task('f', { gpu: 1, cpu: 2 }),
      task('t', { gpu: 1, cpu: 1 }),
      task('enc3', { gpu: 2, cpu: 1 }),
    ];
    const { gen, capacity } = run(tasks, limits);
    expect((await collect(gen)).length).toBe(5);
    expect(overlapGpuHeavy).toBe(0);
    expect(capacity.available).toEqual(limits);
  });

  it('a blocked head is not consumed and no later task overtakes it', async () => {
    const first = deferred<string>();
    const started: string[] = [];
    const tasks: Task[] = [
      {
        key: 'small-1',
        cost: { gpu: 1 },
        runner: () => {
          started.push('small-1');
          return first.promise;
        },
      },
      {
        key: 'big',
        cost: { gpu: 2 },
        runner: async () => {
          started.push('big');
          return 'big';
        },
      },
      {
        key: 'small-2',
        cost: { gpu: 1 },
        runner: async () => {
          started.push('small-2');
          return 'small-2';
        },
      },
    ];
    const { gen, source } = run(tasks, { gpu: 2 });
    const pending = gen.next();
    await ioTurns(3);
    // big does not fit while small-1 holds a GPU; small-2 would fit but must wait behind it.
    expect(started).toEqual(['small-1']);
    expect(source.consumed).toBe(1);
    first.resolve('small-1');
    expect((await pending).value).toMatchObject({ key: 'small-1', type: 'FINAL' });
    const rest = await collect(gen);
    expect(rest.map((e) => e.key)).toEqual(['big', 'small-2']);
    expect(started).toEqual(['small-1', 'big', 'small-2']);
  });

  it('with nothing running, a blocked head waits and wakes on an outside release, setLimits, increment or reset', async () => {
    for (const wake of ['release', 'setLimits', 'increment', 'reset'] as const) {
      const capacity = new ResourceCapacitySource({ gpu: 2 });
      capacity.acquireImmediate({ gpu: 2 }); // held by someone else
      const runner = new ScheduledTaskPoolRunner<string, string>(
        'r',
        new TaskSource<string, string>([{ key: 'job', cost: { gpu: 1 }, runner: async () => 'done' }]),
        capacity,
      );
      const gen = runner.runTasks();
      const first = gen.next();
      let resolved = false;
      void first.then(() => {
        resolved = true;
      });
      await ioTurns(3);
      expect(resolved).toBe(false);
      if (wake === 'release') capacity.release({ gpu: 1 });
      if (wake === 'setLimits') capacity.setLimits({ gpu: 3 });
      if (wake === 'increment') capacity.increment({ gpu: 1 });
      if (wake === 'reset') capacity.reset();
      expect((await first).value).toMatchObject({ key: 'job', type: 'FINAL', value: 'done' });
      expect((await gen.next()).done).toBe(true);
    }
  });

  it('the run ends when the source is done and nothing is in flight', async () => {
    const { gen, source } = run([{ key: 'a', runner: async () => 'a' }], { capacity: 1 });
    expect(await collect(gen)).toHaveLength(1);
    expect(source.done).toBe(true);
    const empty = run([], { capacity: 1 });
    expect(await collect(empty.gen)).toEqual([]);
  });

  it('on success the cost is released, then onComplete runs, then FINAL is yielded', async () => {
    const order: string[] = [];
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const runner = new ScheduledTaskPoolRunner<string, string>(
      'r',
      new TaskSource<string, string>([
        {
          key: 'a',
          cost: { gpu: 1 },
          runner: async () => 'result',
          onComplete: (key, result) => {
            order.push(`onComplete ${key} ${result} available=${capacity.available.gpu}`);
          },
        },
      ]),
      capacity,
    );
    for await (const e of runner.runTasks()) order.push(`${e.type} ${String(e.value)}`);
    expect(order).toEqual(['onComplete a result available=1', 'FINAL result']);
  });

  it('on error the cost is released, then onError runs, then ERROR is yielded', async () => {
    const order: string[] = [];
    const boom = new Error('boom');
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const runner = new ScheduledTaskPoolRunner<string, string>(
      'r',
      new TaskSource<string, string>([
        {
          key: 'a',
          cost: { gpu: 1 },
          runner: async () => Promise.reject(boom),
          onError: (key, error) => {
            order.push(`onError ${key} ${(error as Error).message} available=${capacity.available.gpu}`);
          },
        },
      ]),
      capacity,
    );
    for await (const e of runner.runTasks(false)) order.push(`${e.type} ${(e.error as Error).message}`);
    expect(order).toEqual(['onError a boom available=1', 'ERROR boom']);
  });

  it('a streaming task yields INTERMEDIATEs in order, then FINAL, holding its cost until it returns', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const seen: Array<[string, number | undefined]> = [];
    const runner = new ScheduledTaskPoolRunner<string, string>(
      'r',
      new TaskSource<string, string>([
        {
          key: 's',
          cost: { gpu: 1 },
          runner: async function* () {
            yield '25%';
            yield '50%';
            yield '75%';
            return 'done';
          },
        },
      ]),
      capacity,
    );
    for await (const e of runner.runTasks())
      seen.push([`${e.type}:${String(e.value)}`, capacity.available.gpu]);
    expect(seen).toEqual([
      ['INTERMEDIATE:25%', 0],
      ['INTERMEDIATE:50%', 0],
      ['INTERMEDIATE:75%', 0],
      ['FINAL:done', 1],
    ]);
  });

  it('gap 17: an async runner that resolves to a generator streams like a generator', async () => {
    async function* job() {
      yield 'step';
      return 'end';
    }
    const { gen, capacity } = run([{ key: 's', cost: { capacity: 1 }, runner: async () => job() as never }], {
      capacity: 1,
    });
    const out = await collect(gen);
    expect(out.map((e) => `${e.type}:${String(e.value)}`)).toEqual(['INTERMEDIATE:step', 'FINAL:end']);
    expect(capacity.available).toEqual({ capacity: 1 });
  });

  it('a promise-returning runner produces exactly one FINAL or ERROR', async () => {
    const { gen } = run(
      [
        { key: 'ok', runner: async () => 'v' },
        { key: 'bad', runner: async () => Promise.reject(new Error('x')) },
      ],
      { capacity: 2 },
    );
    const out = await collect(gen);
    expect(out.filter((e) => e.key === 'ok').map((e) => e.type)).toEqual(['FINAL']);
    expect(out.filter((e) => e.key === 'bad').map((e) => e.type)).toEqual(['ERROR']);
  });

  it('a task that throws while starting has its cost released at once', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    let availableInOnError: number | undefined;
    const runner = new ScheduledTaskPoolRunner<string, string>(
      'r',
      new TaskSource<string, string>([
        {
          key: 'bad',
          cost: { gpu: 1 },
          runner: () => {
            throw new Error('sync failure');
          },
          onError: () => {
            availableInOnError = capacity.available.gpu;
          },
        },
      ]),
      capacity,
    );
    const out = await collect(runner.runTasks(false));
    expect(out).toMatchObject([{ key: 'bad', type: 'ERROR' }]);
    expect(availableInOnError).toBe(1);
    expect(capacity.available).toEqual({ gpu: 1 });
  });

  it('after consuming, affordability is checked again (a dynamic source may deliver something else)', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 2 });
    const hold = deferred<string>();
    const started: string[] = [];
    const small: Task = {
      key: 'small',
      cost: { gpu: 1 },
      runner: async () => {
        started.push('small');
        return 'small';
      },
    };
    const big: Task = {
      key: 'big',
      cost: { gpu: 2 },
      runner: async () => {
        started.push('big');
        return 'big';
      },
    };
    const blocker: Task = {
      key: 'blocker',
      cost: { gpu: 1 },
      runner: () => {
        started.push('blocker');
        return hold.promise;
      },
    };
    // peek() shows `small` but next() hands out `big`.
    const queue = [blocker, big];
    const source = {
      done: false,
      peek: () => (queue.length > 0 ? (queue[0] === big ? small : queue[0]) : undefined),
      next: async (): Promise<IteratorResult<Task, undefined>> => {
        const value = queue.shift();
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
    };
    const runner = new ScheduledTaskPoolRunner<string, string>('r', source, capacity);
    const gen = runner.runTasks();
    const first = gen.next();
    await ioTurns(3);
    expect(started).toEqual(['blocker']); // big was consumed but does not fit yet
    hold.resolve('blocker');
    expect((await first).value).toMatchObject({ key: 'blocker' });
    expect((await gen.next()).value).toMatchObject({ key: 'big', type: 'FINAL' });
    expect(started).toEqual(['blocker', 'big']);
  });

  it('taskIds run from 1 in the order tasks are taken, and envelopes carry the key', async () => {
    const { gen } = run(
      ['x', 'y', 'z'].map((key) => ({ key, runner: async () => key })),
      { capacity: 3 },
    );
    const out = await collect(gen);
    expect(out.map((e) => [e.taskId, e.key]).sort()).toEqual([
      [1, 'x'],
      [2, 'y'],
      [3, 'z'],
    ]);
  });

  it('under a QuotaCapacitySource release gives nothing back; the head waits for the next refill', async () => {
    const quota = new QuotaCapacitySource({ requests: 2 });
    const tasks: Task[] = ['a', 'b', 'c'].map((key) => ({
      key,
      cost: { requests: 1 },
      runner: async () => key,
    }));
    const runner = new ScheduledTaskPoolRunner<string, string>('r', new TaskSource(tasks), quota);
    const gen = runner.runTasks();
    const got: TaskProgressEnvelope<string, string>[] = [];
    got.push((await gen.next()).value as TaskProgressEnvelope<string, string>);
    got.push((await gen.next()).value as TaskProgressEnvelope<string, string>);
    expect(quota.available).toEqual({ requests: 0 });
    const third = gen.next();
    let resolved = false;
    void third.then(() => {
      resolved = true;
    });
    await ioTurns(3);
    expect(resolved).toBe(false);
    quota.reset();
    got.push((await third).value as TaskProgressEnvelope<string, string>);
    expect(got.map((e) => e.key)).toEqual(['a', 'b', 'c']);
    expect((await gen.next()).done).toBe(true);
  });

  it('an open but empty source is awaited without polling, and late tasks still run', async () => {
    const source = new ManualSource<Task>();
    const runner = new ScheduledTaskPoolRunner<string, string>(
      'r',
      source,
      new ResourceCapacitySource({ capacity: 1 }),
    );
    const gen = runner.runTasks();
    const first = gen.next();
    await ioTurns(10);
    const peeks = source.peekCalls;
    const nexts = source.nextCalls;
    await ioTurns(10);
    expect(source.peekCalls).toBe(peeks);
    expect(source.nextCalls).toBe(nexts);
    expect(nexts).toBe(1);
    source.push({ key: 'late', runner: async () => 'late' });
    expect((await first).value).toMatchObject({ key: 'late', type: 'FINAL', value: 'late' });
    const second = gen.next();
    source.end();
    expect((await second).done).toBe(true);
  });
});
