import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import {
  CallbackError,
  CostExceedsLimitError,
  InvalidCostError,
  InvalidTaskError,
  UnknownResourceError,
} from '../../src/errors/index.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { collect } from '../support/async.js';
import { TaskSource } from '../support/sources.js';

type Task = ScheduledTask<string, string>;

function runner(tasks: Task[], capacity: ResourceCapacitySource) {
  return new ScheduledTaskPoolRunner<string, string>('r', new TaskSource(tasks), capacity);
}

describe('tasks that can never run are reported instead of left waiting', () => {
  it('a cost above a limit fails with CostExceedsLimitError instead of hanging; the run continues', async () => {
    const errors: unknown[] = [];
    const capacity = new ResourceCapacitySource({ gpu: 2 });
    const out = await collect(
      runner(
        [
          { key: 'huge', cost: { gpu: 3 }, runner: async () => 'never', onError: (_k, e) => errors.push(e) },
          { key: 'fine', cost: { gpu: 2 }, runner: async () => 'fine' },
        ],
        capacity,
      ).runTasks(false),
    );
    expect(out.map((e) => [e.key, e.type])).toEqual([
      ['huge', 'ERROR'],
      ['fine', 'FINAL'],
    ]);
    const error = out[0]?.error;
    expect(error).toBeInstanceOf(CostExceedsLimitError);
    expect((error as CostExceedsLimitError).message).toContain('huge');
    expect((error as CostExceedsLimitError).message).toContain('gpu');
    expect(errors).toEqual([error]);
    expect(capacity.available).toEqual({ gpu: 2 });
  });

  it('a cost above an ancestor limit is refused too, naming the level', async () => {
    const parent = new ResourceCapacitySource({ gpu: 4 });
    const child = new ResourceCapacitySource({ gpu: 8 }, parent);
    const out = await collect(
      runner([{ key: 'x', cost: { gpu: 5 }, runner: async () => 'x' }], child).runTasks(false),
    );
    expect(out[0]?.error).toBeInstanceOf(CostExceedsLimitError);
    expect((out[0]!.error as CostExceedsLimitError).level).toBe(1);
  });

  it('under stopOnError an impossible task is thrown', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    await expect(
      collect(runner([{ key: 'huge', cost: { gpu: 2 }, runner: async () => 'x' }], capacity).runTasks()),
    ).rejects.toBeInstanceOf(CostExceedsLimitError);
  });

  it('after the limit is raised, a new task with the same cost runs', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const first = await collect(
      runner([{ key: 'a', cost: { gpu: 2 }, runner: async () => 'a' }], capacity).runTasks(false),
    );
    expect(first[0]?.type).toBe('ERROR');
    capacity.setLimits({ gpu: 2 });
    const second = await collect(
      runner([{ key: 'b', cost: { gpu: 2 }, runner: async () => 'b' }], capacity).runTasks(false),
    );
    expect(second).toEqual([{ taskId: 1, key: 'b', type: 'FINAL', value: 'b' }]);
  });

  it.each([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '2' as unknown as number],
    ['too precise', 0.1234567],
  ])(
    'an invalid amount (%s) fails with InvalidCostError naming task and resource',
    async (_label, amount) => {
      const capacity = new ResourceCapacitySource({ gpu: 2 });
      const out = await collect(
        runner([{ key: 'bad', cost: { gpu: amount }, runner: async () => 'x' }], capacity).runTasks(false),
      );
      expect(out).toHaveLength(1);
      expect(out[0]?.error).toBeInstanceOf(InvalidCostError);
      expect((out[0]!.error as Error).message).toMatch(/bad.*gpu|gpu.*bad/);
      expect(capacity.available).toEqual({ gpu: 2 });
    },
  );

  it('a resource no level tracks (a typo) fails with UnknownResourceError', async () => {
    const parent = new ResourceCapacitySource({ cpu: 4 });
    const capacity = new ResourceCapacitySource({ gpu: 2 }, parent);
    const out = await collect(
      runner([{ key: 'typo', cost: { gpus: 1 }, runner: async () => 'x' }], capacity).runTasks(false),
    );
    const error = out[0]?.error as UnknownResourceError;
    expect(error).toBeInstanceOf(UnknownResourceError);
    expect(error.resource).toBe('gpus');
    expect(error.message).toContain('typo');
  });

  it('a key tracked only by the parent is fine', async () => {
    const parent = new ResourceCapacitySource({ cpu: 4 });
    const capacity = new ResourceCapacitySource({ gpu: 2 }, parent);
    const out = await collect(
      runner([{ key: 'p', cost: { cpu: 1 }, runner: async () => 'p' }], capacity).runTasks(false),
    );
    expect(out[0]?.type).toBe('FINAL');
  });

  it('the default cost { capacity: 1 } runs unconstrained on a pool without `capacity`, an explicit one is refused', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const out = await collect(
      runner(
        [
          { key: 'implicit', runner: async () => 'ok' },
          { key: 'explicit', cost: { capacity: 1 }, runner: async () => 'no' },
        ],
        capacity,
      ).runTasks(false),
    );
    expect(out.map((e) => [e.key, e.type])).toEqual([
      ['implicit', 'FINAL'],
      ['explicit', 'ERROR'],
    ]);
    expect(out[1]?.error).toBeInstanceOf(UnknownResourceError);
  });

  it('something that is not a task is reported as InvalidTaskError', async () => {
    const capacity = new ResourceCapacitySource({ capacity: 1 });
    const out = await collect(
      runner(
        [{ key: 'no-runner' } as unknown as Task, { key: 'ok', runner: async () => 'ok' }],
        capacity,
      ).runTasks(false),
    );
    expect(out[0]?.error).toBeInstanceOf(InvalidTaskError);
    expect(out[1]).toMatchObject({ key: 'ok', type: 'FINAL' });
  });

  it('an empty cost {} is valid and always fits', async () => {
    const capacity = new ResourceCapacitySource({ gpu: 0 });
    const out = await collect(
      runner([{ key: 'free', cost: {}, runner: async () => 'free' }], capacity).runTasks(false),
    );
    expect(out[0]?.type).toBe('FINAL');
  });
});

