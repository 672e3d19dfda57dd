import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { RunnerBusyError, TaskAbortedError } from '../../src/errors/index.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask, TaskContext } from '../../src/runner/types.js';
import { collect, deferred, ioTurns } from '../support/async.js';
import { ManualSource, TaskSource } from '../support/sources.js';

type Task = ScheduledTask<string, string>;

describe('leaving a run early', () => {
  it('break stops new work, aborts running tasks, releases each cost once, fires callbacks once', async () => {
    const capacity = new ResourceCapacitySource({ slots: 3 });
    const signals: AbortSignal[] = [];
    const completions: string[] = [];
    const errors: Array<[string, unknown]> = [];
    const started: string[] = [];
    const slow = deferred<string>();
    const tasks: Task[] = [
      {
        key: 'fast',
        cost: { slots: 1 },
        runner: async () => {
          started.push('fast');
          return 'fast';
        },
      },
      {
        key: 'slow',
        cost: { slots: 1 },
        runner: (ctx: TaskContext) => {
          started.push('slow');
          signals.push(ctx.signal);
          return slow.promise;
        },
        onComplete: (key) => completions.push(key),
      },
      {
        key: 'stream',
        cost: { slots: 1 },
        runner: async function* (ctx: TaskContext) {
          started.push('stream');
          signals.push(ctx.signal);
          try {
            yield 'tick';
            yield 'never';
            return 'never';
          } finally {
            completions.push('stream-finally');
          }
        },
        onError: (key, error) => errors.push([key, error]),
      },
      {
        key: 'later',
        cost: { slots: 1 },
        runner: async () => {
          started.push('later');
          return 'later';
        },
      },
    ];
    const source = new TaskSource(tasks);
    const runner = new ScheduledTaskPoolRunner<string, string>('r', source, capacity);
    const seen: string[] = [];
    for await (const e of runner.runTasks()) {
      seen.push(`${e.key}:${e.type}`);
      if (e.key === 'fast') break;
    }
    expect(seen).toEqual(['fast:FINAL']);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(runner.running).toBe(false);
    await ioTurns(3);
    // The paused stream was returned (its finally ran) and reported as aborted; its slot is back.
    expect(completions).toContain('stream-finally');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toBeInstanceOf(TaskAbortedError);
    expect(capacity.inUse).toEqual({ slots: 1 }); // only `slow` still holds its slot
    slow.resolve('slow');
    await ioTurns(3);
    expect(completions).toEqual(['stream-finally', 'slow']);
    expect(capacity.available).toEqual({ slots: 3 });
    expect(started).not.toContain('later');
    expect(source.consumed).toBeLessThanOrEqual(4);
  });

  it('a task taken from the source but not started gets onError with an abort error', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const aborted: unknown[] = [];
    const gate = deferred<void>();
    const blocker: Task = {
      key: 'blocker',
      cost: { gpu: 1 },
      runner: async function* () {
        yield 'step 1';
        await gate.promise;
        yield 'step 2';
        return 'never reached';
      },
    };
    const waiting: Task = {
      key: 'waiting',
      cost: { gpu: 1 },
      runner: async () => 'never',
      onError: (_k, e) => aborted.push(e),
    };
    const source = new ManualSource<Task>();
    source.push(blocker);
    const runner = new ScheduledTaskPoolRunner<string, string>('r', source, capacity);
    const gen = runner.runTasks();
    expect((await gen.next()).value).toMatchObject({ key: 'blocker', value: 'step 1' });
    const second = gen.next(); // resumes: the stream advances and the runner waits on the source
    await ioTurns(3);
    source.push(waiting); // delivered by the pending next(); it does not fit, so it is held as the head
    await ioTurns(3);
    gate.resolve();
    expect((await second).value).toMatchObject({ key: 'blocker', value: 'step 2' });
    await gen.return(undefined);
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toBeInstanceOf(TaskAbortedError);
    await ioTurns(3);
    expect(capacity.available).toEqual({ gpu: 1 });
  });

  it('stopOnError throws, and the other in-flight tasks are aborted and released when they settle', async () => {
    const capacity = new ResourceCapacitySource({ slots: 2 });
    const hold = deferred<string>();
    let signal: AbortSignal | undefined;
    const tasks: Task[] = [
      {
        key: 'long',
        cost: { slots: 1 },
        runner: (ctx) => {
          signal = ctx.signal;
          return hold.promise;
        },
      },
      { key: 'fail', cost: { slots: 1 }, runner: async () => Promise.reject(new Error('fail')) },
    ];
    const runner = new ScheduledTaskPoolRunner<string, string>('r', new TaskSource(tasks), capacity);
    await expect(collect(runner.runTasks())).rejects.toThrow('fail');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(TaskAbortedError);
    expect(capacity.inUse).toEqual({ slots: 1 });
    hold.reject(signal?.reason);
    await ioTurns(3);
    expect(capacity.available).toEqual({ slots: 2 });
  });

  it('a signal read after the run ended is already aborted', async () => {
    const capacity = new ResourceCapacitySource({ slots: 2 });
    const hold = deferred<void>();
    let late: AbortSignal | undefined;
    const tasks: Task[] = [
      {
        key: 'slow',
        cost: { slots: 1 },
        runner: async (ctx) => {
          await hold.promise;
          late = ctx.signal;
          return 'slow';
        },
      },
      { key: 'quick', cost: { slots: 1 }, runner: async () => 'quick' },
    ];
    const runner = new ScheduledTaskPoolRunner<string, string>('r', new TaskSource(tasks), capacity);
    for await (const e of runner.runTasks()) {
      expect(e.key).toBe('quick');
      break;
    }
    hold.resolve();
    await ioTurns(3);
    expect(late?.aborted).toBe(true);
    expect(capacity.available).toEqual({ slots: 2 });
  });
});

