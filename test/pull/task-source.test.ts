import { describe, expect, it } from 'vitest';
import type { Peekable } from '../../src/pull/peekable.js';
import { SourceObj } from '../../src/pull/source-obj.js';
import type { ScheduledTask } from '../../src/runner/types.js';

// The seed's TaskSource, exactly as the seed example writes it.
// biome-ignore format: kept verbatim from the seed
class TaskSource extends SourceObj<ScheduledTask<string, string>>
  implements Peekable<ScheduledTask<string, string>> {

  private idx = 0;

  constructor(private readonly tasks: Array<ScheduledTask<string, string>>) {
    super();
  }

  // Return the next task without consuming it
  peek(): ScheduledTask<string, string> | undefined {
    return this.tasks[this.idx];
  }

  // Yield tasks one at a time; the runner calls next() to consume
  protected override async* pull_impl():
    AsyncGenerator<ScheduledTask<string, string>> {
    for (const task of this.tasks) {
      this.idx++;
      yield task;
    }
  }
}

function makeTasks(calls: string[]): Array<ScheduledTask<string, string>> {
  return ['encode', 'features', 'thumbs'].map((key) => ({
    key,
    runner: async () => {
      calls.push(key);
      return `${key}:done`;
    },
  }));
}

const context = (key: string) => ({
  key,
  taskId: 0,
  signal: new AbortController().signal,
  reconcile: () => {},
});

describe('seed TaskSource: runs each task once, then ends', () => {
  it('runs each task once, peek() shows the next task before next(), and it is done after the end', async () => {
    const calls: string[] = [];
    const tasks = makeTasks(calls);
    const source = new TaskSource(tasks);
    const results: unknown[] = [];
    while (true) {
      const peeked = source.peek();
      const result = await source.next();
      if (result.done === true) {
        expect(peeked).toBeUndefined();
        break;
      }
      expect(result.value).toBe(peeked);
      results.push(await result.value.runner(context(result.value.key)));
    }
    expect(calls).toEqual(['encode', 'features', 'thumbs']);
    expect(results).toEqual(['encode:done', 'features:done', 'thumbs:done']);
    expect(source.done).toBe(true);
    expect(await source.next()).toEqual({ done: true, value: undefined });
    expect(calls).toHaveLength(3);
  });

  it('ends a for await loop after the last task', async () => {
    const source = new TaskSource(makeTasks([]));
    const keys: string[] = [];
    for await (const task of source) keys.push(task.key);
    expect(keys).toEqual(['encode', 'features', 'thumbs']);
    expect(source.done).toBe(true);
  });
});