describe('callbacks that throw', () => {
  it('onComplete throwing turns the terminal envelope into ERROR(CallbackError); onError is not called', async () => {
    const thrown = new Error('in onComplete');
    let onErrorCalls = 0;
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const out = await collect(
      runner(
        [
          {
            key: 'a',
            cost: { gpu: 1 },
            runner: async () => 'a',
            onComplete: () => {
              throw thrown;
            },
            onError: () => {
              onErrorCalls++;
            },
          },
        ],
        capacity,
      ).runTasks(false),
    );
    expect(out).toHaveLength(1);
    const error = out[0]?.error as CallbackError;
    expect(error).toBeInstanceOf(CallbackError);
    expect(error.callback).toBe('onComplete');
    expect(error.cause).toBe(thrown);
    expect(onErrorCalls).toBe(0);
    expect(capacity.available).toEqual({ gpu: 1 });
  });

  it('onError throwing is reported with the task error as its cause; under stopOnError it is thrown', async () => {
    const taskError = new Error('task failed');
    const thrown = new Error('in onError');
    const capacity = new ResourceCapacitySource({ gpu: 1 });
    const task: Task = {
      key: 'a',
      cost: { gpu: 1 },
      runner: async () => Promise.reject(taskError),
      onError: () => {
        throw thrown;
      },
    };
    const out = await collect(runner([task], capacity).runTasks(false));
    const error = out[0]?.error as CallbackError;
    expect(error).toBeInstanceOf(CallbackError);
    expect(error.thrown).toBe(thrown);
    expect(error.cause).toBe(taskError);
    await expect(collect(runner([task], capacity).runTasks(true))).rejects.toBeInstanceOf(CallbackError);
    expect(capacity.available).toEqual({ gpu: 1 });
  });
});