describe('pacing and re-entrancy', () => {
  it('while the consumer holds an envelope no task starts and no stream advances', async () => {
    const capacity = new ResourceCapacitySource({ slots: 1 });
    const started: string[] = [];
    let streamSteps = 0;
    const tasks: Task[] = [
      {
        key: 's',
        cost: {},
        runner: async function* () {
          streamSteps++;
          yield 'one';
          streamSteps++;
          yield 'two';
          return 'end';
        },
      },
      {
        key: 'a',
        cost: { slots: 1 },
        runner: async () => {
          started.push('a');
          return 'a';
        },
      },
      {
        key: 'b',
        cost: { slots: 1 },
        runner: async () => {
          started.push('b');
          return 'b';
        },
      },
    ];
    const gen = new ScheduledTaskPoolRunner<string, string>('r', new TaskSource(tasks), capacity).runTasks();
    const first = await gen.next();
    expect(first.value).toMatchObject({ key: 's', type: 'INTERMEDIATE', value: 'one' });
    const stepsWhileHeld = streamSteps;
    const startedWhileHeld = [...started];
    await ioTurns(5);
    expect(streamSteps).toBe(stepsWhileHeld);
    expect(started).toEqual(startedWhileHeld);
    const rest = await collect(gen);
    expect(rest.map((e) => `${e.key}:${e.type}`)).toContain('s:FINAL');
    expect(started).toEqual(['a', 'b']);
  });

  it('calling runTasks while a run is active throws RunnerBusyError', async () => {
    const hold = deferred<string>();
    const runner = new ScheduledTaskPoolRunner<string, string>(
      'busy-runner',
      new TaskSource<string, string>([{ key: 'a', runner: () => hold.promise }]),
      new ResourceCapacitySource({ capacity: 1 }),
    );
    const gen = runner.runTasks();
    const first = gen.next();
    await ioTurns(3);
    await expect(runner.runTasks().next()).rejects.toBeInstanceOf(RunnerBusyError);
    hold.resolve('a');
    expect((await first).value).toMatchObject({ key: 'a' });
    expect((await gen.next()).done).toBe(true);
    expect(runner.running).toBe(false);
  });

  it('a source whose peek throws ends the run with that error whatever stopOnError says', async () => {
    const broken = new Error('broken source');
    const source = {
      peek: () => {
        throw broken;
      },
      next: async () => ({ done: true as const, value: undefined }),
    };
    const runner = new ScheduledTaskPoolRunner<string, string>(
      'r',
      source,
      new ResourceCapacitySource({ capacity: 1 }),
    );
    await expect(collect(runner.runTasks(false))).rejects.toBe(broken);
  });

  it('a source whose pending next() rejects ends the run, after in-flight cleanup', async () => {
    const broken = new Error('next failed');
    const capacity = new ResourceCapacitySource({ capacity: 2 });
    const hold = deferred<string>();
    let calls = 0;
    const source = {
      peek: () => undefined,
      next: async (): Promise<IteratorResult<Task, undefined>> => {
        calls++;
        if (calls === 1) return { done: false, value: { key: 'a', runner: () => hold.promise } };
        throw broken;
      },
    };
    const runner = new ScheduledTaskPoolRunner<string, string>('r', source, capacity);
    await expect(collect(runner.runTasks(false))).rejects.toBe(broken);
    hold.resolve('a');
    await ioTurns(3);
    expect(capacity.available).toEqual({ capacity: 2 });
  });
});
